"""From file texts to deduplicated, tagged passages: the pure part of indexing."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from bot.jsondata import JsonObject
from bot.text.boilerplate import clean_title
from bot.text.clean import Line, clean_lines
from bot.text.dedup import dedupe
from bot.text.model import Document, Paragraph, Passage
from bot.text.normalize import han_count, strip_invisible, to_simplified
from bot.text.privacy import mask_identifiers
from bot.text.repeats import drop_furniture, site_furniture
from bot.text.split import make_passages, split_documents
from bot.text.tags import detect_kind, find_placeholders, mask_private_names, sensitivity, tag_topics

# Bumped whenever cleaning or splitting changes what a file gives: an index keeps the documents
# of unchanged files only when they were made by this version.
PIPELINE_VERSION = 2


@dataclass
class IngestReport:
    files: int = 0
    documents_found: int = 0
    documents_kept: int = 0
    passages_found: int = 0
    passages_kept: int = 0
    dropped_documents: list[tuple[str, str, float]] = field(default_factory=list)
    dropped_passages: Counter[str] = field(default_factory=Counter)
    sensitive: int = 0
    furniture: int = 0

    def lines(self) -> list[str]:
        out = [
            f"文件 {self.files} 个；文章 {self.documents_found} 篇，保留 {self.documents_kept} 篇；"
            f"段落 {self.passages_found} 个，保留 {self.passages_kept} 个；敏感段落 {self.sensitive} 个（不作范例）。"
        ]
        for title, reason, covered in self.dropped_documents:
            out.append(f"  去重：{title}（{reason}，{covered:.0%} 内容已收录）")
        for reason, n in self.dropped_passages.items():
            out.append(f"  去掉段落 {n} 个：{reason}")
        if self.furniture:
            out.append(f"  去掉网站页眉页脚 {self.furniture} 行（在 3 个以上文件的开头或结尾重复出现）")
        return out


def file_title(source: str, text: str | list[Line]) -> str:
    """The first cleaned line when it reads like a title (short, no sentence marks), without a
    collection page's suffix; else the file's name."""
    lines = clean_lines(text) if isinstance(text, str) else text
    if lines:
        line = lines[0].text
        if len(line) <= 40 and not re.search(r"[。，,；]", line):
            return clean_title(line)
    return strip_invisible(PurePath(source).stem) or "未命名"


def documents_of(source: str, text: str) -> list[Document]:
    """Clean and split one file's text into documents with kinds."""
    lines = clean_lines(text)
    docs = split_documents(lines, source, file_title(source, lines))
    converted = to_simplified(text) != text
    for doc in docs:
        doc.title = clean_title(doc.title)
        doc.kind = detect_kind(doc.title, doc.text[:400])
        doc.converted = converted
    return docs


def _scrub(text: str) -> str:
    """What may be stored: no control characters, no residents' identifiers (documents cached by
    an older index included)."""
    return mask_identifiers(strip_invisible(text))


def _scrubbed(doc: Document) -> Document:
    paragraphs = [Paragraph(_scrub(p.text), _scrub(p.raw), tuple(_scrub(s) for s in p.section), p.item_start,
                            tuple(_scrub(line) for line in p.lead)) for p in doc.paragraphs]
    return Document(source=doc.source, title=_scrub(doc.title), paragraphs=paragraphs, kind=doc.kind, converted=doc.converted)


def _doc_order(doc: Document) -> tuple[int, int]:
    # Keep the simplified original before its traditional copy, then the fullest copy first.
    return (int(doc.converted), -han_count(doc.text))


def build_passages(docs: list[Document]) -> tuple[list[Passage], IngestReport]:
    """Deduplicate documents, cut passages, deduplicate passages, tag them."""
    report = IngestReport(files=len({d.source for d in docs}), documents_found=len(docs))
    kept_docs, dropped = dedupe([_scrubbed(d) for d in docs], lambda d: d.text, _doc_order)
    kept_docs, report.furniture = drop_furniture(kept_docs, site_furniture(kept_docs))
    report.documents_kept = len(kept_docs)
    report.dropped_documents = [(f"{d.item.source} · {d.item.title}", "与已收录文章重复", d.covered) for d in dropped]

    candidates: list[tuple[Passage, list[str]]] = []
    for doc_index, doc in enumerate(kept_docs):
        candidates.extend(make_passages(doc, doc_index))
    report.passages_found = len(candidates)
    # Shorter repeats (shared boilerplate paragraphs) go; the order keeps the earlier document's copy.
    kept, dropped_p = dedupe(candidates, lambda c: c[0].text, lambda c: (int(han_count(c[0].text) < 60), c[0].doc, c[0].position))
    report.dropped_passages["与其他段落重复"] = len(dropped_p)

    passages: list[Passage] = []
    for passage, raws in kept:
        text = passage.text
        reason = sensitivity(text)
        if reason:
            text = mask_private_names(text)
            report.sensitive += 1
        original = "\n".join(raws)
        passages.append(
            replace(
                passage,
                text=text,
                topics=tag_topics(passage.text, passage.section),
                placeholders=find_placeholders(passage.text),
                sensitive=reason,
                original=original if original.replace("\n", "") != text.replace("\n", "") else "",
            )
        )
    report.passages_kept = len(passages)
    return passages, report


def documents_to_json(docs: list[Document]) -> list[dict[str, object]]:
    return [
        {"source": d.source, "title": d.title, "kind": d.kind, "converted": d.converted,
         "paragraphs": [[p.text, p.raw, list(p.section), p.item_start, list(p.lead)] for p in d.paragraphs]}
        for d in docs
    ]


def documents_from_json(items: list[JsonObject]) -> list[Document]:
    out = []
    for d in items:
        paragraphs = [Paragraph(t, r, tuple(s), bool(i), tuple(lead)) for t, r, s, i, lead in d["paragraphs"]]
        out.append(Document(source=str(d["source"]), title=str(d["title"]), paragraphs=paragraphs,
                            kind=str(d["kind"]), converted=bool(d["converted"])))
    return out
