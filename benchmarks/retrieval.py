"""Benchmark section ``retrieval``: ingestion throughput, index size and query latency at seed
size, each beside a baseline measured in the same run."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import SHARED, dir_mb, latencies, p50_p95, peak_mb
from bot.config import DEFAULT_CORPUS, Settings

SEEDS = SHARED / "seeds"
QUERIES = SHARED / "eval" / "retrieval_dev.jsonl"
PAGES = SHARED / "eval" / "pages"
# Paraphrase queries of our own over corpus/ (abbreviations, colloquial wording, a formula described
# instead of quoted): the kind of query where the user's words differ from the passage's.
PROBE = Path(__file__).with_name("paraphrase_probe.jsonl")
# (name, queries, corpus) of the quality tables; sets whose files are absent are skipped.
QUALITY_SETS = (
    ("dev set (`shared/eval/retrieval_dev.jsonl` over `shared/seeds`)", QUERIES, SEEDS),
    ("pages (`shared/eval/pages/queries.jsonl` over `pages/corpus`)", PAGES / "queries.jsonl", PAGES / "corpus"),
    ("paraphrase probe (ours, `benchmarks/paraphrase_probe.jsonl` over `corpus/`)", PROBE, DEFAULT_CORPUS),
)
METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "p50_ms")


def _lat(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
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


def quality() -> None:
    """Every method on each set, beside plain BM25 (rank_bm25) over the same passages."""
    from rank_bm25 import BM25Okapi

    from bot.ingest.indexer import Indexer
    from bot.retrieval.evaluate import evaluate_method, load_queries
    from bot.retrieval.retriever import METHODS, Retriever
    from bot.services import open_retriever
    from bot.text import tokenize

    print("## Retrieval quality\n\nThe metrics of `shared/eval/README.md` (top 10, containment match), every method "
          "over one index per set; the baselines are rank_bm25 (BM25Okapi) over the same passages, tokenised by "
          "jieba with our dictionary or into character bigrams, queries tokenised alike, nothing else.")
    for name, queries_path, corpus in QUALITY_SETS:
        if not (queries_path.exists() and corpus.exists()):
            continue
        queries = load_queries(queries_path)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(_env_file=None, data_dir=Path(tmp), chroma_url="")
            indexer = Indexer(settings)
            indexer.build([corpus], with_vectors=True)
            retriever = open_retriever(settings, dense=True, embedder=indexer.embedder)
            assert retriever is not None
            texts = [p.text for p in retriever.passages]
            rows: dict[str, dict[str, float]] = {}
            for label, tok in (("rank_bm25 over jieba words", tokenize.words), ("rank_bm25 over bigrams", tokenize.bigrams)):
                bm = BM25Okapi([tok(t) or [""] for t in texts])

                def baseline(q: str, bm: BM25Okapi = bm, tok: Callable[[str], list[str]] = tok,
                             texts: list[str] = texts) -> list[str]:
                    scores = bm.get_scores(tok(q))
                    return [texts[i] for i in sorted(range(len(texts)), key=lambda i: -scores[i])[:10]]
                rows[label] = evaluate_method(baseline, queries)[0]
            for method in METHODS:
                def run_method(q: str, m: str = method, retriever: Retriever = retriever) -> list[str]:
                    return [h.passage.text for h in retriever.search(q, k=10, method=m)]
                run_method(queries[0].query)
                rows[method] = evaluate_method(run_method, queries)[0]
        print(f"\n### {name}: {len(queries)} queries, {len(texts)} passages, default dense weight "
              f"{retriever.dense_weight:.2f}\n")
        print("| method | " + " | ".join(METRICS) + " |")
        print("|---|" + "---|" * len(METRICS))
        for label, m in rows.items():
            print(f"| {label} | " + " | ".join(f"{m[k]:.3f}" if k != "p50_ms" else f"{m[k]:.1f}" for k in METRICS) + " |")


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
            p50, p95 = _lat(lambda q: retriever.search(q, k=10, method=method), queries)  # noqa: B023 - timed at once
            print(f"- {method:<8} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (p95 ratio to baseline {p95 / max(b95, 1e-9):.1f})")

    print()
    quality()
    print(f"\npeak RSS so far {peak_mb():.0f} MB")
    return 0

