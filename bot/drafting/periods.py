"""The period a document covers, as a document dates it (pure): staff type "今年" or "明年上半年",
the title and the lead say "2026年" and "2027年上半年".

Relative years (``prompts/lexicon.yaml``: ``years``) are counted from the day the draft is written;
a date in Chinese digits (二〇二五年) is written in Arabic figures, as every date in the draft is;
anything else stays as typed.
"""

from __future__ import annotations

import datetime
import re

from bot.drafting.lexicon import Lexicon
from bot.drafting.quantities import scan

__all__ = ["absolute_period", "names_a_period"]

_BARE_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


def absolute_period(text: str, today: datetime.date, lexicon: Lexicon) -> str:
    value = _dates_in_figures(text.strip())
    if _BARE_YEAR.fullmatch(value):
        return value + "年"
    for word, offset in lexicon.years:  # longest first: 今年度 before 今年
        if value.startswith(word):
            rest = value[len(word):]
            return f"{today.year + offset}年{rest.removeprefix('年')}"
    return value


def _dates_in_figures(text: str) -> str:
    """Dates as the draft writes them everywhere (``quantities.scan``): 二〇二五年上半年 → 2025年上半年."""
    out, last = [], 0
    for mention in scan(text):
        if mention.kind == "date" and isinstance(mention.value, str):
            out.append(text[last:mention.start] + mention.value)
            last = mention.end
    return "".join(out) + text[last:]


# What a period names: a year, a half, a quarter, a month, a season ("2025年", "上半年", "第三季度").
_PERIOD_WORD = re.compile(r"[0-9０-９〇零一二三四五六七八九十]+\s*(?:年|月|季度)|[上下]半年|季度|年度|全年|半年|冬季|夏季|春季|秋季")


def names_a_period(text: str, lexicon: Lexicon) -> bool:
    """Whether an answer to "which period?" names one; "柳河社区" does not."""
    value = text.strip()
    return (bool(_PERIOD_WORD.search(value) or _BARE_YEAR.fullmatch(value))
            or any(word in value for word, _ in lexicon.years))
