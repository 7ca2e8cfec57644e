"""Every figure a text states, with its unit, at its real magnitude.

    read_quantities("慰问金2.3万元，满意度百分之九十六点八，九成居民")
    # 23000 元, 96.8 %, 90 %

`bot/drafting/facts.py` reads staff input cautiously, to fill slots; this reader serves the guard
and errs the other way: any number a model writes must be found, so every Arabic number counts,
and Chinese numerals count whenever they carry a unit, a percentage, 万/亿 or a decimal point.
What is left out is only what is not a figure: list markers (一是, （一）, 1.), Chinese
ordinals (第三), the article 一 (一个, 一批), and fixed terms (`prompts/llm/fixed_terms.txt`:
四个意识, 二十大, 一刻钟便民生活圈 …), which the caller blanks first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.drafting.numerals import FULLWIDTH_TO_ASCII, format_number, parse_number
from bot.text.units import base as unit_base
from bot.text.units import load_units, unit_pattern

__all__ = ["Quantity", "read_quantities", "same_figure", "units_match"]


@dataclass(frozen=True)
class Quantity:
    """One figure: its value in the base unit (2.3万元 → 23000, unit 元)."""

    value: Decimal
    unit: str  # base unit after spelling is unified (名 → 人, 场 → 次, 成 → %); "" when none
    approx: bool  # written with 约, 近, 余, 多, 左右 …
    text: str  # as written, markers and unit included

    def key(self) -> str:
        return f"{format_number(self.value)}{self.unit}"


_ARABIC = r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_UNITS = "十拾百佰千仟万亿"
_THOUSAND = r"千(?![米克瓦])"  # 千米 / 千克 are units, not thousands
_NUMBER_RE = re.compile(
    rf"(?P<percent>百分之)?(?P<run>"
    rf"(?:{_ARABIC})(?:(?:[十百万亿]|{_THOUSAND})(?:{_ARABIC})?)*"
    rf"|(?:[{_CN_DIGITS}十拾百佰仟万亿]|{_THOUSAND})+(?:点[{_CN_DIGITS}]+[万亿]?)?"
    rf")"
)
# The shared units (prompts/units.yaml), and what a model may write that is a figure here though
# no unit of a fact: days and months (3月, 15日), a factor (3倍), tenths (九成).
_EXTRA_UNITS = ("月(?![亮饼])", "日(?![常益])", "成(?![为立员果效绩功本就长熟])")
_UNIT_RE = re.compile(unit_pattern(load_units()) + "|" + "|".join(_EXTRA_UNITS))
_MULTIPLIER = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# After these 一 is mostly the article ("开展一次", "建立一支队伍"); 一元, 一户, 一人 stay figures.
_ARTICLE_UNITS = frozenset("个批支项次场名位家件条套处所座间张本份篇类组队轮期年天周月") | {"个月"}
_PRE_MARKERS = ("将近", "接近", "超过", "大约", "约", "近", "逾")
_MID_MARKERS = "余多来"
_POST_MARKERS = ("左右", "以上", "上下", "多")
# "（1）" opens a list item.
_LIST_OPENERS = "（("


def read_quantities(text: str) -> list[Quantity]:
    """Every figure in `text`, in order."""
    norm = text.translate(FULLWIDTH_TO_ASCII)
    found: list[Quantity] = []
    for match in _NUMBER_RE.finditer(norm):
        quantity = _quantity(norm, text, match)
        if quantity is not None:
            found.append(quantity)
    return found


def units_match(a: str, b: str) -> bool:
    """A bare number or the generic 个 fits any unit; % only %; otherwise the same base unit."""
    if not a or not b:
        return True
    if "%" in (a, b):
        return a == b
    return a == b or "个" in (a, b)


def same_figure(a: Quantity, b: Quantity) -> bool:
    return a.value == b.value and units_match(a.unit, b.unit)


def _quantity(norm: str, text: str, match: re.Match[str]) -> Quantity | None:
    run = match.group("run")
    percent = match.group("percent") is not None
    start, end = match.start(), match.end()
    before = norm[start - 1] if start else ""
    arabic = run[0].isdigit()
    if (before.isascii() and before.isalpha()) or (end < len(norm) and norm[end].isascii() and norm[end].isalpha()):
        return None  # 5G, COVID-19
    if not arabic and before == "第":
        return None  # 第三批: an ordinal
    if arabic and _is_list_marker(norm, start, end):
        return None

    mid = ""
    multiplier = Decimal(1)
    unit = ""
    cursor = end
    if percent:
        unit = "%"
    else:
        if cursor < len(norm) and norm[cursor] in _MID_MARKERS:
            after = cursor + 1
            if after < len(norm) and norm[after] in _MULTIPLIER and (u := _UNIT_RE.match(norm, after + 1)):
                mid, multiplier, unit, cursor = norm[cursor], _MULTIPLIER[norm[after]], u.group(), u.end()
            elif u := _UNIT_RE.match(norm, after):
                mid, unit, cursor = norm[cursor], u.group(), u.end()
        if not unit and (u := _UNIT_RE.match(norm, cursor)):
            unit, cursor = u.group(), u.end()

    value = parse_number(run)
    if value is None:
        return None
    digits_in_run = run[0] in "十拾" or any(c.isdigit() or c in _CN_DIGITS for c in run)
    if not arabic and not percent:
        if not digits_in_run and not mid:
            return None  # 千家万户, 百姓, 万人空巷: unit characters alone are words
        if not unit and not any(c in run for c in "万亿点"):
            return None  # 二十大, 十四五, 三会一课: numerals inside words
        if run in ("一", "壹") and unit in _ARTICLE_UNITS and not mid:
            return None  # 一个, 一批, 一次: the article
    if unit == "成":
        unit, multiplier = "%", multiplier * 10  # 九成 = 90 %
    post = ""
    for marker in _POST_MARKERS:
        if norm.startswith(marker, cursor) and not (marker == "多" and mid):
            post, cursor = marker, cursor + len(marker)
            break
    pre = next((m for m in _PRE_MARKERS if norm.endswith(m, 0, start)), "")
    base = unit_base(unit)
    return Quantity(
        value=value * multiplier, unit=base, approx=bool(pre or mid or post),
        text=text[start - len(pre):cursor],
    )


def _is_list_marker(norm: str, start: int, end: int) -> bool:
    """1. / 1、 / （1） opening an item, not a figure."""
    after = norm[end] if end < len(norm) else ""
    line_start = start == 0 or norm[start - 1] in "\n：:；;。 "
    if after in "、" or (after == "." and not norm[end + 1:end + 2].isdigit()):
        return line_start
    return start > 0 and norm[start - 1] in _LIST_OPENERS and after in "）)"
