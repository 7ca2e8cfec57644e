"""BM25 that reads Chinese: jieba words, character bigrams and section headings, fused."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import bm25s
import numpy as np

from bot.text import tokenize
from bot.text.model import Passage

# bm25s sets its logger to DEBUG on import and logs every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)
log = logging.getLogger(__name__)

FIELDS = ("words", "bigrams", "headings")
# Each field's BM25 scores are scaled to [0, 1] by the query's best score, then summed with
# these weights (measured on the dev queries: better than RRF of the three lists, because
# a passage strong in two fields should beat one that tops a single field by a hair).
FIELD_WEIGHTS = {"words": 1.0, "bigrams": 0.75, "headings": 0.5}
RRF_K = 20


def _field_tokens(passage: Passage, field: str) -> list[str]:
    if field == "words":
        return tokenize.words(passage.text)
    if field == "bigrams":
        return tokenize.bigrams(passage.text)
    return _heading_tokens(passage.section, passage.kind, passage.title)


def _heading_tokens(section: tuple[str, ...], kind: str, title: str) -> list[str]:
    # The document's kind and title ride along with its headings: "调研报告里……" should prefer
    # reports, and a passage of 禁毒工作总结 is about 禁毒 even where its text does not say so.
    return tokenize.words(" ".join(section) + " " + kind + " " + title)


# Below this many passages one process tokenises faster than starting workers (each loads jieba).
PARALLEL_MIN_PASSAGES = 8000


def default_workers(n_passages: int) -> int:
    if n_passages < PARALLEL_MIN_PASSAGES:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def tokenise_joined(texts: Sequence[str], workers: int = 1) -> tuple[list[str], list[str], dict[str, float]]:
    """jieba words and bigrams of every text (the expensive part of a build), in ``workers``
    processes: per text one string of its tokens joined by ``tokenize.TOKEN_SEP`` (compact:
    a build splits one field at a time), and the CPU seconds per stage, summed over workers.
    Tokenising is a pure function of the text, so the result does not depend on ``workers``."""
    texts = list(texts)
    if workers > 1 and len(texts) > 1:
        size = max(200, -(-len(texts) // (workers * 4)))  # a few chunks per worker evens the load
        chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
        try:
            # spawn, not fork: the caller may be a threaded server (Chroma, the Telegram bot).
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=ctx) as pool:
                results = list(pool.map(tokenize.passage_tokens, chunks))
        except Exception as exc:  # noqa: BLE001 - no processes allowed here, a worker died, …: one process does it
            log.warning("parallel tokenising failed (%s); tokenising in one process", exc)
        else:
            words: list[str] = []
            grams: list[str] = []
            cpu = {"normalise": 0.0, "jieba": 0.0, "bigrams": 0.0}
            for w, g, c in results:
                words.extend(w)
                grams.extend(g)
                for key, value in c.items():
                    cpu[key] += value
            return words, grams, cpu
    return tokenize.passage_tokens(texts)


def split_tokens(joined: str) -> list[str]:
    # Interned: a corpus repeats each token many times, and one shared object per distinct token
    # instead of one per occurrence divides the memory of a build's token lists several times.
    return list(map(sys.intern, joined.split(tokenize.TOKEN_SEP))) if joined else []


def tokenise_texts(texts: Sequence[str], workers: int = 1) -> tuple[list[list[str]], list[list[str]], dict[str, float]]:
    """``tokenise_joined`` as token lists."""
    words, grams, cpu = tokenise_joined(texts, workers)
    return [split_tokens(x) for x in words], [split_tokens(x) for x in grams], cpu


# Synonym expansions help recall but must not outweigh the words the user typed.
EXPANSION_WEIGHT = 0.4


def _query_tokens(query: str, field: str) -> tuple[list[str], list[str]]:
    return tokenize.query_bigrams(query) if field == "bigrams" else tokenize.query_words(query)


class LexicalIndex:
    def __init__(self, indexes: dict[str, bm25s.BM25], size: int) -> None:
        self._indexes = indexes
        self.size = size
        # Where a build's time went: wall seconds per step and CPU seconds per tokenising stage.
        self.build_profile: dict[str, float] = {}

    @classmethod
    def build(cls, passages: Sequence[Passage], workers: int | None = None) -> LexicalIndex:
        """Index the passages; ``workers`` processes tokenise them (default: the machine's
        cores for large corpora, one process for small ones)."""
        workers = default_workers(len(passages)) if workers is None else max(1, workers)
        t0 = time.perf_counter()
        words, grams, cpu = tokenise_joined([p.text for p in passages], workers)
        joined = {"words": words, "bigrams": grams}
        del words, grams
        t1 = time.perf_counter()
        # Section paths repeat across a document's passages: tokenise each distinct one once.
        heading_cache: dict[tuple[tuple[str, ...], str, str], list[str]] = {}
        headings = []
        for p in passages:
            key = (p.section, p.kind, p.title)
            if key not in heading_cache:
                heading_cache[key] = _heading_tokens(p.section, p.kind, p.title)
            headings.append(heading_cache[key])
        t2 = time.perf_counter()
        indexes: dict[str, bm25s.BM25] = {}
        for field in FIELDS:
            # One field's token lists at a time: they take far more memory than the joined strings.
            tokens = headings if field == "headings" else [split_tokens(x) for x in joined.pop(field)]
            index = bm25s.BM25(k1=1.2, b=0.75)
            index.index([t or [""] for t in tokens], show_progress=False)
            indexes[field] = index
            del tokens
        t3 = time.perf_counter()
        built = cls(indexes, len(passages))
        built.build_profile = {
            "workers": float(workers), "tokenise_wall": t1 - t0, "headings_wall": t2 - t1,
            "index_wall": t3 - t2, "total_wall": t3 - t0,
            **{f"{k}_cpu": v for k, v in cpu.items()},
        }
        return built

    def save(self, folder: Path) -> None:
        for field, index in self._indexes.items():
            index.save(str(folder / field), show_progress=False)
        (folder / "lexical.json").write_text(json.dumps({"size": self.size}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        size = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))["size"]
        indexes = {f: bm25s.BM25.load(str(folder / f), show_progress=False, mmap=False) for f in FIELDS}
        return cls(indexes, size)

    def field_scores(self, query: str, field: str) -> np.ndarray:
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        base, extra = _query_tokens(query, field)
        index = self._indexes[field]
        scores = np.zeros(self.size, dtype=np.float32)
        if base:
            scores += np.asarray(index.get_scores(base), dtype=np.float32)
        if extra:
            scores += EXPANSION_WEIGHT * np.asarray(index.get_scores(extra), dtype=np.float32)
        return scores

    def scores(self, query: str) -> np.ndarray:
        """The fused lexical score of every passage."""
        total = np.zeros(self.size, dtype=np.float32)
        for field in FIELDS:
            s = self.field_scores(query, field)
            best = float(s.max()) if s.size else 0.0
            if best > 0:
                total += FIELD_WEIGHTS[field] * (s / best)
        return total

    def ranking(self, query: str, mask: np.ndarray | None, depth: int) -> tuple[list[int], np.ndarray]:
        scores = self.scores(query)
        return top_positions(scores, mask, depth), scores


def top_positions(scores: np.ndarray, mask: np.ndarray | None, depth: int) -> list[int]:
    if scores.size == 0:
        return []
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    depth = min(depth, scores.size)
    cand = np.argpartition(-scores, depth - 1)[:depth]
    cand = cand[scores[cand] > 0]
    return [int(i) for i in cand[np.argsort(-scores[cand], kind="stable")]]


def rrf(rankings: Sequence[tuple[Sequence[int], float]], k: int = RRF_K) -> dict[int, float]:
    """Weighted reciprocal-rank fusion (lexical with dense: their scores are not comparable)."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        if weight <= 0:
            continue
        for rank, pos in enumerate(ranking):
            fused[pos] = fused.get(pos, 0.0) + weight / (k + rank + 1)
    return fused
