"""Properties of fact extraction, rendering and export over the real prompts (kinds, topics, templates).

The promise checked here is the one staff rely on: a number they typed comes back in the draft
with its value, and a draft never shows a number they did not give.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import docx
from hypothesis import example, given
from hypothesis import strategies as st

from bot.config import PROMPTS_DIR
from bot.drafting.document import RenderedDraft, Section
from bot.drafting.draft import Draft, fact_to_json
from bot.drafting.export import to_docx, to_markdown
from bot.drafting.facts import Fact, Slot, extract, extract_single
from bot.drafting.lexicon import load_lexicon
from bot.drafting.numerals import format_number, parse_number
from bot.drafting.outline import Step, outline
from bot.drafting.quantities import scan
from bot.drafting.register import formalize
from bot.drafting.render import render_draft
from bot.drafting.skeletons import load_kinds, load_topics
from bot.drafting.understand import Statement, read, simplified
from tests.drafting.test_numerals import chinese_decimal

from .strategies import COMMON, CONTROL, EMOJI, SURROGATES, budget, hostile_text, numeral, shown

KINDS = load_kinds(PROMPTS_DIR)
TOPICS = load_topics(PROMPTS_DIR)
LEXICON = load_lexicon(PROMPTS_DIR)
NUMERIC = ("count", "amount", "percentage")
# Every step a draft can have: each kind with every topic it can take.
STEPS: list[tuple[str, Step]] = [
    (kind_id, step) for kind_id, kind in KINDS.items() for step in outline(kind, TOPICS, list(TOPICS))
]
NUMERIC_STEPS = [(k, s) for k, s in STEPS if any(slot.kind in NUMERIC for slot in s.slots)]
NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
JINJA_MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")
PRE, MID, POST = ("近", "约", "将近"), ("余", "多"), ("左右", "以上")  # the markers these properties write


# -- generators -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Written:
    """A fact as the generator meant it, and the phrase staff typed for it."""

    slot: Slot
    value: Decimal
    unit: str
    approx: str
    phrase: str

    def display(self) -> str:
        return shown(self.value, self.unit, self.approx)


def _value(draw: st.DrawFn, slot: Slot) -> Decimal:
    if slot.kind == "percentage":
        return draw(st.decimals(min_value=0, max_value=100, places=1))
    if slot.unit == "万元":
        return draw(st.decimals(min_value=Decimal("0.1"), max_value=9999, places=2))
    if slot.kind == "amount":
        return draw(st.one_of(st.integers(1, 10**6).map(Decimal), st.decimals(min_value=1, max_value=99999, places=1)))
    return Decimal(draw(st.integers(1, 10**5)))


@st.composite
def written(draw: st.DrawFn, slot: Slot) -> Written:
    value = _value(draw, slot)
    integral = value == value.to_integral_value()
    markers = ["", "", "", *PRE, *POST, *(MID if integral and slot.unit != "%" else ())]
    approx = draw(st.sampled_from(markers))
    if slot.unit == "%":
        number = ("百分之" + chinese_decimal(value)) if draw(st.booleans()) else numeral(draw, value) + "%"
        unit = "%"
    else:
        unit = slot.unit
        number = numeral(draw, value) + (approx if approx in MID else "") + unit
    expression = (approx if approx in PRE else "") + number + (approx if approx in POST else "")
    cue = draw(st.sampled_from(slot.cues))
    phrase = draw(st.sampled_from(["{cue}{x}", "{cue}共{x}", "{cue}累计{x}", "{cue}达到{x}"])).format(cue=cue, x=expression)
    return Written(slot, value, unit, approx, phrase)


# Sentences without numerals: Han words of the domain, so cues may occur, never numbers.
FILLER = st.lists(st.sampled_from(COMMON), min_size=2, max_size=20).map(lambda w: "".join(w) + "。")


@st.composite
def answer(draw: st.DrawFn, step: Step) -> tuple[str, list[Written]]:
    """An answer to a step: fact phrases for distinct slots, one clause each, between filler sentences."""
    numeric = [s for s in step.slots if s.kind in NUMERIC]
    chosen = draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=min(5, len(numeric)), unique_by=lambda s: s.name))
    facts = [draw(written(slot)) for slot in chosen]
    body = facts[0].phrase
    for item in facts[1:]:
        body += draw(st.sampled_from(["，", "；", "。"])) + item.phrase
    before = draw(st.lists(FILLER, max_size=2))
    after = draw(st.lists(FILLER, max_size=2))
    return "".join(before) + body + "。" + "".join(after), facts


def allowed_numbers(*texts: str, facts: dict[str, Fact] | None = None) -> set[str]:
    """Numbers a draft may show: digits the user typed, the numbers they wrote in words (the draft
    writes them in figures), and the values of facts read from their words."""
    numbers = {n for text in texts for n in NUMBER_RE.findall(text.translate(FULLWIDTH_TO_ASCII))}
    for text in texts:
        for mention in scan(simplified(text).translate(FULLWIDTH_TO_ASCII)):
            if isinstance(mention.value, Decimal):
                numbers.add(format_number(mention.value))
    for fact in (facts or {}).values():
        if isinstance(fact.value, Decimal):
            numbers.add(format_number(fact.value))
    return numbers


FULLWIDTH_TO_ASCII = str.maketrans("０１２３４５６７８９．", "0123456789.")


def draft_of(kind_id: str, topics: list[str], answers: dict[str, str], basics: dict[str, str]) -> Draft:
    """A draft filled the way the dialogue fills it: each answer read, facts and statements kept."""
    draft = Draft.new("u", kind_id)
    draft.topics = topics
    draft.basics = dict(basics)
    steps = {s.key: s for s in outline(KINDS[kind_id], TOPICS, topics)}
    for key, text in answers.items():
        reading = read(text, steps[key].slots, LEXICON)
        section = draft.section(key)
        for fact in reading.facts.values():
            section.set_fact(fact)
        section.set_statements(section.statement_objects() + list(reading.statements))
    return draft


def rendered_text(kind_id: str, topics: list[str], draft: Draft) -> tuple[RenderedDraft, str]:
    kind = KINDS[kind_id]
    topic_name = TOPICS[topics[0]].name if kind.topics == "one" and topics else ""
    doc = render_draft(kind.title, outline(kind, TOPICS, topics), draft, topic_name=topic_name)
    lines = [doc.title, doc.signature, doc.date, *(s.heading for s in doc.sections)]
    lines += [p for s in doc.sections for p in s.paragraphs]
    return doc, "\n".join(lines)


# -- fact extraction ------------------------------------------------------------------------------
@budget(300)
@given(st.sampled_from(NUMERIC_STEPS).flatmap(lambda ks: st.tuples(st.just(ks[1]), answer(ks[1]))))
def test_every_number_written_for_a_slot_is_extracted_with_its_value(case: tuple[Step, tuple[str, list[Written]]]) -> None:
    step, (text, facts) = case
    result = extract(text, step.slots)
    for item in facts:
        fact = result.facts.get(item.slot.name)
        assert fact is not None, f"{item.slot.name} not read from {text!r}"
        assert (fact.value, fact.unit, fact.approx) == (item.value, item.unit, item.approx), text
        assert fact.display() == item.display()
        assert fact.source in text
    assert set(result.facts) == {item.slot.name for item in facts}, text
    assert result.numbers_unassigned == []


LONGEVITY = next(slot for _, s in STEPS for slot in s.slots if slot.name == "longevity_allowance")


@budget(200)
@given(st.sampled_from([(s, slot) for _, s in NUMERIC_STEPS for slot in s.slots if slot.kind in NUMERIC]).flatmap(
    lambda pair: written(pair[1])))
@example(Written(LONGEVITY, Decimal(300), "人", "近", "高龄津贴近300人"))  # 津贴 + 近, not 贴近
def test_an_answer_to_a_one_slot_question_is_read_with_its_value(item: Written) -> None:
    fact = extract_single(item.phrase, item.slot)
    assert fact is not None
    assert (fact.value, fact.unit, fact.approx) == (item.value, item.unit, item.approx)


@budget(200)
@given(st.sampled_from(STEPS), hostile_text())
def test_extraction_never_raises_and_keeps_only_what_was_typed(kind_step: tuple[str, Step], text: str) -> None:
    step = kind_step[1]
    result = extract(text, step.slots)
    for fact in result.facts.values():
        assert fact.source in text
        assert fact.display()  # a fact can always be shown
    reading = read(text, step.slots, LEXICON)
    for statement in reading.statements:
        assert all(piece in reading.text for piece in statement.text.split("，"))
    for fact in reading.facts.values():
        assert fact.source in reading.text
    for slot in step.slots:
        single = extract_single(text, slot)
        assert single is None or single.source in text


@budget(300)
@given(hostile_text(long_lines=False))
def test_parse_number_never_raises_and_what_it_reads_formats_back(text: str) -> None:
    value = parse_number(text)
    if value is not None:
        assert parse_number(format_number(value)) == value


# -- rendering ------------------------------------------------------------------------------------
@st.composite
def filled_draft(draw: st.DrawFn) -> tuple[str, list[str], dict[str, str], dict[str, str]]:
    kind_id = draw(st.sampled_from(sorted(KINDS)))
    kind = KINDS[kind_id]
    if kind.topics == "none":
        topics: list[str] = []
    elif kind.topics == "one":
        topics = [draw(st.sampled_from(sorted(TOPICS)))]
    else:
        topics = draw(st.lists(st.sampled_from(sorted(TOPICS)), min_size=1, max_size=3, unique=True))
    answers: dict[str, str] = {}
    for step in outline(kind, TOPICS, topics):
        if any(s.kind in NUMERIC for s in step.slots) and draw(st.booleans()):
            # Whatever else staff paste after their facts (notes, numbers in words, noise) goes along.
            answers[step.key] = draw(answer(step))[0] + draw(st.one_of(st.just(""), USER_TEXT))
    community = draw(st.lists(st.sampled_from(COMMON), min_size=1, max_size=6).map("".join)) + "社区"
    period = draw(st.sampled_from(["2025年", "2025年上半年", "二〇二五年", "今年"]))
    issuer = draw(st.sampled_from(["", community + "居民委员会"]))
    return kind_id, topics, answers, {"community": community, "period": period, "issuer": issuer}


@budget(120)
@given(filled_draft())
# Eleven suggestions once read "…十是一；11是一": an ordinal written as a figure nobody gave.
@example(("research_report", ["civilization"], {"suggestions": "投入资金0.1万元，增配1名，项目1个，场地1平方米，惠及1户。"
                                                  + "一。" * 7}, {"community": "社社区", "period": "2025年", "issuer": ""}))
# Two figures apart ("０　０") were once joined into one, "00".
@example(("annual_summary", ["civilization"], {"next_steps": "民生实事1件。０\u3000０"},
          {"community": "社社区", "period": "2025年", "issuer": ""}))
def test_a_draft_shows_every_extracted_fact_and_never_a_number_that_was_not_given(
        case: tuple[str, list[str], dict[str, str], dict[str, str]]) -> None:
    kind_id, topics, answers, basics = case
    draft = draft_of(kind_id, topics, answers, basics)
    _, text = rendered_text(kind_id, topics, draft)
    facts = {f"{key}/{name}": fact for key, section in draft.answers.items()
             for name, fact in section.fact_objects().items()}
    for fact in facts.values():
        assert fact.display() in text or fact.source in text, f"{fact} missing from the draft"
    shown = set(NUMBER_RE.findall(text.translate(FULLWIDTH_TO_ASCII)))
    invented = shown - allowed_numbers(*answers.values(), *basics.values(), facts=facts)
    assert not invented, f"numbers nobody gave: {invented}"
    typed = "".join(answers.values())
    for marker in JINJA_MARKERS:  # template syntax only where staff typed it themselves
        assert text.count(marker) <= typed.count(marker)
    for word in ("None", "Undefined"):
        assert text.count(word) <= typed.count(word)


USER_TEXT = hostile_text(long_lines=False, max_fragments=12)


@budget(80)
@given(st.sampled_from(sorted(KINDS)), USER_TEXT, USER_TEXT, st.lists(USER_TEXT, max_size=3), USER_TEXT)
def test_rendering_never_raises_and_user_text_appears_as_written(
        kind_id: str, community: str, period: str, narrative: list[str], text_fact: str) -> None:
    kind = KINDS[kind_id]
    topics = [] if kind.topics == "none" else [sorted(TOPICS)[0]]
    draft = Draft.new("u", kind_id)
    draft.topics = topics
    draft.basics = {"community": community[:100], "period": period[:100]}
    steps = outline(kind, TOPICS, topics)
    for step in steps:
        section = draft.section(step.key)
        section.set_statements([Statement(n) for n in narrative])
        for slot in step.slots:
            if slot.kind == "text":
                section.facts[slot.name] = fact_to_json(Fact(slot.name, text_fact, "", "", text_fact))
    doc, text = rendered_text(kind_id, topics, draft)
    assert doc.title.strip()
    for sentence in narrative:
        shown_as = formalize(sentence, LEXICON)
        if shown_as:
            assert shown_as in text  # the user's words as data, never compiled as a template
    users = "".join([community, period, text_fact, *narrative])
    for marker in JINJA_MARKERS:
        assert text.count(marker) <= users.count(marker) * (len(steps) + 2)


# -- export ---------------------------------------------------------------------------------------
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
PARAGRAPH = st.one_of(USER_TEXT, st.sampled_from(["{{ 7*7 }}", "<w:t>&amp;</w:t>", "**粗体** # 标题", "【待补充：经费】"]))


@st.composite
def rendered_drafts(draw: st.DrawFn) -> RenderedDraft:
    sections = draw(st.lists(st.tuples(st.one_of(st.just(""), USER_TEXT), st.sampled_from([1, 2]),
                                       st.lists(PARAGRAPH, max_size=3).map(tuple)), max_size=5))
    return RenderedDraft(title=draw(USER_TEXT), sections=tuple(Section(h, lv, ps) for h, lv, ps in sections),
                         signature=draw(USER_TEXT), date=draw(st.sampled_from(["", "2025年12月20日"])),
                         pending=tuple(draw(st.lists(USER_TEXT, max_size=2))))


def _visible(text: str) -> str:
    return XML_INVALID.sub("", text).strip()


@budget(150)
@given(rendered_drafts())
def test_markdown_export_never_raises_keeps_every_line_and_adds_no_heading(draft: RenderedDraft) -> None:
    markdown = to_markdown(draft)
    assert not XML_INVALID.search(markdown)
    for section in draft.sections:
        for paragraph in section.paragraphs:
            for line in re.split("[\n\r\x85\u2028\u2029]", _visible(paragraph)):
                assert line.strip() in markdown
    # Headings are the title, the sections' own headings and the checklist: never a user's line.
    headings = [line for line in markdown.splitlines() if re.match(r"#{1,6}(\s|$)", line)]
    titled = sum(1 for s in draft.sections if s.heading.strip())
    assert len(headings) == 1 + titled + (1 if any(p.strip() for p in draft.pending) else 0)


@budget(40)
@given(rendered_drafts())
def test_docx_export_never_raises_and_reads_back_every_paragraph(draft: RenderedDraft) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = to_docx(draft, Path(folder) / "草稿.docx")
        paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    body = "\n".join(paragraphs)
    for section in draft.sections:
        for paragraph in section.paragraphs:
            visible = _visible(paragraph).replace("\r", "\n")
            if visible:
                assert visible in body


@budget(100)
@given(st.lists(st.one_of(CONTROL, EMOJI, SURROGATES, st.sampled_from(COMMON)), max_size=30).map("".join))
def test_a_title_of_any_characters_gives_a_one_line_markdown_heading(title: str) -> None:
    markdown = to_markdown(RenderedDraft(title=title, sections=()))
    assert markdown.startswith("# ")
    assert "\n" not in markdown.split("\n\n")[0].rstrip("\n")
