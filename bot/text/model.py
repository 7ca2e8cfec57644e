"""Plain data passed between the stages of ingestion and retrieval."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.jsondata import JsonObject


@dataclass(frozen=True)
class Passage:
    """The retrieval unit: 150-500 Han characters of one section of one document."""

    id: str
    text: str
    source: str
    title: str
    section: tuple[str, ...]
    kind: str
    topics: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    sensitive: str = ""
    original: str = ""
    doc: int = 0
    position: int = 0

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "title": self.title,
            "section": list(self.section),
            "kind": self.kind,
            "topics": list(self.topics),
            "placeholders": list(self.placeholders),
            "sensitive": self.sensitive,
            "original": self.original,
            "doc": self.doc,
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, d: JsonObject) -> Passage:
        return cls(
            id=str(d["id"]),
            text=str(d["text"]),
            source=str(d["source"]),
            title=str(d["title"]),
            section=tuple(d.get("section", ())),
            kind=str(d.get("kind", "")),
            topics=tuple(d.get("topics", ())),
            placeholders=tuple(d.get("placeholders", ())),
            sensitive=str(d.get("sensitive", "")),
            original=str(d.get("original", "")),
            doc=int(d.get("doc", 0)),
            position=int(d.get("position", 0)),
        )


@dataclass(frozen=True)
class Paragraph:
    text: str
    raw: str
    section: tuple[str, ...]
    item_start: bool = False
    # Standalone heading lines right above this paragraph: they open its passage, as in the source.
    lead: tuple[str, ...] = ()


@dataclass
class Document:
    """One article of a file (a file may hold several: 篇一, 篇二, …)."""

    source: str
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    kind: str = ""
    converted: bool = False

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)
