"""Understanding what staff type (pure): statements of fact, corrections, remarks about the
conversation, requests to skip and questions to the bot, clause by clause.

    reading = read("社区现在有3200户，满意度不好说。改一下，不是150名，是120名", slots, lexicon)
    reading.facts          # households 3200户, and the 120名 of the correction
    reading.statements     # () — the first clause says nothing a template does not say better
    reading.remarks        # ("满意度不好说",)
    reading.corrections    # (Correction(old="150名", new="120名", …),)

Nothing here is printed as it is: statements are rewritten into the register of a document by
`bot.drafting.register`, remarks and corrections never reach the draft. Traditional characters are
converted first (one character for one, so every fact's source is a substring of `Reading.text`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.drafting.facts import Fact, Slot, accepts, extract, fact_of
from bot.drafting.lexicon import Lexicon
from bot.drafting.numerals import FULLWIDTH_TO_ASCII
from bot.drafting.quantities import Mention, scan
from bot.drafting.register import aligned_replace, strip_particles
from bot.text.normalize import to_simplified, valid_unicode

__all__ = ["Correction", "Reading", "Role", "Statement", "read", "simplified"]

Role = Literal["statement", "remark", "skip", "correction", "question", "filler"]

_SENTENCE_END = "。！？!?\n；;"
_QUESTION_WORDS = ("怎么", "如何", "能不能", "可不可以", "可以吗", "要不要", "是否", "需不需要", "用不用", "哪些", "什么", "吗")
_TEXT_CORRECTION_RES = (
    re.compile(r"^(?:把|将)?(?P<old>[^，,]{1,30}?)(?:改成|改为|更正为|更正成)(?P<new>[^，,]{1,30})$"),
    re.compile(r"^不是(?P<old>[^，,]{1,30}?)[，,]?(?:而)?是(?P<new>[^，,]{1,30})$"),
    re.compile(r"^(?P<new>[^，,]{1,30}?)[，,]?(?:而)?不是(?P<old>[^，,]{1,30})$"),
)
# A clause made of a fact and at most this many other Han characters is said better by the template.
_CAPTURED_REST = 4
_BY_UNIT_REST = 2
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Statement:
    """Something the staff member said that the draft keeps, in their words (Simplified)."""

    text: str
    slots: tuple[str, ...] = ()  # the facts it carries (the template does not repeat them)

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "slots": list(self.slots)}

    @classmethod
    def from_json(cls, data: object) -> Statement:
        if isinstance(data, str):  # drafts saved before statements knew their facts
            return cls(data)
        assert isinstance(data, dict)
        return cls(str(data.get("text", "")), tuple(str(s) for s in data.get("slots", ())))


@dataclass(frozen=True)
class Correction:
    """A value given again to replace a wrong one: ``old`` as typed ("" when only the right value
    was given), ``new`` as typed, and the fact it gives when a slot claimed it."""

    old: str
    new: str
    fact: Fact | None = None
    old_mention: Mention | None = None
    new_mention: Mention | None = None

    @property
    def numeric(self) -> bool:
        return self.new_mention is not None


@dataclass(frozen=True)
class Reading:
    text: str  # the answer, in Simplified Chinese
    facts: dict[str, Fact]
    statements: tuple[Statement, ...]
    corrections: tuple[Correction, ...]
    remarks: tuple[str, ...]
    questions: tuple[str, ...]
    skips: tuple[str, ...]
    numbers_unassigned: tuple[str, ...]

    @property
    def only_skip(self) -> bool:
        """The answer asks to leave this for later and says nothing else."""
        return bool(self.skips) and not (self.facts or self.statements or self.corrections or self.questions)


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int  # without the separator that ends it
    sentence: int
    role: Role


def simplified(text: str) -> str:
    """Traditional → Simplified, one character for one (offsets survive), lone surrogates dropped."""
    text = valid_unicode(text)
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(s := to_simplified(c)) != 1 else s for c in text)


def read(text: str, slots: Sequence[Slot], lexicon: Lexicon) -> Reading:
    """Tell apart what an answer says for the draft from what it says to the bot."""
    text = simplified(text).strip()
    norm = text.translate(FULLWIDTH_TO_ASCII)
    clauses = _clauses(norm, lexicon)
    corrections = _corrections(text, norm, clauses, slots, lexicon)

    masked = "".join(ch if _role_at(clauses, i) == "statement" or ch in "，,。！？!?\n；;" else " "
                     for i, ch in enumerate(text))
    extraction = extract(masked, slots)
    covered = _marks(extraction.covered, len(text))
    leftover_starts = [start for start, _ in extraction.leftovers]

    facts = dict(extraction.facts)
    for fact, span in _by_unit(masked, clauses, extraction.leftovers, covered, slots, facts, norm, lexicon):
        facts[fact.slot] = fact
        covered[span[0]:span[1]] = [True] * (span[1] - span[0])
        leftover_starts.remove(span[0])
    found_facts = dict(facts)
    for correction in corrections:
        if correction.fact is not None:
            facts[correction.fact.slot] = correction.fact

    labels = tuple(slot.label for slot in slots)
    kept: list[tuple[_Clause, tuple[str, ...], bool]] = []  # clause, the facts it carries, said by a template
    for clause in clauses:
        if clause.role != "statement":
            continue
        carried = tuple(name for name, fact in found_facts.items()
                        if fact.source and masked.find(fact.source, clause.start, clause.end + 1) != -1
                        and _fact_inside(masked, fact, clause))
        holds_leftover = any(clause.start <= s < clause.end for s in leftover_starts)
        read_as_fact = any(covered[clause.start:clause.end]) and _has_number_or_fact(clause, masked, found_facts)
        captured = read_as_fact and not holds_leftover and _captured(norm, clause, covered, lexicon, labels)
        kept.append((clause, carried, captured))
    # "还有19件诉求没办结，大多是物业方面的": a clause that goes on from the one before keeps it.
    for i in range(len(kept) - 1, 0, -1):
        clause, _, captured = kept[i]
        before, carried_before, captured_before = kept[i - 1]
        goes_on = text[clause.start:clause.end].strip().startswith(lexicon.continuations)
        if not captured and captured_before and goes_on and before.sentence == clause.sentence:
            kept[i - 1] = (before, carried_before, False)
    by_sentence: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for clause, carried, captured in kept:
        piece = text[clause.start:clause.end].strip(" \t\u3000，,、：:")
        if piece and not captured:
            by_sentence.setdefault(clause.sentence, []).append((piece, carried))
    statements = tuple(
        Statement("，".join(p for p, _ in pieces), tuple(s for _, carried in pieces for s in carried))
        for _, pieces in sorted(by_sentence.items())
    )
    kept_numbers = tuple(
        text[s:e] for s, e in extraction.leftovers
        if s in leftover_starts and any(text[s:e] in st.text for st in statements) and text[s:e] in extraction.numbers_unassigned
    )

    def of(role: Role) -> tuple[str, ...]:
        return tuple(text[c.start:c.end].strip() for c in clauses if c.role == role and text[c.start:c.end].strip())

    return Reading(text=text, facts=facts, statements=statements, corrections=tuple(corrections),
                   remarks=of("remark"), questions=of("question"), skips=of("skip"),
                   numbers_unassigned=kept_numbers)


# ---------------------------------------------------------------------------------------------
# Clauses and their roles


def _clauses(norm: str, lexicon: Lexicon) -> list[_Clause]:
    spans: list[tuple[int, int, int]] = []
    sentence, start = 0, 0
    for index, char in enumerate(norm):
        if char in _SENTENCE_END or (char == "," and not _thousands(norm, index)) or char == "，":
            spans.append((start, index, sentence))
            start = index + 1
            if char in _SENTENCE_END:
                sentence += 1
    spans.append((start, len(norm), sentence))
    groups = [_split_announcement(norm, s, e, n, lexicon) for s, e, n in spans if norm[s:e].strip()]
    flat = [span for group in groups for span in group]
    roles = [_role(norm, s, e, lexicon) for s, e, _ in flat]
    # A sentence that announces a correction ("改一下，…") corrects with every number it holds.
    correcting = {n for (s, e, n), role in zip(flat, roles, strict=True) if role == "correction"}
    out = []
    for (s, e, n), role in zip(flat, roles, strict=True):
        if n in correcting and role == "statement" and scan(norm[s:e]):
            role = "correction"
        out.append(_Clause(s, e, n, role))
    return out


def _split_announcement(norm: str, start: int, end: int, sentence: int, lexicon: Lexicon) -> list[tuple[int, int, int]]:
    """"更正：志愿服务8462人次" is an announcement and the correction itself."""
    clause = norm[start:end]
    for word in lexicon.announce:
        stripped = clause.lstrip()
        if stripped.startswith(word) and stripped[len(word):len(word) + 1] in (":", "："):
            cut = start + (len(clause) - len(stripped)) + len(word) + 1
            return [(start, cut - 1, sentence), (cut, end, sentence)]
    return [(start, end, sentence)]


def _thousands(norm: str, index: int) -> bool:
    return index > 0 and norm[index - 1].isdigit() and re.match(r"[0-9]{3}(?![0-9])", norm[index + 1:]) is not None


def _role(norm: str, start: int, end: int, lexicon: Lexicon) -> Role:
    clause = norm[start:end].strip()
    after = norm[end:end + 1]
    bare = _without(clause, lexicon.filler)
    bare = strip_particles(bare, lexicon).strip(" \t\u3000：:、")
    if not bare:
        return "filler"
    numbers = scan(clause)
    if after in ("?", "？") or (bare.endswith("吗") and len(bare) <= 30) or (
            bare.startswith(_QUESTION_WORDS[:6]) and after in ("?", "？", "")
            and bare.endswith(("呢", "吗", "好", "写")) and not numbers):
        return "question"
    if _is_correction(clause, numbers, lexicon):
        return "correction"
    if bare in lexicon.skip or any(w in bare for w in lexicon.skip if len(w) >= 3):
        return "skip"
    if any(w in clause for w in lexicon.strong_remarks):
        return "remark"
    if not numbers and any(w in clause for w in lexicon.weak_remarks):
        return "remark"
    return "statement"


def _is_correction(clause: str, numbers: list[Mention], lexicon: Lexicon) -> bool:
    bare = clause.strip(" \t\u3000：:。.!！")
    if bare in lexicon.announce or any(bare.endswith(w) and len(bare) - len(w) <= 8 and not numbers
                                       for w in lexicon.announce if len(w) >= 2 and w not in ("不对", "有误")):
        return True  # "改一下", "党员人数写错了"
    if any(_old_marker(clause, m, lexicon) for m in numbers):
        return True
    return any(r.match(bare) for r in _TEXT_CORRECTION_RES) and any(
        w in bare for w in ("改成", "改为", "更正为", "更正成", "不是"))


def _old_marker(clause: str, mention: Mention, lexicon: Lexicon) -> bool:
    before = clause[:mention.start].rstrip()
    after = clause[mention.end:].lstrip()
    return before.endswith(lexicon.before_old) or after.startswith(lexicon.after_old)


def _without(text: str, words: Sequence[str]) -> str:
    """``text`` with ``words`` removed where they are whole jieba words (so 这个月 keeps 这个)."""
    return aligned_replace(text, dict.fromkeys(words, ""))


def _role_at(clauses: list[_Clause], index: int) -> Role | None:
    for clause in clauses:
        if clause.start <= index < clause.end:
            return clause.role
    return None


def _marks(spans: Sequence[tuple[int, int]], length: int) -> list[bool]:
    marked = [False] * length
    for start, end in spans:
        marked[start:end] = [True] * (end - start)
    return marked


def _fact_inside(masked: str, fact: Fact, clause: _Clause) -> bool:
    at = masked.find(fact.source, clause.start)
    return at != -1 and at + len(fact.source) <= clause.end


def _has_number_or_fact(clause: _Clause, masked: str, facts: dict[str, Fact]) -> bool:
    """A clause that says a fact, or introduces one said in the next clause of its sentence."""
    if scan(masked[clause.start:clause.end].translate(FULLWIDTH_TO_ASCII)):
        return True
    return any(fact.source and masked.find(fact.source, clause.start, clause.end) != -1 for fact in facts.values()) or any(
        fact.source and masked.find(fact.source, clause.end) != -1 for fact in facts.values())


def _captured(norm: str, clause: _Clause, covered: list[bool], lexicon: Lexicon, labels: Sequence[str] = (),
              most: int = _CAPTURED_REST) -> bool:
    """Whether a clause says no more than its facts: what is left besides connecting words and
    the words of the section's slot labels ("垃圾分类投放点个数") is a few characters at most."""
    rest = "".join(" " if covered[i] else norm[i] for i in range(clause.start, clause.end))
    pieces = [p for p in re.split(r"\s+", rest) if p]
    remaining = "".join(_without(p, (*lexicon.connectors, *lexicon.filler, *lexicon.leadins)) for p in pieces)
    return len(_HAN.findall(_minus_labels(remaining, labels))) <= most


