"""Benchmark section ``scale``: build time, disk, memory and query latency of each retrieval
method at 1k / 10k / 100k synthetic passages, each beside a baseline measured in the same run.

Every measurement runs in a child process of its own (``python -m benchmarks.scale --child …``),
so each peak RSS belongs to one size and one step, not to everything measured before it:

- ``lexical-build``: the real ``LexicalIndex.build`` and the real snapshot format
  (``bot.ingest.indexer.write_snapshot``), with the build's own profile of where the time went;
- ``lexical-query``: the snapshot loaded as the bot loads it, queried through
  ``Retriever.search(method="lexical")``;
- ``bm25-baseline``: rank_bm25 ``BM25Okapi`` over the same passages' jieba words;
- ``embed``: the embedding rate of the packaged MiniLM on real-length synthetic passages
  (embedding 100k passages would take about an hour, so dense build time is extrapolated from
  it) and the real vectors that seed the synthetic ones;
- ``dense``: N distinct vectors derived from those real ones, inserted into Chroma through our
  ``VectorStore``, queried through ``Retriever.search(method="dense" / "hybrid")``, against a
  brute-force numpy cosine baseline (with Chroma's recall@10 against it).

Flags: ``--quick`` (1k and 10k only), ``--sizes=N,N`` (any sizes), ``--million`` (also measure
1M passages, lexical only, whatever the estimate says), ``--embed-sample=N`` (passages embedded
to measure the rate), ``--queries=N`` (only the first N eval queries: smoke tests).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import dir_mb, p50_p95
from benchmarks.retrieval import QUERIES
from bot.config import DEFAULT_CORPUS
from bot.text.model import Passage
from testing.processes import CHECKOUT, drafter_env

if TYPE_CHECKING:
    import numpy as np

    from bot.config import Settings

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
MILLION = 1_000_000
# 1M is measured (lexical only) when the 10k → 100k growth predicts a build under this.
MILLION_BUDGET_S = 600.0
EMBED_SAMPLE = 500
ROUNDS = 3  # timed passes over the eval queries, after one warm-up pass
DENSE_ROUNDS = 2
WARMUP = 5  # untimed queries first
RESULT_TAG = "SCALE-RESULT "
FALLBACK_QUERIES = ["党建工作怎么写", "低保救助的例句", "社区养老服务总结", "平安建设和禁毒宣传"]

# ---------------------------------------------------------------------------------------------
# Synthetic corpus, recombined from our own sample corpus (corpus/; never from third-party text)
# ---------------------------------------------------------------------------------------------

# Community and street names of the sample corpus (all fictional), replaced per synthetic document.
_CORPUS_NAMES = ("幸福里", "柳荫街", "青石桥", "桂花园", "东湖", "玉泉", "南塘", "翠屏", "枫林", "金桥", "向阳")
_CORPUS_STREETS = ("梧桐", "春晖", "清溪", "滨河", "湖滨")
_NAME_CHARS = ("青松枫桂柳梅竹兰荷湖河江溪泉山岭石桥园林苑华安康宁和兴隆盛泰福瑞祥"
               "春秋阳光明新东南西北金银玉翠锦绣丰乐民德仁义礼智信长平永昌嘉鸿鹏凤龙")
_KIND_SLUG = {"年度总结": "annual", "半年总结": "halfyear", "专项总结": "special", "调研报告": "research",
              "工作计划": "workplan"}
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"20[0-3]\d(?=年)")


@lru_cache(maxsize=1)
def sample_passages() -> tuple[Passage, ...]:
    """The sample corpus through the real ingestion pipeline: the material that is recombined."""
    from bot.ingest.pipeline import build_passages, documents_of

    docs = []
    for path in sorted(DEFAULT_CORPUS.glob("*")):
        if path.suffix in (".txt", ".md"):
            docs += documents_of(path.name, path.read_text(encoding="utf-8"))
    passages, _ = build_passages(docs)
    return tuple(passages)


def _split(text: str) -> tuple[str, list[str]]:
    """A passage's heading line (when it opens with one) and its sentences."""
    head = ""
    if "\n" in text:
        first, rest = text.split("\n", 1)
        if len(first) <= 30 and not first.endswith("。"):
            head, text = first, rest
    return head, [s for s in _SENTENCE.findall(text.replace("\n", "")) if len(s) >= 6]


def _vary_number(rng: random.Random, s: str, year_shift: int) -> str:
    if "." in s:
        whole, frac = s.split(".")
        lo = 10 ** (len(whole) - 1) if len(whole) > 1 else 0
        return f"{rng.randint(lo, 10 ** len(whole) - 1)}.{rng.randint(1, 9)}{frac[1:]}"
    value = int(s)
    if len(s) == 4 and 2000 <= value <= 2039:  # a year moves with the document's year
        return str(value + year_shift)
    if value <= 12 and rng.random() < 0.5:  # small counts, months and list numbers often stay
        return s
    lo = 10 ** (len(s) - 1) if len(s) > 1 else 1
    return str(rng.randint(lo, 10 ** len(s) - 1))


