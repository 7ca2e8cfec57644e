"""Line-level cleaning of scraped pages: boilerplate, previews, wraps, page numbers, SEO.

Input is the raw text of one file; output is a list of ``Line`` (cleaned text plus the
raw line it came from, so a passage can keep its original wording for display).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.text.boilerplate import (
    clean_title,
    drop_furniture_sentences,
    is_furniture,
    line_is_furniture,
    strip_inline,
    truncation_at,
)
from bot.text.normalize import han_count, match_key, normalize_display, strip_invisible
from bot.text.privacy import mask_identifiers, strip_phone_spam

# SEO strings injected into sentences: repeated document-type nouns, ad titles in brackets.
_SEO_RUN = re.compile(r"(?:(?:社区)?(?:调研报告|工作报告|工作总结|心得体会)){2,}(?=[。，；])")
_SEO_BRACKET = re.compile(r"[（(][^（）()]{0,30}(?:最新|范文|大全|精选)[^（）()]{0,30}[）)]")
_STRAY = re.compile(r"[（(][!！]?[）)]|(?<=[\u4e00-\u9fff])[.．](?=[\u4e00-\u9fff])")
# A page number left inside a wrapped sentence: "社会变革与发 1" + "展的要求".
_PAGE_NUMBER_TAIL = re.compile(r"\s+\d{1,3}$")
_TERMINAL = (*"。！？；：”…」』）)", "......")

L1_RE = re.compile(r"^[一二三四五六七八九十]{1,3}(?:[、．.]|\s+(?=\S))")
L2_RE = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")
L3_RE = re.compile(r"^\d{1,2}(?:、|[.．](?!\d))")
# Collection pages number their articles: 篇一, 篇2:, 第3篇, 汇总三, "……总结篇2", "……总结【篇1】", "……总结1".
DOC_MARKER_RE = re.compile(
    r"^(?:.{0,40}?篇[一二三四五六七八九十]{1,3}|篇\d{1,2}[:：].*|[【\[]?第[一二三四五六七八九十\d]{1,3}篇.{0,40}|.{0,40}?汇总[一二三四五六七八九十]|"
    r".{2,40}?(?:【篇\d{1,2}】|篇\d{1,2})|.{4,40}?(?:总结|报告|计划|方案|体会|汇报|讲话|材料)\d{1,2})$"
)
# Headings glued to the end of the previous paragraph: "……机制。一、主要工作" (heading ends the line).
_GLUED_HEADING = re.compile(r"(?<=[。！？…])(?=(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)[^。\n]{2,40}$)")
# A run-in item glued after a sentence: "……机制。5.硬件设施改善，投入基数增加。"
_GLUED_ITEM = re.compile(r"(?<=。)(?=\d{1,2}[.．、][\u4e00-\u9fff][^。]{2,30}。)")
# A heading and its body joined by a space: "一、要协调好内部关系,营造和谐的工作气氛 目前我们……"
_HEADING_SPACE_BODY = re.compile(r"^((?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)[^。\s]{4,40})\s+(?=\S{8,})")


_MD_HEADING = re.compile(r"^(?:(?:#{1,6}|[-*•])\s+)+")  # markdown heading marks and list bullets
# Document sites glue the title, twice, to the start of the text: "标题标题今年以来……".
# Only a title is glued so: a repeat naming no kind of document ("三百余人社区三百余人社区。") was written.
_DOUBLED_START = re.compile(r"^(?:\d{1,2}、)?([^。，、；！？：\s]{6,40}?)\1(?!\1)(?=\S)")
_DOCUMENT_NOUN = re.compile(r"总结|报告|计划|方案|汇报|讲话|体会|材料|范文|汇总|述职|篇")
_SPACED_L1 = re.compile(r"^([一二三四五六七八九十]{1,3})[ \u3000]+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Line:
    text: str
    raw: str
    leading_space: bool = False
    cut: bool = False  # the page was cut off right after this line (a truncation marker followed)


def is_heading(text: str) -> bool:
    return bool(L1_RE.match(text) or L2_RE.match(text) or L3_RE.match(text))


CELL_SEPARATOR = " | "  # between the cells of a table row, as the loaders write it


def is_table_row(text: str) -> bool:
    """A row of a table: its cells are data, never a heading, and rows never wrap into each other."""
    return CELL_SEPARATOR in text


def is_doc_marker(text: str) -> bool:
    return len(text) <= 50 and bool(DOC_MARKER_RE.match(text))


def _strip_seo(text: str) -> str:
    text = _SEO_RUN.sub("", text)
    text = _SEO_BRACKET.sub("", text)
    return _STRAY.sub("", text)


def _is_preview(line: str, following: list[str]) -> bool:
    """A truncated preview ("……切实加强...") that repeats the paragraph after it."""
    if not line.endswith("...") or line.endswith("...."):
        return False
    stem = line[:-3].strip()
    probe = stem[-20:]
    return len(probe) >= 10 and any(probe in nxt for nxt in following)


_PREVIEW_REACH = 600  # characters of a wrapped paragraph searched for a preview's text


def _following(texts: list[str], start: int, paragraphs: int = 3) -> list[str]:
    """The next few paragraphs after a line, a wrapped paragraph's lines taken together as
    cleaning will join them (so cleaning its own output finds the same previews)."""
    out: list[str] = []
    j = start
    while j < len(texts) and len(out) < paragraphs:
        paragraph = texts[j]
        j += 1
        while j < len(texts) and len(paragraph) < _PREVIEW_REACH and _continues(paragraph, texts[j]):
            paragraph += texts[j]
            j += 1
        out.append(paragraph)
    return out


def _split_glued(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _GLUED_HEADING.split(text):
        parts.extend(p for p in _GLUED_ITEM.split(piece) if p)
    out: list[str] = []
    for part in parts:
        m = _HEADING_SPACE_BODY.match(part)
        if m:
            out.extend([m.group(1), part[m.end():]])
        else:
            out.append(part)
    return out


_LINE_BREAKS = re.compile("\r\n|[\r\f\v\x85\u2028\u2029]")
_TERMINAL_MARKS = "。！？；…!?;"
TITLE_REPEAT_REACH = 12  # lines after a title within which a copy of it is the page's, not the text's


def clean_lines(raw_text: str) -> list[Line]:
    """Clean a whole file into lines; blank lines are dropped (they carry no structure here).

    Lines that belong to the website go first, as whole lines (before wrapped lines are joined,
    so furniture is never glued into a paragraph), then as sentences of the joined paragraphs.
    A truncation marker or paywall ends the article until the next article marker; of the text
    before it only the unfinished last sentence goes."""
    raw_text = strip_phone_spam(raw_text)
    staged: list[Line] = []
    ended = False  # after a truncation marker, until the next article starts
    body_han = 0  # Han characters of the current article so far: a paywall above them ends nothing
    recent: list[str] = []  # keys of the last title-like lines
    for raw in _LINE_BREAKS.sub("\n", raw_text).split("\n"):
        if not raw.strip():
            continue
        # "一 社区工作人员基本信息": the space is the only mark of an L1 heading; keep it as 、.
        line = _SPACED_L1.sub(r"\1、", _MD_HEADING.sub("", raw.strip()))
        if len(line) >= 20 and _PAGE_NUMBER_TAIL.search(line):
            line = _PAGE_NUMBER_TAIL.sub("", line)  # before normalising, which drops the space
        # Again after normalising, which may uncover a "# " or a page number (a tag removed).
        text = _MD_HEADING.sub("", strip_inline(normalize_display(line).strip())).strip()
        if len(text) >= 20:
            text = _PAGE_NUMBER_TAIL.sub("", text)
        if not text:
            continue
        if is_doc_marker(text):
            ended, body_han, recent = False, 0, []
        elif ended:
            continue
        marker = truncation_at(text)
        if marker is not None and body_han >= _ARTICLE_STARTED:
            head = text[:marker].strip()  # the text before the marker on its line, if any
            ended = True
            if head and not is_furniture(head):
                staged.append(Line(mask_identifiers(head), _shown_raw(raw), raw[:1] in _SPACES, cut=True))
            elif staged:
                staged[-1] = replace(staged[-1], cut=True)
            continue
        if marker is not None or line_is_furniture(text, is_heading(text)):
            continue
        doubled = _DOUBLED_START.match(text)
        if (doubled and len(set(doubled.group(1))) >= 4 and _DOCUMENT_NOUN.search(doubled.group(1))
                and not (is_heading(text) or is_doc_marker(text))):
            title = doubled.group(1)
            if _is_new_title(title, recent):
                staged.append(Line(mask_identifiers(title), _shown_raw(raw)))
            text = text[doubled.end():]
        if _title_like(text) and not _is_new_title(text, recent):
            continue  # the page repeats its title: "标题 / 时间 / 标题"
        text = mask_identifiers(text)
        body_han += han_count(text)
        leading_space = raw[:1] in _SPACES
        # A heading with its body after a space: apart before joining, so the body, not the
        # heading, decides whether the next line is its wrapped continuation.
        glued = _HEADING_SPACE_BODY.match(text)
        shown = _shown_raw(raw)
        if glued:
            staged.append(Line(glued.group(1), shown, leading_space))
            text, leading_space = text[glued.end():], False
        staged.append(Line(text, shown, leading_space))

    texts = [ln.text for ln in staged]
    kept: list[Line] = []
    for i, ln in enumerate(staged):
        if _is_preview(ln.text, texts[i + 1 : i + 4]) or (
                ln.text.endswith("...") and _is_preview(ln.text, _following(texts, i + 1))):
            continue
        kept.append(ln)

    paragraphs: list[_Paragraph] = []
    for ln in kept:
        text = _strip_seo(ln.text)
        if paragraphs and not paragraphs[-1].cut and paragraphs[-1].continues_into(text):
            paragraphs[-1].add(text, ln.raw, ln.cut)
        else:
            paragraphs.append(_Paragraph(ln, text))

    out: list[Line] = []
    for para in paragraphs:
        text = drop_furniture_sentences(para.text())
        if para.cut:
            text = _complete_part(text)
        # Pieces split off are judged as the lines they become (cleaning its output drops nothing).
        pieces = [p.strip() for p in _split_glued(text)]
        pieces = [p for p in pieces if p and not line_is_furniture(p, is_heading(p))]
        out.extend(Line(p, para.raw(), para.leading_space and j == 0) for j, p in enumerate(pieces))
    return out


_SPACES = (" ", "\u3000", "\xa0", "\t")
_ARTICLE_STARTED = 30  # Han characters of body text before a truncation marker can end anything


def _shown_raw(raw: str) -> str:
    """The raw line as it may be stored and shown: no control characters, no identifiers."""
    return mask_identifiers(strip_invisible(raw))


def _is_new_title(text: str, recent: list[str]) -> bool:
    """Whether a title-like line is not among the last ones; it joins them (``recent`` is kept
    to the last TITLE_REPEAT_REACH)."""
    key = match_key(clean_title(text))
    if key in recent:
        return False
    recent.append(key)
    del recent[:-TITLE_REPEAT_REACH]
    return True


def _title_like(text: str) -> bool:
    return (not is_table_row(text) and han_count(text) <= 40 and not re.search(r"[。，,；！？]", text)
            and not is_heading(text) and not is_doc_marker(text))


def _complete_part(text: str) -> str:
    """A cut-off paragraph up to the end of its last complete sentence (a heading stays whole)."""
    if text.rstrip("”’」』）)").endswith(tuple(_TERMINAL_MARKS)) or (is_heading(text) and han_count(text) <= 45):
        return text
    ends = [i for i, ch in enumerate(text) if ch in _TERMINAL_MARKS]
    if not ends:
        return ""
    end = ends[-1] + 1
    while end < len(text) and text[end] in "”’」』）)":
        end += 1
    return text[:end]


class _Paragraph:
    """Wrapped lines joined into one, kept as parts: a paragraph of thousands of lines (a file
    without Chinese full stops) costs time in proportion to its length, not its square."""

    # Normalising the joined line reaches this far back from its end at most (a parenthesis
    # holds 81 characters); within it, the end and the length are what the next pass will see.
    _TAIL = 120

    def __init__(self, line: Line, text: str) -> None:
        self.texts, self.raws, self.leading_space = [text], [line.raw], line.leading_space
        self.length, self.quotes, self.tail = len(text), _quotes(text), text[-self._TAIL:]
        self.cut = line.cut

    def add(self, text: str, raw: str, cut: bool = False) -> None:
        self.cut = cut
        self.texts.append(text)
        self.raws.append(raw)
        self.length += len(text)
        self.quotes += _quotes(text)
        self.tail = (self.tail + text)[-self._TAIL:]

    def continues_into(self, nxt: str) -> bool:
        end, length = self.tail, self.length
        if len(self.texts) > 1:  # judged as the joined line will read once normalised
            end = _strip_seo(normalize_display(self.tail))
            length += len(end) - len(self.tail)
            if end.endswith(("“", "”")):
                # Pairing the quotes of the whole line decides which way its last one turns.
                end = end[:-1] + ("”" if self.quotes % 2 == 0 else "“")
        return _wraps(self.texts[0], length, end, nxt)

    def text(self) -> str:
        if len(self.texts) == 1:
            return self.texts[0]
        # Normalised again as one line: a wrap may fall between a character and its comma,
        # inside a quotation or a parenthesis.
        return _strip_seo(normalize_display("".join(self.texts)))

    def raw(self) -> str:
        return "\n".join(self.raws)


def _quotes(text: str) -> int:
    return text.count("“") + text.count("”")


def _continues(prev: str, nxt: str) -> bool:
    return _wraps(prev, len(prev), prev, nxt)


def _wraps(start: str, length: int, end: str, nxt: str) -> bool:
    """A wrapped line: the text before (its start, length and end) is long, ends mid-sentence and
    is no heading or article marker, and the next line is neither."""
    if length < 30 or end.endswith(_TERMINAL):
        return False
    if (is_heading(start) and length < 60) or is_doc_marker(start) or is_table_row(start):
        return False
    return not (is_heading(nxt) or is_doc_marker(nxt) or is_table_row(nxt))