def _minus_labels(text: str, labels: Sequence[str]) -> str:
    """``text`` without its runs of two or more characters that a slot label also holds."""
    out, index = [], 0
    longest = max((len(label) for label in labels), default=0)  # no run is longer than a label
    while index < len(text):
        length = next((n for n in range(min(len(text) - index, longest), 1, -1)
                       if any(text[index:index + n] in label for label in labels)), 0)
        if length:
            index += length
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _by_unit(masked: str, clauses: list[_Clause], leftovers: Sequence[tuple[int, int]], covered: list[bool],
             slots: Sequence[Slot], facts: dict[str, Fact], norm: str, lexicon: Lexicon) -> list[tuple[Fact, tuple[int, int]]]:
    """"社区现在有3200户，常住人口8600人": in a sentence made of facts alone, a number whose unit
    exactly one open slot takes is that slot's, cue or not."""
    mentions = {m.start: m for m in scan(masked.translate(FULLWIDTH_TO_ASCII))}
    spans = {start: end for start, end in leftovers}
    found: list[tuple[Fact, tuple[int, int]]] = []
    taken = set(facts)
    for sentence in sorted({c.sentence for c in clauses if c.role == "statement"}):
        parts = [c for c in clauses if c.sentence == sentence and c.role == "statement"]
        candidates: list[Mention] = []
        in_sentence = [mentions[s] for s in spans for c in parts if c.start <= s < c.end and s in mentions]
        # Only the words of the slots these numbers could fill may go unsaid: "专业护理人员缺，只有2个"
        # speaks of staff, so its 2个 is no count of unresolved problems.
        labels = tuple(s.label for s in slots if s.kind in ("count", "amount") and s.name not in taken
                       and any(accepts(s, m) for m in in_sentence))
        for clause in parts:
            inside = [mentions[s] for s in spans if clause.start <= s < clause.end and s in mentions]
            marks = list(covered)
            for m in inside:
                marks[m.start:m.end] = [True] * (m.end - m.start)
            # Only a word or two may be left ("社区"): "新增助餐点1个" counts 助餐点, not the slot's things.
            if len(inside) > 1 or not _captured(norm, clause, marks, lexicon, labels, most=_BY_UNIT_REST):
                candidates = []
                break
            candidates += [m for m in inside if not m.bare and not m.frequency and not m.lone_one]
        for mention in candidates:
            fitting = [s for s in slots if s.kind in ("count", "amount") and s.name not in taken and accepts(s, mention)]
            if len(fitting) == 1:
                found.append((fact_of(fitting[0], mention, masked), (mention.start, mention.end)))
                taken.add(fitting[0].name)
    return found


