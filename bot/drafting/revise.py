"""Changing a draft with what the staff member said (pure over `Draft`): new facts and statements,
corrections applied everywhere the wrong value stands, and their own sentences removed or rewritten.

Every change is echoed back in a line of Chinese, so the staff member sees what was understood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from bot.drafting.draft import Draft
from bot.drafting.facts import Fact, extract, fact_of
from bot.drafting.lexicon import Lexicon
from bot.drafting.numerals import FULLWIDTH_TO_ASCII
from bot.drafting.outline import Step
from bot.drafting.phrasebook import Phrasebook
from bot.drafting.quantities import Mention, scan, units_compatible
from bot.drafting.register import formalize
from bot.drafting.understand import Correction, Reading, Statement, simplified

__all__ = ["apply_reading", "own_sentences", "remove_sentence", "rewrite_sentence"]


def apply_reading(draft: Draft, steps: Sequence[Step], step: Step, reading: Reading, words: Phrasebook) -> list[str]:
    """Put an answer into the draft; the lines that tell the staff member what changed."""
    answers = draft.section(step.key)
    labels = {slot.name: slot.label for s in steps for slot in s.slots}
    lines: list[str] = []
    corrected: set[str] = set()
    for correction in reading.corrections:
        if correction.numeric and correction.fact is None and correction.old_mention is None:
            correction = replace(correction, fact=_named_elsewhere(reading.text, correction, steps, step))
        echoed, slot = _apply_correction(draft, steps, step, correction, labels, words)
        lines += echoed
        if slot:
            corrected.add(slot)
    recorded, updated = [], []
    for name, fact in reading.facts.items():
        if name in corrected:
            continue
        old = answers.fact_objects().get(name)
        if old is not None and old.magnitude() != fact.magnitude():
            _replace_number(draft, old, fact.display())
            updated.append(words.say("change_line", label=labels.get(name, name), old=old.display(), new=fact.display()))
        elif old is None:
            recorded.append(f"{labels.get(name, name)} {fact.display_with_note()}")
        answers.set_fact(fact)
    if recorded:
        lines.insert(0, words.say("recorded", facts="；".join(recorded)))
    if updated:
        lines.append(words.say("updated", changes="；".join(updated)))
    known = {s.text for s in answers.statement_objects()}
    fresh = [s for s in reading.statements if s.text not in known]
    if fresh:
        answers.set_statements(answers.statement_objects() + fresh)
        sample = formalize(fresh[0].text, words.lexicon)
        lines.append(words.say("kept_statements", n=len(fresh), sample=sample[:60] + ("…" if len(sample) > 60 else "")))
    if reading.numbers_unassigned:
        lines.append(words.say("numbers_kept", numbers="、".join(reading.numbers_unassigned[:6])))
    dropped = [*reading.remarks, *reading.skips]
    if dropped:
        lines.append(words.say("remarks_dropped", remarks="；".join(f"“{r}”" for r in dropped[:3])))
    changed = bool(reading.corrections or recorded or updated or fresh)
    stale = [a for a in (draft.answers.values() if reading.corrections else (answers,)) if a.model_text]
    if changed and stale:
        for section in stale:
            section.model_text = section.model_candidate = ""
        lines.append(words.say("model_text_dropped"))
    return lines


def _named_elsewhere(text: str, correction: Correction, steps: Sequence[Step], step: Step) -> Fact | None:
    """"前面党员人数写错了，应该是236名", typed in another section: the new figure read against every
    section's slots, when the current section has none that names it."""
    others = [slot for s in steps if s.key != step.key for slot in s.slots]
    found = [fact for fact in extract(text, others).facts.values() if fact.source == correction.new]
    return found[0] if len(found) == 1 else None


def _apply_correction(draft: Draft, steps: Sequence[Step], step: Step, correction: Correction,
                      labels: dict[str, str], words: Phrasebook) -> tuple[list[str], str]:
    """The lines for one correction, and the slot it settled ("" when none)."""
    if not correction.numeric:
        count = _replace_words(draft, correction.old, correction.new)
        key = "text_corrected" if count else "text_not_found"
        return [words.say(key, old=correction.old, new=correction.new, n=count)], ""
    new = correction.new_mention
    assert new is not None
    slots = {slot.name: slot for s in steps for slot in s.slots}
    where = {slot.name: s.key for s in steps for slot in s.slots}
    targets: list[tuple[str, Fact]] = []
    if correction.old_mention is not None:
        wrong = _size(correction.old_mention)
        for key, answers in draft.answers.items():
            for fact in answers.fact_objects().values():
                if _same(fact.magnitude(), wrong, bare=correction.old_mention.bare):
                    targets.append((key, fact))
    elif correction.fact is not None:
        previous = draft.section(where.get(correction.fact.slot, step.key)).fact_objects().get(correction.fact.slot)
        if previous is not None:
            targets.append((where.get(correction.fact.slot, step.key), previous))
    changes = []
    settled = ""
    shown = _mention_display(new)
    for key, old in targets:
        slot = slots.get(old.slot)
        fresh = fact_of(slot, replace(new, start=0, end=len(correction.new)), correction.new) if slot else None
        if fresh is None:
            continue
        draft.section(key).set_fact(fresh)
        changes.append(words.say("change_line", label=labels.get(old.slot, old.slot), old=old.display(), new=fresh.display()))
        settled = settled or old.slot
    replaced = 0
    if correction.old_mention is not None:
        replaced = _replace_number_size(draft, _size(correction.old_mention), correction.old_mention.bare, shown)
    elif targets:
        replaced = sum(_replace_number(draft, old, shown) for _, old in targets)
    if not targets and correction.fact is not None:
        draft.section(where.get(correction.fact.slot, step.key)).set_fact(correction.fact)
        label = labels.get(correction.fact.slot, correction.fact.slot)
        if correction.old:
            changes.append(words.say("correction_recorded", old=correction.old, label=label, new=correction.fact.display()))
        else:
            changes.append(words.say("change_line", label=label, old=words.say("nothing"), new=correction.fact.display()))
        settled = correction.fact.slot
    if not changes and not replaced:
        return [words.say("correction_not_found", old=correction.old or correction.new)], settled
    lines = [words.say("corrected", changes="；".join(changes) if changes else f"{correction.old} → {shown}")]
    if replaced:
        lines.append(words.say("corrected_in_sentences", n=replaced))
    return lines, settled


