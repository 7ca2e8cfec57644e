"""Document skeletons: the kinds, sections and topics staff draft with, and the prose their templates write."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from bot.config import PROMPTS_DIR
from bot.drafting.facts import Slot, extract
from bot.drafting.skeletons import KIND_ORDER, load_basics, load_kinds, load_topics, validate

TEMPLATES = PROMPTS_DIR / "templates"
DOC = {"community": "幸福里社区", "period": "2025年", "issuer": "幸福里社区居民委员会"}
TOPIC_NAME = "养老服务"

KIND_NAMES = {
    "annual_summary": "年度工作总结",
    "halfyear_summary": "半年工作总结",
    "special_summary": "专项工作总结",
    "research_report": "调研报告",
    "work_plan": "年度工作计划",
}
# Level-1 headings in order; "" is the untitled opening paragraph.
SECTIONS = {
    "annual_summary": ["", "主要工作及成效", "存在的问题和不足", "下一步工作打算"],
    "halfyear_summary": ["", "主要工作及成效", "存在的问题和不足", "下半年工作打算"],
    "special_summary": ["", "主要做法及成效", "存在的问题", "下一步打算"],
    "research_report": ["", "基本情况", "主要做法", "存在的主要问题", "对策建议"],
    "work_plan": ["指导思想", "工作目标", "重点工作", "保障措施"],
}
TOPIC_SECTIONS = {
    "annual_summary": ("many", "主要工作及成效"),
    "halfyear_summary": ("many", "主要工作及成效"),
    "special_summary": ("one", "主要做法及成效"),
    "research_report": ("one", "主要做法"),
    "work_plan": ("many", "重点工作"),
}
TOPIC_NAMES = ["党建", "社会救助", "就业社保", "平安建设", "文明创建", "养老服务", "环境卫生", "便民服务", "志愿服务", "居民自治"]

DIGIT = re.compile(r"[0-9０-９]")
PLACEHOLDER = re.compile(r"xx|_{3}|\*|20xx", re.IGNORECASE)
PUNCTUATION = "，、。；："
DOUBLED_PUNCTUATION = re.compile(f"[{PUNCTUATION}]{{2}}")


# ---------------------------------------------------------------------------------------------
# Helpers


def template_cases() -> list[tuple[str, tuple[Slot, ...]]]:
    """Every template in use with the slots it renders (a slot its section's lead or closing
    prints is not the template's)."""
    cases: dict[str, tuple[Slot, ...]] = {}
    for kind in load_kinds().values():
        for section in kind.sections:
            if section.template:
                elsewhere = section.lead + section.closing
                cases.setdefault(section.template, tuple(s for s in section.slots if f"facts.{s.name}" not in elsewhere))
    for topic in load_topics().values():
        cases.setdefault(topic.template, topic.slots)
        cases.setdefault(topic.plan_template, topic.slots)
    return sorted(cases.items())


CASES = template_cases()
CASE_IDS = [name for name, _ in CASES]
ENV = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)))


def render(template: str, facts: dict[str, str]) -> str:
    return ENV.get_template(template).render(facts=facts, doc=DOC, topic_name=TOPIC_NAME)


def display_values(slots: tuple[Slot, ...]) -> dict[str, str]:
    """A distinct display string per slot, shaped like what the extractor produces."""
    values = {}
    for index, slot in enumerate(slots):
        number = 101 + index  # three digits each: no value is a substring of another
        values[slot.name] = {
            "count": f"{number}{slot.unit}",
            "amount": f"{number}.5{slot.unit}",
            "percentage": f"{number}%",
            "date": f"2025年{index % 12 + 1}月{number % 28 + 1}日",
            "text": f"示例{slot.label}",
        }[slot.kind]
    return values


def subsets(names: list[str], seed: str) -> list[set[str]]:
    """Each fact alone, each left out, all of them, and some random mixtures."""
    rng = random.Random(seed)
    chosen = [{name} for name in names] + [set(names) - {name} for name in names] + [set(names)]
    chosen += [{name for name in names if rng.random() < 0.5} for _ in range(30)]
    return [subset for subset in chosen if subset]