def synthetic_passages(n: int, seed: int = 7) -> list[Passage]:
    """n passages in synthetic documents recombined from the sample corpus.

    Each document gets a kind (in the corpus' proportions), a community and a street name of its
    own, a year and 8-30 passages. Each passage takes a real passage of that kind as template:
    its heading line, section path and topics, then 150-450 characters of its own sentences
    mixed with sentences of other passages on the same topic; names, years and every other
    number are varied. So the vocabulary keeps growing with the corpus (new names, numbers and
    word neighbours), as a real corpus' does, instead of saturating at the sample's words."""
    real = sample_passages()
    by_kind: dict[str, list[tuple[Passage, str, list[str]]]] = defaultdict(list)
    by_topic: dict[str, list[str]] = defaultdict(list)
    everything: list[str] = []
    for p in real:
        head, sentences = _split(p.text)
        if not sentences:
            continue
        by_kind[p.kind].append((p, head, sentences))
        for t in p.topics:
            by_topic[t].extend(sentences)
        everything.extend(sentences)
    kinds = sorted(by_kind)
    weights = [len(by_kind[k]) for k in kinds]
    names = re.compile("|".join(_CORPUS_NAMES))
    streets = re.compile("|".join(_CORPUS_STREETS))
    rng = random.Random(seed)
    out: list[Passage] = []
    doc = 0
    while len(out) < n:
        kind = rng.choices(kinds, weights)[0]
        name = "".join(rng.sample(_NAME_CHARS, rng.choice((2, 2, 3))))
        street = "".join(rng.sample(_NAME_CHARS, 2))
        year = rng.randint(2016, 2026)
        shift = year - 2024

        def rename(s: str, name: str = name, street: str = street, shift: int = shift) -> str:
            s = names.sub(name, s)
            s = streets.sub(street, s)
            return _YEAR.sub(lambda m: str(int(m.group()) + shift), s)

        source = f"synthetic/{_KIND_SLUG.get(kind, 'other')}_{doc:07d}_{year}.txt"
        title = f"{name}社区{year}年{kind}"
        for position in range(min(rng.randint(8, 30), n - len(out))):
            tpl, head, own = rng.choice(by_kind[kind])
            pool = by_topic[rng.choice(tpl.topics)] if tpl.topics else everything
            target = rng.randint(150, 450)
            parts: list[str] = [head + "\n"] if head else []
            length, i = len(head), 0
            while length < target:
                if i < len(own) and rng.random() < 0.7:
                    sentence = own[i]
                    i += 1
                else:
                    sentence = rng.choice(pool)
                parts.append(sentence)
                length += len(sentence)
            text = rename("".join(parts))
            text = _NUMBER.sub(lambda m: _vary_number(rng, m.group(), shift), text)  # noqa: B023 - called at once
            pid = hashlib.sha1(f"{source}\n{position}\n{text}".encode()).hexdigest()[:16]
            out.append(Passage(id=pid, text=text, source=source, title=title,
                               section=tuple(rename(s) for s in tpl.section), kind=kind,
                               topics=tpl.topics, doc=doc, position=position))
        doc += 1
    return out


def synthetic_vectors(base: Any, n: int, seed: int = 11) -> Any:
    """n distinct unit vectors that look like the real ones in ``base``: each a random convex
    mix of two real embeddings plus a little noise (a continuum, not clusters of copies)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = np.asarray(base, dtype=np.float32)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 20_000):
        m = min(20_000, n - start)
        a = rng.integers(0, len(base), m)
        b = rng.integers(0, len(base), m)
        w = rng.uniform(0.55, 1.0, (m, 1)).astype(np.float32)
        noise = rng.normal(0.0, 0.02, (m, base.shape[1])).astype(np.float32)
        v = w * base[a] + (1 - w) * base[b] + noise
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


# ---------------------------------------------------------------------------------------------
# Child processes: one step at one size each, reporting a JSON line
# ---------------------------------------------------------------------------------------------


QUERIES_ENV = "DRAFTER_SCALE_QUERIES"  # a JSON file of the queries, written by the parent for its children


def _queries(limit: int = 0) -> list[str]:
    from bot.retrieval.evaluate import load_queries

    given = os.environ.get(QUERIES_ENV)
    if given:
        return list(json.loads(Path(given).read_text(encoding="utf-8")))
    queries = [q.query for q in load_queries(QUERIES)] if QUERIES.exists() else list(FALLBACK_QUERIES)
    return queries[:limit] if limit else queries


def _settings(folder: Path) -> Settings:
    from bot.config import Settings

    return Settings(_env_file=None, data_dir=folder, chroma_url="", dense_weight=0.0)


def _rss() -> dict[str, float]:
    """Peak RSS of this process and of its largest finished child (e.g. a tokenising worker)."""
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "workers_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _hwm_mb() -> float:
    """Peak RSS so far (VmHWM) of this process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_rounds(fn: Callable[[str], object], queries: list[str], rounds: int = ROUNDS) -> list[float]:
    for q in queries[:WARMUP]:  # jieba's dictionary, the model's first batch, caches
        fn(q)
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
    return times


