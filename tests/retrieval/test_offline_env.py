"""Importing a module changes no environment variable; the offline settings are made where a
process starts (``drafter``), and only where the operator has not set them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

CHECK = r"""
import json, os, sys
before = dict(os.environ)
import bot.retrieval.dense, bot.services, bot.ingest.indexer
assert dict(os.environ) == before, sorted(set(os.environ.items()) ^ set(before.items()))
from bot.cli import main
try:
    main(["--data-dir", sys.argv[1], "stats"])
except SystemExit:
    pass
print(json.dumps({k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY")}))
"""


def test_imports_leave_the_environment_alone_and_the_cli_sets_offline_defaults(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "0", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path / "data")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    values = json.loads(run.stdout.strip().splitlines()[-1])
    assert values == {"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
