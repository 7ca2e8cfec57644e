"""Wiring: builds the store and retriever from settings, shared by every entry point."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.retrieval.dense import Embedder
from bot.retrieval.retriever import Retriever
from bot.retrieval.store import IndexStore, StoreError

log = logging.getLogger(__name__)


def open_retriever(settings: Settings, dense: bool | None = None, embedder: Embedder | None = None) -> Retriever | None:
    """The retriever over the live snapshot, or None when nothing is indexed yet.

    ``dense=None`` loads the model only when the default method gives it weight."""
    store = IndexStore(settings, embedder)
    snapshot = store.load()
    if snapshot is None:
        return None
    weight = settings.dense_weight if settings.dense_weight is not None else float(snapshot.meta.get("dense_weight", 0.0))
    use_dense = weight > 0 if dense is None else dense
    retriever = Retriever(snapshot, dense_weight=weight)
    if use_dense:
        try:
            retriever.embedder = store.embedder
            retriever.vectors = store.vectors()
        except StoreError as exc:
            log.warning("%s", exc)
            retriever.degraded = "向量库暂时不可用，本次结果仅来自关键词检索。"
    return retriever
