"""Splitting: a file's cleaned lines → documents → heading tree → passages.

Headings become each paragraph's section path (metadata); run-in items such as
``1、标题。正文`` keep their text, since the title is part of the sentence.
"""

from __future__ import annotations

import hashlib
import re

from bot.text.clean import L1_RE, L2_RE, L3_RE, Line, is_doc_marker, is_table_row
from bot.text.model import Document, Paragraph, Passage
from bot.text.normalize import HAN_RE, han_count

MIN_HAN = 150
MAX_HAN = 500
TARGET_HAN = 350

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）]|\d{1,2}(?:、|[.．]))\s*")
_TITLE_END = re.compile(r"[。：:；！？]")
_SENTENCE = re.compile(r"(?<=[。！？；])")
# Heading-less reports announce their sections with cue sentences (SEEDS.md §3).
_CUE_PROBLEMS = re.compile(r"(存在|面临).{0,12}(问题|不足|困难|薄弱环节)")
_CUE_SUGGESTIONS = re.compile(r"(建议|对策|措施).{0,6}(如下|以下|[:：])$")
_PSEUDO_HEADING = re.compile(r"^(首先|其次|再次|第[一二三四五六七八九十]阶段)[，,]")


def heading_title(text: str) -> str:
    """``（一）强化领导，完善机制。一是……`` → ``强化领导，完善机制``."""
    body = _NUMBERING.sub("", text).strip()
    m = _TITLE_END.search(body)
    title = body[: m.start()] if m else body
    return title.strip("，,、 ")[:60]


def _is_standalone(text: str) -> bool:
    """A heading on a line of its own: short, at most one sentence mark at its end."""
    core = text.rstrip("。：:；")
    return han_count(text) <= 45 and not _TITLE_END.search(core) and not is_table_row(text)


def _is_title_line(text: str) -> bool:
    if re.fullmatch(r"[\d年月日\s\-/.]+", text) or is_table_row(text):
        return False  # a date line under the title, a table row: not a title
    return han_count(text) <= 30 and not re.search(r"[。，,；！？]", text)


def split_documents(lines: list[Line], source: str, file_title: str) -> list[Document]:
    has_markers = any(is_doc_marker(ln.text) for ln in lines)
    space_starts = sum(ln.leading_space for ln in lines) >= 2
    docs: list[Document] = []
    current: Document | None = None
    pending_title = False
    for ln in lines:
        text = ln.text
        if is_doc_marker(text):
            title = text.split("：", 1)[1].strip() if re.match(r"^篇\d", text) and "：" in text else text
            current = Document(source=source, title=title or file_title)
            docs.append(current)
            pending_title = True
            continue
        if current is None or (space_starts and ln.leading_space and current.paragraphs):
            if current is None and has_markers and _is_title_line(text):
                continue  # page header before the first article: title repeats, dates
            current = Document(source=source, title=file_title)
            docs.append(current)
            pending_title = current.title == file_title
        if pending_title and _is_title_line(text) and not (L1_RE.match(text) or L2_RE.match(text)):
            current.title = text
            pending_title = False
            continue
        pending_title = False
        current.paragraphs.append(Paragraph(text=text, raw=ln.raw, section=()))
    for doc in docs:
        doc.paragraphs = _assign_sections(doc.paragraphs)
    return [d for d in docs if d.paragraphs]


def _assign_sections(paragraphs: list[Paragraph]) -> list[Paragraph]:
    path: list[str] = []
    seen_l1 = False
    lead: list[str] = []
    out: list[Paragraph] = []
    for para in paragraphs:
        text = para.text
        level = 1 if L1_RE.match(text) else 2 if L2_RE.match(text) else 3 if L3_RE.match(text) else 0
        if level == 0 and ((_PSEUDO_HEADING.match(text) and _is_standalone(text)) or _is_title_line(text)):
            level = 2
        if level:
            seen_l1 = seen_l1 or level == 1
            path = path[: level - 1] + [""] * max(0, level - 1 - len(path))
            path.append(heading_title(text))
            if _is_standalone(text):
                lead = [*lead, text] if level > 1 or not lead else [text]
                continue
            out.append(Paragraph(text, para.raw, tuple(p for p in path if p), item_start=True, lead=tuple(lead)))
            lead = []
            continue
        first = _SENTENCE.split(text, maxsplit=1)[0]
        in_problems = any(re.search("问题|不足|困难", p) for p in path)
        if _CUE_PROBLEMS.search(first) and not in_problems and (not seen_l1 or han_count(first) < 60):
            path = ["存在问题"]
            lead = lead or [""]
        elif not seen_l1 and _CUE_SUGGESTIONS.search(text) and han_count(text) < 200:
            path = ["对策建议"]
            lead = lead or [""]
        out.append(Paragraph(text, para.raw, tuple(p for p in path if p), item_start=bool(lead), lead=tuple(x for x in lead if x)))
        lead = []
    return out