# ---------------------------------------------------------------------------------------------
# Corrections


def _corrections(text: str, norm: str, clauses: list[_Clause], slots: Sequence[Slot], lexicon: Lexicon) -> list[Correction]:
    sentences = sorted({c.sentence for c in clauses if c.role == "correction"})
    found: list[Correction] = []
    for sentence in sentences:
        parts = [c for c in clauses if c.sentence == sentence and c.role == "correction"]
        olds: list[Mention] = []
        news: list[Mention] = []
        for clause in parts:
            for mention in scan(norm[clause.start:clause.end]):
                shifted = _shift(mention, clause.start)
                (olds if _old_marker(norm[clause.start:clause.end], mention, lexicon) else news).append(shifted)
        if not olds and not news:
            found += _text_corrections(text, norm, parts, lexicon)
            continue
        facts = _facts_of_new_values(text, norm, parts, olds, slots, lexicon)
        for new in news:
            old = next((o for o in olds if _comparable(o, new)), None)
            if old is not None:
                olds.remove(old)
            fact = next((f for f in facts.values() if f.source == text[new.start:new.end]), None)
            found.append(Correction(old=text[old.start:old.end] if old else "", new=text[new.start:new.end],
                                    fact=fact, old_mention=old, new_mention=new))
    return found


def _shift(mention: Mention, by: int) -> Mention:
    from dataclasses import replace

    return replace(mention, start=mention.start + by, end=mention.end + by)


