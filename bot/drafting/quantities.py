"""Numbers and dates as staff write them in running text: where they are, their value, unit and
approximation (pure).

    scan("为二十余户困难家庭发放慰问金两万三，满意度九成")
    # → 二十余户 (20 余 户), 两万三 (23000, no unit), 九成 (90 %)

`scan` works on text already mapped with ``FULLWIDTH_TO_ASCII`` (one character for one, so
offsets are offsets in what the user typed). Fact extraction (`bot.drafting.facts`) decides which
slot a mention fills; the LLM guard and corrections compare mentions by `Mention.magnitude`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.drafting.numerals import format_number, parse_number
from bot.text.units import UNIT_RE, canonical, same_measure

__all__ = ["BLANK", "Mention", "base_unit", "blank_terms", "display", "magnitude", "scan", "units_compatible"]

PRE_MARKERS = ("大约", "将近", "接近", "超过", "近", "约", "逾")
MID_MARKERS = ("余", "多", "来")
POST_MARKERS = ("左右", "以上", "上下")
MULTIPLIERS = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}

_CN_NUMERAL_CHARS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖十拾百佰仟万亿"
_CN_DIGIT_CHARS = frozenset("零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖")
_ARABIC_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
# 千 is kept out of 千米 / 千克 / 千瓦, which are units, not thousands.
_THOUSAND = r"千(?![米克瓦])"
_NUMERAL_RE = re.compile(
    rf"(?P<percent>百分之)?(?P<run>"
    rf"(?:{_ARABIC_NUMBER})(?:(?:[十百万亿]|{_THOUSAND})(?:{_ARABIC_NUMBER})?)*"
    rf"|(?:[{_CN_NUMERAL_CHARS}]|{_THOUSAND})+(?:点[零〇一二三四五六七八九]+[万亿]?)?"
    rf")"
)
# "百余人", "千余人次", "万余人", "近百户": a round figure written with its unit character alone.
_ROUND = {"百": Decimal(100), "千": Decimal(1000)}

_CN_SMALL = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_PART = r"上旬|中旬|下旬|初|底|末"
_DATE_RE = re.compile(
    r"(?<![0-9〇零一二两三四五六七八九十百千万])(?:"
    rf"(?P<year>[0-9]{{4}}|[〇零一二三四五六七八九]{{4}})年"
    rf"(?:(?P<month>{_CN_SMALL})月(?:(?P<day>{_CN_SMALL})[日号]|(?P<mpart>{_PART}))?|(?P<ypart>初|底|末|上半年|下半年))?"
    rf"|(?P<month_only>{_CN_SMALL})月(?:(?P<day_only>{_CN_SMALL})[日号]|(?P<part_only>{_PART}))?"
    r")"
)
# "9月中旬到10月底", "2025年3月至5月": two dates joined into one range.
_RANGE_JOIN = re.compile(r"\s*(?:到|至|—|－|-|~|～)\s*")

# A bare Arabic number right before these is a house number, a time or a rank, not a quantity.
_NOT_A_QUANTITY_AFTER = frozenset("号楼室弄路巷街时分秒级届层点月日季")
_NEAR_FALSE_FRIENDS = {"近": frozenset("附最亲就邻靠贴临"), "约": frozenset("预节签制邀公条契相履违特")}
# Nouns ending like a false friend, after which the marker is one again ("高龄津贴近300人").
_FALSE_FRIEND_NOUNS = ("津贴", "补贴")
# "每" or "人均" earlier in the clause makes a number a rate ("为每户发放500元"), even across "、".
_FREQUENCY_RE = re.compile(r"(?:每|人均|户均|平均)[^，。；！？,;!?\n]*$")
# 九成 = 90 %; not 成立, 成效, 成员 …
_TENTHS_RE = re.compile(r"成(?![立为效绩果员本功熟年人交长就份分型片套批])(?P<tail>[一二三四五六七八九0-9](?![0-9]))?(?P<more>[多余])?")
# "3元5角", "两元五角八分": the 角 and 分 of an amount in 元.
_JIAO_FEN_RE = re.compile(r"(?P<jiao>[0-9一二两三四五六七八九])角(?:(?P<fen>[0-9一二两三四五六七八九])分)?")
_CN_ONE_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: Literal["quantity", "date"]
    value: Decimal | str
    # 万 / 亿 read as part of the unit ("1.5万元" is 1.5 in 万元), "" otherwise.
    multiplier: str
    # Unit as written, without the multiplier; "%" for percentages; "" when none was written.
    unit: str
    approx: str
    # "一次", "一起", "一个": often an article rather than a count, so only an adjacent cue claims it.
    lone_one: bool
    # "每月一次", "为每户发放500元": a rate, not a total.
    frequency: bool
    # A bare number may be claimed only when it ends the phrase ("次数：4，…").
    phrase_end: bool
    # Whether the bot should hear about it when no slot claims it.
    reportable: bool
    # Written with Chinese numerals ("二十多", "两万三"), not Arabic digits.
    chinese: bool = False

    @property
    def bare(self) -> bool:
        return self.kind == "quantity" and not self.unit

    def magnitude(self) -> tuple[Decimal | str, str]:
        """(value in the base unit, base unit): 1.5万元 → (15000, 元), 九成 → (90, %)."""
        return magnitude(self.value, self.multiplier + self.unit)

    def display(self) -> str:
        """Arabic figures with the unit and marker as written: "20余户", "2.3万元", "约40个"."""
        if isinstance(self.value, str):
            return self.value
        return display(self.value, self.multiplier + self.unit, self.approx)


BLANK = "\x00"  # what stands for a fixed term's characters: no figure, no word


def blank_terms(text: str, terms: Iterable[str]) -> str:
    """`text` with each fixed term (三会一课, 两项补贴) replaced by as many blanks, so offsets stay and
    their numerals are read as no figure. Terms longest first: a term inside a longer one goes with it."""
    for term in terms:
        if term in text:
            text = text.replace(term, BLANK * len(term))
    return text


def display(value: Decimal, unit: str, approx: str) -> str:
    number = format_number(value)
    if approx == "来":  # spoken "7000来人" is written "7000人左右"
        approx = "左右"
    if approx in POST_MARKERS:
        return f"{number}{unit}{approx}"
    if approx in MID_MARKERS:
        if unit[:1] in MULTIPLIERS and value % 10 != 0:  # 五万多 is 5万多元, never 5多万元 (but 10余万元)
            return f"{number}{unit[:1]}{approx}{unit[1:]}"
        return f"{number}{approx}{unit}"
    return f"{approx}{number}{unit}"


def magnitude(value: Decimal | str, unit: str) -> tuple[Decimal | str, str]:
    if isinstance(value, str):
        return value, unit
    if unit[:1] in MULTIPLIERS and len(unit) > 1:
        return value * MULTIPLIERS[unit[0]], canonical(unit[1:])
    return value, canonical(unit)


def base_unit(unit: str) -> str:
    return unit[1:] if len(unit) > 1 and unit[0] in MULTIPLIERS else unit


def units_compatible(slot_unit: str, unit: str) -> bool:
    """Whether a number written with `unit` can fill a slot measured in `slot_unit`
    (``prompts/units.yaml``: 元 accepts 元 / 万元 / 亿元 / 块; 人 accepts 人 / 名; 次 accepts 次 / 场;
    % only %)."""
    if slot_unit == "%" or unit == "%":
        return slot_unit == unit
    if not slot_unit:
        return True
    return same_measure(base_unit(slot_unit), base_unit(unit))


def scan(norm: str) -> list[Mention]:
    """Every date and quantity in `norm`, in text order; dates first take their characters."""
    dates = _scan_dates(norm)
    quantities = _scan_quantities(norm, [(d.start, d.end) for d in dates])
    return sorted(dates + quantities, key=lambda m: m.start)


# ---------------------------------------------------------------------------------------------


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char == "〇"


def char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


def _skip_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\u3000":
        index += 1
    return index


def _pre_marker(norm: str, start: int) -> tuple[str, int]:
    """The approximation marker written before the number, and where it starts."""
    position = start
    while position > 0 and norm[position - 1] in " \t\u3000":
        position -= 1
    for marker in PRE_MARKERS:
        if norm.endswith(marker, 0, position):
            marker_start = position - len(marker)
            if char_at(norm, marker_start - 1) in _NEAR_FALSE_FRIENDS.get(marker, frozenset()) and not norm.endswith(
                    _FALSE_FRIEND_NOUNS, 0, marker_start):
                continue
            return marker, marker_start
    return "", start


def _unit_at(norm: str, index: int) -> re.Match[str] | None:
    return UNIT_RE.match(norm, _skip_spaces(norm, index))


def _scan_dates(norm: str) -> list[Mention]:
    found = []
    for match in _DATE_RE.finditer(norm):
        value = _date_value(match)
        if value is not None:
            found.append(Mention(start=match.start(), end=match.end(), kind="date", value=value, multiplier="",
                                 unit="", approx="", lone_one=False, frequency=False, phrase_end=True,
                                 reportable=True))
    return _join_ranges(norm, found)


def _join_ranges(norm: str, dates: list[Mention]) -> list[Mention]:
    joined: list[Mention] = []
    for date in dates:
        previous = joined[-1] if joined else None
        if previous is not None and _RANGE_JOIN.fullmatch(norm, previous.end, date.start):
            joined[-1] = Mention(start=previous.start, end=date.end, kind="date",
                                 value=f"{previous.value}至{date.value}", multiplier="", unit="", approx="",
                                 lone_one=False, frequency=False, phrase_end=True, reportable=True)
        else:
            joined.append(date)
    return joined


def _date_value(match: re.Match[str]) -> str | None:
    """Normalised "2025年3月15日", "9月中旬", "2025年底", or None when it cannot be a date."""
    year_text = match.group("year")
    month_text = match.group("month") or match.group("month_only")
    day_text = match.group("day") or match.group("day_only")
    part = match.group("mpart") or match.group("part_only") or match.group("ypart") or ""
    parts = []
    if year_text is not None:
        year = parse_number(year_text)
        if year is None:
            return None
        parts.append(f"{format_number(year)}年")
    if month_text is not None:
        month = parse_number(month_text)
        if month is None or not 1 <= month <= 12:
            return None
        parts.append(f"{format_number(month)}月")
    if day_text is not None:
        day = parse_number(day_text)
        if day is None or not 1 <= day <= 31:
            return None
        parts.append(f"{format_number(day)}日")
    return "".join(parts) + part


def _scan_quantities(norm: str, taken: list[tuple[int, int]]) -> list[Mention]:
    found: list[Mention] = []
    for match in _NUMERAL_RE.finditer(norm):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        if found and match.start() < found[-1].end:
            continue  # read as part of the one before ("3元5角")
        mention = _quantity(norm, match)
        if mention is not None:
            found.append(mention)
    return found


def _round_figure(norm: str, match: re.Match[str]) -> tuple[Decimal, str] | None:
    """百余 / 千多 / 万余 / 近百: (value, multiplier) of a figure written as one unit character."""
    run = match.group("run")
    if match.group("percent") or len(run) != 1 or run not in "百千万":
        return None
    after, before = char_at(norm, match.end()), char_at(norm, match.start() - 1)
    if after not in MID_MARKERS and before != "近":
        return None
    if before == "近" and _unit_at(norm, match.end()) is None:
        return None
    return _ROUND.get(run, Decimal(10000)), ""


def _quantity(norm: str, match: re.Match[str]) -> Mention | None:
    """Read one number with its markers and unit around a numeral match, or None if it is no quantity."""
    run = match.group("run")
    percent = match.group("percent") is not None
    before = char_at(norm, match.start() - 1)
    after = char_at(norm, match.end())
    chinese = not run[0].isdigit()
    if before == "第" or (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
        return None
    if _is_part_of_code(norm, match.start(), match.end()):
        return None
    rounded = _round_figure(norm, match)
    if chinese and not percent and rounded is None and not (_CN_DIGIT_CHARS & set(run) or run[0] in "十拾"):
        # "千家万户", "百姓": unit characters alone are words, not numbers.
        return None

    end = match.end()
    mid, multiplier, unit = "", "", ""
    tenths = None if percent else _TENTHS_RE.match(norm, end)
    if percent:
        unit = "%"
    elif tenths is not None and (chinese or run.isdigit()) and len(run) == 1:
        unit, end = "%", tenths.end()
    else:
        mid, multiplier, unit, end = _mid_and_unit(norm, end)
    number_text = run
    if rounded is not None:
        value: Decimal | None = rounded[0]
        multiplier = multiplier or rounded[1]
        number_text = ""
    else:
        if not mid and not percent and run[-1] in MULTIPLIERS and not any(m in run[:-1] for m in MULTIPLIERS):
            # "1.5万元" is 1.5 in 万元 as written; "3万余元" (marker after 万) stays 30000 in 元,
            # and "一亿二千万" stays one number because its 万 does not end a plain numeral.
            number_text, multiplier = run[:-1], run[-1]
        value = parse_number(number_text) if number_text else None
    if value is None:
        return None
    if unit == "%" and tenths is not None and not percent:
        tail = tenths.group("tail")
        value = value * 10 + (Decimal(_CN_ONE_DIGIT.get(tail, 0) if not tail.isdigit() else int(tail)) if tail else 0)
        if tenths.group("more"):
            mid = "以上"  # "四成多": more than 40 %
    if unit in ("元", "块") and not multiplier:
        value, end = _with_jiao_fen(norm, value, end)

    pre, start = _pre_marker(norm, match.start())
    post = ""
    if mid == "以上":
        mid, post = "", "以上"
    post_at = _skip_spaces(norm, end)
    for marker in POST_MARKERS if not post else ():
        if norm.startswith(marker, post_at):
            post, end = marker, post_at + len(marker)
            break

    lone_one = chinese and number_text in ("一", "壹")
    following = char_at(norm, end)
    phrase_end = not (is_han(following) or following.isalnum())
    if not unit and not pre and not mid and not post:
        if chinese and not phrase_end:
            return None  # "一共", "三会一课": numerals inside words
        if following in _NOT_A_QUANTITY_AFTER:
            return None
    if lone_one and unit and following == "一":
        return None  # "一户一档", "一人一策"
    frequency = _FREQUENCY_RE.search(norm, 0, start) is not None
    return Mention(
        start=start, end=end, kind="quantity", value=value, multiplier=multiplier,
        unit=canonical(unit), approx=pre or mid or post, lone_one=lone_one,
        frequency=frequency, phrase_end=phrase_end,
        # "60岁以上老人": an age describes who is counted, it is not a figure of its own.
        reportable=not lone_one and not (chinese and not unit) and unit != "岁", chinese=chinese,
    )


def _with_jiao_fen(norm: str, value: Decimal, end: int) -> tuple[Decimal, int]:
    """"3元5角" is 3.5 元, "两元五角八分" 2.58 元; "3块5" is 3.5 元."""
    match = _JIAO_FEN_RE.match(norm, end)
    if match is not None:
        jiao = _digit(match.group("jiao"))
        fen = _digit(match.group("fen")) if match.group("fen") else 0
        return value + Decimal(jiao) / 10 + Decimal(fen) / 100, match.end()
    tail = char_at(norm, end)
    if norm[end - 1] == "块" and (tail.isdigit() or tail in _CN_ONE_DIGIT) and not (
            char_at(norm, end + 1).isdigit() or _unit_at(norm, end + 1) is not None):
        return value + Decimal(_digit(tail)) / 10, end + 1
    return value, end


def _digit(char: str) -> int:
    return int(char) if char.isdigit() else _CN_ONE_DIGIT[char]


def _is_part_of_code(norm: str, start: int, end: int) -> bool:
    """Times, dates and codes such as "10:30", "2025-03-15", "3/4" are not quantities."""
    joiners = ":-/."
    before, after = char_at(norm, start - 1), char_at(norm, end)
    return (before != "" and before in joiners and char_at(norm, start - 2).isdigit()) or (
        after != "" and after in joiners and char_at(norm, end + 1).isdigit()
    )


def _mid_and_unit(norm: str, end: int) -> tuple[str, str, str, int]:
    """Marker between number and unit ("20余户", "10余万元") and the unit itself."""
    marker_at = _skip_spaces(norm, end)
    marker = char_at(norm, marker_at)
    if marker and marker in MID_MARKERS:
        after_marker = marker_at + 1
        multiplier = char_at(norm, after_marker)
        if multiplier in MULTIPLIERS:
            unit = _unit_at(norm, after_marker + 1)
            if unit is not None:
                return marker, multiplier, unit.group(), unit.end()
        unit = _unit_at(norm, after_marker)
        if unit is not None:
            return marker, "", unit.group(), unit.end()
        following = char_at(norm, after_marker)
        if marker != "来" and not (is_han(following) or following.isalnum()):
            return marker, "", "", after_marker  # "十余。" answering a question about 户
    unit = _unit_at(norm, end)
    if unit is not None:
        return "", "", unit.group(), unit.end()
    return "", "", "", end