def _split_long(text: str) -> list[str]:
    """Cut a paragraph longer than MAX_HAN at sentence ends into pieces near TARGET_HAN."""
    if han_count(text) <= MAX_HAN:
        return [text]
    pieces: list[str] = []
    cur = ""
    for sentence in (s for s in _SENTENCE.split(text) if s):
        if cur and han_count(cur) + han_count(sentence) > TARGET_HAN:
            pieces.append(cur)
            cur = ""
        cur += sentence
    if cur:
        if pieces and han_count(cur) < MIN_HAN // 2 and han_count(pieces[-1]) + han_count(cur) <= MAX_HAN:
            pieces[-1] += cur
        else:
            pieces.append(cur)
    # A single sentence longer than MAX_HAN (rare, run-on lists) is cut at commas.
    out: list[str] = []
    for piece in pieces:
        while han_count(piece) > MAX_HAN:
            cut = _cut_point(piece)
            out.append(piece[:cut])
            piece = piece[cut:]
        if out and not han_count(piece):
            out[-1] += piece  # only the closing mark of the sentence cut above is left
        else:
            out.append(piece)
    return out


def _cut_point(text: str) -> int:
    count = 0
    last_comma = 0
    for i, ch in enumerate(text):
        if HAN_RE.match(ch):  # the characters han_count counts, rare ones (㐀, 䶮) included
            count += 1
        if ch in "，、,；" and count <= TARGET_HAN:
            last_comma = i + 1
        if count > TARGET_HAN:
            return last_comma or i
    return len(text)


def make_passages(doc: Document, doc_index: int) -> list[tuple[Passage, list[str]]]:
    """Group a document's paragraphs into passages; returns each with its raw lines."""
    chunks: list[tuple[tuple[str, ...], list[str], list[str]]] = []
    group_key: tuple[str, ...] | None = None
    for para in doc.paragraphs:
        key = para.section[:2]
        lead = "\n".join(para.lead)
        for j, piece in enumerate(_split_long(para.text)):
            starts_item = para.item_start and j == 0
            if j == 0 and lead:
                piece = f"{lead}\n{piece}"
            if chunks and key == group_key and not (j == 0 and lead):
                section, texts, raws = chunks[-1]
                size = sum(han_count(t) for t in texts)
                fits = size + han_count(piece) <= MAX_HAN
                if fits and (size < MIN_HAN or not starts_item):
                    texts.append(piece)
                    if para.raw not in raws:
                        raws.append(para.raw)
                    continue
            chunks.append((para.section, [piece], [para.raw]))
            group_key = key
    merged = _merge_small(chunks)
    out: list[tuple[Passage, list[str]]] = []
    for position, (section, texts, raws) in enumerate(merged):
        text = "\n".join(texts)
        # Content-addressed: a passage keeps its id (and its vector) while its file and text stay.
        digest = hashlib.sha1(f"{doc.source}\n{doc.title}\n{text}".encode()).hexdigest()[:16]
        passage = Passage(
            id=digest, text=text, source=doc.source, title=doc.title, section=section,
            kind=doc.kind, doc=doc_index, position=position,
        )
        out.append((passage, raws))
    return out


def _merge_small(chunks: list[tuple[tuple[str, ...], list[str], list[str]]]) -> list[tuple[tuple[str, ...], list[str], list[str]]]:
    """Fold a short passage into its predecessor of the same L1/L2 section when both fit."""
    out: list[tuple[tuple[str, ...], list[str], list[str]]] = []
    for section, texts, raws in chunks:
        size = sum(han_count(t) for t in texts)
        if out and size < MIN_HAN // 2 and out[-1][0][:2] == section[:2]:
            prev_size = sum(han_count(t) for t in out[-1][1])
            if prev_size + size <= MAX_HAN:
                out[-1][1].extend(texts)
                out[-1][2].extend(r for r in raws if r not in out[-1][2])
                continue
        out.append((section, list(texts), list(raws)))
    return out