def assert_well_formed(text: str, given: dict[str, str]) -> None:
    paragraphs = text.split("\n\n")
    assert text == text.strip()
    for paragraph in paragraphs:
        assert paragraph, "empty paragraph"
        assert not re.search(r"\s", paragraph), f"stray whitespace in {paragraph!r}"
        assert paragraph.endswith("。"), paragraph
        assert paragraph[0] not in PUNCTUATION, paragraph
        assert not DOUBLED_PUNCTUATION.search(paragraph), paragraph
        assert not re.search(r"[A-Za-z]", paragraph), f"leaked identifier in {paragraph!r}"
    for value in given.values():
        assert value in text


# ---------------------------------------------------------------------------------------------
# The files as a whole


def test_prompts_validate_without_problems():
    assert validate() == []


def test_basics_ask_community_period_issuer_and_date_first():
    basics = load_basics()
    assert [field.name for field in basics] == ["community", "period", "issuer", "date"]
    assert all(field.label and field.question and field.example for field in basics)


def test_kinds_are_offered_in_menu_order():
    kinds = {kind_id: kind for kind_id, kind in load_kinds().items() if kind.menu}
    assert list(kinds) == list(KIND_ORDER) == list(KIND_NAMES)
    assert {kind_id: kind.name for kind_id, kind in kinds.items()} == KIND_NAMES


@pytest.mark.parametrize("kind_id", list(SECTIONS))
def test_sections_follow_the_documented_order(kind_id):
    kind = load_kinds()[kind_id]
    assert [section.heading for section in kind.sections] == SECTIONS[kind_id]
    assert all(section.level == 1 for section in kind.sections)


@pytest.mark.parametrize("kind_id", list(TOPIC_SECTIONS))
def test_one_section_expands_into_the_chosen_topics(kind_id):
    kind = load_kinds()[kind_id]
    mode, heading = TOPIC_SECTIONS[kind_id]
    assert kind.topics == mode
    topic_sections = [section for section in kind.sections if section.from_topics]
    assert [section.heading for section in topic_sections] == [heading]
    assert topic_sections[0].slots == () and topic_sections[0].template == ""
    others = [section for section in kind.sections if not section.from_topics]
    assert all(section.questions and section.slots and section.template for section in others)


@pytest.mark.parametrize(
    ("kind_id", "topic_name", "title"),
    [
        ("annual_summary", None, "幸福里社区2025年工作总结"),
        ("halfyear_summary", None, "幸福里社区2025年工作总结"),
        ("special_summary", "党建", "幸福里社区2025年党建工作总结"),
        ("research_report", "养老服务", "关于幸福里社区养老服务工作的调研报告"),
        ("work_plan", None, "幸福里社区2025年工作计划"),
    ],
)
def test_titles_render_from_the_basic_facts(kind_id, topic_name, title):
    kind = load_kinds()[kind_id]
    context = {"community": DOC["community"], "period": DOC["period"]}
    if topic_name:
        context["topic_name"] = topic_name
    assert ENV.from_string(kind.title).render(**context) == title


def test_topics_are_the_ten_menu_topics():
    assert [topic.name for topic in load_topics().values()] == TOPIC_NAMES


@pytest.mark.parametrize("topic", list(load_topics().values()), ids=lambda topic: topic.id)
def test_every_topic_can_be_summarised_and_planned(topic):
    assert 6 <= len(topic.slots) <= 12
    assert topic.heading and topic.questions and topic.query and topic.retrieval_topics
    assert topic.plan_questions and topic.plan_template and topic.plan_template != topic.template


