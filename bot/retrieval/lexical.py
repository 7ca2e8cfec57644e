"""BM25 that reads Chinese: jieba words, character bigrams and section headings, fused."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from bot.text import tokenize
from bot.text.model import Passage

# bm25s sets its logger to DEBUG on import and logs every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

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
    # The document kind rides along with the headings: "调研报告里……" should prefer reports.
    return tokenize.words(" ".join(passage.section) + " " + passage.kind)


# Synonym expansions help recall but must not outweigh the words the user typed.
EXPANSION_WEIGHT = 0.4


def _query_tokens(query: str, field: str) -> tuple[list[str], list[str]]:
    return tokenize.query_bigrams(query) if field == "bigrams" else tokenize.query_words(query)


class LexicalIndex:
    def __init__(self, indexes: dict[str, bm25s.BM25], size: int) -> None:
        self._indexes = indexes
        self.size = size

    @classmethod
    def build(cls, passages: Sequence[Passage]) -> LexicalIndex:
        indexes: dict[str, bm25s.BM25] = {}
        for field in FIELDS:
            index = bm25s.BM25(k1=1.2, b=0.75)
            index.index([_field_tokens(p, field) or [""] for p in passages], show_progress=False)
            indexes[field] = index
        return cls(indexes, len(passages))

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
