"""Retrieval evaluation: the match rule and metrics of ``shared/eval/README.md``."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.text.normalize import match_key


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    relevant: tuple[str, ...]


def load_queries(path: Path) -> list[Query]:
    out: list[Query] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Query(str(d.get("id", len(out))), d["query"], tuple(d["relevant"])))
    return out


def is_relevant(passage_text: str, relevant: Sequence[str]) -> bool:
    key = match_key(passage_text)
    return any(match_key(s) in key for s in relevant)


def first_relevant_rank(texts: Sequence[str], relevant: Sequence[str]) -> int | None:
    for rank, text in enumerate(texts[:10], start=1):
        if is_relevant(text, relevant):
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def evaluate_method(search: Callable[[str], Sequence[str]], queries: Sequence[Query]) -> tuple[dict[str, float], list[int | None]]:
    """``search(query) -> list of passage texts``; returns the metrics and each query's rank."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    for q in queries:
        t = time.perf_counter()
        texts = search(q.query)
        latencies.append((time.perf_counter() - t) * 1000)
        ranks.append(first_relevant_rank(texts, q.relevant))
    n = max(1, len(queries))
    metrics = {
        "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "hit@10": sum(1 for r in ranks if r is not None) / n,
        "mrr@10": sum(1 / r for r in ranks if r is not None) / n,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p95_ms": percentile(latencies, 0.95),
    }
    return {k: round(v, 4) for k, v in metrics.items()}, ranks