def test_slot_names_never_collide_within_a_document():
    topic_slots = [slot.name for topic in load_topics().values() for slot in topic.slots]
    assert len(topic_slots) == len(set(topic_slots))
    for kind in load_kinds().values():
        names = [slot.name for section in kind.sections for slot in section.slots]
        assert len(names) == len(set(names)), kind.id
        assert not set(names) & set(topic_slots), kind.id


def test_every_template_file_is_used():
    on_disk = {path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.j2")}
    assert on_disk == set(CASE_IDS)


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.j2")), ids=lambda path: path.relative_to(TEMPLATES).as_posix())
def test_template_text_holds_no_number_or_placeholder(path):
    for _, token, value in ENV.lex(path.read_text(encoding="utf-8")):
        if token in ("data", "string", "integer", "float"):
            assert not DIGIT.search(value), value
            assert not PLACEHOLDER.search(value), value


def test_loaders_accept_a_string_path_and_return_fresh_mappings():
    assert load_kinds(str(PROMPTS_DIR)) == load_kinds()
    assert load_kinds() is not load_kinds()
    assert load_topics(str(PROMPTS_DIR))["party_building"] is load_topics()["party_building"]


# ---------------------------------------------------------------------------------------------
# Rendering


@pytest.mark.parametrize(("template", "slots"), CASES, ids=CASE_IDS)
def test_template_writes_nothing_without_facts(template, slots):
    assert render(template, {}).strip() == ""


@pytest.mark.parametrize(("template", "slots"), CASES, ids=CASE_IDS)
def test_template_writes_every_fact_and_no_other_number(template, slots):
    facts = display_values(slots)
    text = render(template, facts)
    assert_well_formed(text, facts)
    rest = text
    for value in sorted([*facts.values(), *DOC.values()], key=len, reverse=True):
        rest = rest.replace(value, "")
    assert not DIGIT.search(rest), rest


@pytest.mark.parametrize(("template", "slots"), CASES, ids=CASE_IDS)
def test_template_reads_well_with_any_facts_missing(template, slots):
    values = display_values(slots)
    for subset in subsets(list(values), template):
        given = {name: value for name, value in values.items() if name in subset}
        text = render(template, given)
        assert_well_formed(text, given)
        for name, value in values.items():
            if name not in subset:
                assert value not in text


@pytest.mark.parametrize(("template", "slots"), CASES, ids=CASE_IDS)
def test_template_keeps_approximate_values_as_given(template, slots):
    facts = {
        slot.name: f"约{index + 11}{slot.unit}" if slot.kind in ("count", "amount") else value
        for index, (slot, value) in enumerate(zip(slots, display_values(slots).values(), strict=True))
    }
    assert_well_formed(render(template, facts), facts)


# ---------------------------------------------------------------------------------------------
# Cues: a typical answer fills the slots it mentions

TOPIC_ANSWERS = {
    "party_building": "社区党委下设4个党支部，现有党员268名。全年召开党员大会4次、支委会12次、党小组会24次，"
    "上党课6次，开展主题党日活动12次。发展党员2名，确定入党积极分子5名，在职党员报到112名，评出优秀党员27名。",
    "social_assistance": "目前在保23户41人，全年新纳入低保6户，退出4户，发放低保金38.5万元。为9户家庭申请临时救助3.6万元。"
    "春节走访慰问困难群众126户，慰问金6.8万元。为47名残疾人落实补贴，特困人员5名。",
    "employment": "全年新增就业86人，再就业23人，帮扶就业困难人员15人。举办招聘会3场，提供岗位420个，开展技能培训6期，"
    "培训300人次。代办社保业务560件，养老保险新增参保120人，医保参保率97%。",
    "safety": "受理矛盾纠纷45件，调解成功率98%，接待信访12件。平安志愿者80人，巡逻200次，新增视频监控30个。"
    "安全检查24次，整改隐患56处，反诈宣传10场。",
    "civilization": "开展宣传教育活动15场，道德讲堂6期，文体活动30场，参与居民3000人次，有8支文艺队，队员160人，"
    "评选文明家庭20户，身边好人10名。",
    "elderly_care": "社区有老年人2300人，其中空巢独居老人180人，上门探访900人次。日间照料中心300平方米，助餐服务12000人次，"
    "体检800人次，开展活动24场，高龄津贴218人，适老化改造30户。",
    "environment": "集中整治12次，清理卫生死角85处，志愿者参与600人次，拆除违建7处，消杀8次，设置投放点40个，"
    "垃圾分类参与率85%，新增绿化1200平方米。",
    "convenience": "服务站办理服务事项4600件，代办帮办320件，线上办理1500件，收集居民诉求860件，办结率98.6%，"
    "上门服务200人次，便民活动12场，满意度96%。",
    "volunteer": "注册志愿者650名，志愿服务队12支，服务项目8个，开展志愿服务活动150场，志愿者参与4000人次，"
    "服务居民12000人次，结对帮扶60户，表彰优秀志愿者30名。",
    "self_governance": "召开居民代表会议4次，议事协商会18次，参与议事600人次，协商解决23件，居务公开12次，"
    "楼栋长62名，成立业委会2个，微项目5个。",
}
SECTION_ANSWERS = {
    ("annual_summary", "opening"): "社区现有居民3420户9860人，划分12个网格，全年办理民生事项4600件，满意度96.3%。",
    ("research_report", "opening"): "调研时间是2025年3月，调研组7人，召开座谈会5场，参加人员68人，入户走访50户，"
    "个别访谈30人，发放问卷156份，收回有效问卷148份。",
    ("research_report", "basics"): "辖区面积13.5万平方米，7个居民小区，现有居民3420户、常住人口9860人，老年人2100人，"
    "4个党支部，党员268名，社区工作者12名，驻区单位15个，社会组织6个。",
    ("work_plan", "goals"): "办好民生实事10件，新增就业80人，调解成功率95%以上，志愿服务2万人次，文体活动30场，满意度98%。",
    ("work_plan", "safeguards"): "社区工作者14名，工作经费50万元，志愿服务队8支，业务培训4期，督查12次。",
}


@pytest.mark.parametrize("topic_id", list(TOPIC_ANSWERS))
def test_a_typical_topic_answer_fills_every_slot(topic_id):
    slots = load_topics()[topic_id].slots
    extraction = extract(TOPIC_ANSWERS[topic_id], slots)
    assert set(extraction.facts) == {slot.name for slot in slots}
    assert extraction.numbers_unassigned == []


@pytest.mark.parametrize(("kind_id", "section_id"), list(SECTION_ANSWERS))
def test_a_typical_section_answer_fills_its_numeric_slots(kind_id, section_id):
    section = next(s for s in load_kinds()[kind_id].sections if s.id == section_id)
    extraction = extract(SECTION_ANSWERS[kind_id, section_id], section.slots)
    assert set(extraction.facts) == {slot.name for slot in section.slots if slot.kind != "text"}
    assert extraction.numbers_unassigned == []


# ---------------------------------------------------------------------------------------------
# validate() names what is wrong


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    """A private copy of the prompts to break."""
    return Path(shutil.copytree(PROMPTS_DIR, tmp_path / "prompts"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


PARTY = "templates/topics/party_building.j2"
RELIEF_SLOT = "{name: dibao_amount, label: 发放低保金, unit: 万元, kind: amount, cues: [低保金]}"


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        (PARTY, "党内组织生活更加规范", "全年开会3次，党内组织生活更加规范", "digit in template text"),
        (PARTY, "党内组织生活更加规范", "XX社区党内组织生活更加规范", "placeholder in template text"),
        (PARTY, "{%- endset -%}", "{{ facts.party_congress }}{%- endset -%}", "facts.party_congress printed outside an if"),
        (PARTY, "{%- endset -%}", "{% if facts.meetings_total %}{{ facts.meetings_total }}{% endif %}{%- endset -%}",
         "facts.meetings_total is not a slot of topic party_building"),
        (PARTY, '"确定入党积极分子" ~ facts.activists if facts.activists,', "", "slot activists is never printed"),
        (PARTY, "{%- if facts.excellent_members -%}", "{%- if facts.excellent_members or facts.activists -%}",
         "facts.excellent_members printed outside an if"),
        (PARTY, "{{ [organizational_life, members]", "{{ facts | length }}{{ [organizational_life, members]",
         "facts used other than as facts.<slot>"),
        ("topics.yaml", RELIEF_SLOT, RELIEF_SLOT.replace("万元", "斤"), "unit '斤' does not fit kind amount"),
        ("topics.yaml", RELIEF_SLOT, RELIEF_SLOT.replace("kind: amount", "kind: money"), "unknown kind 'money'"),
        ("topics.yaml", RELIEF_SLOT, f"{RELIEF_SLOT}\n    - {RELIEF_SLOT}", "slot dibao_amount repeated"),
        ("topics.yaml", "template: topics/safety.j2", "template: topics/security.j2", "TemplateNotFound"),
        ("topics.yaml", "retrieval_topics: [安全稳定]", "retrieval_topics: [平安建设]", "'平安建设' is not in taxonomy.yaml"),
        ("kinds/work_plan.yaml", "name: plan_staff,", "name: items,", "shadows a dict method"),
        ("kinds/work_plan.yaml", "    from_topics: true\n", "", "has 0 from_topics sections"),
        ("kinds/annual_summary.yaml", "retrieval_kinds: [年度总结]", "retrieval_kinds: [年终总结]", "unknown retrieval kind"),
        ("templates/summary/problems.j2", "{%- endset -%}", "{% if facts.workers %}{{ topic_name }}{% endif %}{%- endset -%}",
         "topic_name is only known"),
        ("kinds/annual_summary.yaml", 'title: "{{ community }}{{ period }}工作总结"',
         'title: "{{ community }}{{ period }}{{ topic_name }}工作总结"', "topic_name is only known"),
    ],
)
def test_validate_reports_broken_prompts(prompts, file, old, new, problem):
    edit(prompts / file, old, new)
    problems = validate(prompts)
    assert any(problem in line for line in problems), problems


def test_validate_reports_unreadable_prompts(prompts):
    (prompts / "topics.yaml").write_text("- {id: broken", encoding="utf-8")
    assert validate(prompts)[0].startswith("prompts cannot be loaded")


def lead_cases() -> list[tuple[str, str, tuple[Slot, ...], bool]]:
    """(where, Jinja source, the section's slots, given a topic name) of every lead, closing and preamble."""
    cases: list[tuple[str, str, tuple[Slot, ...], bool]] = []
    for kind in load_kinds().values():
        if kind.preamble:
            cases.append((f"{kind.id}/preamble", kind.preamble, (), kind.topics == "one"))
        for section in kind.sections:
            for part in ("lead", "closing"):
                source = getattr(section, part)
                if source:
                    cases.append((f"{kind.id}/{section.id}/{part}", source, section.slots, kind.topics == "one"))
    return cases


@pytest.mark.parametrize(("where", "source", "slots", "with_topic"), lead_cases(), ids=[c[0] for c in lead_cases()])
def test_leads_and_closings_read_as_sentences_with_and_without_facts(where, source, slots, with_topic):
    values = display_values(slots)
    used = {name: value for name, value in values.items() if f"facts.{name}" in source}
    topic = TOPIC_NAME if with_topic else ""
    for facts in (used, {}):
        text = ENV.from_string(source).render(facts=facts, doc=DOC, topic_name=topic)
        assert text and text[-1] in "。：", text
        assert not DIGIT.search(text.replace(DOC["period"], "").replace("".join(facts.values()), "")) or facts
        assert not PLACEHOLDER.search(text) and not DOUBLED_PUNCTUATION.search(text), text
        assert all(value in text for value in facts.values())
        assert "None" not in text and "{" not in text
