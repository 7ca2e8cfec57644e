"""Benchmark section ``retrieval``: ingestion throughput, index size and query latency at seed
size, each beside a baseline measured in the same run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bot.bench import dir_mb, latencies, p50_p95, peak_mb
from bot.config import DEFAULT_CORPUS, PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
QUERIES = PROJECT_ROOT.parent / "shared" / "eval" / "retrieval_dev.jsonl"


def _lat(fn, queries: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    return p50_p95(latencies(fn, queries))


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


def run(flags: list[str]) -> int:
    from rank_bm25 import BM25Okapi

    from bot.ingest.indexer import Indexer
    from bot.retrieval.evaluate import load_queries
    from bot.services import open_retriever

    queries = [q.query for q in load_queries(QUERIES)] if QUERIES.exists() else ["党建工作", "低保救助"]
    source = SEEDS if SEEDS.exists() else DEFAULT_CORPUS
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(source.glob("*.txt"))}
    chars = sum(len(t) for t in texts.values())

    print(f"## Ingestion and query latency at seed size\n\n### Ingestion of {source.name} ({chars:,} characters)")
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

    with tempfile.TemporaryDirectory() as lexical_tmp:
        settings = Settings(_env_file=None, data_dir=Path(lexical_tmp), chroma_url="")
        t = time.perf_counter()
        plain = Indexer(settings).build([source])
        print(f"- full build as `drafter index` does it with the packaged model (dense weight "
              f"{plain.dense_weight:.2f}, so no vectors): {time.perf_counter() - t:.1f} s, {plain.embedded} vectors")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), chroma_url="")  # embedded: leave no collection on a server
        t = time.perf_counter()
        store = Indexer(settings)
        result = store.build([source], with_vectors=True)
        build_s = time.perf_counter() - t
        print(f"- full build with embeddings (what `--method dense` first prepares): {build_s:.1f} s "
              f"({result.embedded} vectors, [UNK] {result.unknown_share:.1%}); index on disk {dir_mb(Path(tmp)):.1f} MB")
        t = time.perf_counter()
        again = store.build([source])
        print(f"- re-index unchanged: {time.perf_counter() - t:.2f} s, {again.embedded} vectors computed "
              f"(ratio to full build {(time.perf_counter() - t) / build_s:.3f})")
        retriever = open_retriever(settings, dense=True)
        assert retriever is not None
        print(f"\n### Query latency at seed size ({len(retriever.passages)} passages, {len(queries)} queries)")
        ws_index = BM25Okapi([p.text.split() or [""] for p in retriever.passages])
        b50, b95 = _lat(lambda q: ws_index.get_scores(q.split()), queries)
        print(f"- baseline rank_bm25 whitespace: p50 {b50:.2f} ms  p95 {b95:.2f} ms")
        for method in ("lexical", "dense", "hybrid", "default"):
            retriever.search(queries[0], method=method)
            p50, p95 = _lat(lambda q, m=method: retriever.search(q, k=10, method=m), queries)
            print(f"- {method:<8} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (p95 ratio to baseline {p95 / max(b95, 1e-9):.1f})")

    print(f"\npeak RSS so far {peak_mb():.0f} MB")
    return 0

