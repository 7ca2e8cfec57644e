"""Extract the facts a draft needs (counts, amounts, percentages, dates, names) from what staff type.

The extractor never guesses: every `Fact` is read from an exact substring of the input
(`Fact.source`). Which numbers a slot takes is decided here; what the rest of an answer is
(statements, remarks, corrections) is decided by `bot.drafting.understand`.

    extract("全年召开党员大会四次，支委会十二次。", slots)   # two facts
    extract_single("十二", slot)                            # the answer to a one-slot question
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from bot.drafting.lexicon import load_lexicon
from bot.drafting.numerals import FULLWIDTH_TO_ASCII
from bot.drafting.quantities import MULTIPLIERS, Mention, base_unit, char_at, display, magnitude, scan
from bot.drafting.quantities import units_compatible as units_compatible

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
    # Regular expressions with a (?P<value>…) group that read a text fact ("在(?P<value>…)领导下").
    patterns: tuple[str, ...] = ()
    # The slot whose number this one's comes right after, cue or not: "社区有3100户，8200人" is
    # households then population (prompts: ``follows: households``).
    follows: str = ""
    # What staff say that the template's sentence for this slot already says ("人手不足" beside
    # "社区现有社区工作者9名…精力相对不足"): such a short statement is not printed twice.
    echoes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """A value read from the user's text, with the unit and approximation they gave."""

    slot: str  # slot name
    value: Decimal | str  # a number for count / amount / percentage, a normalised string otherwise
    unit: str  # as written, normalised: "万元", "元", "户", "人次", "%"; "" for date and text
    approx: str  # "" or the marker as written: "余", "多", "近", "约", "左右", "以上", …
    source: str  # the exact substring of the user's text the fact was read from
    # A comparison the user gave with the value, in the draft's words: "上年为45户", "较上年增加200名".
    note: str = ""

    def display(self) -> str:
        """Canonical text for a draft: "4次", "20余户", "近300人", "1.5万元", "98%", "2025年3月"."""
        if isinstance(self.value, str):
            return self.value
        return display(self.value, self.unit, self.approx)

    def display_with_note(self) -> str:
        """The value with its comparison: "38户（上年为45户）"."""
        return f"{self.display()}（{self.note}）" if self.note else self.display()

    def magnitude(self) -> tuple[Decimal | str, str]:
        """(value in the base unit, base unit): comparable whatever unit it was written in."""
        return magnitude(self.value, self.unit)


@dataclass(frozen=True)
class Extraction:
    """Facts by slot name, where in the text they (and their cues) were read, and the numbers
    no slot claimed."""

    facts: dict[str, Fact]
    numbers_unassigned: list[str]
    # Spans of the text read as facts, their cues and the comparisons they came with.
    covered: tuple[tuple[int, int], ...] = ()
    # Quantities and dates no slot took (statements keep them), by their spans.
    leftovers: tuple[tuple[int, int], ...] = field(default_factory=tuple)


# Words allowed between a cue and a number for the two to count as one phrase ("党员大会次数：4").
_CONNECTOR_GAP_RE = re.compile(
    r"(?:[\s：:]|是|为|共计|合计|累计|总计|一共|总共|共|有|达到|达|计|次数|人数|户数|金额|总额|数量|总数|现在是|目前是|现有|只有|仅有)*"
)
_LEADING_FILLER_RE = re.compile(r"(?:[\s：:]|一共|总共|共计|合计|累计|总计|共|大概|差不多|有|是|为)*")
_TRAILING_FILLER = " \t\u3000\n。.！!？?～~吧啊呀了呢哈"
_TEXT_VALUE_RE = re.compile(r"[ \t\u3000]*(?:是|为|叫|：|:)[ \t\u3000]*(?P<value>[^，。；！？,;!?\n]+)")
# A short one-clause answer to a text question ("幸福里社区") is the value itself.
_SINGLE_TEXT_RE = re.compile(r"\s*(?P<value>[^，。；！？,;!?\n]+?)[\s。！？!?.]*")
_SINGLE_TEXT_MAX = 40

_CLAUSE_BREAKS = frozenset("，。；！？;!?\n")
_THOUSANDS_GROUP_RE = re.compile(r"[0-9]{3}(?![0-9])")

