"""The retriever as a langchain ``BaseRetriever``, so it plugs into chains (adapter: langchain)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever


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
