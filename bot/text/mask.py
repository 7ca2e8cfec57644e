"""Masking another community's facts in example phrasing: figures become ``__``, place names ``XX``.

The sentence is cut into jieba words (with the domain dictionary and parts of speech) and only
whole words are replaced, so ordinary words around a fact stay intact (立足 before a place name,
一人一档, 二十届). Units come from ``prompts/units.yaml`` (``bot/text/units.py``), the list fact
extraction uses. ``leaks`` is the last check a phrase passes before anyone sees it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.text.units import UNIT_RE

if TYPE_CHECKING:
    import jieba.posseg

SLOT = "__"
PLACE = "XX"

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
# A word that is a number: Arabic or Chinese, with decimals, 余/多 after it ("二十余", "1.5").
_NUMBER = re.compile(rf"(?:[0-9]+(?:[.,][0-9]+)*|[{_CN_NUM}]+(?:点[{_CN_NUM}]+)?)[余多]?")
_DIGIT = re.compile(r"[0-9０-９]")
_PLACEHOLDER = re.compile(r"_{2,}|(?<![A-Za-z])[xX]{2,}(?![A-Za-z])|\*{1,3}(?=[\u4e00-\u9fff])|(?<![A-Za-z])[xX](?=[区市县镇街社])")
_RANGE = ("至", "到", "-", "—", "~", "～", "或")
# Words that end a place name: what stands right before them is that place's own name.
_PLACE_SUFFIXES = frozenset((
    "社区", "街道", "小区", "办事处", "居委会", "村委会", "村", "镇", "乡", "区", "县", "市", "省",
    "花园", "家园", "苑", "新村", "里", "巷", "路", "街",
))
# Parts of speech of a proper name's pieces (jieba: ns place, nr person, nz other, j short form).
_NAME_TAGS = frozenset(("ns", "nr", "nrt", "nrfg", "nz", "j", "ng"))
# A single character before a place suffix is part of the name when it is a noun (桂 花园, 里 小区).
_ONE_CHAR_NAME_TAGS = frozenset(("n", "f", *_NAME_TAGS))
# Names every community may write: the country and the Party, and words that only look like names.
_COMMON_NAMES = frozenset(("中国", "中华", "中华人民共和国", "中共", "全国", "国家", "世界", "国际", "亚洲"))
# jieba tags some ordinary words as places (各支部/ns): a "place" so shaped is none.
_NOT_A_PLACE = re.compile(r"^[各本全该我每其此]|支部|党|委|组|队|办|会$")
# Fixed terms that hold digits but are no community's figure.
_DIGIT_TERMS = ("4050人员", "4050", "12345")


@lru_cache(maxsize=1)
def _pos_tokenizer() -> jieba.posseg.POSTokenizer:
    import jieba.posseg  # 0.7 s: only when a phrase is masked, not when the dialogue starts

    from bot.text.tokenize import jieba_tokenizer

    return jieba.posseg.POSTokenizer(jieba_tokenizer())


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[tuple[str, str], ...]:
    """(word, part of speech) of ``text``; cached: example sentences come back query after query."""
    return tuple((p.word, p.flag) for p in _pos_tokenizer().lcut(text))


def mask_facts(sentence: str, own: Sequence[str] = ()) -> str:
    """``全年召开党员大会4次、支委会12次`` → ``全年召开党员大会__次、支委会__次``;
    ``根据湖滨街道党工委部署`` → ``根据XX街道党工委部署``. ``own`` are the user's own names
    (their community, their issuer), which stay."""
    kept = [*sorted({n for n in own if n}, key=len, reverse=True), *_DIGIT_TERMS]
    parts: list[str] = []
    for piece in _split_kept(_PLACEHOLDER.sub(SLOT, sentence), kept):
        parts.append(piece if piece in kept else _mask_words(piece))
    out = "".join(parts)
    return re.sub(r"(?:__)+", SLOT, re.sub(r"(?:XX)+", PLACE, out))


def _split_kept(text: str, kept: Sequence[str]) -> list[str]:
    if not kept:
        return [text]
    return [p for p in re.split("(" + "|".join(map(re.escape, kept)) + ")", text) if p]


def _mask_words(text: str) -> str:
    text = _PERCENT_WORDS.sub("百分之" + SLOT, text)
    words = _words(text)
    out = [w for w, _ in words]
    for i, (word, _) in enumerate(words):
        rest = "".join(out[i + 1 :])
        if _is_figure(word, rest, out[i - 1] if i else ""):
            out[i] = SLOT
            continue
        head = _NUMBER.match(word)
        if head and head.end() < len(word) and not UNIT_RE.fullmatch(word) and UNIT_RE.match(word, head.end()) and _counts(head.group()):
            out[i] = SLOT + word[head.end():]  # one word of number and unit: 四次 → __次
            continue
        if _DIGIT.search(word):  # no digit of another community's gets through, whatever it is
            out[i] = _DIGIT_RUN.sub(SLOT, word)
    for i in range(len(words) - 2, 0, -1):  # ranges: 两至__名 → __至__名
        if out[i] in _RANGE and out[i + 1].startswith(SLOT) and _NUMBER.fullmatch(out[i - 1]):
            out[i - 1] = SLOT
    for i, (word, tag) in enumerate(words):
        if out[i] != word or word in _COMMON_NAMES:
            continue
        before_suffix = i + 1 < len(words) and words[i + 1][0] in _PLACE_SUFFIXES
        named = tag in _NAME_TAGS or (len(word) == 1 and tag in _ONE_CHAR_NAME_TAGS)
        if (tag == "ns" and not _NOT_A_PLACE.search(word)) or (before_suffix and named):
            out[i] = PLACE
            j = i - 1  # a name of several words: 青石/桥 → one XX
            while j >= 0 and out[j] == words[j][0] and words[j][1] in _NAME_TAGS and words[j][0] not in _COMMON_NAMES:
                out[j] = PLACE
                j -= 1
    return "".join(out)


_PERCENT_WORDS = re.compile(rf"百分之[{_CN_NUM}点]+")
_DIGIT_RUN = re.compile(r"[0-9０-９]+(?:[.,][0-9０-９]+)*")


def _counts(number: str) -> bool:
    """A lone 一 is mostly an article (开展一次活动, 一人一档), not a figure to hide."""
    return number.rstrip("余多") not in ("一",)


def _is_figure(word: str, rest: str, before: str) -> bool:
    if not _NUMBER.fullmatch(word):
        return False
    if _DIGIT.search(word):
        return True
    if not _counts(word):
        return False
    return bool(UNIT_RE.match(rest)) or rest.startswith(("%", "％")) or before.endswith("百分之")


def leaks(text: str, own: Sequence[str] = ()) -> bool:
    """True when ``text`` still shows a digit or a place name that is not the user's own:
    such a phrase is never shown."""
    for term in (*own, *_DIGIT_TERMS):
        if term:
            text = text.replace(term, " ")
    if _DIGIT.search(text):
        return True
    return any(tag == "ns" and word not in _COMMON_NAMES and not _NOT_A_PLACE.search(word) and word != PLACE
               for word, tag in _words(text))