def _size(mention: Mention) -> tuple[Decimal | str, str]:
    return mention.magnitude()


def _mention_display(mention: Mention) -> str:
    return mention.display()


def _same(size: tuple[Decimal | str, str], wrong: tuple[Decimal | str, str], *, bare: bool) -> bool:
    if size[0] != wrong[0]:
        return False
    return bare or not wrong[1] or units_compatible(size[1], wrong[1]) or size[1] == wrong[1]


def _replace_number(draft: Draft, old: Fact, new_text: str) -> int:
    """The old value of a fact, replaced in every statement that still says it."""
    return _replace_number_size(draft, old.magnitude(), False, new_text)


def _replace_number_size(draft: Draft, wrong: tuple[Decimal | str, str], bare: bool, new_text: str) -> int:
    count = 0
    for answers in draft.answers.values():
        statements = answers.statement_objects()
        changed = False
        for i, statement in enumerate(statements):
            text, n = _swap_numbers(statement.text, wrong, bare, new_text)
            if n:
                statements[i] = replace(statement, text=text)
                count += n
                changed = True
        if changed:
            answers.set_statements(statements)
    return count


def _swap_numbers(text: str, wrong: tuple[Decimal | str, str], bare: bool, new_text: str) -> tuple[str, int]:
    out, last, count = [], 0, 0
    for mention in scan(text.translate(FULLWIDTH_TO_ASCII)):
        size = mention.magnitude()
        if mention.kind == "quantity" and _same(size, wrong, bare=bare or mention.bare):
            out += [text[last:mention.start], new_text]
            last = mention.end
            count += 1
    out.append(text[last:])
    return "".join(out), count


def _replace_words(draft: Draft, old: str, new: str) -> int:
    """Wrong words replaced in statements, text facts and basic facts."""
    if not old:
        return 0
    count = 0
    for answers in draft.answers.values():
        statements = answers.statement_objects()
        for i, statement in enumerate(statements):
            if old in statement.text:
                count += statement.text.count(old)
                statements[i] = replace(statement, text=statement.text.replace(old, new))
        answers.set_statements(statements)
        for fact in answers.fact_objects().values():
            if isinstance(fact.value, str) and old in fact.value:
                count += 1
                answers.set_fact(replace(fact, value=fact.value.replace(old, new)))
    for name, value in list(draft.basics.items()):
        if old in value:
            count += 1
            draft.basics[name] = value.replace(old, new)
    return count


def own_sentences(draft: Draft, steps: Sequence[Step], lexicon: Lexicon) -> list[tuple[str, str]]:
    """The staff member's own sentences as they appear in the draft, numbered in draft order:
    (section label, sentence)."""
    listed = []
    for step in steps:
        answers = draft.answers.get(step.key)
        if answers is None:
            continue
        for statement in answers.statement_objects():
            text = formalize(statement.text, lexicon)
            if text:
                listed.append((step.label, text))
    return listed


def _locate(draft: Draft, steps: Sequence[Step], number: int) -> tuple[str, int] | None:
    index = 0
    for step in steps:
        answers = draft.answers.get(step.key)
        if answers is None:
            continue
        for position, statement in enumerate(answers.statement_objects()):
            if not statement.text.strip():
                continue
            index += 1
            if index == number:
                return step.key, position
    return None


def remove_sentence(draft: Draft, steps: Sequence[Step], number: int) -> bool:
    """Remove the staff member's ``number``-th sentence; the facts it carried stay in the draft
    (the template says them again)."""
    found = _locate(draft, steps, number)
    if found is None:
        return False
    key, position = found
    statements = draft.answers[key].statement_objects()
    del statements[position]
    draft.answers[key].set_statements(statements)
    return True


def rewrite_sentence(draft: Draft, steps: Sequence[Step], number: int, text: str) -> bool:
    found = _locate(draft, steps, number)
    text = simplified(text).strip()
    if found is None or not text:
        return False
    key, position = found
    statements = draft.answers[key].statement_objects()
    statements[position] = Statement(text)
    draft.answers[key].set_statements(statements)
    return True
