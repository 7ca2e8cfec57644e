"""Character-level normalisation shared by passages, queries and the evaluator.

Two flavours:
- ``match_key`` is the evaluation's match rule (NFKC, pinyin stripped, t2s, 著→着,
  no whitespace, one kind of quote). It is lossy and only used for comparing text.
- ``normalize_display`` produces the readable Simplified Chinese that passages store:
  Chinese punctuation in Chinese context, pinyin gone, balanced curly quotes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_TONE_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# A pinyin annotation directly after a Han character (or the Latin placeholder x of
# the scraped pages), e.g. 學(xué); plain parentheses such as (一) or (23人) survive.
PINYIN_RE = re.compile(rf"(?<=[\u3400-\u9fffxX])\([{_TONE_LETTERS}]{{1,7}}\)")
# Mojibake left where a character and its "(" collapsed into "?": ?guī)  ?cè)
MOJIBAKE_RE = re.compile(rf"\?[{_TONE_LETTERS}]{{1,7}}\)")
# A character mis-decoded into a letter or two after "?" or ";", its annotation after it:
# 。現(xiàn) → ?,F(xiàn), 總認(rèn) → ?傉J(rèn), 礎(chǔ) → ;A(chǔ); or cut off at the end of a page (?,F).
# The "?" is what is left of the full stop before the character: the sentence ends there.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GARBLED_STOP_RE = re.compile(
    rf"\?[^\s?。，()]{{0,3}}?\([{_TONE_LETTERS}]*[{_TONED}][{_TONE_LETTERS}]*\)|\?[,;.]?[A-Z](?![A-Za-z(])")
GARBLED_RE = re.compile(
    rf";[^\s?;。，,()]{{0,3}}?\([{_TONE_LETTERS}]*[{_TONED}][{_TONE_LETTERS}]*\)|\?(?=[、,;])|锟斤拷|烫烫+")


def _garbled_stop(m: re.Match[str]) -> str:
    before = m.string[m.start() - 1: m.start()]
    return "" if not before or before in "。！？!?.，,、；;：:\n" else "。"
HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\s*/?>")
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
QUOTES_RE = re.compile("[“”\"＂‘’']")
WS_RE = re.compile(r"\s+")

# 著 is the traditional form of 着 after verbs; in these words it is 著 in Simplified too.
_ZHU_KEEP = ("显著", "著名", "著作", "卓著", "编著", "论著", "名著", "著称", "昭著",
             "土著", "原著", "专著", "著述", "巨著", "遗著", "合著", "译著", "著录")


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Terminal escape sequences (CSI, OSC, two-character ones) and the characters that would let a
# corpus file or a message steer a terminal or a chat: C0/C1 controls but tab and line ends,
# zero-width and direction marks, private-use code points (mojibake of fonts), U+FFFD.
_ESCAPE_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffd\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def strip_invisible(text: str) -> str:
    """The text without escape sequences, control, invisible and private-use characters."""
    return _INVISIBLE_RE.sub("", _ESCAPE_RE.sub("", valid_unicode(text)))


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def valid_unicode(text: str) -> str:
    """The text without lone surrogates (a split emoji in a message, a mis-decoded file name).

    They cannot be encoded, so OpenCC, SQLite and file writes would fail on them; a pair of
    halves that does form a character is joined into it."""
    if not _SURROGATE_RE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC t2s); returns the text unchanged when already simplified."""
    text = valid_unicode(text)
    converted: str = _t2s().convert(text)
    if converted == text:
        return text
    # OpenCC leaves 著 where Simplified writes 着 (随著, 围绕著); restore 著 in words that keep it.
    out = converted.replace("著", "着")
    for word in _ZHU_KEEP:
        out = out.replace(word.replace("著", "着"), word)
    return out


def strip_pinyin(text: str) -> str:
    """Pinyin annotations, their mojibake and HTML tags out, until none is left: removing one
    may bring a Han character and the next annotation together (学<b>(xué), 学(x(xué)ué))."""
    while True:
        stripped = PINYIN_RE.sub("", text)
        stripped = GARBLED_RE.sub("", _GARBLED_STOP_RE.sub(_garbled_stop, MOJIBAKE_RE.sub("", stripped)))
        stripped = HTML_TAG_RE.sub("", stripped)
        if stripped == text:
            return text
        text = stripped


def match_key(text: str) -> str:
    """The evaluation's ``norm``: used to compare texts, never shown to anyone."""
    text = unicodedata.normalize("NFKC", valid_unicode(text))
    text = PINYIN_RE.sub("", text)
    text = _t2s().convert(text).replace("著", "着")
    text = WS_RE.sub("", text)
    return QUOTES_RE.sub('"', text)


_CJK = r"\u3400-\u9fff"
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
# Spaces around the mark go, line breaks stay: joining lines is the cleaner's decision.
_PUNCT_AFTER_CJK = re.compile(rf"(?<=[{_CJK}0-9%)）”》])[^\S\n]*([,:;?!])[^\S\n]*")
_PAREN_RE = re.compile(rf"\(([^()]{{0,40}}?[{_CJK}][^()]{{0,40}}?)\)")
_SPACE_BETWEEN = re.compile(rf"(?<=[{_CJK}0-9，。、；：？！“”（）《》%])[ \t\u3000]+(?=[{_CJK}0-9，。、；：？！“”（）《》])")
_ELLIPSIS_RE = re.compile(r"\.{3,}|…+")


def _balance_quotes(text: str) -> str:
    """Re-pair every double quote as “…”: the pages mix ASCII, escaped and wrong-way quotes."""
    text = text.replace('\\"', '"')
    parts = re.split(r'([“”"＂])', text)
    opened = False
    for i in range(1, len(parts), 2):
        parts[i] = "”" if opened else "“"
        opened = not opened
    return "".join(parts)


def normalize_display(text: str) -> str:
    """Readable Simplified Chinese: NFKC, pinyin out, t2s, Chinese punctuation, quotes paired.

    Idempotent: each step sees what the steps after it produce (quotes are paired before the
    punctuation after a closing quote is chosen, spaces go before and after parentheses are
    made full-width), so normalising twice gives the same text."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    text = strip_pinyin(text)
    text = to_simplified(text)
    text = _ELLIPSIS_RE.sub(lambda m: "……" if len(m.group()) > 3 or m.group().startswith("…") else "...", text)
    text = "\n".join(_balance_quotes(line) for line in text.split("\n"))
    text = _PUNCT_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], text)
    text = _SPACE_BETWEEN.sub("", text)
    text = _PAREN_RE.sub(r"（\1）", text)
    return _SPACE_BETWEEN.sub("", text)


def han_count(text: str) -> int:
    return len(HAN_RE.findall(text))
