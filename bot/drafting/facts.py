"""Extract the facts a draft needs (counts, amounts, percentages, dates, names) from what staff type.

The extractor never guesses: every `Fact` is read from an exact substring of the input
(`Fact.source`), and every sentence that did not turn into facts is kept verbatim in
`Extraction.narrative`, so nothing a user typed is lost.

    extract("全年召开党员大会四次，支委会十二次。", slots)   # two facts, empty narrative
    extract_single("十二", slot)                            # the answer to a one-slot question
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.drafting.numerals import FULLWIDTH_TO_ASCII, format_number, parse_number

__all__ = ["Extraction", "Fact", "Slot", "SlotKind", "extract", "extract_single", "units_compatible"]

SlotKind = Literal["count", "amount", "percentage", "date", "text"]


@dataclass(frozen=True)
class Slot:
    """One fact a draft needs, and the words that introduce it in free text."""

    name: str  # identifier, e.g. "party_congress"
    label: str  # shown to the user, e.g. "党员大会次数"
    unit: str  # expected unit: "次", "户", "人", "元", "万元", "%", "" for date and text
    kind: SlotKind
    cues: tuple[str, ...]  # words that introduce the fact, e.g. ("党员大会",)


# Where an approximation marker goes when a fact is displayed, as staff write it.
_PRE_MARKERS = ("大约", "将近", "接近", "超过", "近", "约", "逾")
_MID_MARKERS = ("余", "多", "来")
_POST_MARKERS = ("左右", "以上", "上下")


@dataclass(frozen=True)
class Fact:
    """A value read from the user's text, with the unit and approximation they gave."""

    slot: str  # slot name
    value: Decimal | str  # a number for count / amount / percentage, a normalised string otherwise
    unit: str  # as written, normalised: "万元", "元", "户", "人次", "%"; "" for date and text
    approx: str  # "" or the marker as written: "余", "多", "近", "约", "左右", "以上", …
    source: str  # the exact substring of the user's text the fact was read from

    def display(self) -> str:
        """Canonical text for a draft: "4次", "20余户", "近300人", "1.5万元", "98%", "2025年3月"."""
        if isinstance(self.value, str):
            return self.value
        number = format_number(self.value)
        if self.approx in _POST_MARKERS:
            return f"{number}{self.unit}{self.approx}"
        if self.approx in _MID_MARKERS:
            return f"{number}{self.approx}{self.unit}"
        return f"{self.approx}{number}{self.unit}"


@dataclass(frozen=True)
class Extraction:
    """Facts by slot name, the sentences that carried none, and numbers no slot claimed."""

    facts: dict[str, Fact]
    narrative: list[str]
    numbers_unassigned: list[str]


# ---------------------------------------------------------------------------------------------
# Lexicon


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

_CN_SMALL = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_DATE_RE = re.compile(
    r"(?<![0-9〇零一二两三四五六七八九十百千万])(?:"
    rf"(?P<year>[0-9]{{4}}|[〇零一二三四五六七八九]{{4}})年"
    rf"(?:(?P<month>{_CN_SMALL})月(?:(?P<day>{_CN_SMALL})[日号])?)?"
    rf"|(?P<month_only>{_CN_SMALL})月(?:(?P<day_only>{_CN_SMALL})[日号])?"
    r")"
)

# Longest first; the look-aheads keep common words (一次性, 期间, 一起来, 支部, 家庭) out.
_UNIT_RE = re.compile(
    "|".join(
        (
            "个百分点", "平方米", "人次", "户次", "场次", "个月", "周年", "平米", "公里", "千米",
            "公斤", "千克", "小时", "个人", "%", "㎡",
            "人", "名(?![单称义额])", "位(?!置)", "户", "次(?![性日序要])", "场(?![所地景])",
            "期(?![间限待望刊])", "件(?!事)", "起(?![来到步草])", "个(?![个别体性])",
            "元(?![旦宵])", "米", "岁", "篇", "份", "本", "支(?![部持援])", "家(?![庭属长])",
            "栋", "幢", "处(?!理)", "项", "天(?![气然])", "年(?![级龄轻])", "周", "吨", "斤",
            "台(?!账)", "辆", "张", "所", "座(?!谈)", "间", "套", "批", "轮", "组(?!织)", "类",
        )
    )
)
_UNIT_SPELLINGS = {"平米": "平方米", "㎡": "平方米"}
# Units that mean the same thing to a slot: a slot in 人 accepts 名, one in 次 accepts 场.
_UNIT_GROUPS = (
    frozenset({"人", "名", "位", "个人"}),
    frozenset({"次", "场", "场次"}),
    frozenset({"件", "起"}),
)
_MULTIPLIERS = ("万", "亿")

