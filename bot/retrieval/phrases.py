"""Example phrasing: the sentences of the best passages that answer a query, facts masked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.retrieval.retriever import Retriever
from bot.text import tokenize
from bot.text.mask import mask_facts
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
                 kinds: tuple[str, ...] = (), topics: tuple[str, ...] = ()) -> list[Phrase]:
    """Sentences from the top passages, ranked by overlap with the query and passage rank.

    Sensitive passages are never used: they may name private persons."""
    hits = retriever.search(query, k=passages, kinds=kinds, topics=topics, exclude_sensitive=True)
    q_grams = set(tokenize.query_bigrams(query)[0])
    scored: list[Phrase] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits):
        for sentence in sentences(hit.passage.text):
            masked = _strip_numbering(mask_facts(sentence))
            if masked in seen or han_count(masked) > 120:
                continue
            seen.add(masked)
            grams = set(tokenize.bigrams(sentence))
            overlap = len(q_grams & grams) / (len(q_grams) or 1)
            score = overlap + 0.5 / (rank + 1)
            scored.append(Phrase(masked, hit.passage.source, hit.passage.title, hit.passage.section_path, score))
    scored.sort(key=lambda p: -p.score)
    return [p for p in scored if not find_placeholders(p.text.replace("__", ""))][:k]


def _strip_numbering(sentence: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[、.．])", "", sentence)
