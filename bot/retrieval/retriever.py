"""Ranking passages for a query: lexical, dense, and their fusion (the langchain adapter is in
``bot/retrieval/langchain_adapter.py``, so a search does not import langchain)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from bot.retrieval.dense import TextEmbedder, VectorStore, VectorStoreUnavailable
from bot.retrieval.lexical import rrf
from bot.retrieval.snapshot import Snapshot
from bot.text.model import Passage
from bot.text.normalize import match_key

log = logging.getLogger(__name__)
METHODS = ("lexical", "dense", "hybrid", "default")
DEPTH = 100
LEXICAL_WEIGHT = 1.0
DEGRADED_NOTICE = "向量库暂时不可用，本次结果仅来自关键词检索。"
# A result is collapsed into those listed above it when this share of its character 5-grams
# is already shown there. Short shingles survive a repost's small edits (a changed word, other
# punctuation) that break the 12-character ones of index-time dedup; comparing with the union of
# the listed hits catches a repost whose passages were cut at other places.
COLLAPSE_SHINGLE = 5
COLLAPSE_THRESHOLD = 0.7
_NOT_CONTENT = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")


def content_shingles(text: str, n: int = COLLAPSE_SHINGLE) -> set[str]:
    """Character n-grams of a passage's words alone: normalised (t2s, NFKC), punctuation,
    spaces and placeholder marks dropped."""
    key = _NOT_CONTENT.sub("", match_key(text).lower().replace("x", ""))
    if len(key) <= n:
        return {key} if key else set()
    return {key[i : i + n] for i in range(len(key) - n + 1)}


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float

    def to_json(self) -> dict[str, object]:
        p = self.passage
        return {
            "text": p.text, "source": p.source, "title": p.title, "section": p.section_path,
            "score": round(self.score, 6), "kind": p.kind, "topics": list(p.topics), "id": p.id,
            "sensitive": bool(p.sensitive),
        }


T = TypeVar("T")


@dataclass(frozen=True)
class SearchResult(Generic[T]):
    """What one search found, and its own status: ``degraded`` is the notice for the user when
    the vector store could not answer it ("" otherwise). Returned, never kept on the retriever,
    which many handler threads share."""

    hits: tuple[T, ...]
    degraded: str = ""

    def __iter__(self) -> Iterator[T]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: int) -> T:
        return self.hits[index]


class Retriever:
    """Searches one snapshot. Dense ranking is optional: without it, or when the vector
    store fails, the lexical ranking answers alone and the result's ``degraded`` says so.
    A search changes nothing on the retriever: one instance serves concurrent searches."""

    def __init__(self, snapshot: Snapshot, embedder: TextEmbedder | None = None,
                 vectors: VectorStore | None = None, dense_weight: float | None = None) -> None:
        self.snapshot = snapshot
        self.passages = snapshot.passages
        self._pos = {p.id: i for i, p in enumerate(self.passages)}
        self.embedder = embedder
        self.vectors = vectors
        self.dense_weight = float(snapshot.meta.get("dense_weight", 0.0)) if dense_weight is None else dense_weight

    def _mask(self, kinds: Sequence[str], topics: Sequence[str], exclude_sensitive: bool) -> np.ndarray | None:
        if not kinds and not topics and not exclude_sensitive:
            return None
        return np.array([
            (not kinds or p.kind in kinds)
            and (not topics or any(t in p.topics for t in topics))
            and not (exclude_sensitive and p.sensitive)
            for p in self.passages
        ], dtype=bool)

    def dense_ranking(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> list[int] | None:
        """Positions by vector similarity; [] without a model; None when the vector store (or
        the model) failed, so the caller answers from the lexical index and says so."""
        if self.embedder is None or self.vectors is None:
            return []
        # A Chroma server down must not take search down with it. The vector store logs the
        # outage once and, while it cools down, fails at once without touching the network.
        if not self.vectors.available:
            return None
        try:
            ids = self.vectors.query(self.embedder.encode([query])[0], depth * 2 if mask is not None else depth)
        except VectorStoreUnavailable:
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. the model failing: not the store's, but the same answer
            log.warning("dense search failed, answering from the lexical index: %s", exc)
            return None
        positions = [self._pos[i] for i in ids if i in self._pos]
        if mask is not None:
            positions = [i for i in positions if mask[i]]
        return positions[:depth]

    def search(self, query: str, k: int = 5, method: str = "default", kinds: Sequence[str] = (),
               topics: Sequence[str] = (), exclude_sensitive: bool = False) -> SearchResult[Hit]:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        if not self.passages or not query.strip():
            return SearchResult(())
        mask = self._mask(kinds, topics, exclude_sensitive)
        dense_w = {"dense": 1.0, "hybrid": 1.0, "lexical": 0.0}.get(method, self.dense_weight)
        if dense_w <= 0:
            return SearchResult(self._lexical(query, mask, k))
        dense = self.dense_ranking(query, mask)
        if dense is None:  # the vector store is down: the lexical ranking answers alone
            return SearchResult(self._lexical(query, mask, k), DEGRADED_NOTICE)
        if method == "dense":
            return SearchResult(self._collapse(sorted(rrf([(dense, 1.0)]).items(), key=lambda kv: (-kv[1], kv[0])), k))
        lexical, _ = self.snapshot.lexical.ranking(query, mask, DEPTH)
        fused = rrf([(lexical, LEXICAL_WEIGHT), (dense, dense_w)])
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return SearchResult(self._collapse(ordered, k))

    def _lexical(self, query: str, mask: np.ndarray | None, k: int) -> tuple[Hit, ...]:
        lexical, scores = self.snapshot.lexical.ranking(query, mask, DEPTH)
        return self._collapse([(i, float(scores[i])) for i in lexical], k)

    def _collapse(self, ordered: list[tuple[int, float]], k: int) -> tuple[Hit, ...]:
        """Drop a result whose text is mostly shown already by those listed above it, from the
        same file or another (the same speech reposted on two sites)."""
        hits: list[Hit] = []
        shown: set[str] = set()
        for pos, score in ordered:
            sh = content_shingles(self.passages[pos].text)
            if sh and len(sh & shown) >= COLLAPSE_THRESHOLD * len(sh):
                continue
            shown |= sh
            hits.append(Hit(self.passages[pos], score))
            if len(hits) >= k:
                break
        return tuple(hits)