# A bare Arabic number right before these is a house number, a time or a rank, not a quantity.
_NOT_A_QUANTITY_AFTER = frozenset("号楼室弄路巷街时分秒级届层点月日季")
# Words allowed between a cue and a number for the two to count as one phrase ("党员大会次数：4").
_CONNECTOR_GAP_RE = re.compile(
    r"(?:[\s：:]|是|为|共计|合计|累计|总计|一共|总共|共|有|达到|达|计|次数|人数|户数|金额|总额|数量|总数)*"
)
_LEADING_FILLER_RE = re.compile(r"(?:[\s：:]|一共|总共|共计|合计|累计|总计|共|大概|差不多|有|是|为)*")
_TRAILING_FILLER = " \t\u3000\n。.！!？?～~吧啊呀了呢哈"
_NEAR_FALSE_FRIENDS = {"近": frozenset("附最亲就邻靠贴临"), "约": frozenset("预节签制邀公条契相履违特")}
# Nouns ending like a false friend, after which the marker is one again ("高龄津贴近300人").
_FALSE_FRIEND_NOUNS = ("津贴", "补贴")
# "每" or "人均" earlier in the clause makes a number a rate ("为每户发放500元"), even across "、".
_FREQUENCY_RE = re.compile(r"(?:每|人均|户均|平均)[^，。；！？,;!?\n]*$")
_TEXT_VALUE_RE = re.compile(r"[ \t\u3000]*(?:是|为|叫|：|:)[ \t\u3000]*(?P<value>[^，。；！？,;!?\n]+)")
# A short one-clause answer to a text question ("幸福里社区") is the value itself.
_SINGLE_TEXT_RE = re.compile(r"\s*(?P<value>[^，。；！？,;!?\n]+?)[\s。！？!?.]*")
_SINGLE_TEXT_MAX = 40

_CLAUSE_BREAKS = frozenset("，。；！？;!?\n")
_THOUSANDS_GROUP_RE = re.compile(r"[0-9]{3}(?![0-9])")
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?\n]*|[。！？!?\n]+")
_PUNCTUATION_ONLY = " \t\u3000\r\n。！？!?，,；;、：:…～~"
# Content outside the fact phrases beyond this many characters is worth keeping verbatim.
_NARRATIVE_THRESHOLD = 12


# ---------------------------------------------------------------------------------------------
# Mentions: number and date expressions found in the text


@dataclass(frozen=True)
class _Mention:
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

    @property
    def bare(self) -> bool:
        return self.kind == "quantity" and not self.unit


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    slot: str


@dataclass(frozen=True)
class _Claim:
    mention: _Mention
    slot: Slot
    cue: _Cue | None


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char == "〇"


def _char_at(text: str, index: int) -> str:
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
    for marker in _PRE_MARKERS:
        if norm.endswith(marker, 0, position):
            marker_start = position - len(marker)
            if _char_at(norm, marker_start - 1) in _NEAR_FALSE_FRIENDS.get(marker, frozenset()) and not norm.endswith(
                    _FALSE_FRIEND_NOUNS, 0, marker_start):
                continue
            return marker, marker_start
    return "", start


def _unit_at(norm: str, index: int) -> re.Match[str] | None:
    return _UNIT_RE.match(norm, _skip_spaces(norm, index))


def _scan_dates(norm: str) -> list[_Mention]:
    mentions = []
    for match in _DATE_RE.finditer(norm):
        value = _date_value(match)
        if value is not None:
            mentions.append(
                _Mention(
                    start=match.start(), end=match.end(), kind="date", value=value, multiplier="",
                    unit="", approx="", lone_one=False, frequency=False, phrase_end=True,
                    reportable=True,
                )
            )
    return mentions


def _date_value(match: re.Match[str]) -> str | None:
    """Normalised "2025年3月15日", or None when the month or day cannot be a date."""
    year_text = match.group("year")
    month_text = match.group("month") or match.group("month_only")
    day_text = match.group("day") or match.group("day_only")
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
    return "".join(parts)


def _scan_quantities(norm: str, taken: list[tuple[int, int]]) -> list[_Mention]:
    mentions = []
    for match in _NUMERAL_RE.finditer(norm):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        mention = _quantity(norm, match)
        if mention is not None:
            mentions.append(mention)
    return mentions


