"""Wiring: builds the store and retriever from settings, shared by every entry point."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.retrieval.collection import deployment_vectors
from bot.retrieval.dense import Embedder, TextEmbedder
from bot.retrieval.retriever import Retriever
from bot.retrieval.snapshot import Snapshot, current_folder, load_current
from bot.text.model import Passage

if TYPE_CHECKING:
    from bot.drafting.dialogue import Dialogue, Exporter
    from bot.drafting.document import RenderedDraft
    from bot.drafting.draft import Draft

log = logging.getLogger(__name__)

# What staff see when there is no usable index; the operator finds the reason in the log.
NO_INDEX_NOTICE = "资料库尚未建立或已损坏，请联系管理员。"


def open_retriever(settings: Settings, dense: bool | None = None, embedder: TextEmbedder | None = None,
                   snapshot: Snapshot | None = None) -> Retriever | None:
    """The retriever over the live snapshot, or None when there is no usable index (a damaged
    one is logged).

    ``dense=None`` uses the model only when the default method gives it weight and the snapshot
    has vectors. Opening never touches the vector store: it connects on the first dense search
    (bounded by short timeouts), and while it is down searches answer from the lexical index and
    their ``SearchResult.degraded`` says so."""
    snapshot = snapshot or load_current(settings.index_dir)
    if snapshot is None:
        return None
    weight = settings.dense_weight if settings.dense_weight is not None else float(snapshot.meta.get("dense_weight", 0.0))
    if weight > 0 and not snapshot.has_vectors and dense is None:
        log.warning("a dense weight of %s is configured but the index has no vectors: run drafter index "
                    "(searches use the lexical index until then)", weight)
        weight = 0.0
    use_dense = weight > 0 if dense is None else dense
    retriever = Retriever(snapshot, dense_weight=weight)
    if use_dense:
        model = embedder or Embedder(settings.embedding_model)
        vectors = deployment_vectors(settings, model.fingerprint, create=False)
        if snapshot.meta.get("collection") not in (None, vectors.name):
            log.warning("the index was built with vector collection %s, the settings now give %s: "
                        "run drafter index", snapshot.meta.get("collection"), vectors.name)
        retriever.embedder = model
        retriever.vectors = vectors
    return retriever


Found = tuple[list[tuple[str, str]], str]


class CorpusLibrary:
    """The dialogue's ``Library`` port over the retriever (reopened when the index changes).
    Each call returns its results with its own notice for the user ("" when none): the
    library is shared by every handler thread and keeps no per-call state."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._opened: tuple[Path | None, Retriever | None] = (None, None)

    def retriever(self) -> Retriever | None:
        current = current_folder(self.settings.index_dir)
        folder, retriever = self._opened
        if current != folder or retriever is None:
            retriever = open_retriever(self.settings)
            if retriever is None:
                log.error("no usable index in %s: staff get no search results until drafter index has run",
                          self.settings.index_dir)
            self._opened = (current, retriever)  # one tuple: a concurrent reader sees both or neither
        return retriever

    @staticmethod
    def _source(passage: Passage) -> str:
        return f"{passage.title}｜{passage.source}"

    def examples(self, query: str, kinds: Sequence[str], topics: Sequence[str],
                 own: Sequence[str] = ()) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
        """(passages, phrases, notice); ``own`` are the user's own names (community, issuer),
        which phrases may keep."""
        from bot.retrieval.phrases import find_phrases

        retriever = self.retriever()
        if retriever is None:
            return [], [], NO_INDEX_NOTICE
        hits = retriever.search(query, k=3, kinds=kinds, topics=topics, exclude_sensitive=True)
        notices = [hits.degraded]
        if not hits and (kinds or topics):
            hits = retriever.search(query, k=3, exclude_sensitive=True)
            notices.append(hits.degraded)
        phrases = find_phrases(retriever, query, k=3, kinds=tuple(kinds), topics=tuple(topics), own=own)
        notices.append(phrases.degraded)
        if not phrases and (kinds or topics):
            phrases = find_phrases(retriever, query, k=3, own=own)
            notices.append(phrases.degraded)
        return ([(h.passage.text, self._source(h.passage)) for h in hits],
                [(p.text, f"{p.title}｜{p.source}") for p in phrases],
                next((n for n in notices if n), ""))

    def search(self, query: str) -> Found:
        """(passages as (text, source), notice)."""
        retriever = self.retriever()
        if retriever is None:
            return [], NO_INDEX_NOTICE
        hits = retriever.search(query, k=5)
        return [(h.passage.text, self._source(h.passage)) for h in hits], hits.degraded

    def phrases(self, query: str, own: Sequence[str] = ()) -> Found:
        """(phrases as (text, source), notice)."""
        from bot.retrieval.phrases import find_phrases

        retriever = self.retriever()
        if retriever is None:
            return [], NO_INDEX_NOTICE
        phrases = find_phrases(retriever, query, k=5, own=own)
        return [(p.text, f"{p.title}｜{p.source}") for p in phrases], phrases.degraded


def make_exporter(settings: Settings) -> Exporter:
    """Writes a rendered draft to ``<data>/exports/<user>/`` as .docx or .md, under a name made
    from its title with control and direction-override characters removed."""
    import re

    from bot.drafting.export import to_docx, to_markdown
    from bot.filenames import title_filename

    def export(draft: Draft, rendered: RenderedDraft, fmt: str) -> Path:
        safe_user = re.sub(r"[^A-Za-z0-9_-]", "_", str(draft.user))[:40] or "user"
        folder = settings.exports_dir / safe_user
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "md":
            path = folder / title_filename(rendered.title, ".md")
            path.write_text(to_markdown(rendered), encoding="utf-8")
            return path
        return to_docx(rendered, folder / title_filename(rendered.title, ".docx"))

    return export


def make_dialogue(settings: Settings) -> Dialogue:
    from bot.config import PROMPTS_DIR
    from bot.drafting.dialogue import Catalog, Dialogue
    from bot.drafting.skeletons import load_basics, load_kinds, load_topics
    from bot.drafting.store import DraftStore
    from bot.llm.writer import SectionWriter

    catalog = Catalog(load_basics(PROMPTS_DIR), load_kinds(PROMPTS_DIR), load_topics(PROMPTS_DIR))
    return Dialogue(catalog, DraftStore(settings.db_path), CorpusLibrary(settings), make_exporter(settings),
                    writer=SectionWriter.from_settings(settings))
