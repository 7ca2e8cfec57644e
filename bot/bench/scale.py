"""Benchmark section ``scale``: build time, disk, memory and query latency at 1k/10k/100k passages."""

from __future__ import annotations

import random
import time
from pathlib import Path

from bot.bench import latencies, p50_p95, peak_mb
from bot.bench.retrieval import QUERIES
from bot.config import DEFAULT_CORPUS


def synthetic_passages(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """n passages recombined from the sample corpus' sentences (realistic vocabulary)."""
    import re

    from bot.text.model import Passage

    sentences = []
    for path in sorted(DEFAULT_CORPUS.glob("*")):
        sentences += [s for s in re.findall(r"[^。！？\n]+[。！？]", path.read_text(encoding="utf-8")) if len(s) > 12]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = "".join(rng.choice(sentences) for _ in range(rng.randint(4, 9)))
        out.append(Passage(id=f"s{i}", text=text, source=f"synthetic_{i // 50}.txt", title="合成文档",
                           section=(rng.choice(["主要做法", "存在问题", "下一步打算", "基本情况"]),), kind="年度总结"))
    return out


def run(flags: list[str]) -> int:
    from rank_bm25 import BM25Okapi

    from bot.retrieval.evaluate import load_queries
    from bot.retrieval.lexical import LexicalIndex
    from bot.retrieval.retriever import Retriever
    from bot.retrieval.store import Snapshot

    queries = [q.query for q in load_queries(QUERIES)] if QUERIES.exists() else ["党建工作", "低保救助"]
    _lat = lambda fn, qs: p50_p95(latencies(fn, qs))  # noqa: E731
    print("## Scale (synthetic passages from the sample corpus; lexical only)")
    print("| passages | build s | build baseline s | p50 ms | p95 ms | baseline p95 ms | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for n in (1_000, 10_000, 100_000):
        passages = synthetic_passages(n)
        t = time.perf_counter()
        lex = LexicalIndex.build(passages)
        build = time.perf_counter() - t
        t = time.perf_counter()
        ws = BM25Okapi([p.text.split() for p in passages])
        base_build = time.perf_counter() - t
        r = Retriever(Snapshot(Path("."), passages, {}, lex), dense_weight=0.0)
        r.search(queries[0], method="lexical")
        p50, p95 = _lat(lambda q: r.search(q, k=10, method="lexical"), queries)
        _, bp95 = _lat(lambda q: ws.get_scores(q.split()), queries[:10])
        print(f"| {n:,} | {build:.1f} | {base_build:.1f} | {p50:.1f} | {p95:.1f} | {bp95:.1f} | {peak_mb():.0f} |")
        del ws, lex, r, passages
    return 0
