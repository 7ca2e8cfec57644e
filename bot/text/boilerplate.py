"""Site furniture: which lines and sentences of a scraped page belong to the website.

Decided by features, not by a list of strings seen somewhere: site phrases and site words
(``prompts/boilerplate.yaml``), links, contact numbers, file sizes, breadcrumbs, date-time
stamps, page lists, bylines, a low share of Han characters. A site word alone never condemns a
sentence that reads as prose (“门户网站”, “计生协会会员”, “扫码登记” are work); a sentence
without any feature is never furniture. Repetition across files is ``repeats.py``'s concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROMPTS_DIR
from bot.text.normalize import han_count

LEXICON = PROMPTS_DIR / "boilerplate.yaml"
_SENTENCE_END = "。！？!?"


@dataclass(frozen=True)
class Lexicon:
    phrases: re.Pattern[str]
    words: re.Pattern[str]
    byline: re.Pattern[str]
    truncation: re.Pattern[str]
    whole_lines: frozenset[str]
    reader_address: re.Pattern[str]


def _alternation(items: list[str]) -> str:
    return "|".join(re.escape(str(i)) for i in sorted(set(items), key=len, reverse=True))


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Lexicon(
        phrases=re.compile(_alternation(data["site_phrases"]), re.I),
        words=re.compile(_alternation(data["site_words"]), re.I),
        # "编辑|某某", "来源：网络", "文/某某": the word opens the line and a separator follows.
        byline=re.compile(rf"^[【\[（(□■●◆★|｜\s]*(?:{_alternation(data['byline_starts'])})\s*[:：|｜丨/]"),
        truncation=re.compile(_alternation(data["truncation_markers"]) + r"|此处隐藏\d+个?字|剩余\d+页|还剩\d+页"),
        whole_lines=frozenset(str(w) for w in data["whole_lines"]),
        reader_address=re.compile(_alternation(data["reader_address"])),
    )


# Structural features: each of these is a sign of the page, not of the document.
# Phone numbers and dates also fill residents' records and work logs: alone they need company.
_IN_RECORDS = ("contact", "datetime")
_STRUCTURE: dict[str, re.Pattern[str]] = {
    "url": re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|cn|net|org|cc|top|html?)\b", re.I),
    "contact": re.compile(r"QQ\s*[号群]?\s*[:：]\s*\d{0,11}|微信号?\s*[:：]|(?<!\d)1[3-9]\d{9}(?!\d)|@[\w-]+\.\w{2,}|"
                          r"(?:客服|热线|电话)\s*[:：]\s*\d", re.I),
    "filesize": re.compile(r"\d+(?:\.\d+)?\s*(?:KB|MB|GB|K|M|字节)\b", re.I),
    "breadcrumb": re.compile(r">>|»|›|(?:\S{1,12}\s*>\s*){2,}|^\s*(?:首页|主页)\s*[>/\s]?(?=\S)"),
    "datetime": re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?|"
                           r"\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}|\b\d{1,2}:\d{2}:\d{2}\b"),
    "pagelist": re.compile(r"_第\d+页|第\d+页\s*[/，,]?\s*共\d+页|共\d+页|\d+\s*/\s*\d+\s*页"),
    "count": re.compile(r"(?:人气|阅读|浏览|点击|评论|下载|收藏|字数|页数)(?:量|数|次数)?\s*[:：]\s*[\d.]+\s*[万wWkK]?"),
    "id": re.compile(r"\bID\s*[:：]\s*\d+", re.I),
}


def _content_han(text: str, spans: list[tuple[int, int]]) -> int:
    """Han characters outside the features' own spans: what the line says besides them."""
    covered = 0
    end = 0
    for start, stop in sorted(spans):
        start = max(start, end)
        if stop > start:
            covered += han_count(text[start:stop])
            end = stop
    return han_count(text) - covered


@dataclass(frozen=True)
class Features:
    phrases: int
    words: int
    structure: tuple[str, ...]
    byline: bool
    han: int
    content_han: int
    sentence_end: bool

    @property
    def any(self) -> bool:
        return bool(self.phrases or self.words or self.structure or self.byline)


