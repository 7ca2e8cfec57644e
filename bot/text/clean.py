"""Line-level cleaning of scraped pages: boilerplate, previews, wraps, page numbers, SEO.

Input is the raw text of one file; output is a list of ``Line`` (cleaned text plus the
raw line it came from, so a passage can keep its original wording for display).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text.normalize import normalize_display

# Whole lines that belong to the website, never to the document.
_BOILERPLATE_LINE = re.compile(
    r"^(当前位置[:：]|格式[:：]\s*DOC|时间[:：]\s*\d{4}-\d{2}-\d{2}|上传日期|全文阅读已结束|下载此文档|"
    r"[a-dA-D][.．、]\s*(付费|包月)复制|特价[:：]|微信扫码支付|已付款请点这里|"
    r"关键词[:：]|中图分类号|文献标识码|文章编号|\d{4}-\d{2}-\d{2}$)"
)
# Editor's intros ("下面是小编为大家整理的……") sit in paragraphs of their own.
_EDITOR_INTRO = re.compile(r"小编.{0,20}(整理|带来|收集|范文|参考|喜欢)|仅供参考")
# SEO strings injected into sentences: repeated document-type nouns, ad titles in brackets.
_SEO_RUN = re.compile(r"(?:(?:社区)?(?:调研报告|工作报告|工作总结|心得体会)){2,}(?=[。，；])")
_SEO_BRACKET = re.compile(r"[（(][^（）()]{0,30}(?:最新|范文|大全|精选)[^（）()]{0,30}[）)]")
_STRAY = re.compile(r"[（(][!！]?[）)]|(?<=[\u4e00-\u9fff])[.．](?=[\u4e00-\u9fff])")
# A page number left inside a wrapped sentence: "社会变革与发 1" + "展的要求".
_PAGE_NUMBER_TAIL = re.compile(r"\s+\d{1,3}$")
_TERMINAL = tuple("。！？；：”…」』）)") + ("......",)

L1_RE = re.compile(r"^[一二三四五六七八九十]{1,3}(?:[、．.]|\s+(?=\S))")
L2_RE = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")
L3_RE = re.compile(r"^\d{1,2}(?:、|[.．](?!\d))")
DOC_MARKER_RE = re.compile(
    r"^(?:.{0,40}?篇[一二三四五六七八九十]{1,3}|篇\d{1,2}[:：].*|.{0,40}?汇总[一二三四五六七八九十])$"
)
# Headings glued to the end of the previous paragraph: "……机制。一、主要工作" (heading ends the line).
_GLUED_HEADING = re.compile(r"(?<=[。！？…])(?=(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)[^。\n]{2,40}$)")
# A run-in item glued after a sentence: "……机制。5.硬件设施改善，投入基数增加。"
_GLUED_ITEM = re.compile(r"(?<=。)(?=\d{1,2}[.．、][\u4e00-\u9fff][^。]{2,30}。)")
# A heading and its body joined by a space: "一、要协调好内部关系,营造和谐的工作气氛 目前我们……"
_HEADING_SPACE_BODY = re.compile(r"^((?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)[^。\s]{4,40})\s+(?=\S{8,})")


_MD_HEADING = re.compile(r"^#{1,6}\s+")
_SPACED_L1 = re.compile(r"^([一二三四五六七八九十]{1,3})[ \u3000]+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Line:
    text: str
    raw: str
    leading_space: bool = False


def is_heading(text: str) -> bool:
    return bool(L1_RE.match(text) or L2_RE.match(text) or L3_RE.match(text))


def is_doc_marker(text: str) -> bool:
    return len(text) <= 50 and bool(DOC_MARKER_RE.match(text))


def _is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE_LINE.match(text) or _EDITOR_INTRO.search(text))


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


def clean_lines(raw_text: str) -> list[Line]:
    """Clean a whole file into lines; blank lines are dropped (they carry no structure here)."""
    raw_lines = raw_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    staged: list[Line] = []
    for raw in raw_lines:
        if not raw.strip():
            continue
        # "一 社区工作人员基本信息": the space is the only mark of an L1 heading; keep it as 、.
        line = _SPACED_L1.sub(r"\1、", _MD_HEADING.sub("", raw.strip()))
        if len(line) >= 20 and _PAGE_NUMBER_TAIL.search(line):
            line = _PAGE_NUMBER_TAIL.sub("", line)  # before normalising, which drops the space
        text = normalize_display(line).strip()
        if not text or _is_boilerplate(text):
            continue
        staged.append(Line(text, raw, leading_space=raw[:1] in (" ", "\u3000", "\xa0", "\t")))

    texts = [ln.text for ln in staged]
    kept: list[Line] = []
    for i, ln in enumerate(staged):
        if _is_preview(ln.text, texts[i + 1 : i + 4]):
            continue
        kept.append(ln)

    joined: list[Line] = []
    for ln in kept:
        text = _strip_seo(ln.text)
        prev = joined[-1] if joined else None
        if prev is not None and _continues(prev.text, text):
            # Normalised again as one line: a wrap may fall between a character and its comma,
            # inside a quotation or a parenthesis.
            joined[-1] = Line(_strip_seo(normalize_display(prev.text + text)), prev.raw + "\n" + ln.raw, prev.leading_space)
            continue
        joined.append(Line(text, ln.raw, ln.leading_space))

    out: list[Line] = []
    for ln in joined:
        pieces = _split_glued(ln.text)
        out.extend(Line(p.strip(), ln.raw, ln.leading_space and j == 0) for j, p in enumerate(pieces) if p.strip())
    return out


def _continues(prev: str, nxt: str) -> bool:
    """A wrapped line: the previous one is long, ends mid-sentence, and the next is no heading."""
    prev_core = prev
    if len(prev_core) < 30 or prev_core.endswith(_TERMINAL):
        return False
    if is_heading(prev_core) and len(prev_core) < 60:
        return False
    return not (is_heading(nxt) or is_doc_marker(nxt))