def _child_lexical_build(n: int, folder: Path, workers: int | None) -> dict[str, Any]:
    from bot.ingest.indexer import write_snapshot
    from bot.retrieval.lexical import FIELDS, LexicalIndex

    t = time.perf_counter()
    passages = synthetic_passages(n)
    gen_s = time.perf_counter() - t
    data_mb = _hwm_mb()
    cpu0 = _cpu_s()
    t = time.perf_counter()
    lexical = LexicalIndex.build(passages, workers=workers)
    build_s = time.perf_counter() - t
    cpu = _cpu_s() - cpu0
    index_dir = _settings(folder).index_dir
    meta = {"model": "", "vectors": False, "collection": None, "unknown_share": 0.0, "dense_weight": 0.0,
            "passages": len(passages), "report": [], "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    t = time.perf_counter()
    snap = write_snapshot(index_dir, passages, {}, meta, lexical)
    save_s = time.perf_counter() - t
    return {
        "passages": len(passages), "chars": sum(len(p.text) for p in passages), "gen_s": gen_s,
        "build_s": build_s, "build_cpu_s": cpu, "save_s": save_s, "profile": lexical.build_profile,
        "disk_mb": dir_mb(snap), "lexical_mb": dir_mb(snap / "lexical"), "data_mb": data_mb,
        "vocab": {f: len(lexical._indexes[f].vocab_dict) for f in FIELDS}, **_rss(),
    }


def _child_lexical_query(n: int, folder: Path) -> dict[str, Any]:
    from bot.retrieval import lexical as lx
    from bot.retrieval.retriever import DEPTH, Retriever
    from bot.retrieval.snapshot import read_current

    queries = _queries()
    t = time.perf_counter()
    snapshot = read_current(_settings(folder).index_dir)
    load_s = time.perf_counter() - t
    assert snapshot is not None and len(snapshot.passages) == n
    retriever = Retriever(snapshot, dense_weight=0.0)
    times = _timed_rounds(lambda q: retriever.search(q, k=10, method="lexical"), queries)
    # Where a query's time goes, step by step, on the same queries (each step's real function).
    index = snapshot.lexical
    parts: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        t0 = time.perf_counter()
        for f in lx.FIELDS:
            lx._query_tokens(q, f)
        t1 = time.perf_counter()
        for f in lx.FIELDS:
            index.field_scores(q, f)
        t2 = time.perf_counter()
        scores = index.scores(q)
        t3 = time.perf_counter()
        lx.top_positions(scores, None, DEPTH)
        t4 = time.perf_counter()
        retriever.search(q, k=10, method="lexical")
        t5 = time.perf_counter()
        parts["tokenise"].append((t1 - t0) * 1000)
        parts["bm25"].append(max(0.0, (t2 - t1) - (t1 - t0)) * 1000)
        parts["fuse"].append(max(0.0, (t3 - t2) - (t2 - t1)) * 1000)
        parts["top"].append((t4 - t3) * 1000)
        parts["collapse"].append(max(0.0, (t5 - t4) - (t4 - t2)) * 1000)
    p50, p95 = p50_p95(times)
    return {"load_s": load_s, "p50": p50, "p95": p95, "samples": len(times),
            "parts": {k: statistics.median(v) for k, v in parts.items()}, **_rss()}


def _child_bm25_baseline(n: int, folder: Path) -> dict[str, Any]:
    import pickle

    import numpy as np
    from rank_bm25 import BM25Okapi

    from bot.retrieval.lexical import default_workers, tokenise_texts
    from bot.text import tokenize

    queries = _queries()
    passages = synthetic_passages(n)
    t = time.perf_counter()
    words, _, _ = tokenise_texts([p.text for p in passages], default_workers(n))
    tokenise_s = time.perf_counter() - t
    del passages
    t = time.perf_counter()
    bm = BM25Okapi([w or [""] for w in words])
    build_s = time.perf_counter() - t
    path = folder / "rank_bm25.pkl"
    with path.open("wb") as fh:  # what LangChain's BM25Retriever users do to keep one
        pickle.dump(bm, fh, protocol=pickle.HIGHEST_PROTOCOL)
    disk = path.stat().st_size / 1048576
    path.unlink()
    del words

    def search(q: str) -> list[int]:
        scores = bm.get_scores(tokenize.query_words(q)[0])
        top = np.argpartition(-scores, min(10, len(scores) - 1))[:10]
        return [int(i) for i in top[np.argsort(-scores[top])]]

    p50, p95 = p50_p95(_timed_rounds(search, queries))
    return {"tokenise_s": tokenise_s, "build_s": build_s, "disk_mb": disk, "p50": p50, "p95": p95, **_rss()}


def _child_embed(sample: int, folder: Path) -> dict[str, Any]:
    import numpy as np

    from bot.retrieval.dense import Embedder

    # Real-length passages spread over the generated corpus, not the first document's.
    pool = synthetic_passages(max(sample * 10, 1000), seed=23)
    texts = [p.text for p in random.Random(5).sample(pool, sample)]
    embedder = Embedder()
    t = time.perf_counter()
    embedder.encode(["预热"])
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    vectors = embedder.encode(texts)
    encode_s = time.perf_counter() - t
    np.save(folder / "base_vectors.npy", vectors)
    return {"sample": sample, "load_s": load_s, "encode_s": encode_s, "rate": sample / encode_s,
            "dim": int(vectors.shape[1]), **_rss()}


def _child_dense(n: int, folder: Path, base_path: Path) -> dict[str, Any]:
    import numpy as np

    from bot.retrieval.collection import deployment_vectors
    from bot.retrieval.dense import Embedder
    from bot.retrieval.retriever import DEPTH, Retriever
    from bot.retrieval.snapshot import read_current

    queries = _queries()
    settings = _settings(folder)
    embedder = Embedder()
    snapshot = read_current(settings.index_dir)
    assert len(snapshot.passages) == n
    ids = [p.id for p in snapshot.passages]
    metas = [{"source": p.source, "kind": p.kind} for p in snapshot.passages]
    vectors = synthetic_vectors(np.load(base_path), n)
    before_insert = _hwm_mb()
    vstore = deployment_vectors(settings, embedder.fingerprint)
    t = time.perf_counter()
    vstore.add(ids, vectors, metas)
    insert_s = time.perf_counter() - t
    insert_rss = _hwm_mb()
    assert vstore.count() == n
    chroma_mb = dir_mb(settings.chroma_dir)
    exact_path = folder / "exact.npy"
    np.save(exact_path, vectors)
    exact_mb = exact_path.stat().st_size / 1048576
    exact_path.unlink()

    embedder.encode(["预热"])
    embed_ms = _timed_rounds(lambda q: embedder.encode([q]), queries, rounds=1)
    # The same with one torch thread: on a busy 2-core machine, torch's default of one thread per
    # core makes every small encode wait for the thread that gets no core.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    embed_1thread = _timed_rounds(lambda q: embedder.encode([q]), queries, rounds=1)
    torch.set_num_threads(threads)
    qvecs = embedder.encode(queries)

    def exact(v: np.ndarray) -> list[str]:
        scores = vectors @ v
        depth = min(DEPTH, n)
        top = np.argpartition(-scores, depth - 1)[:depth]
        return [ids[i] for i in top[np.argsort(-scores[top])]]

    chroma_ms, exact_ms, recall = [], [], []
    for v in list(qvecs) * (ROUNDS + 1):  # cheap: no embedding in this loop
        t = time.perf_counter()
        got = vstore.query(v, DEPTH)
        t1 = time.perf_counter()
        truth = exact(v)
        t2 = time.perf_counter()
        chroma_ms.append((t1 - t) * 1000)
        exact_ms.append((t2 - t1) * 1000)
        recall.append(len(set(got[:10]) & set(truth[:10])) / min(10, n))
    chroma_ms, exact_ms = chroma_ms[len(qvecs):], exact_ms[len(qvecs):]  # first pass: warm-up

    retriever = Retriever(snapshot, embedder=embedder, vectors=vstore, dense_weight=0.0)
    # Each search embeds its query (tens of ms): fewer passes than lexical keep the section short.
    # Dense and hybrid alternate query by query, so a burst of load elsewhere hits both alike.
    times: dict[str, list[float]] = {"dense": [], "hybrid": []}
    for i in range(WARMUP + DENSE_ROUNDS * len(queries)):
        q = queries[i % len(queries)]
        for method, out in times.items():
            t = time.perf_counter()
            found = retriever.search(q, k=10, method=method)
            if i >= WARMUP:
                out.append((time.perf_counter() - t) * 1000)
            assert not found.degraded, found.degraded
    dense, hybrid = times["dense"], times["hybrid"]
    return {
        "insert_s": insert_s, "chroma_mb": chroma_mb, "exact_mb": exact_mb,
        "rss_before_insert_mb": before_insert, "rss_insert_mb": insert_rss,
        "embed_p50": p50_p95(embed_ms)[0], "embed_1thread_p50": p50_p95(embed_1thread)[0], "torch_threads": threads,
        "chroma": p50_p95(chroma_ms), "exact": p50_p95(exact_ms),
        "recall10": statistics.mean(recall), "dense": p50_p95(dense), "hybrid": p50_p95(hybrid), **_rss(),
    }


def child_main(argv: list[str]) -> int:
    """``--child KIND N FOLDER [EXTRA]``: one measurement; prints its JSON after RESULT_TAG."""
    kind, n, folder = argv[1], int(argv[2]), Path(argv[3])
    extra = argv[4] if len(argv) > 4 else ""
    if kind == "lexical-build":
        result = _child_lexical_build(n, folder, int(extra) if extra else None)
    elif kind == "lexical-query":
        result = _child_lexical_query(n, folder)
    elif kind == "bm25-baseline":
        result = _child_bm25_baseline(n, folder)
    elif kind == "embed":
        result = _child_embed(n, folder)
    elif kind == "dense":
        result = _child_dense(n, folder, Path(extra))
    else:
        raise SystemExit(f"unknown child {kind!r}")
    print(RESULT_TAG + json.dumps(result), flush=True)
    return 0


def _run_child(kind: str, n: int, folder: Path, extra: str = "", queries_file: Path | None = None) -> dict[str, Any]:
    env = drafter_env(folder)
    if queries_file is not None:
        env[QUERIES_ENV] = str(queries_file)
    cmd = [sys.executable, "-m", "benchmarks.scale", "--child", kind, str(n), str(folder)] + ([extra] if extra else [])
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(CHECKOUT))
    wall = time.perf_counter() - t
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            result: dict[str, Any] = json.loads(line[len(RESULT_TAG):])
            result["child_wall_s"] = wall
            print(f"  [scale] {kind} {n:,}: {wall:.1f} s", file=sys.stderr, flush=True)
            return result
    raise RuntimeError(f"scale child {kind} {n} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# ---------------------------------------------------------------------------------------------
# The section: run the children, print tables and what they say
# ---------------------------------------------------------------------------------------------


def _flag(flags: list[str], name: str) -> str | None:
    for f in flags:
        if f == name:
            return ""
        if f.startswith(name + "="):
            return f.split("=", 1)[1]
    return None


def _growth(small: float, large: float, ratio: float) -> float:
    """Exponent k of value ∝ size**k between two sizes ``ratio`` apart."""
    if small <= 0 or large <= 0:
        return float("nan")
    return math.log(large / small) / math.log(ratio)


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1 or x == 0:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))