def _comparable(old: Mention, new: Mention) -> bool:
    if old.kind != new.kind:
        return False
    if old.bare or new.bare:
        return True
    from bot.drafting.quantities import units_compatible

    return units_compatible(old.multiplier + old.unit, new.multiplier + new.unit)


def _facts_of_new_values(text: str, norm: str, parts: list[_Clause], olds: list[Mention],
                         slots: Sequence[Slot], lexicon: Lexicon) -> dict[str, Fact]:
    """The slots the right values fill: read from the correction's clauses joined into one, without
    the wrong values and the words announcing the correction ("党员人数写错了，应该是186名")."""
    keep = [True] * len(text)
    for old in olds:
        keep[old.start:old.end] = [False] * (old.end - old.start)
    pieces = []
    for clause in parts:
        piece = "".join(ch if keep[i] else " " for i, ch in enumerate(text[clause.start:clause.end], clause.start))
        for word in (*lexicon.announce, *lexicon.after_old, *lexicon.before_old, *lexicon.before_new):
            piece = piece.replace(word, " " * len(word))
        pieces.append(piece)
    return extract("".join(pieces), slots).facts


def _text_corrections(text: str, norm: str, parts: list[_Clause], lexicon: Lexicon) -> list[Correction]:
    found = []
    for clause in parts:
        bare = text[clause.start:clause.end].strip(" \t\u3000：:。.!！")
        for pattern in _TEXT_CORRECTION_RES:
            match = pattern.match(bare)
            if match is not None:
                found.append(Correction(old=match.group("old").strip("“”\"' "), new=match.group("new").strip("“”\"' ")))
                break
    return found