# Comparisons: "由去年的45户减少到38户" (from X to Y) and "较去年增加200名，达到1200名" (by X, to Y).
_CHANGE_VERBS = "减少|增加|提高|提升|下降|降低|上升|增长|扩大|缩小|调整"
_FROM_BEFORE_RE = re.compile(r"(?:由|从)(?P<when>[^，。；！？,;!?\n由从]{0,6}?)(?:的)?\s*$")
_FROM_TO_GAP_RE = re.compile(rf"\s*(?:的)?(?:[\u4e00-\u9fff]{{0,3}}?)(?:{_CHANGE_VERBS})?了?(?:到|至|为|成)\s*")
_BY_BEFORE_RE = re.compile(
    rf"(?P<base>较|比|同比|环比)(?P<when>[^，。；！？,;!?\n较比]{{0,6}}?)(?P<verb>{_CHANGE_VERBS}|多|少)了?\s*$")
_VERBS = {"多": "增加", "少": "减少"}


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    slot: str


@dataclass(frozen=True)
class _Claim:
    mention: Mention
    slot: Slot
    cue: _Cue | None


def _accepts(slot: Slot, mention: Mention) -> bool:
    if slot.kind == "text":
        return False
    if mention.kind == "date" or slot.kind == "date":
        return mention.kind == "date" and slot.kind == "date"
    if slot.kind == "percentage":
        return mention.unit == "%" or (mention.bare and not mention.multiplier)
    if mention.bare:
        return True
    return units_compatible(slot.unit, mention.multiplier + mention.unit)


def _fact(claim: _Claim, text: str, note: str = "") -> Fact:
    mention, slot = claim.mention, claim.slot
    value = mention.value
    if mention.kind == "date":
        unit = ""
    elif _counts_people_with_ge(slot, mention) and not _accepts(slot, mention):
        unit = slot.unit  # people counted with 个 are written as the slot counts them: 3个 → 3名
    elif mention.unit:
        unit = mention.multiplier + mention.unit
    elif slot.kind == "percentage":
        unit = "%"
    elif mention.multiplier:
        # "1.5万" answering a question in 元 means 1.5万元.
        unit = mention.multiplier + base_unit(slot.unit)
    else:
        # A bare "12" answering "how many times" is 12 of the unit the question was about.
        unit = slot.unit
    if isinstance(value, Decimal) and slot.kind == "amount":
        value, unit = _in_slot_magnitude(value, mention.multiplier + mention.unit, slot)
    return Fact(slot=slot.name, value=value, unit=unit, approx=mention.approx,
                source=text[mention.start:mention.end], note=note)


def _in_slot_magnitude(value: Decimal, written: str, slot: Slot) -> tuple[Decimal, str]:
    """An amount as the slot counts it, never with its magnitude changed.

    `written` is the unit as typed ("" for a bare number, "万" for "1.5万"). A 万元 slot takes
    "两万三" (23000, no unit) and "23000元" as 2.3万元, "1.5万元" as it is, and a bare "50" as
    50万元 (the unit the question asked in); "块" is 元."""
    slot_base = base_unit(slot.unit)
    multiplier = slot.unit[:1] if slot.unit[:1] in MULTIPLIERS and len(slot.unit) > 1 else ""
    if written in MULTIPLIERS:
        written += slot_base
    if base_unit(written) == "块":
        written = written[:-1] + "元"
    if not written:
        if not multiplier or value < 1000:
            return value, slot.unit
        written = slot_base  # a bare amount of a thousand or more is counted in 元
    if not multiplier or written[:1] in MULTIPLIERS or base_unit(written) != slot_base:
        return value, written
    if value >= MULTIPLIERS[multiplier]:
        return value / MULTIPLIERS[multiplier], slot.unit
    return value, written

# ---------------------------------------------------------------------------------------------
# Cues, clauses and assignment


_HALF = 2  # each half of a split cue is at least a word
# Words staff put inside a two-word cue: "经费有缺口" is 经费缺口, "党员的大会" is not needed.
_INSIDE_CUE = ("还有", "也有", "有", "上的", "方面的", "方面")


def _spellings(word: str) -> list[str]:
    """A cue as written and, for a cue of two two-character words, with a connecting word inside."""
    if len(word) != 2 * _HALF:
        return [word]
    return [word] + [word[:_HALF] + inside + word[_HALF:] for inside in _INSIDE_CUE]