def _quantity(norm: str, match: re.Match[str]) -> _Mention | None:
    """Read one number with its markers and unit around a numeral match, or None if it is no quantity."""
    run = match.group("run")
    percent = match.group("percent") is not None
    before = _char_at(norm, match.start() - 1)
    after = _char_at(norm, match.end())
    chinese = not run[0].isdigit()
    if before == "第" or (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
        return None
    if _is_part_of_code(norm, match.start(), match.end()):
        return None
    if chinese and not percent and not (_CN_DIGIT_CHARS & set(run) or run[0] in "十拾"):
        # "千家万户", "百姓": unit characters alone are words, not numbers.
        return None

    end = match.end()
    mid, multiplier, unit = "", "", ""
    if percent:
        unit = "%"
    else:
        mid, multiplier, unit, end = _mid_and_unit(norm, end)
    number_text = run
    if not mid and not percent and run[-1] in _MULTIPLIERS and not any(m in run[:-1] for m in _MULTIPLIERS):
        # "1.5万元" is 1.5 in 万元 as written; "3万余元" (marker after 万) stays 30000 in 元,
        # and "一亿二千万" stays one number because its 万 does not end a plain numeral.
        number_text, multiplier = run[:-1], run[-1]
    value = parse_number(number_text) if number_text else None
    if value is None:
        return None

    pre, start = _pre_marker(norm, match.start())
    post = ""
    post_at = _skip_spaces(norm, end)
    for marker in _POST_MARKERS:
        if norm.startswith(marker, post_at):
            post, end = marker, post_at + len(marker)
            break

    lone_one = chinese and number_text in ("一", "壹")
    following = _char_at(norm, end)
    phrase_end = not (_is_han(following) or following.isalnum())
    if not unit and not pre and not mid and not post:
        if chinese and not phrase_end:
            return None  # "一共", "三会一课": numerals inside words
        if following in _NOT_A_QUANTITY_AFTER:
            return None
    if lone_one and unit and following == "一":
        return None  # "一户一档", "一人一策"
    frequency = _FREQUENCY_RE.search(norm, 0, start) is not None
    return _Mention(
        start=start, end=end, kind="quantity", value=value, multiplier=multiplier,
        unit=_UNIT_SPELLINGS.get(unit, unit), approx=pre or mid or post, lone_one=lone_one,
        frequency=frequency, phrase_end=phrase_end,
        reportable=not lone_one and not (chinese and not unit),
    )


def _is_part_of_code(norm: str, start: int, end: int) -> bool:
    """Times, dates and codes such as "10:30", "2025-03-15", "3/4" are not quantities."""
    joiners = ":-/."
    before, after = _char_at(norm, start - 1), _char_at(norm, end)
    return (before != "" and before in joiners and _char_at(norm, start - 2).isdigit()) or (
        after != "" and after in joiners and _char_at(norm, end + 1).isdigit()
    )


def _mid_and_unit(norm: str, end: int) -> tuple[str, str, str, int]:
    """Marker between number and unit ("20余户", "10余万元") and the unit itself."""
    marker_at = _skip_spaces(norm, end)
    marker = _char_at(norm, marker_at)
    if marker and marker in _MID_MARKERS:
        after_marker = marker_at + 1
        multiplier = _char_at(norm, after_marker)
        if multiplier in _MULTIPLIERS:
            unit = _unit_at(norm, after_marker + 1)
            if unit is not None:
                return marker, multiplier, unit.group(), unit.end()
        unit = _unit_at(norm, after_marker)
        if unit is not None:
            return marker, "", unit.group(), unit.end()
        following = _char_at(norm, after_marker)
        if marker != "来" and not (_is_han(following) or following.isalnum()):
            return marker, "", "", after_marker  # "十余。" answering a question about 户
    unit = _unit_at(norm, end)
    if unit is not None:
        return "", "", unit.group(), unit.end()
    return "", "", "", end


def _scan(norm: str) -> list[_Mention]:
    dates = _scan_dates(norm)
    quantities = _scan_quantities(norm, [(d.start, d.end) for d in dates])
    return sorted(dates + quantities, key=lambda m: m.start)


# ---------------------------------------------------------------------------------------------
# Units


def _base_unit(unit: str) -> str:
    return unit[1:] if len(unit) > 1 and unit[0] in _MULTIPLIERS else unit


def units_compatible(slot_unit: str, unit: str) -> bool:
    """Whether a number written with `unit` can fill a slot measured in `slot_unit`.

    元 accepts 元 / 万元 / 亿元; 人 accepts 人 / 名; 次 accepts 次 / 场; % only %.
    """
    if slot_unit == "%" or unit == "%":
        return slot_unit == unit
    if not slot_unit:
        return True
    expected, given = _base_unit(slot_unit), _base_unit(unit)
    return expected == given or any(expected in group and given in group for group in _UNIT_GROUPS)


def _accepts(slot: Slot, mention: _Mention) -> bool:
    if slot.kind == "text":
        return False
    if mention.kind == "date" or slot.kind == "date":
        return mention.kind == "date" and slot.kind == "date"
    if slot.kind == "percentage":
        return mention.unit == "%" or (mention.bare and not mention.multiplier)
    if mention.bare:
        return True
    return units_compatible(slot.unit, mention.multiplier + mention.unit)


def _fact(claim: _Claim, text: str) -> Fact:
    mention, slot = claim.mention, claim.slot
    if mention.kind == "date":
        unit = ""
    elif mention.unit:
        unit = mention.multiplier + mention.unit
    elif slot.kind == "percentage":
        unit = "%"
    elif mention.multiplier:
        # "1.5万" answering a question in 元 means 1.5万元.
        unit = mention.multiplier + _base_unit(slot.unit)
    else:
        # A bare "12" answering "how many times" is 12 of the unit the question was about.
        unit = slot.unit
    return Fact(
        slot=slot.name, value=mention.value, unit=unit, approx=mention.approx,
        source=text[mention.start:mention.end],
    )


# ---------------------------------------------------------------------------------------------
# Cues, clauses and assignment


def _find_cues(norm: str, slots: Sequence[Slot]) -> list[_Cue]:
    found: list[_Cue] = []
    for slot in slots:
        for spelling in slot.cues:
            word = spelling.translate(FULLWIDTH_TO_ASCII)
            if not word:
                continue
            index = norm.find(word)
            while index != -1:
                found.append(_Cue(index, index + len(word), slot.name))
                index = norm.find(word, index + 1)
    # "大会" inside "党员大会" belongs to the longer cue, and of two overlapping cues the one that
    # starts first wins ("新增低保户" is 新增低保, not 低保户); equal spans (a cue shared by two slots) stay.
    found.sort(key=lambda cue: (cue.start, -cue.end))
    kept: list[_Cue] = []
    widest: _Cue | None = None
    for cue in found:
        inside = widest is not None and cue.start < widest.end and (widest.start, widest.end) != (cue.start, cue.end)
        if not inside:
            kept.append(cue)
        if widest is None or cue.end > widest.end:
            widest = cue
    return kept


def _is_clause_break(norm: str, index: int) -> bool:
    char = norm[index]
    if char == ",":
        # "1,200" is one number, not two clauses.
        return not (_char_at(norm, index - 1).isdigit() and _THOUSANDS_GROUP_RE.match(norm, index + 1))
    return char in _CLAUSE_BREAKS


def _segment_ids(norm: str) -> tuple[list[int], list[int]]:
    """Clause and item number of every character; items split clauses at "、"."""
    clauses, items = [], []
    clause = item = 0
    for index, char in enumerate(norm):
        clauses.append(clause)
        items.append(item)
        if _is_clause_break(norm, index):
            clause += 1
            item += 1
        elif char == "、":
            item += 1
    return clauses, items


@dataclass(frozen=True)
class _Segment:
    """The cues of one clause or one item, in text order."""

    cues: tuple[_Cue, ...]
    starts: tuple[int, ...]


def _segments(cues: list[_Cue], ids: list[int]) -> dict[int, _Segment]:
    grouped: dict[int, list[_Cue]] = {}
    for cue in cues:
        if ids[cue.start] == ids[cue.end - 1]:
            grouped.setdefault(ids[cue.start], []).append(cue)
    return {key: _Segment(tuple(group), tuple(cue.start for cue in group)) for key, group in grouped.items()}


def _nearest_cue(mention: _Mention, segment: _Segment, accepted: frozenset[str], norm: str) -> _Cue | None:
    """The closest cue before the number, unless a cue right after it is closer in the phrase.

    Cues never overlap a mention (such mentions are dropped), so every cue starting before
    the mention also ends before it.
    """
    split = bisect_left(segment.starts, mention.start)
    nearest_before = next(
        (segment.cues[i] for i in range(split - 1, -1, -1) if segment.cues[i].slot in accepted), None
    )
    nearest_after = next(
        (segment.cues[i] for i in range(split, len(segment.cues)) if segment.cues[i].slot in accepted), None
    )
    if nearest_before is not None and nearest_after is not None:
        # "党员大会后召开4次支委会": the cue glued to the number wins over one across a verb.
        after_is_glued = norm[mention.end:nearest_after.start] in ("", "的")
        if after_is_glued and not _is_connector_gap(norm[nearest_before.end:mention.start]):
            return nearest_after
        return nearest_before
    return nearest_before if nearest_before is not None else nearest_after


def _is_connector_gap(gap: str) -> bool:
    return _CONNECTOR_GAP_RE.fullmatch(gap) is not None


def _choose_cue(
    mention: _Mention, accepted: frozenset[str], norm: str, scopes: Sequence[_Segment | None]
) -> _Cue | None:
    """The cue that claims a number: looked for in its "、" item first, then in its clause."""
    if mention.frequency or (mention.bare and not mention.phrase_end):
        return None
    for segment in scopes:
        cue = None if segment is None else _nearest_cue(mention, segment, accepted, norm)
        if cue is None:
            continue
        glued_before = cue.end <= mention.start and _is_connector_gap(norm[cue.end:mention.start])
        glued_after = cue.start >= mention.end and norm[mention.end:cue.start] in ("", "的")
        if mention.bare and not glued_before:
            return None
        # "一起" in "大家一起调解纠纷" is "together"; "支委会召开一次" ends on the count.
        if mention.lone_one and not (glued_before or glued_after or (cue.end <= mention.start and mention.phrase_end)):
            return None
        return cue
    return None


def _respectively_claims(
    mentions: list[_Mention], cues: list[_Cue], slots: dict[str, Slot], norm: str, clauses: list[int]
) -> list[_Claim]:
    """"党员大会、支委会分别召开4次、12次": cues and numbers pair up in order."""
    claims: list[_Claim] = []
    for marker in re.finditer("分别", norm):
        clause = clauses[marker.start()]
        named = [cue for cue in cues if clauses[cue.start] == clause and cue.end <= marker.start()]
        numbers = [
            m for m in mentions
            if clauses[m.start] == clause and m.start >= marker.end() and not m.bare and not m.frequency
        ]
        if len(named) < 2 or len(named) != len(numbers) or len({cue.slot for cue in named}) != len(named):
            continue
        pairs = [(cue, mention) for cue, mention in zip(named, numbers)]
        if all(_accepts(slots[cue.slot], mention) for cue, mention in pairs):
            claims.extend(_Claim(mention, slots[cue.slot], cue) for cue, mention in pairs)
    return claims


def _text_facts(text: str, norm: str, cues: list[_Cue], slots: dict[str, Slot]) -> list[tuple[Fact, _Cue, int]]:
    """"社区名称是幸福里社区" and "社区名称：幸福里社区" fill text slots."""
    found: list[tuple[Fact, _Cue, int]] = []
    filled: set[str] = set()
    for cue in cues:
        slot = slots[cue.slot]
        if slot.kind != "text" or slot.name in filled:
            continue
        match = _TEXT_VALUE_RE.match(norm, cue.end)
        if match is None:
            continue
        value = match.group("value").strip()
        if not value:
            continue
        end = match.start("value") + len(match.group("value").rstrip())
        found.append((Fact(slot.name, value, "", "", text[cue.start:end]), cue, end))
        filled.add(slot.name)
    return found


# ---------------------------------------------------------------------------------------------
# Public entry points


def extract(text: str, slots: Sequence[Slot]) -> Extraction:
    """Read every fact the slots ask for; keep the rest as narrative and unassigned numbers."""
    norm = text.translate(FULLWIDTH_TO_ASCII)
    by_name: dict[str, Slot] = {}
    for slot in slots:
        by_name.setdefault(slot.name, slot)
    cues = _find_cues(norm, list(by_name.values()))
    text_facts = _text_facts(text, norm, cues, by_name)
    # A numeral inside a cue ("两委") or a name ("社区名称是3号院") is part of a word, not a number.
    blocked = _mark([(cue.start, cue.end) for cue in cues] + [(cue.start, end) for _, cue, end in text_facts], len(norm))
    mentions = [m for m in _scan(norm) if not any(blocked[m.start:m.end])]
    clauses, items = _segment_ids(norm)
    clause_cues, item_cues = _segments(cues, clauses), _segments(cues, items)

    facts: dict[str, Fact] = {fact.slot: fact for fact, _, _ in text_facts}
    covered: list[tuple[int, int]] = [(cue.start, end) for _, cue, end in text_facts]
    claimed: set[int] = set()

    def take(claim: _Claim) -> None:
        facts[claim.slot.name] = _fact(claim, text)
        claimed.add(claim.mention.start)
        covered.append((claim.mention.start, claim.mention.end))
        if claim.cue is not None:
            covered.append((claim.cue.start, claim.cue.end))

    for claim in _respectively_claims(mentions, cues, by_name, norm, clauses):
        if claim.slot.name not in facts:
            take(claim)
    for mention in mentions:
        if mention.start in claimed:
            continue
        accepted = frozenset(name for name, slot in by_name.items() if _accepts(slot, mention))
        scopes = (item_cues.get(items[mention.start]), clause_cues.get(clauses[mention.start]))
        cue = _choose_cue(mention, accepted, norm, scopes)
        # A second number for a filled slot is left for the bot to ask about, not overwritten.
        if cue is not None and cue.slot not in facts:
            take(_Claim(mention, by_name[cue.slot], cue))

    leftovers = [m for m in mentions if m.start not in claimed]
    asks_for_dates = any(slot.kind == "date" for slot in by_name.values())
    unassigned = [
        text[m.start:m.end] for m in leftovers
        if m.reportable and (m.kind != "date" or asks_for_dates)
    ]
    ordered = {name: facts[name] for name in by_name if name in facts}
    return Extraction(
        facts=ordered,
        narrative=_narrative(text, _mark(covered, len(text)), leftovers),
        numbers_unassigned=unassigned,
    )


def _mark(spans: list[tuple[int, int]], length: int) -> list[bool]:
    marked = [False] * length
    for start, end in spans:
        marked[start:end] = [True] * (end - start)
    return marked


def _narrative(text: str, covered: list[bool], leftovers: list[_Mention]) -> list[str]:
    """Sentences kept verbatim: those without facts, and those with more to say than their facts."""
    leftover_starts = sorted(m.start for m in leftovers)
    kept = []
    for sentence in _SENTENCE_RE.finditer(text):
        piece = sentence.group().strip()
        if not piece.strip(_PUNCTUATION_ONLY):
            continue
        start, end = sentence.start(), sentence.end()
        has_fact = any(covered[start:end])
        first_leftover = bisect_left(leftover_starts, start)
        has_leftover = first_leftover < len(leftover_starts) and leftover_starts[first_leftover] < end
        uncovered = sum(1 for index in range(start, end) if text[index].isalnum() and not covered[index])
        if not has_fact or has_leftover or uncovered > _NARRATIVE_THRESHOLD:
            kept.append(piece)
    return kept


def extract_single(text: str, slot: Slot) -> Fact | None:
    """The fact answering a question about one slot: "12次", "十二", "近300人", "幸福里社区".

    Tried in order: the whole answer is one number (a bare number takes the slot's unit);
    the slot's cue appears in the answer; the answer holds exactly one number whose written
    unit fits the slot ("今年开了十二次").
    """
    if slot.kind == "text":
        return _single_text(text, slot)
    norm = text.translate(FULLWIDTH_TO_ASCII)
    core = norm.rstrip(_TRAILING_FILLER)
    mentions = _scan(core)
    if len(mentions) == 1:
        only = mentions[0]
        whole = _LEADING_FILLER_RE.fullmatch(core[:only.start]) is not None and not core[only.end:].strip()
        if whole and _accepts(slot, only):
            return _fact(_Claim(only, slot, None), text)
    by_cue = extract(text, [slot]).facts.get(slot.name)
    if by_cue is not None:
        return by_cue
    fitting = [m for m in mentions if not m.bare and not m.frequency and _accepts(slot, m)]
    if len(fitting) == 1:
        return _fact(_Claim(fitting[0], slot, None), text)
    return None



def _single_text(text: str, slot: Slot) -> Fact | None:
    """"社区名称是幸福里社区", or a short one-clause answer taken whole."""
    by_cue = extract(text, [slot]).facts.get(slot.name)
    if by_cue is not None:
        return by_cue
    match = _SINGLE_TEXT_RE.fullmatch(text)
    if match is None or len(match.group("value")) > _SINGLE_TEXT_MAX:
        return None
    value = match.group("value").strip()
    if not value:
        return None
    return Fact(slot.name, value.translate(FULLWIDTH_TO_ASCII), "", "", match.group("value"))
