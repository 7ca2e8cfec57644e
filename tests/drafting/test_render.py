"""Rendering a section: the template's facts, the staff member's statements in formal register,
nothing said twice, empty sections marked."""

from bot.config import PROMPTS_DIR
from bot.drafting.draft import Draft
from bot.drafting.lexicon import load_lexicon
from bot.drafting.machine import SINGLE
from bot.drafting.outline import Step
from bot.drafting.render import render_draft
from bot.drafting.skeletons import load_kinds, load_topics
from bot.drafting.understand import read

TOPIC = load_topics(PROMPTS_DIR)["social_assistance"]
STEP = Step(key="topic:social_assistance", heading=TOPIC.heading, level=1, intro="", questions=TOPIC.questions,
            slots=TOPIC.slots, query=TOPIC.query, template=TOPIC.template)
LEXICON = load_lexicon(PROMPTS_DIR)


def draft_with(text: str, step: Step = STEP) -> Draft:
    draft = Draft.new("u", SINGLE)
    draft.basics = {"community": "青禾社区", "period": "2025年"}
    reading = read(text, step.slots, LEXICON)
    answers = draft.section(step.key)
    for fact in reading.facts.values():
        answers.set_fact(fact)
    answers.set_statements(list(reading.statements))
    return draft


def annual_step(section_id: str) -> Step:
    """One section of the annual summary as the outline makes it a step."""
    section = next(s for s in load_kinds(PROMPTS_DIR)["annual_summary"].sections if s.id == section_id)
    return Step(key=section.id, heading=section.heading, level=1, intro=section.intro, questions=section.questions,
                slots=section.slots, query=section.query, template=section.template, lead=section.lead,
                closing=section.closing, form=section.form)


def body(draft: Draft, steps: list[Step] | None = None) -> str:
    doc = render_draft("{{ community }}{{ period }}", steps or [STEP], draft)
    return "\n".join(p for s in doc.sections for p in s.paragraphs)


def test_a_fact_kept_in_the_users_own_sentence_is_not_said_twice():
    text = body(draft_with("我们为二十余户困难家庭送去年货，发放慰问金1.5万元，大家都很感动。"))
    assert text.count("1.5万元") == 1
    assert "20余户" in text and "我们" not in text


def test_facts_alone_are_rendered_by_the_template_in_formal_prose():
    text = body(draft_with("新增低保5户。"))
    assert "5户" in text
    assert "【待补充" not in text
    assert "新增低保5户" not in text  # the template's sentence, not the note pasted back


def test_an_unanswered_section_is_marked_pending():
    draft = Draft.new("u", SINGLE)
    doc = render_draft("{{ community }}", [STEP], draft)
    assert doc.sections[0].paragraphs[0].startswith("【待补充：")
    assert doc.pending == (TOPIC.heading,)


def test_a_list_section_reads_one_shi_er_shi_with_its_lead_and_closing():
    step = annual_step("problems")
    text = body(draft_with("老旧小区还有4个没改造。居民活动场地太小。人手不够，年轻人少。", step), [step])
    assert "主要表现在：一是" in text and "二是" in text and "三是" in text
    assert "4个" in text and "太小" not in text and "人手不足" in text
    assert text.rstrip().endswith("。")


def test_one_short_sentence_goes_on_from_the_paragraph_before_it():
    draft = draft_with("新增低保5户。大家都很满意。")
    doc = render_draft("{{ community }}", [STEP], draft)
    paragraphs = doc.sections[0].paragraphs
    assert len(paragraphs) == 1 and paragraphs[0].endswith("居民都很满意。")


def test_list_items_drop_the_staff_members_numbering_and_a_repeated_opener():
    step = annual_step("next_steps")
    text = body(draft_with("明年准备：第一个是把剩下的小区改造完；第二个是建一个社区食堂", step), [step])
    assert "一是把剩余的小区改造完；二是建一个社区食堂" in text
    assert "第一个是" not in text and "下一步将把" not in text


def test_a_short_statement_saying_what_a_template_sentence_says_is_not_printed_twice():
    step = annual_step("problems")
    text = body(draft_with("社区工作者只有9名，人手不足。老旧小区还有4个没改造。", step), [step])
    assert "9名" in text and "人手不足" not in text  # the template's item on the 9 workers says it
    alone = body(draft_with("人手不足。老旧小区还有4个没改造。", step), [step])
    assert "人手不足" in alone  # without the figure there is no template sentence to say it