def _find_cues(norm: str, slots: Sequence[Slot]) -> list[_Cue]:
    found: list[_Cue] = []
    for slot in slots:
        for spelling in slot.cues:
            for word in _spellings(spelling.translate(FULLWIDTH_TO_ASCII)):
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
        return not (char_at(norm, index - 1).isdigit() and _THOUSANDS_GROUP_RE.match(norm, index + 1))
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


def _nearest_cue(mention: Mention, segment: _Segment, accepted: frozenset[str], norm: str) -> _Cue | None:
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
    """Whether only connecting words stand between a cue and a number ("工作经费安排了二十五万")."""
    if _CONNECTOR_GAP_RE.fullmatch(gap) is not None:
        return True
    rest = gap.strip(" \t\u3000：:")
    if len(rest) > 8:
        return False
    words = load_lexicon().connectors
    while rest:
        word = next((w for w in words if rest.startswith(w)), None)
        if word is None:
            return False
        rest = rest[len(word):].lstrip(" \t\u3000：:")
    return True


def _counts_people_with_ge(slot: Slot, mention: Mention) -> bool:
    """"积极分子3个", "2个党员": spoken Chinese counts people with 个; a slot in 名 takes it only
    when the number stands right by the slot's cue."""
    return (mention.kind == "quantity" and mention.unit == "个" and not mention.multiplier
            and slot.kind == "count" and units_compatible(slot.unit, "人"))


# Between the two halves of a cue typed around its number ("发展了2名党员").
_SPLIT_GAPS = ("了", "过", "")


def _split_cue(mention: Mention, slots: dict[str, Slot], norm: str) -> _Cue | None:
    """A cue typed with its number inside it claims that number: "发展了2名党员" is 发展党员 2名,
    never 党员 2名. The longest such cue wins."""
    if mention.kind != "quantity" or mention.bare or mention.frequency or mention.end >= len(norm):
        return None
    before = mention.start  # the text before the number, without the spaces typed before it
    while before > 0 and norm[before - 1] in " \t\u3000":
        before -= 1
    best: _Cue | None = None
    best_length = 0
    for slot in slots.values():
        halves = _halves(slot.cues)
        if not halves or not (_accepts(slot, mention) or _counts_people_with_ge(slot, mention)):
            continue
        for head, tail in halves:
            if not norm.startswith(tail, mention.end):
                continue
            gap = next((g for g in _SPLIT_GAPS if norm.endswith(head + g, 0, before)), None)
            if gap is not None and len(head) + len(tail) > best_length:
                start = before - len(head + gap)
                best, best_length = _Cue(start, mention.end + len(tail), slot.name), len(head) + len(tail)
    return best