@lru_cache(maxsize=1)
def _any_feature() -> re.Pattern[str]:
    """One search that finds whether a text has any feature at all: most sentences have none."""
    lex = load_lexicon()
    parts = [lex.phrases.pattern, lex.words.pattern, lex.byline.pattern, *(rx.pattern for rx in _STRUCTURE.values())]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


@lru_cache(maxsize=8192)
def features(text: str) -> Features:
    """The features of one line or sentence (cached: cleaning asks again for the sentences of
    the paragraphs it joined)."""
    han = han_count(text)
    sentence_end = text.rstrip("”\"’）)】」』").endswith(tuple(_SENTENCE_END))
    if not _any_feature().search(text):
        return Features(0, 0, (), False, han, han, sentence_end)
    lex = load_lexicon()
    spans: list[tuple[int, int]] = []
    phrases = set()
    for m in lex.phrases.finditer(text):
        phrases.add(m.group().lower())
        spans.append(m.span())
    words = {m.group().lower() for m in lex.words.finditer(text)}
    structure = []
    for name, rx in _STRUCTURE.items():
        found = list(rx.finditer(text))
        if found:
            structure.append(name)
            spans.extend(m.span() for m in found)
    return Features(
        phrases=len(phrases), words=len(words), structure=tuple(structure), byline=bool(lex.byline.match(text)),
        han=han, content_han=_content_han(text, spans) if spans else han, sentence_end=sentence_end,
    )


def is_furniture(text: str, heading: bool = False, sentence: bool = False) -> bool:
    """Whether one line (or, with ``sentence``, one sentence of a line of prose) belongs to
    the website.

    ``heading``: the text is numbered like a section heading; site words then count only with
    a structural feature beside them (“（三）加强社区网站建设” is work). A sentence is judged by
    its features alone: a short sentence of figures (“团员41名，占13.90%。”) is text."""
    text = text.strip()
    if not text:
        return False
    line = not sentence and not heading  # a numbered heading keeps its number, however short
    if line and (text in load_lexicon().whole_lines or han_count(text) == 0):
        return True  # nothing Chinese at all: "logo", "|", page numbers, anti-scraping strings
    f = features(text)
    if not f.any:
        return line and _low_han(text, f)
    if f.phrases:
        return True
    strong = len(f.structure) + f.byline
    web = strong - sum(name in _IN_RECORDS for name in f.structure)
    if heading:
        return strong >= 1 and f.content_han <= 12
    if f.byline and f.han <= 30:
        return True
    if web and f.content_han <= 20:
        return True  # a size, a link, a breadcrumb or a page list with a few words around it
    if strong and (f.content_han <= 6 or (f.content_han <= 20 and not f.sentence_end)):
        return True  # "联系电话：…", "2021年02月01日10:23:59"; a record's sentence with a phone stays
    if strong and f.words and f.content_han <= 40:
        return True
    if (f.words >= 3 and f.han <= 60 and not f.sentence_end) or (f.words >= 4 and f.han <= 60):
        return True  # "由会员上传分享，免费在线阅读，更多相关内容在…"
    if f.words >= 2 and f.han <= 20 and not f.sentence_end and re.search(r"\s|[|｜/·•>]", text):
        return True  # a menu line: "范文大全 工作总结"
    if f.words and f.han <= 8 and not f.sentence_end and re.search(r"[|｜_\-—·•:：/\\□■]", text):
        return True  # "彭某分享", "| 某某" beside a separator
    return line and _low_han(text, f)


def _low_han(text: str, f: Features) -> bool:
    """Short and mostly Latin letters and symbols: identifiers, codes, stray markup."""
    visible = len(re.sub(r"\s", "", text))
    return f.han <= 10 and visible >= 4 and f.han / visible < 0.3 and bool(re.search(r"[A-Za-z]", text))


def truncation_at(text: str) -> int | None:
    """Where a marker starts after which the page holds no more of the article (a preview cut
    off, a paywall), with the dots around it; None without one."""
    m = load_lexicon().truncation.search(text)
    if m is None:
        return None
    start = m.start()
    while start and text[start - 1] in "…. .。-—":
        start -= 1
    return start


