from bot.config import PROMPTS_DIR
from bot.drafting.dialogue import SINGLE
from bot.drafting.draft import Draft, fact_to_json
from bot.drafting.facts import extract
from bot.drafting.outline import Step
from bot.drafting.render import render_draft
from bot.drafting.skeletons import load_topics

TOPIC = load_topics(PROMPTS_DIR)["social_assistance"]
STEP = Step(key="topic:social_assistance", heading=TOPIC.heading, level=1, intro="", questions=TOPIC.questions,
            slots=TOPIC.slots, query=TOPIC.query, template=TOPIC.template)


def draft_with(text: str) -> Draft:
    draft = Draft.new("u", SINGLE)
    draft.basics = {"community": "青禾社区", "period": "2025年"}
    result = extract(text, TOPIC.slots)
    answers = draft.section(STEP.key)
    answers.facts = {name: fact_to_json(f) for name, f in result.facts.items()}
    answers.narrative = result.narrative
    return draft


def body(draft: Draft) -> str:
    doc = render_draft("{{ community }}{{ period }}", [STEP], draft)
    return "\n".join(p for s in doc.sections for p in s.paragraphs)


def test_a_fact_kept_in_the_users_own_sentence_is_not_said_twice():
    text = body(draft_with("为二十余户困难家庭发放慰问金1.5万元，新增低保户5户。"))
    assert text.count("1.5万元") == 1
    assert "二十余户" in text


def test_facts_alone_are_rendered_by_the_template_in_formal_prose():
    text = body(draft_with("新增低保5户。"))
    assert "5户" in text
    assert "【待补充" not in text


def test_an_unanswered_section_is_marked_pending():
    draft = Draft.new("u", SINGLE)
    doc = render_draft("{{ community }}", [STEP], draft)
    assert doc.sections[0].paragraphs[0].startswith("【待补充：")
    assert doc.pending == (TOPIC.heading,)
