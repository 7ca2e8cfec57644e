"""Properties of understanding what staff type: corrections however phrased, amounts however written.

- a correction phrased any of the ways staff phrase one replaces the value in the slot and in
  every sentence of theirs that said it, and the old value is gone from the rendered draft;
- an amount written in Chinese or Arabic numerals, in 元, 块 or 万元, comes back with the same
  magnitude whatever unit its slot counts in.
"""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.config import PROMPTS_DIR
from bot.drafting.draft import Draft
from bot.drafting.facts import Slot, extract
from bot.drafting.lexicon import load_lexicon
from bot.drafting.outline import outline
from bot.drafting.phrasebook import load_phrasebook
from bot.drafting.render import render_draft
from bot.drafting.revise import apply_reading
from bot.drafting.skeletons import load_kinds, load_topics
from bot.drafting.understand import read

from .strategies import budget, numeral

WORDS = load_phrasebook(PROMPTS_DIR)
LEXICON = load_lexicon(PROMPTS_DIR)
KIND = load_kinds(PROMPTS_DIR)["annual_summary"]
TOPICS = load_topics(PROMPTS_DIR)
STEPS = outline(KIND, TOPICS, ["party_building"])
PARTY = next(s for s in STEPS if s.key == "topic:party_building")
# Count slots whose first cue names them alone (the cue of no other slot of the section).
SLOTS = [s for s in PARTY.slots if s.kind == "count" and s.name in ("party_congress", "committee_meetings",
                                                                     "party_lectures", "theme_days")]

# {old} and {new} are figures with their unit, {cue} the slot's word.
WITH_OLD = (
    "改一下，不是{old}，是{new}",
    "改一下，{cue}{new}，不是{old}",
    "{old}写错了，应该是{new}",
    "{old}打错了，是{new}",
    "不是{old}，是{new}",
    "把{old}改成{new}",
    "{old}改为{new}",
    "更正一下，{old}应为{new}",
    "刚才说的{old}是错的，应该是{new}",
    "{old}是错误的，正确的是{new}",
)
WITHOUT_OLD = (
    "更正：{cue}{new}",
    "{cue}写错了，应该是{new}",
    "{cue}应该是{new}",
    "{cue}{new}",  # sent again: the later value wins
)


@st.composite
def corrections(draw: st.DrawFn) -> tuple[Slot, int, int, str]:
    slot = draw(st.sampled_from(SLOTS))
    old = draw(st.integers(min_value=2, max_value=400))
    new = draw(st.integers(min_value=2, max_value=400).filter(lambda n: n != old))
    phrase = draw(st.sampled_from(WITH_OLD + WITHOUT_OLD))
    written_old = numeral(draw, Decimal(old)) + slot.unit
    written_new = numeral(draw, Decimal(new)) + slot.unit
    return slot, old, new, phrase.format(old=written_old, new=written_new, cue=slot.cues[0])


def _draft_with(slot: Slot, old: int) -> Draft:
    draft = Draft.new("u", KIND.id)
    draft.topics = ["party_building"]
    draft.basics = {"community": "青禾社区", "period": "2025年"}
    # The old figure twice: as a fact, and inside a sentence of theirs the template cannot say.
    first = f"全年{slot.cues[0]}{old}{slot.unit}。其中有一次{slot.cues[0]}{old}{slot.unit}，安排在红星小区的露天广场上举行，气氛热烈。"
    apply_reading(draft, STEPS, PARTY, read(first, PARTY.slots, LEXICON), WORDS)
    return draft


@budget(150)
@given(corrections())
def test_a_correction_however_phrased_replaces_the_value_everywhere(case: tuple[Slot, int, int, str]) -> None:
    slot, old, new, phrase = case
    draft = _draft_with(slot, old)
    assert draft.section(PARTY.key).fact_objects()[slot.name].value == old
    lines = apply_reading(draft, STEPS, PARTY, read(phrase, PARTY.slots, LEXICON), WORDS)
    assert draft.section(PARTY.key).fact_objects()[slot.name].value == new, (phrase, lines)
    doc = render_draft(KIND.title, STEPS, draft, words=WORDS)
    text = "\n".join(p for s in doc.sections for p in s.paragraphs)
    assert re.search(rf"(?<![0-9.]){new}{slot.unit}", text), (phrase, text)
    assert not re.search(rf"(?<![0-9.]){old}{slot.unit}", text), (phrase, text)
    assert any("→" in line or "更正" in line or "更新" in line for line in lines), lines


AMOUNT_WAN = Slot("fund", "投入资金", "万元", "amount", ("投入资金",))
AMOUNT_YUAN = Slot("relief", "慰问金", "元", "amount", ("慰问金",))


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, Decimal]:
    """An amount as staff type it, and its value in 元."""
    style = draw(st.sampled_from(["yuan", "kuai", "wan", "colloquial"]))
    if style == "wan":
        tenths = draw(st.integers(min_value=1, max_value=9999))
        value = Decimal(tenths) / 10
        return f"{value.normalize():f}万元", value * 10000
    if style == "colloquial":  # 两万三, 一万五: the bare tail counts in thousands
        head, tail = draw(st.integers(1, 9)), draw(st.integers(1, 9))
        digits = "零一二三四五六七八九"
        return f"{'两' if head == 2 else digits[head]}万{digits[tail]}", Decimal(head * 10000 + tail * 1000)
    value = Decimal(draw(st.integers(min_value=1, max_value=90000)))
    return numeral(draw, value) + ("元" if style == "yuan" else "块"), value


@budget(200)
@given(amounts(), st.sampled_from([AMOUNT_WAN, AMOUNT_YUAN]))
def test_an_amount_in_any_numerals_and_unit_keeps_its_magnitude(case: tuple[str, Decimal], slot: Slot) -> None:
    written, yuan = case
    fact = extract(f"{slot.cues[0]}{written}", [slot]).facts[slot.name]
    value, unit = fact.magnitude()
    assert (value, unit) == (yuan, "元"), (written, fact)
    assert fact.unit in ("元", "万元"), fact  # 块 is written 元
    if slot.unit == "万元" and yuan >= 10000:
        assert fact.unit == "万元", (written, fact)  # never "23000万元", never a bare 元 figure that large
