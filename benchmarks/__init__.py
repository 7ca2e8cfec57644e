"""``make bench``: every performance figure, each beside a baseline measured in the same run.

Sections (each a module with ``run(argv) -> int`` printing Markdown):
``retrieval`` (ingestion and query latency at seed size), ``cleaning`` (residue of scraped
pages in ordinary search results), ``scale`` (1k/10k/100k passages), ``load`` (simulated staff
against the real ``drafter serve``), ``llm`` (model latency per section and the guard's refusals,
against the fake OpenAI endpoint). ``python -m benchmarks`` runs
them all and writes BENCHMARKS.md; ``python -m benchmarks load`` runs one.

A developer's tool beside the product, not shipped in the wheel: run from a checkout, with
``testing/`` (the fake Bot API and OpenAI endpoint) and ``../shared`` beside it.
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.retrieval.evaluate import percentile
from testing.processes import CHECKOUT

SHARED = CHECKOUT.parent / "shared"  # the seeds and evaluation sets, read-only, beside the checkout


def peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """Peak resident memory of the largest waited-for child process, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1048576


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
