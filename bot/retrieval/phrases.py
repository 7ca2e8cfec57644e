"""Example phrasing: the sentences of the best passages that answer a query, facts masked."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.retrieval.retriever import Retriever, SearchResult
from bot.text import tokenize
from bot.text.mask import leaks, mask_facts
from bot.text.model import Passage
from bot.text.normalize import han_count
from bot.text.tags import find_placeholders

_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


@dataclass(frozen=True)
class Phrase:
    text: str
    source: str
    title: str
    section: str
    score: float

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "source": self.source, "title": self.title, "section": self.section,
                "score": round(self.score, 4)}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if han_count(s) >= 8]


def find_phrases(retriever: Retriever, query: str, k: int = 5, passages: int = 8,
                 kinds: tuple[str, ...] = (), topics: tuple[str, ...] = (),
                 own: Sequence[str] = ()) -> SearchResult[Phrase]:
    """Sentences from the top passages, ranked by overlap with the query and passage rank,
    other communities' figures and place names masked; ``own`` are the user's own names, kept.

    Sensitive passages are never used: they may name private persons. A sentence that still
    shows a digit or a place name after masking is left out (``leaks``)."""
    hits = retriever.search(query, k=passages, kinds=kinds, topics=topics, exclude_sensitive=True)
    q_grams = set(tokenize.query_bigrams(query)[0])
    candidates: list[tuple[float, str, Passage]] = []
    for rank, hit in enumerate(hits):
        for sentence in sentences(hit.passage.text):
            grams = set(tokenize.bigrams(sentence))
            overlap = len(q_grams & grams) / (len(q_grams) or 1)
            candidates.append((overlap + 0.5 / (rank + 1), sentence, hit.passage))
    candidates.sort(key=lambda c: -c[0])
    kept: list[Phrase] = []
    seen: set[str] = set()
    for score, sentence, passage in candidates:  # best first: only what is shown gets masked
        masked = _strip_numbering(mask_facts(_strip_numbering(sentence), own))
        if (masked in seen or han_count(masked) > 120 or leaks(masked, own)
                or find_placeholders(masked.replace("__", "").replace("XX", ""))):
            continue
        seen.add(masked)
        kept.append(Phrase(masked, passage.source, passage.title, passage.section_path, score))
        if len(kept) >= k:
            break
    return SearchResult(tuple(kept), hits.degraded)


def _strip_numbering(sentence: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[、.．])", "", sentence)
