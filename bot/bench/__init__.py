"""``make bench``: every performance figure, each beside a baseline measured in the same run.

Sections (each a module with ``run(argv) -> int`` printing Markdown):
``retrieval`` (ingestion and query latency at seed size), ``cleaning`` (residue of scraped
pages in ordinary search results), ``scale`` (1k/10k/100k passages), ``load`` (simulated staff
against the real ``drafter serve``), ``llm`` (model latency per section and the guard's refusals,
against the fake OpenAI endpoint). ``python -m bot.bench`` runs
them all and writes BENCHMARKS.md; ``python -m bot.bench load`` runs one.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.offline import OFFLINE_ENV


def drafter_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for ``python -m bot …`` in a child process: this checkout, ``data_dir``,
    offline models, and none of the operator's own DRAFTER_*/TELEGRAM_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTER_", "TELEGRAM_"))}
    env.update(OFFLINE_ENV)
    env.update(PYTHONPATH=str(PROJECT_ROOT), DRAFTER_DATA_DIR=str(data_dir), **extra)
    return env


def peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """Peak resident memory of the largest waited-for child process, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1048576


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latencies(fn: Callable[[str], object], queries: Iterable[str]) -> list[float]:
    """Milliseconds per call of ``fn`` over the queries."""
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def p50_p95(times: list[float]) -> tuple[float, float]:
    return (statistics.median(times) if times else 0.0), percentile(times, 0.95)
