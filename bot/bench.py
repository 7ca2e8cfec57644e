"""``make bench``: ingestion throughput, index size, query latency and memory, each beside a
baseline measured in the same run (machines here are noisy; compare ratios, not seconds)."""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.config import DEFAULT_CORPUS, PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
QUERIES = PROJECT_ROOT.parent / "shared" / "eval" / "retrieval_dev.jsonl"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1048576


def _lat(fn, queries: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def stages(texts: dict[str, str]) -> dict[str, float]:
    """Seconds per ingestion stage over the given file texts."""
    from bot.ingest.pipeline import build_passages, file_title
    from bot.retrieval.lexical import LexicalIndex
    from bot.text.clean import clean_lines
    from bot.text.split import split_documents

    out: dict[str, float] = {}
    t = time.perf_counter()
    cleaned = {name: clean_lines(text) for name, text in texts.items()}
    out["clean"] = time.perf_counter() - t
    t = time.perf_counter()
    docs = [d for name, lines in cleaned.items() for d in split_documents(lines, name, file_title(name, texts[name]))]
    out["split"] = time.perf_counter() - t
    t = time.perf_counter()
    passages, _ = build_passages(docs)
    out["dedup_tag"] = time.perf_counter() - t
    t = time.perf_counter()
    LexicalIndex.build(passages)
    out["lexical_index"] = time.perf_counter() - t
    out["passages"] = len(passages)
    return out


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


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from rank_bm25 import BM25Okapi

    from bot.retrieval.evaluate import load_queries
    from bot.retrieval.lexical import LexicalIndex
    from bot.retrieval.store import IndexStore, Snapshot
    from bot.retrieval.retriever import Retriever
    from bot.services import open_retriever

    print("# drafter benchmark (2 cores; ratios matter, absolute numbers drift)\n")
    queries = [q.query for q in load_queries(QUERIES)] if QUERIES.exists() else ["党建工作", "低保救助"]
    source = SEEDS if SEEDS.exists() else DEFAULT_CORPUS
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(source.glob("*.txt"))}
    chars = sum(len(t) for t in texts.values())

    print(f"## Ingestion of {source.name} ({chars:,} characters)")
    st = stages(texts)
    t = time.perf_counter()
    ws_tokens = [t_.split() for text in texts.values() for t_ in text.splitlines() if t_.strip()]
    BM25Okapi(ws_tokens)
    baseline = time.perf_counter() - t
    for stage in ("clean", "split", "dedup_tag", "lexical_index"):
        print(f"- {stage:<14} {chars / max(st[stage], 1e-9):>12,.0f} chars/s")
    total = sum(st[s] for s in ("clean", "split", "dedup_tag", "lexical_index"))
    print(f"- whole pipeline {chars / total:>12,.0f} chars/s   baseline rank_bm25 on whitespace lines "
          f"{chars / max(baseline, 1e-9):,.0f} chars/s (ratio {baseline / total:.3f})")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))
        t = time.perf_counter()
        store = IndexStore(settings)
        result = store.build([source])
        build_s = time.perf_counter() - t
        print(f"- full build with embeddings: {build_s:.1f} s ({result.embedded} vectors, "
              f"[UNK] {result.unknown_share:.1%}); index on disk {_dir_mb(Path(tmp)):.1f} MB")
        t = time.perf_counter()
        again = store.build([source])
        print(f"- re-index unchanged: {time.perf_counter() - t:.2f} s, {again.embedded} vectors computed "
              f"(ratio to full build {(time.perf_counter() - t) / build_s:.3f})")
        retriever = open_retriever(settings, dense=True)
        assert retriever is not None
        print(f"\n## Query latency at seed size ({len(retriever.passages)} passages, {len(queries)} queries)")
        ws_index = BM25Okapi([p.text.split() or [""] for p in retriever.passages])
        b50, b95 = _lat(lambda q: ws_index.get_scores(q.split()), queries)
        print(f"- baseline rank_bm25 whitespace: p50 {b50:.2f} ms  p95 {b95:.2f} ms")
        for method in ("lexical", "dense", "hybrid", "default"):
            retriever.search(queries[0], method=method)
            p50, p95 = _lat(lambda q, m=method: retriever.search(q, k=10, method=m), queries)
            print(f"- {method:<8} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (p95 ratio to baseline {p95 / max(b95, 1e-9):.1f})")

    print("\n## Scale (synthetic passages from the sample corpus; lexical only)")
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
        print(f"| {n:,} | {build:.1f} | {base_build:.1f} | {p50:.1f} | {p95:.1f} | {bp95:.1f} | {_peak_mb():.0f} |")
        del ws, lex, r, passages
    print(f"\npeak RSS {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
