"""``kill -9`` of ``drafter index`` at any moment leaves the previous index live and usable, and
the next run completes (the real CLI in child processes over the sample corpus and the seeds)."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.bench import drafter_env
from tests.conftest import CORPUS, SEEDS

pytestmark = pytest.mark.slow


def drafter(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=data_dir.parent, env=drafter_env(data_dir),
                          capture_output=True, text=True, timeout=300)


def test_killed_index_runs_leave_the_old_index_searchable_and_the_next_run_completes(tmp_path: Path) -> None:
    data_dir, corpus = tmp_path / "data", tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    assert drafter(data_dir, "index", str(corpus)).returncode == 0
    before = drafter(data_dir, "search", "低保 救助").stdout
    current = (data_dir / "index" / "CURRENT").read_text()
    assert "来源" in before or before.strip()

    for seed in SEEDS.glob("*.txt"):  # a much bigger corpus: the next build takes a while
        shutil.copy(seed, corpus / seed.name)
    rng = random.Random(7)
    for moment in (rng.uniform(2.0, 5.0), rng.uniform(6.0, 12.0)):  # while loading, while embedding
        proc = subprocess.Popen([sys.executable, "-m", "bot", "index", str(corpus)], cwd=tmp_path,
                                env=drafter_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert (data_dir / "index" / "CURRENT").read_text() == current, f"killed at {moment:.1f} s"
        again = drafter(data_dir, "search", "低保 救助")
        assert again.returncode == 0 and again.stdout == before, f"killed at {moment:.1f} s"

    done = drafter(data_dir, "index", str(corpus))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (data_dir / "index" / "CURRENT").read_text() != current
    stats = drafter(data_dir, "stats")
    assert stats.returncode == 0
    assert drafter(data_dir, "search", "低保 救助").returncode == 0
    snapshots = [p for p in (data_dir / "index" / "snapshots").iterdir() if p.is_dir()]
    assert len(snapshots) <= 3, [p.name for p in snapshots]  # half-written builds are cleaned up