# Anti-scraping strings glued to a line's start or end: runs of 1-2 character ASCII tokens.
_EDGE_GARBAGE_START = re.compile(r"^(?:[\x21-\x7e]{1,2}\s+){3,}[\x21-\x7e]{0,2}(?=[\u3400-\u9fff“（【《])")
_EDGE_GARBAGE_END = re.compile(r"(?<=[\u3400-\u9fff。！？”）》】])\s*(?:[\x21-\x7e]{1,2}\s+){3,}[\x21-\x7e]{1,2}\s*$")
# A byline in brackets opening a news paragraph: "【通讯员 某某】为进一步……"
_BRACKET_BYLINE = re.compile(r"^[【\[（(]\s*(?:通讯员|记者|作者|文|图|来源|编辑|摄影)[^】\]）)]{0,40}[】\]）)]\s*")
_PAGE_MARK = re.compile(r"第\d+页\s*[/，,]?\s*共\d+页|_第\d+页")


def strip_inline(text: str) -> str:
    """Furniture inside a line that is otherwise text: edge garbage, bracketed bylines, page marks."""
    text = _EDGE_GARBAGE_START.sub("", text)
    text = _EDGE_GARBAGE_END.sub("", text)
    text = _BRACKET_BYLINE.sub("", text)
    return _PAGE_MARK.sub("", text).strip()


_SENTENCES = re.compile(r"[^。！？]*[。！？]+[”’」』）)]*|[^。！？]+$")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.findall(text) if s]


INTRO_MAX_HAN = 150  # a paragraph the site's editor speaks in is short; a longer one is text


def addresses_reader(text: str) -> bool:
    """A short paragraph in which the site speaks to its reader ("下面是小编为大家整理的……，
    仅供参考"): all of it is the site's intro or outro, the sentences leading up to that too."""
    return han_count(text) <= INTRO_MAX_HAN and bool(load_lexicon().reader_address.search(text))


def line_is_furniture(text: str, heading: bool = False) -> bool:
    """A whole line of the site: every sentence of it is furniture, or the site's editor speaks."""
    if addresses_reader(text):
        return True
    parts = [p.strip() for p in sentences(text) if p.strip()]
    if len(parts) <= 1 or han_count(text) == 0:
        return is_furniture(text, heading)
    return is_furniture(parts[0], heading, sentence=True) and all(is_furniture(p, sentence=True) for p in parts[1:])


def drop_furniture_sentences(text: str) -> str:
    """A line of prose without the sentences that belong to the site (a footer glued to the
    last paragraph, a download notice in the middle of an intro)."""
    if addresses_reader(text):
        return ""
    parts = sentences(text)
    if len(parts) <= 1:
        return text
    kept = [s for i, s in enumerate(parts) if not is_furniture(s.strip(), heading=i == 0 and _numbered(s), sentence=True)]
    return "".join(kept).strip() if len(kept) != len(parts) else text


_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十]{1,3}[)）]|\d{1,2}(?:、|[.．](?!\d)))")


def _numbered(text: str) -> bool:
    return bool(_NUMBERED.match(text))


# Collection pages name themselves "……总结(15篇)", "……报告5篇", "……（通用24篇）", "……范文".
_COLLECTION_SUFFIX = re.compile(
    r"\s*[（(【\[]?(?:汇总|通用|精选|优选|热门|推荐|必备|实用|合集|范文|大全|最新|优秀)?"
    r"(?:\d+|[一二三四五六七八九十]+)篇(?:范文|大全|合集)?[）)】\]]?\s*$|(?<=[总结报告计划方案体会])(?:范文|范例)(?:大全)?\s*$|"
    r"【?篇\d{1,2}】?\s*$|(?<=[结告划案会报话料])\d{1,2}\s*$|(?<=[结告划案会报话料])\d+字\s*$")


_ARTICLE_NUMBER = re.compile(r"^[【\[]?第[一二三四五六七八九十\d]{1,3}篇[】\]]?[:：\s]*")


def clean_title(text: str) -> str:
    """A document title without the collection page's own suffix."""
    stripped = _ARTICLE_NUMBER.sub("", text)
    for _ in range(3):  # "……报告2000字（通用24篇）": one suffix after another
        stripped = _COLLECTION_SUFFIX.sub("", stripped).strip()
    return stripped if han_count(stripped) >= 4 else text
