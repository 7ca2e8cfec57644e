"""Site furniture found by repetition: a short line that opens or closes the files of many
different sources (a site's name, its slogan, a footer) belongs to the site, whatever it says.

Counted over the documents kept after deduplication, so a repost of one article on three sites
counts once, not three times; only the first and last lines of each file are candidates, where
headers and footers sit (a heading that recurs in the middle of many reports is structure).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import PurePath

from bot.text.clean import is_doc_marker, is_heading
from bot.text.model import Document, Paragraph
from bot.text.normalize import han_count, match_key
from bot.text.split import heading_title

MIN_FILES = 3  # distinct files a line must open or close to count as the site's
EDGE = 3  # lines from either end of a file that may be header or footer
MAX_HAN = 40  # longer lines are text, however often they recur


def _candidate(text: str) -> bool:
    text = text.strip()
    return (0 < han_count(text) <= MAX_HAN and not text.endswith(("。", "！", "？"))
            and not is_heading(text) and not is_doc_marker(text))


def _file_lines(docs: list[Document]) -> list[str]:
    lines: list[str] = []
    for doc in docs:
        lines.append(doc.title)
        for para in doc.paragraphs:
            lines.extend(para.lead)
            lines.append(para.text)
    return lines


def site_furniture(docs: list[Document]) -> set[str]:
    """Match keys of lines at the edges of at least MIN_FILES different files."""
    by_source: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        by_source[doc.source].append(doc)
    files_with: dict[str, set[str]] = defaultdict(set)
    for source, file_docs in by_source.items():
        lines = _file_lines(file_docs)
        for text in lines[:EDGE] + lines[-EDGE:]:
            if _candidate(text):
                files_with[match_key(text)].add(source)
    return {key for key, sources in files_with.items() if len(sources) >= MIN_FILES}


def drop_furniture(docs: list[Document], keys: set[str]) -> tuple[list[Document], int]:
    """The documents without those lines: as paragraphs, as headings above them, in section
    paths and as titles. A title that is the site's gives way to the title-like line the
    article opens with, else to the file's name."""
    if not keys:
        return docs, 0
    dropped = 0
    out: list[Document] = []
    for doc in docs:
        paragraphs = []
        for para in doc.paragraphs:
            if match_key(para.text) in keys:
                dropped += 1
                continue
            lead = tuple(line for line in para.lead if match_key(line) not in keys)
            dropped += len(para.lead) - len(lead)
            section = tuple(s for s in para.section if match_key(s) not in keys)
            paragraphs.append(replace(para, lead=lead, section=section))
        title = doc.title
        if match_key(title) in keys:
            dropped += 1
            title, paragraphs = _promote_title(doc.source, paragraphs)
        out.append(Document(source=doc.source, title=title, paragraphs=paragraphs, kind=doc.kind, converted=doc.converted))
    return [d for d in out if d.paragraphs], dropped


def _promote_title(source: str, paragraphs: list[Paragraph]) -> tuple[str, list[Paragraph]]:
    """The article's first heading line when it reads as a title (unnumbered, short), taken out
    of the headings; else the file's name."""
    first = paragraphs[0] if paragraphs else None
    if first is None or not first.lead or is_heading(first.lead[0]) or han_count(first.lead[0]) > 30:
        return PurePath(source).stem, paragraphs
    line = first.lead[0]
    name = heading_title(line)
    out = [replace(first, lead=first.lead[1:]), *paragraphs[1:]]
    return line, [replace(p, section=p.section[1:]) if p.section[:1] == (name,) else p for p in out]
