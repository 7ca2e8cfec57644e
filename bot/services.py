"""Wiring: builds the store and retriever from settings, shared by every entry point."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.retrieval.dense import Embedder
from bot.retrieval.retriever import Retriever
from bot.retrieval.store import IndexStore

log = logging.getLogger(__name__)


def open_retriever(settings: Settings, dense: bool | None = None, embedder: Embedder | None = None) -> Retriever | None:
    """The retriever over the live snapshot, or None when nothing is indexed yet.

    ``dense=None`` loads the model only when the default method gives it weight. Opening never
    touches the vector store: it connects on the first dense search (bounded by short timeouts),
    and while it is down searches answer from the lexical index with ``Retriever.degraded`` set."""
    store = IndexStore(settings, embedder)
    snapshot = store.load()
    if snapshot is None:
        return None
    weight = settings.dense_weight if settings.dense_weight is not None else float(snapshot.meta.get("dense_weight", 0.0))
    use_dense = weight > 0 if dense is None else dense
    retriever = Retriever(snapshot, dense_weight=weight)
    if use_dense:
        vectors = store.vectors(create=False)
        if snapshot.meta.get("collection") not in (None, vectors.name):
            log.warning("the index was built with vector collection %s, the settings now give %s: "
                        "run drafter index", snapshot.meta.get("collection"), vectors.name)
        retriever.embedder = store.embedder
        retriever.vectors = vectors
    return retriever


class CorpusLibrary:
    """The dialogue's ``Library`` port over the retriever (reopened when the index changes)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Retriever | None = None
        self._snapshot = None
        # After each call: a notice for the user when its results came from the lexical index
        # alone because the vector store was down (empty otherwise).
        self.notice = ""

    def retriever(self) -> Retriever | None:
        from bot.retrieval.store import IndexStore

        current = IndexStore(self.settings).current_folder()
        if current != self._snapshot:
            self._retriever = open_retriever(self.settings)
            self._snapshot = current
        self.notice = ""
        return self._retriever

    def _searched(self, retriever: Retriever) -> None:
        self.notice = self.notice or retriever.degraded

    def _source(self, passage) -> str:  # type: ignore[no-untyped-def]
        return f"{passage.title}｜{passage.source}"

    def examples(self, query: str, kinds, topics):  # type: ignore[no-untyped-def]
        from bot.retrieval.phrases import find_phrases

        retriever = self.retriever()
        if retriever is None:
            return [], []
        hits = retriever.search(query, k=3, kinds=kinds, topics=topics, exclude_sensitive=True)
        self._searched(retriever)
        if not hits and (kinds or topics):
            hits = retriever.search(query, k=3, exclude_sensitive=True)
            self._searched(retriever)
        phrases = find_phrases(retriever, query, k=3, kinds=tuple(kinds), topics=tuple(topics)) or find_phrases(retriever, query, k=3)
        self._searched(retriever)
        return ([(h.passage.text, self._source(h.passage)) for h in hits],
                [(p.text, f"{p.title}｜{p.source}") for p in phrases])

    def search(self, query: str):  # type: ignore[no-untyped-def]
        retriever = self.retriever()
        if retriever is None:
            return []
        hits = retriever.search(query, k=5)
        self._searched(retriever)
        return [(h.passage.text, self._source(h.passage)) for h in hits]

    def phrases(self, query: str):  # type: ignore[no-untyped-def]
        from bot.retrieval.phrases import find_phrases

        retriever = self.retriever()
        if retriever is None:
            return []
        phrases = find_phrases(retriever, query, k=5)
        self._searched(retriever)
        return [(p.text, f"{p.title}｜{p.source}") for p in phrases]


def make_exporter(settings: Settings):  # type: ignore[no-untyped-def]
    """Writes a rendered draft to ``<data>/exports/<user>/`` as .docx or .md, under a name made
    from its title with control and direction-override characters removed."""
    import re
    from pathlib import Path

    from bot.drafting.export import to_docx, to_markdown
    from bot.filenames import title_filename

    def export(draft, rendered, fmt: str) -> Path:  # type: ignore[no-untyped-def]
        safe_user = re.sub(r"[^A-Za-z0-9_-]", "_", str(draft.user))[:40] or "user"
        folder = settings.exports_dir / safe_user
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "md":
            path = folder / title_filename(rendered.title, ".md")
            path.write_text(to_markdown(rendered), encoding="utf-8")
            return path
        return to_docx(rendered, folder / title_filename(rendered.title, ".docx"))

    return export


def make_dialogue(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.config import PROMPTS_DIR
    from bot.drafting.dialogue import Catalog, Dialogue
    from bot.drafting.skeletons import load_basics, load_kinds, load_topics
    from bot.drafting.store import DraftStore

    from bot.llm.writer import SectionWriter

    catalog = Catalog(load_basics(PROMPTS_DIR), load_kinds(PROMPTS_DIR), load_topics(PROMPTS_DIR))
    return Dialogue(catalog, DraftStore(settings.db_path), CorpusLibrary(settings), make_exporter(settings),
                    writer=SectionWriter.from_settings(settings))