@lru_cache(maxsize=1024)
def _halves(cues: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Every way to cut each cue into two words of at least two characters: 发展党员 → (发展, 党员)."""
    words = [spelling.translate(FULLWIDTH_TO_ASCII) for spelling in cues]
    return tuple((word[:cut], word[cut:]) for word in words for cut in range(_HALF, len(word) - _HALF + 1))


_PAIR_GAP = re.compile(r"[，、,\s]?")


def _followed_pair(first: Mention, second: Mention, slots: dict[str, Slot], facts: dict[str, Fact],
                   claimed: set[int], norm: str) -> list[tuple[Mention, Slot]] | None:
    """"3100户，8200人": a slot that follows another takes the number right after that slot's."""
    if second.start in claimed or second.kind != "quantity" or second.bare or first.kind != "quantity":
        return None
    if _PAIR_GAP.fullmatch(norm[first.end:second.start]) is None:
        return None
    for slot in slots.values():
        leader = slots.get(slot.follows)
        if leader is None or slot.name in facts or not _accepts(slot, second) or not _accepts(leader, first):
            continue
        if leader.name in facts:
            # The leader's number must be this very one.
            if first.start not in claimed or facts[leader.name].source.translate(FULLWIDTH_TO_ASCII) != norm[first.start:first.end]:
                continue
            return [(second, slot)]
        if first.start in claimed:
            continue
        return [(first, leader), (second, slot)]
    return None


def _another_rate_between(norm: str, cue: _Cue, mention: Mention) -> bool:
    """"垃圾分类的话，居民知晓率达到85%": a rate named between a cue and a percentage owns it."""
    return mention.unit == "%" and cue.end <= mention.start and "率" in norm[cue.end:mention.start]


def _choose_cue(
    mention: Mention, accepted: frozenset[str], norm: str, scopes: Sequence[_Segment | None],
    by_ge: frozenset[str] = frozenset(),
) -> _Cue | None:
    """The cue that claims a number: looked for in its "、" item first, then in its clause.
    `by_ge` are the slots that take the number only if their cue is glued to it (people in 个)."""
    if mention.frequency or (mention.bare and not mention.phrase_end):
        return None
    for segment in scopes:
        cue = None if segment is None else _nearest_cue(mention, segment, accepted | by_ge, norm)
        if cue is None:
            continue
        glued_before = cue.end <= mention.start and _is_connector_gap(norm[cue.end:mention.start])
        glued_after = cue.start >= mention.end and norm[mention.end:cue.start] in ("", "的")
        if cue.slot in by_ge and cue.slot not in accepted and not (glued_before or glued_after):
            return None
        if _another_rate_between(norm, cue, mention):
            return None
        if mention.bare and not glued_before:
            return None
        # "一起" in "大家一起调解纠纷" is "together"; "支委会召开一次" ends on the count.
        if mention.lone_one and not (glued_before or glued_after or (cue.end <= mention.start and mention.phrase_end)):
            return None
        return cue
    return None


def _respectively_claims(
    mentions: list[Mention], cues: list[_Cue], slots: dict[str, Slot], norm: str, clauses: list[int]
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
        pairs = list(zip(named, numbers, strict=True))
        if all(_accepts(slots[cue.slot], mention) for cue, mention in pairs):
            claims.extend(_Claim(mention, slots[cue.slot], cue) for cue, mention in pairs)
    return claims


def _text_facts(text: str, norm: str, cues: list[_Cue], slots: dict[str, Slot]) -> list[tuple[Fact, int, int]]:
    """"社区名称是幸福里社区", "社区名称：幸福里社区" and a slot's own patterns ("在…领导下") fill
    text slots; each fact with the span it was read from."""
    found: list[tuple[Fact, int, int]] = []
    filled: set[str] = set()
    for slot in slots.values():
        for pattern in slot.patterns if slot.kind == "text" else ():
            match = re.search(pattern, norm)
            if match is not None and match.group("value").strip():
                start, end = match.start("value"), match.end("value")
                found.append((Fact(slot.name, text[start:end].strip(), "", "", text[match.start():match.end()]),
                              match.start(), match.end()))
                filled.add(slot.name)
                break
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
        found.append((Fact(slot.name, value, "", "", text[cue.start:end]), cue.start, end))
        filled.add(slot.name)
    return found


@dataclass(frozen=True)
class _Changes:
    """Numbers that only describe another one (the old value, the difference), and the note each
    current value gets; the spans of the comparison phrases."""

    helpers: frozenset[int]  # starts of mentions no slot may take
    notes: dict[int, str]  # start of the current value → its note
    spans: tuple[tuple[int, int], ...]
    # Current value → the difference it was given with: its clause may hold the value's cue.
    anchors: dict[int, int]


def _when(word: str) -> str | None:
    """How the draft names the time a comparison refers to (lexicon ``times``); "" for none
    given, None when the words are not a time (then it is no comparison)."""
    word = word.strip().removesuffix("的")
    return "" if not word else dict(load_lexicon().times).get(word)


def _changes(norm: str, mentions: list[Mention], clauses: list[int]) -> _Changes:
    helpers: set[int] = set()
    notes: dict[int, str] = {}
    anchors: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    quantities = [m for m in mentions if m.kind == "quantity"]
    for x, y in itertools.pairwise(quantities):
        if clauses[x.start] != clauses[y.start] or not _FROM_TO_GAP_RE.fullmatch(norm, x.end, y.start):
            continue
        before = _FROM_BEFORE_RE.search(norm, _clause_start(norm, clauses, x.start), x.start)
        if before is None:
            continue
        when = _when(before.group("when"))
        if when is None or not _same_measure(x, y):
            continue
        helpers.add(x.start)
        notes[y.start] = f"{when or '原'}为{x.display()}"
        spans.append((before.start(), y.end))
    for x in quantities:
        if x.start in helpers:
            continue
        by = _BY_BEFORE_RE.search(norm, _clause_start(norm, clauses, x.start), x.start)
        if by is None:
            continue
        when = _when(by.group("when"))
        if when is None:
            continue
        helpers.add(x.start)
        spans.append((by.start(), x.end))
        current = _current_value(x, quantities, norm, helpers)
        if current is not None:
            base = "同比" if by.group("base") == "同比" else f"较{when or '此前'}"
            notes[current.start] = f"{base}{_VERBS.get(by.group('verb'), by.group('verb'))}{x.display()}"
            anchors[current.start] = x.start
    return _Changes(frozenset(helpers), notes, tuple(spans), anchors)


def _clause_start(norm: str, clauses: list[int], index: int) -> int:
    while index > 0 and clauses[index - 1] == clauses[index]:
        index -= 1
    return index


def _sentence_of(norm: str, index: int) -> tuple[int, int]:
    start = max((norm.rfind(c, 0, index) for c in "。！？!?\n"), default=-1) + 1
    ends = [e for e in (norm.find(c, index) for c in "。！？!?\n") if e != -1]
    return start, min(ends, default=len(norm))


def _current_value(delta: Mention, quantities: list[Mention], norm: str, helpers: set[int]) -> Mention | None:
    """The value a difference belongs to: the nearest number of the same measure in its sentence."""
    start, end = _sentence_of(norm, delta.start)
    candidates = [m for m in quantities if m is not delta and m.start not in helpers and start <= m.start < end
                  and _same_measure(delta, m) and not m.frequency]
    return min(candidates, key=lambda m: abs(m.start - delta.start), default=None)


def _same_measure(a: Mention, b: Mention) -> bool:
    if a.bare or b.bare:
        return True
    return units_compatible(a.multiplier + a.unit, b.multiplier + b.unit)


# ---------------------------------------------------------------------------------------------
# Public entry points


def extract(text: str, slots: Sequence[Slot]) -> Extraction:
    """Read every fact the slots ask for; say where they were read and which numbers are left."""
    norm = text.translate(FULLWIDTH_TO_ASCII)
    by_name: dict[str, Slot] = {}
    for slot in slots:
        by_name.setdefault(slot.name, slot)
    cues = _find_cues(norm, list(by_name.values()))
    text_facts = _text_facts(text, norm, cues, by_name)
    # A numeral inside a cue ("两委") or a name ("社区名称是3号院") is part of a word, not a number.
    blocked = _mark([(cue.start, cue.end) for cue in cues] + [(start, end) for _, start, end in text_facts], len(norm))
    mentions = [m for m in scan(norm) if not any(blocked[m.start:m.end])]
    clauses, items = _segment_ids(norm)
    clause_cues, item_cues = _segments(cues, clauses), _segments(cues, items)
    changes = _changes(norm, mentions, clauses)

    facts: dict[str, Fact] = {fact.slot: fact for fact, _, _ in text_facts}
    covered: list[tuple[int, int]] = [(start, end) for _, start, end in text_facts]
    claimed: set[int] = set()

    def take(claim: _Claim) -> None:
        facts[claim.slot.name] = _fact(claim, text, changes.notes.get(claim.mention.start, ""))
        claimed.add(claim.mention.start)
        covered.append((claim.mention.start, claim.mention.end))
        if claim.cue is not None:
            covered.append((claim.cue.start, claim.cue.end))

    candidates = [m for m in mentions if m.start not in changes.helpers]
    for claim in _respectively_claims(candidates, cues, by_name, norm, clauses):
        if claim.slot.name not in facts:
            take(claim)
    for mention in candidates:
        if mention.start in claimed:
            continue
        split = _split_cue(mention, by_name, norm)
        if split is not None:
            if split.slot not in facts:
                take(_Claim(mention, by_name[split.slot], split))
            continue
        accepted = frozenset(name for name, slot in by_name.items() if _accepts(slot, mention))
        by_ge = frozenset(name for name, slot in by_name.items() if _counts_people_with_ge(slot, mention))
        scopes = (item_cues.get(items[mention.start]), clause_cues.get(clauses[mention.start]))
        cue = _choose_cue(mention, accepted, norm, scopes, by_ge)
        if cue is None and mention.start in changes.anchors:
            cue = _nearest_cue(mention, clause_cues.get(clauses[changes.anchors[mention.start]]) or _Segment((), ()),
                               accepted, norm)
        # A second number for a filled slot is left for the bot to ask about, not overwritten.
        if cue is not None and cue.slot not in facts:
            take(_Claim(mention, by_name[cue.slot], cue))
    for first, second in itertools.pairwise(mentions):
        pair = _followed_pair(first, second, by_name, facts, claimed, norm)
        if pair is not None:
            for mention, slot in pair:
                take(_Claim(mention, slot, None))
    # "7月1号到7月20号，调研组3人": a span of dates is the time the one date slot asks for, cue or not.
    open_dates = [slot for slot in by_name.values() if slot.kind == "date" and slot.name not in facts]
    spans = [m for m in mentions if m.kind == "date" and m.start not in claimed and "至" in str(m.value)]
    if len(open_dates) == 1 and len(spans) == 1:
        take(_Claim(spans[0], open_dates[0], None))
    # "临时救助12户，金额3.6万元": a number in a clause without a cue belongs to the one open slot
    # that a cue earlier in its sentence names and that takes its unit.
    for mention in candidates:
        if mention.start in claimed or mention.bare or mention.frequency or mention.lone_one or mention.kind != "quantity":
            continue
        if any(cue.start <= mention.start < cue.end or clauses[cue.start] == clauses[mention.start] for cue in cues):
            continue
        lo, _ = _sentence_of(norm, mention.start)
        fitting = {cue.slot: cue for cue in cues if lo <= cue.start < mention.start and cue.slot not in facts
                   and _accepts(by_name[cue.slot], mention) and not _another_rate_between(norm, cue, mention)}
        if len(fitting) == 1:
            name = next(iter(fitting))
            take(_Claim(mention, by_name[name], fitting[name]))
    # "38户，由去年的45户减少到38户": a comparison whose current value a slot already took the same
    # value for qualifies that fact.
    for start, note in changes.notes.items():
        if start in claimed:
            continue
        current = next(m for m in mentions if m.start == start)
        lo, hi = _sentence_of(norm, start)
        for name, fact in facts.items():
            position = norm.find(fact.source.translate(FULLWIDTH_TO_ASCII), lo, hi) if fact.source else -1
            if position != -1 and not fact.note and fact.magnitude() == _fact(_Claim(current, by_name[name], None), text).magnitude():
                facts[name] = replace(fact, note=note)
                claimed.add(start)
                covered.append((current.start, current.end))
                break
    # A comparison is part of the fact it qualifies: covered along with it.
    for start, end in changes.spans:
        helper = next((m for m in mentions if start <= m.start < end and m.start in changes.helpers), None)
        owner = next((y for y, x in changes.anchors.items() if helper is not None and x == helper.start), None)
        if any(start <= m.start < end and m.start in claimed for m in mentions if m.start not in changes.helpers) \
                or owner in claimed:
            covered.append((start, end))
            claimed.update(m.start for m in mentions if start <= m.start < end)

    leftovers = [m for m in mentions if m.start not in claimed]
    asks_for_dates = any(slot.kind == "date" for slot in by_name.values())
    unassigned = [
        text[m.start:m.end] for m in leftovers
        if m.reportable and (m.kind != "date" or asks_for_dates)
    ]
    ordered = {name: facts[name] for name in by_name if name in facts}
    return Extraction(facts=ordered, numbers_unassigned=unassigned, covered=tuple(sorted(covered)),
                      leftovers=tuple((m.start, m.end) for m in leftovers if m.reportable))


def _mark(spans: list[tuple[int, int]], length: int) -> list[bool]:
    marked = [False] * length
    for start, end in spans:
        marked[start:end] = [True] * (end - start)
    return marked


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
    mentions = scan(core)
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


def fact_of(slot: Slot, mention: Mention, text: str) -> Fact:
    """The fact a mention gives a slot when it is known to belong to it (a unit only it takes)."""
    return _fact(_Claim(mention, slot, None), text)


def accepts(slot: Slot, mention: Mention) -> bool:
    return _accepts(slot, mention)