def _extrapolate(rows: dict[int, dict[str, float]], keys: list[str], target: int) -> dict[str, float] | None:
    """Each key at ``target`` passages by the power law through the two largest measured sizes."""
    sizes = sorted(rows)
    if len(sizes) < 2:
        return None
    a, b = sizes[-2], sizes[-1]
    out = {}
    for key in keys:
        k = _growth(rows[a][key], rows[b][key], b / a)
        out[key] = rows[b][key] * (target / b) ** k if k == k else float("nan")
    return out


def run(flags: list[str]) -> int:
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    sizes_flag = _flag(flags, "--sizes")
    if sizes_flag:
        sizes = tuple(int(s.replace("_", "")) for s in sizes_flag.split(",") if s)
    else:
        sizes = QUICK_SIZES if _flag(flags, "--quick") is not None else SIZES
    force_million = _flag(flags, "--million") is not None
    sample = int(_flag(flags, "--embed-sample") or EMBED_SAMPLE)
    queries = _queries(int(_flag(flags, "--queries") or 0))

    lex: dict[int, dict[str, Any]] = {}
    dense: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="drafter-scale-") as tmp:
        root = Path(tmp)
        qfile = root / "queries.json"
        qfile.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")

        def _child(kind: str, n: int, folder: Path, extra: str = "") -> dict[str, Any]:
            return _run_child(kind, n, folder, extra, qfile)

        embed = _child("embed", sample, root)
        base = root / "base_vectors.npy"
        for n in sizes:
            folder = root / f"n{n}"
            folder.mkdir()
            build = _child("lexical-build", n, folder)
            query = _child("lexical-query", n, folder)
            baseline = _child("bm25-baseline", n, folder)
            lex[n] = {"build": build, "query": query, "base": baseline}
            dense[n] = _child("dense", n, folder, str(base))
            _rmtree(folder)
        million_note = ""
        if MILLION not in sizes and sizes == SIZES:
            estimate = _extrapolate({n: {"b": lex[n]["build"]["build_s"]} for n in sizes}, ["b"], MILLION)
            grown = f"{_size(sizes[-2])} → {_size(sizes[-1])}"
            est = estimate["b"] if estimate else float("inf")
            if force_million or est < MILLION_BUDGET_S:
                folder = root / "n1000000"
                folder.mkdir()
                build = _child("lexical-build", MILLION, folder)
                query = _child("lexical-query", MILLION, folder)
                lex[MILLION] = {"build": build, "query": query, "base": None}
                _rmtree(folder)
            else:
                million_note = (f"1M passages were not measured: the {grown} growth predicts a lexical "
                                f"build of about {est / 60:.0f} min (over the {MILLION_BUDGET_S / 60:.0f} min "
                                "budget of this section; `--million` forces it), and the rank_bm25 "
                                "baseline and Chroma would take longer still; the 1M rows are extrapolated.")

    context = (f"{os.cpu_count()} cores shared with other work: 1-minute load average "
               f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    _print_report(sizes, lex, dense, embed, len(queries), million_note, context, time.perf_counter() - t_start)
    return 0


def _rmtree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _print_report(sizes: tuple[int, ...], lex: dict[int, dict[str, Any]], dense: dict[int, dict[str, Any]],
                  embed: dict[str, Any], n_queries: int, million_note: str, context: str, total_s: float) -> None:
    measured = [n for n in sizes if n in lex]
    first = lex[measured[0]]["build"]
    print(f"## Scale: {' / '.join(_size(n) for n in sorted(lex))} synthetic passages\n")
    print(f"Synthetic documents recombined from our sample corpus `corpus/` (kinds, topics, section paths, "
          f"community names, years and numbers varied; mean {first['chars'] / first['passages']:.0f} characters "
          f"a passage). Every figure comes from a child process of its own per size and step (peak RSS is "
          f"that process's). Queries: the {n_queries} eval queries, {ROUNDS} timed passes (dense and hybrid: "
          f"{DENSE_ROUNDS}) after {WARMUP} untimed queries; p50/p95 over all of them. {context}.\n")

    # Lexical --------------------------------------------------------------------------------
    print("### Lexical (BM25 over jieba words + bigrams + headings, `Retriever.search(method=\"lexical\")`)\n")
    print("| passages | build s | disk MB | build peak RSS MB | serve RSS MB | p50 ms | p95 ms "
          "| rank_bm25 build s | rank_bm25 RSS MB | rank_bm25 p95 ms | p95 ratio ours / rank_bm25 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows: dict[int, dict[str, float]] = {}
    for n in sorted(lex):
        b, q, base = lex[n]["build"], lex[n]["query"], lex[n]["base"]
        build_rss = max(b["rss_mb"], b["workers_rss_mb"])
        row = {"build": b["build_s"], "disk": b["disk_mb"], "rss": build_rss, "serve": q["rss_mb"],
               "p50": q["p50"], "p95": q["p95"]}
        if base:
            row.update({"bbuild": base["tokenise_s"] + base["build_s"], "brss": base["rss_mb"],
                        "bp95": base["p95"]})
            rows[n] = row
            btxt = (f"{_fmt(base['tokenise_s'])} + {_fmt(base['build_s'])} | {_fmt(base['rss_mb'])} | "
                    f"{_fmt(base['p95'])} | {q['p95'] / max(base['p95'], 1e-9):.2f}")
        else:
            btxt = "not run | | | "
        print(f"| {n:,} | {_fmt(b['build_s'])} | {_fmt(b['disk_mb'])} | {_fmt(build_rss)} | {_fmt(q['rss_mb'])} "
              f"| {_fmt(q['p50'])} | {_fmt(q['p95'])} | {btxt} |")
    keys = ["build", "disk", "rss", "serve", "p50", "p95", "bbuild", "brss", "bp95"]
    ext = _extrapolate(rows, keys, MILLION) if MILLION not in lex and len(rows) >= 2 and max(rows) >= 100_000 else None
    if ext:
        print(f"| *1,000,000 (extrapolated)* | *{_fmt(ext['build'])}* | *{_fmt(ext['disk'])}* | *{_fmt(ext['rss'])}* "
              f"| *{_fmt(ext['serve'])}* | *{_fmt(ext['p50'])}* | *{_fmt(ext['p95'])}* | *{_fmt(ext['bbuild'])}* "
              f"| *{_fmt(ext['brss'])}* | *{_fmt(ext['bp95'])}* | *{ext['p95'] / max(ext['bp95'], 1e-9):.2f}* |")
    print("\nrank_bm25 build = jieba words (the same tokens, same worker processes) + `BM25Okapi`; "
          "it indexes one field where ours indexes three, and its disk figure would be a pickle "
          "(not in the table: see below). Build peak RSS is the larger of the main process and "
          "a tokenising worker.\n")

    print("Where the lexical time goes (CPU seconds summed over worker processes; wall seconds of the build):\n")
    print("| passages | workers | normalise cpu s | jieba cpu s | bigrams cpu s | bm25s index s | build wall s "
          "| vocabulary words / bigrams / headings | query ms (p50): tokenise / BM25 / fuse / top-k / collapse "
          "| snapshot load s | rank_bm25 pickle MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sorted(lex):
        b, q, base = lex[n]["build"], lex[n]["query"], lex[n]["base"]
        pr, v, parts = b["profile"], b["vocab"], q["parts"]
        print(f"| {n:,} | {pr.get('workers', 1):.0f} | {_fmt(pr.get('normalise_cpu', 0))} | {_fmt(pr.get('jieba_cpu', 0))} "
              f"| {_fmt(pr.get('bigrams_cpu', 0))} | {_fmt(pr.get('index_wall', 0))} | {_fmt(b['build_s'])} "
              f"| {v['words']:,} / {v['bigrams']:,} / {v['headings']:,} "
              f"| {' / '.join(f'{parts[k]:.2f}' for k in ('tokenise', 'bm25', 'fuse', 'top', 'collapse'))} "
              f"| {_fmt(q['load_s'])} | {_fmt(base['disk_mb']) if base else '–'} |")

    # Dense ----------------------------------------------------------------------------------
    rate = embed["rate"]
    print("\n### Dense (MiniLM vectors in Chroma through `VectorStore`; `Retriever.search(method=\"dense\")`, "
          "`\"hybrid\"`)\n")
    print(f"Embedding rate measured on {embed['sample']} synthetic passages: **{rate:.1f} passages/s** "
          f"({embed['encode_s']:.1f} s; model load {embed['load_s']:.1f} s). Embedding N passages is not run: "
          f"the *embed s* column is **extrapolated** as N / rate. Chroma receives N distinct vectors derived "
          f"from those {embed['sample']} real embeddings (convex mixes of two plus noise), inserted and queried "
          f"for real. Query latencies include embedding the query: "
          f"{_fmt(statistics.median([d['embed_p50'] for d in dense.values()]))} ms p50 "
          f"with torch's default {next(iter(dense.values()))['torch_threads']} threads, "
          f"{_fmt(statistics.median([d['embed_1thread_p50'] for d in dense.values()]))} ms with one thread (same process, "
          f"same queries).\n")
    print("| passages | embed s (extrapolated) | Chroma insert s | disk MB | peak RSS MB (after insert) | dense p50 / p95 ms "
          "| hybrid p50 / p95 ms | Chroma query p95 ms | numpy exact p95 ms | exact .npy MB | p95 ratio Chroma/exact "
          "| recall@10 vs exact |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    drows: dict[int, dict[str, float]] = {}
    for n in sorted(dense):
        d = dense[n]
        drows[n] = {"embed": n / rate, "insert": d["insert_s"], "disk": d["chroma_mb"], "rss": d["rss_mb"],
                    "rss_insert": d["rss_insert_mb"], "dp50": d["dense"][0], "dp95": d["dense"][1],
                    "hp50": d["hybrid"][0], "hp95": d["hybrid"][1], "cp95": d["chroma"][1],
                    "ep95": d["exact"][1], "emb": d["exact_mb"]}
        r = drows[n]
        print(f"| {n:,} | *{_fmt(r['embed'])}* | {_fmt(r['insert'])} | {_fmt(r['disk'])} | {_fmt(r['rss'])} "
              f"({_fmt(r['rss_insert'])}) | {_fmt(r['dp50'])} / {_fmt(r['dp95'])} | {_fmt(r['hp50'])} / {_fmt(r['hp95'])} "
              f"| {_fmt(r['cp95'])} | {_fmt(r['ep95'])} | {_fmt(r['emb'])} | {r['cp95'] / max(r['ep95'], 1e-9):.2f} "
              f"| {d['recall10']:.3f} |")
    dext = _extrapolate(drows, list(next(iter(drows.values())).keys()), MILLION) if len(drows) >= 2 and max(drows) >= 100_000 else None
    if dext:
        print(f"| *1,000,000 (extrapolated)* | *{_fmt(MILLION / rate)}* | *{_fmt(dext['insert'])}* | *{_fmt(dext['disk'])}* "
              f"| *{_fmt(dext['rss'])}* | – | – "  # end-to-end latencies are the query embedding plus noise
              f"| *{_fmt(dext['cp95'])}* | *{_fmt(dext['ep95'])}* | *{_fmt(dext['emb'])}* | | |")
    print("\nPeak RSS of the dense process includes torch and MiniLM (about 450 MB) and the loaded snapshot; "
          "the figure in parentheses is the peak before the model was loaded (Chroma insert).\n")

    # What it says ---------------------------------------------------------------------------
    print("### Growth and where the time goes\n")
    for line in _prose(rows, lex, drows, dense, million_note):
        print(f"- {line}")
    print(f"\nThis section took {total_s / 60:.1f} min.")


def _prose(rows: dict[int, dict[str, float]], lex: dict[int, dict[str, Any]], drows: dict[int, dict[str, float]],
           dense: dict[int, dict[str, Any]], million_note: str) -> list[str]:
    out: list[str] = []
    sizes = sorted(rows)
    if len(sizes) < 2:
        return ["Only one size measured: no growth to report."]
    a, b = sizes[-2], sizes[-1]
    ratio = b / a
    g = lambda key, src=rows: _growth(src[a][key], src[b][key], ratio)  # noqa: E731
    big = lex[b]["build"]
    pr = big["profile"]
    cpu_total = sum(pr.get(k, 0.0) for k in ("normalise_cpu", "jieba_cpu", "bigrams_cpu")) + pr.get("index_wall", 0.0)
    out.append(
        f"Lexical build grows as N^{g('build'):.2f} from {_size(a)} to {_size(b)} ({_fmt(rows[a]['build'])} → "
        f"{_fmt(rows[b]['build'])} s). At {_size(b)}, jieba takes {pr.get('jieba_cpu', 0) / cpu_total:.0%} of the "
        f"build's CPU time, bigrams {pr.get('bigrams_cpu', 0) / cpu_total:.0%}, normalising "
        f"{pr.get('normalise_cpu', 0) / cpu_total:.0%}, bm25s indexing {pr.get('index_wall', 0) / cpu_total:.0%} "
        f"(one process). {pr.get('workers', 1):.0f} worker processes tokenised in {_fmt(pr.get('tokenise_wall', 0))} s "
        f"wall for {_fmt(cpu_total - pr.get('index_wall', 0))} s of CPU, i.e. "
        f"{(cpu_total - pr.get('index_wall', 0)) / max(pr.get('tokenise_wall', 0), 1e-9):.1f} cores on average "
        f"(the rest of the machine's load decides how many are free).")
    parts = lex[b]["query"]["parts"]
    total = sum(parts.values()) or 1.0
    out.append(
        f"Lexical p95 is {_fmt(rows[b]['p95'])} ms at {_size(b)} (grows as N^{g('p95'):.2f}; the target is well under "
        f"100 ms). Of a median query, BM25 scoring of the three fields takes {parts['bm25'] / total:.0%} "
        f"(sparse-matrix column sums, linear in the postings of the query's terms), fusing the fields "
        f"and the top-k cut {(parts['fuse'] + parts['top']) / total:.0%} (dense arrays of N scores), query "
        f"tokenising {parts['tokenise'] / total:.0%}, collapsing near-duplicate hits {parts['collapse'] / total:.0%} "
        f"(shingles of the top candidates, independent of N).")
    out.append(
        f"rank_bm25 scans every document in Python per query: its p95 grows as N^{g('bp95'):.2f} and is "
        f"{rows[b]['bp95'] / max(rows[b]['p95'], 1e-9):.1f}x ours at {_size(b)}, although it scores one field "
        f"where we score three. Its index builds in {_fmt(lex[b]['base']['build_s'])} s once the tokens exist "
        f"(our bm25s indexing of three fields: {_fmt(pr.get('index_wall', 0))} s); tokenising, the same jieba "
        f"for both, is what costs. Peak RSS: {_fmt(rows[b]['brss'])} MB for rank_bm25 vs our "
        f"{_fmt(rows[b]['rss'])} MB build and {_fmt(rows[b]['serve'])} MB serving.")
    v_a, v_b = lex[a]["build"]["vocab"], lex[b]["build"]["vocab"]
    out.append(
        f"Disk grows as N^{g('disk'):.2f} ({_fmt(rows[b]['disk'])} MB at {_size(b)}, of which "
        f"{_fmt(big['lexical_mb'])} MB BM25 matrices, the rest passages.jsonl); the jieba vocabulary grows "
        f"sub-linearly, {v_a['words']:,} → {v_b['words']:,} words (N^{_growth(v_a['words'], v_b['words'], ratio):.2f}), "
        f"as new names and numbers keep arriving.")
    if len(drows) >= 2 and a in drows and b in drows:
        gd = lambda key: _growth(drows[a][key], drows[b][key], ratio)  # noqa: E731
        d = dense[b]
        out.append(
            f"Dense build is embedding-bound: about {drows[b]['embed'] / 3600:.1f} h of MiniLM at {_size(b)} "
            f"(extrapolated) against {_fmt(drows[b]['insert'])} s of Chroma insert (N^{gd('insert'):.2f}). A dense "
            f"search at {_size(b)} takes {_fmt(drows[b]['dp50'])} ms p50, mostly embedding the query "
            f"({_fmt(d['embed_p50'])} ms p50 alone; {_fmt(d['embed_1thread_p50'])} ms with one torch thread); "
            f"Chroma's HNSW answers in "
            f"{_fmt(drows[b]['cp95'])} ms p95 (N^{gd('cp95'):.2f}) where numpy's exact scan takes "
            f"{_fmt(drows[b]['ep95'])} ms (N^{gd('ep95'):.2f}), at recall@10 {d['recall10']:.3f}.")
    if million_note:
        out.append(million_note)
    elif MILLION in lex:
        m = lex[MILLION]
        out.append(f"At 1M passages (measured, lexical only): build {_fmt(m['build']['build_s'])} s, "
                   f"p95 {_fmt(m['query']['p95'])} ms, serve RSS {_fmt(m['query']['rss_mb'])} MB.")
    return out


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child_main(sys.argv[1:]))
    sys.exit(run(sys.argv[1:]))
