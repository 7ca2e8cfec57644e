"""Masking another community's facts in example phrasing: numbers, dates, names become slots."""

from __future__ import annotations

import re

SLOT = "__"
_NUM = r"(?:\d+(?:[.,]\d+)*|[零一二两三四五六七八九十百千万]+)"
_UNITS = (
    "人次|万元|亿元|平方米|平方公里|公里|余人|多人|个|名|人|户|次|件|起|场|期|元|篇|份|本|支|家|栋|套|处|项|天|小时|"
    "岁|所|座|间|条|张|台|批|届|%|％|例|类|组|队|位|余|万|亿|千"
)
# A number followed by a unit (with approximations: 余, 多, 近, 约) is a fact of that community.
_FACT_NUM = re.compile(rf"(?:近|约|将近)?{_NUM}(?:余|多)?(?={_UNITS})")
_PERCENT = re.compile(rf"百分之{_NUM}|\d+(?:\.\d+)?(?=%)")
_YEAR = re.compile(r"(?:19|20)\d{2}(?=年)|20[xX_]{1,2}(?=年)|201[xX]")
_PLACEHOLDER = re.compile(r"_{2,}|(?<![A-Za-z])[xX]{2,}|\*{1,3}(?=[\u4e00-\u9fff])|(?<![A-Za-z])[xX](?=[区市县镇街社])")
_GENERIC = ("城市", "农村", "新型", "和谐", "智慧", "城镇", "文明", "平安", "示范", "每个", "所在", "各个", "整个",
            "学习型", "服务型", "全国", "街道", "居民", "基层", "本", "我", "各", "全", "该", "新", "老", "大", "小", "城")
_NAMED_PLACE = re.compile(r"([\u4e00-\u9fff]{2,3})(?=社区|街道|办事处|镇|乡)")
# Chinese numerals that are part of fixed terms, not facts.
_KEEP_TERMS = ("三会一课", "一站式", "一级抓一级", "三个代表", "三个文明", "一把手", "两委", "三无", "4050")


def mask_facts(sentence: str) -> str:
    """``全年召开党员大会4次、支委会12次`` → ``全年召开党员大会__次、支委会__次``."""
    protected = sentence
    for i, term in enumerate(_KEEP_TERMS):
        protected = protected.replace(term, f"\x00{i}\x00")
    out = _PLACEHOLDER.sub(SLOT, protected)
    out = _YEAR.sub(SLOT, out)
    out = _PERCENT.sub(lambda m: SLOT if not m.group().startswith("百分之") else f"百分之{SLOT}", out)
    out = _FACT_NUM.sub(SLOT, out)
    out = _NAMED_PLACE.sub(lambda m: m.group() if _is_generic(m.group(1)) else "XX", out)
    out = re.sub(r"(?:__){2,}", SLOT, out)
    for i, term in enumerate(_KEEP_TERMS):
        out = out.replace(f"\x00{i}\x00", term)
    return out


def _is_generic(word: str) -> bool:
    return any(word.endswith(g) or word.startswith(g) for g in _GENERIC) or re.search(r"[的和与在了为是对个]", word) is not None
