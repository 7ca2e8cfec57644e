"""Ranking passages for a query: lexical, dense, and their fusion; plus the langchain adapter."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from bot.retrieval.dense import Embedder, VectorStore, VectorStoreUnavailable
from bot.retrieval.lexical import rrf
from bot.retrieval.store import Snapshot
from bot.text.dedup import containment, shingles
from bot.text.model import Passage

log = logging.getLogger(__name__)
METHODS = ("lexical", "dense", "hybrid", "default")
DEPTH = 100
LEXICAL_WEIGHT = 1.0
DEGRADED_NOTICE = "向量库暂时不可用，本次结果仅来自关键词检索。"


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


class Retriever:
    """Searches one snapshot. Dense ranking is optional: without it, or when the vector
    store fails, the lexical ranking answers alone and ``degraded`` says so."""

    def __init__(self, snapshot: Snapshot, embedder: Embedder | None = None,
                 vectors: VectorStore | None = None, dense_weight: float | None = None) -> None:
        self.snapshot = snapshot
        self.passages = snapshot.passages
        self._pos = {p.id: i for i, p in enumerate(self.passages)}
        self.embedder = embedder
        self.vectors = vectors
        self.dense_weight = float(snapshot.meta.get("dense_weight", 0.0)) if dense_weight is None else dense_weight
        # Set by each search: the notice for the user when the vector store could not answer it.
        self.degraded = ""

    def _mask(self, kinds: Sequence[str], topics: Sequence[str], exclude_sensitive: bool) -> np.ndarray | None:
        if not kinds and not topics and not exclude_sensitive:
            return None
        return np.array([
            (not kinds or p.kind in kinds)
            and (not topics or any(t in p.topics for t in topics))
            and not (exclude_sensitive and p.sensitive)
            for p in self.passages
        ], dtype=bool)

    def dense_ranking(self, query: str, mask: np.ndarray | None, depth: int = DEPTH) -> list[int]:
        if self.embedder is None or self.vectors is None:
            return []
        # A Chroma server down must not take search down with it. The vector store logs the
        # outage once and, while it cools down, fails at once without touching the network.
        if not self.vectors.available:
            self.degraded = DEGRADED_NOTICE
            return []
        try:
            ids = self.vectors.query(self.embedder.encode([query])[0], depth * 2 if mask is not None else depth)
        except VectorStoreUnavailable:
            self.degraded = DEGRADED_NOTICE
            return []
        except Exception as exc:  # e.g. the model failing: not the store's, but the same answer
            log.warning("dense search failed, answering from the lexical index: %s", exc)
            self.degraded = DEGRADED_NOTICE
            return []
        positions = [self._pos[i] for i in ids if i in self._pos]
        if mask is not None:
            positions = [i for i in positions if mask[i]]
        return positions[:depth]

    def search(self, query: str, k: int = 5, method: str = "default", kinds: Sequence[str] = (),
               topics: Sequence[str] = (), exclude_sensitive: bool = False) -> list[Hit]:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        self.degraded = ""
        if not self.passages or not query.strip():
            return []
        mask = self._mask(kinds, topics, exclude_sensitive)
        dense_w = {"dense": 1.0, "hybrid": 1.0, "lexical": 0.0}.get(method, self.dense_weight)
        lexical: list[int] = []
        if method != "dense":
            lexical, scores = self.snapshot.lexical.ranking(query, mask, DEPTH)
            if dense_w <= 0:
                return self._collapse([(i, float(scores[i])) for i in lexical], k)
        dense = self.dense_ranking(query, mask)
        if self.degraded:  # the vector store is down: the lexical ranking answers alone
            if method == "dense":
                lexical, scores = self.snapshot.lexical.ranking(query, mask, DEPTH)
            return self._collapse([(i, float(scores[i])) for i in lexical], k)
        rankings = [(lexical, LEXICAL_WEIGHT), (dense, dense_w)]
        fused = rrf(rankings)
        ordered = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        return self._collapse(ordered, k)

    def _collapse(self, ordered: list[tuple[int, float]], k: int) -> list[Hit]:
        """Drop a result whose text is mostly inside one already listed."""
        hits: list[Hit] = []
        kept: list[set[str]] = []
        for pos, score in ordered:
            sh = shingles(self.passages[pos].text)
            if any(containment(sh, other) >= 0.8 for other in kept):
                continue
            kept.append(sh)
            hits.append(Hit(self.passages[pos], score))
            if len(hits) >= k:
                break
        return hits


class DrafterRetriever(BaseRetriever):
    """The retriever as a langchain ``BaseRetriever``, so it plugs into chains."""

    retriever: Any
    k: int = 5
    method: str = "default"
    kinds: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        hits = self.retriever.search(query, k=self.k, method=self.method, kinds=self.kinds, topics=self.topics)
        return [
            LCDocument(page_content=h.passage.text, id=h.passage.id,
                       metadata={k: v for k, v in h.to_json().items() if k != "text"})
            for h in hits
        ]
