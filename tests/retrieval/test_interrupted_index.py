"""``kill -9`` of ``drafter index`` at any step leaves the previous index live and usable, and the
next run completes: the real CLI in child processes, each killed by a fault point at a step of
the build (deterministic, not after a guessed sleep)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from testing.processes import drafter_env
from tests.conftest import CORPUS, SEEDS

pytestmark = pytest.mark.slow

# Runs ``drafter ARGS`` after arranging for the process to SIGKILL itself at step POINT.
FAULT = r"""
import os, signal, sys
import bot.ingest.indexer as ix
from testing.embedder import HashEmbedder

point, args = sys.argv[1], sys.argv[2:]

def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)

def on_call(n, real):
    calls = [0]
    def wrapped(*a, **k):
        calls[0] += 1
        if calls[0] == n:
            die()
        return real(*a, **k)
    return wrapped

if point == "reading":      # while reading and cleaning the files
    ix.read_file = on_call(2, ix.read_file)  # the second of the two new files
elif point == "lexical":    # every file read, nothing written yet
    ix.LexicalIndex.build = die
elif point == "embedding":  # the second batch of vectors
    embedder = HashEmbedder()
    embedder.encode = on_call(2, embedder.encode)
    ix.Embedder = lambda model="": embedder
elif point == "publish":    # the new snapshot complete on disk, CURRENT not yet swapped
    real_replace = os.replace
    os.replace = lambda src, dst: die() if str(dst).endswith("CURRENT") else real_replace(src, dst)
from bot.cli import main
sys.exit(main(args))
"""


def drafter(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=data_dir.parent, env=drafter_env(data_dir, **env),
                          capture_output=True, text=True, timeout=300)


def killed_at(point: str, data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", FAULT, point, *args], cwd=data_dir.parent,
                          env=drafter_env(data_dir, **env), capture_output=True, text=True, timeout=300)


def test_killed_index_runs_leave_the_old_index_searchable_and_the_next_run_completes(tmp_path: Path) -> None:
    data_dir, corpus = tmp_path / "data", tmp_path / "corpus"
    corpus.mkdir()
    for name in ("special_dibao_assistance_2024.md", "special_employment_2024.md", "annual_summary_xingfuli_2024.md"):
        shutil.copy(CORPUS / name, corpus / name)
    assert drafter(data_dir, "index", str(corpus)).returncode == 0
    before = drafter(data_dir, "search", "低保 救助").stdout
    assert "【1】" in before and "来源：" in before and "低保" in before
    current = (data_dir / "index" / "CURRENT").read_text()

    seed = sorted(SEEDS.glob("*.txt"))[-1]  # more files for the next build; the fault points say when it dies
    shutil.copy(seed, corpus / seed.name)
    shutil.copy(CORPUS / "special_elderly_care_2025.md", corpus / "special_elderly_care_2025.md")
    for point, env in (("reading", {}), ("lexical", {}), ("embedding", {"DRAFTER_DENSE_WEIGHT": "0.5"}),
                       ("publish", {})):
        run = killed_at(point, data_dir, "index", str(corpus), **env)
        assert run.returncode == -signal.SIGKILL, (point, run.stderr[-2000:])
        assert (data_dir / "index" / "CURRENT").read_text() == current, point
        again = drafter(data_dir, "search", "低保 救助")
        assert again.returncode == 0 and again.stdout == before, point

    done = drafter(data_dir, "index", str(corpus))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (data_dir / "index" / "CURRENT").read_text() != current
    assert drafter(data_dir, "stats").returncode == 0
    after = drafter(data_dir, "search", "长者食堂 助餐")
    assert after.returncode == 0 and "special_elderly_care_2025.md" in after.stdout
    snapshots = list((data_dir / "index" / "snapshots").iterdir())
    assert len(snapshots) == 1, [p.name for p in snapshots]  # killed runs' leftovers are gone
