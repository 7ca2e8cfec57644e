from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.drafting.facts import Fact, Slot, extract, extract_single, units_compatible
from bot.drafting.lexicon import load_lexicon
from bot.drafting.numerals import format_number
from bot.drafting.understand import read
from tests.properties.strategies import MID_MARKERS, POST_MARKERS, PRE_MARKERS, numeral, shown

from .test_numerals import chinese_decimal

PARTY_CONGRESS = Slot("party_congress", "党员大会次数", "次", "count", ("党员大会",))
BRANCH_MEETING = Slot("branch_meeting", "支委会次数", "次", "count", ("支委会",))
HOUSEHOLDS = Slot("households", "困难家庭户数", "户", "count", ("困难家庭",))
RELIEF_FUND = Slot("relief_fund", "慰问金金额", "元", "amount", ("慰问金",))
REEMPLOYED = Slot("reemployed", "再就业人数", "人", "count", ("再就业",))
MEDIATION_RATE = Slot("mediation_rate", "调解成功率", "%", "percentage", ("调解成功率",))
VOLUNTEER_VISITS = Slot("volunteer_visits", "志愿服务人次", "人次", "count", ("志愿服务",))
COMMUNITY = Slot("community", "社区名称", "", "text", ("社区名称",))
EVENT_DATE = Slot("event_date", "活动时间", "", "date", ("活动时间",))

NUMERIC_SLOTS = (
    PARTY_CONGRESS, BRANCH_MEETING, HOUSEHOLDS, RELIEF_FUND, REEMPLOYED, MEDIATION_RATE, VOLUNTEER_VISITS,
)
ALL_SLOTS = (*NUMERIC_SLOTS, COMMUNITY, EVENT_DATE)


def facts_of(text: str, slots: tuple[Slot, ...] = ALL_SLOTS) -> dict[str, tuple[str, str, str]]:
    """Facts as (value, unit, approx) so that expectations read like the text."""
    return {
        name: (fact.value if isinstance(fact.value, str) else format_number(fact.value), fact.unit, fact.approx)
        for name, fact in extract(text, slots).facts.items()
    }


# --- numbers, units and approximation markers ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年召开党员大会四次，支委会十二次。", {"party_congress": ("4", "次", ""), "branch_meeting": ("12", "次", "")}),
        ("召开党员大会4次、支委会12次", {"party_congress": ("4", "次", ""), "branch_meeting": ("12", "次", "")}),
        ("召开4次党员大会、12次支委会", {"party_congress": ("4", "次", ""), "branch_meeting": ("12", "次", "")}),
        ("党员大会、支委会分别召开4次、12次", {"party_congress": ("4", "次", ""), "branch_meeting": ("12", "次", "")}),
        ("召开党员大会两次", {"party_congress": ("2", "次", "")}),
        ("召开党员大会3场", {"party_congress": ("3", "场", "")}),
        (
            "为二十余户困难家庭发放慰问金1.5万元",
            {"households": ("20", "户", "余"), "relief_fund": ("1.5", "万元", "")},
        ),
        ("调解成功率达到百分之九十八", {"mediation_rate": ("98", "%", "")}),
        ("调解成功率达到百分之九十八点五", {"mediation_rate": ("98.5", "%", "")}),
        ("调解成功率98.5%", {"mediation_rate": ("98.5", "%", "")}),
        ("调解成功率９８％以上", {"mediation_rate": ("98", "%", "以上")}),
        ("帮助近300人实现再就业", {"reemployed": ("300", "人", "近")}),
        ("一百二十多名居民实现再就业", {"reemployed": ("120", "名", "多")}),
        ("慰问金500元左右", {"relief_fund": ("500", "元", "左右")}),
        ("发放慰问金约500元", {"relief_fund": ("500", "元", "约")}),
        ("发放慰问金大约1,200元", {"relief_fund": ("1200", "元", "大约")}),
        ("发放慰问金10余万元", {"relief_fund": ("10", "万元", "余")}),
        ("发放慰问金1.2亿元", {"relief_fund": ("1.2", "亿元", "")}),
        ("发放慰问金三万五千元", {"relief_fund": ("35000", "元", "")}),
        ("志愿服务3000余人次", {"volunteer_visits": ("3000", "人次", "余")}),
        ("开展志愿服务将近两千人次", {"volunteer_visits": ("2000", "人次", "将近")}),
        ("走访十来户困难家庭", {"households": ("10", "户", "来")}),
    ],
)
def test_extract_reads_numbers_with_units_and_approximations(text: str, expected: dict[str, tuple[str, str, str]]) -> None:
    assert facts_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("节约慰问金1万元", {"relief_fund": ("1", "万元", "")}),
        ("发放慰问金2万5千元", {"relief_fund": ("25000", "元", "")}),
        ("发放慰问金一亿二千万元", {"relief_fund": ("120000000", "元", "")}),
        ("发放慰问金3万余元", {"relief_fund": ("30000", "元", "余")}),
        ("召开党员大会 4 次", {"party_congress": ("4", "次", "")}),
        ("开展一次支委会", {"branch_meeting": ("1", "次", "")}),
        ("支委会召开一次", {"branch_meeting": ("1", "次", "")}),
    ],
)
def test_extract_keeps_what_was_written_and_no_more(text: str, expected: dict[str, tuple[str, str, str]]) -> None:
    assert facts_of(text) == expected


@pytest.mark.parametrize("text", ["上午10:30召开党员大会", "3号楼居民参加党员大会", "5G网络覆盖全社区"])
def test_times_house_numbers_and_codes_are_not_quantities(text: str) -> None:
    result = extract(text, ALL_SLOTS)
    assert (result.facts, result.numbers_unassigned) == ({}, [])


def test_fact_source_is_the_exact_text_the_fact_came_from() -> None:
    facts = extract("为二十余户困难家庭发放慰问金1.5万元", ALL_SLOTS).facts
    assert facts["households"].source == "二十余户"
    assert facts["relief_fund"].source == "1.5万元"


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        (Fact("party_congress", Decimal(4), "次", "", "四次"), "4次"),
        (Fact("households", Decimal(20), "户", "余", "二十余户"), "20余户"),
        (Fact("reemployed", Decimal(300), "人", "近", "近300人"), "近300人"),
        (Fact("relief_fund", Decimal("1.5"), "万元", "", "1.5万元"), "1.5万元"),
        (Fact("relief_fund", Decimal("10"), "万元", "余", "10余万元"), "10余万元"),
        (Fact("relief_fund", Decimal("5"), "万元", "多", "五万多"), "5万多元"),  # never 5多万元
        (Fact("mediation_rate", Decimal("98.0"), "%", "", "百分之九十八"), "98%"),
        (Fact("relief_fund", Decimal(500), "元", "约", "约500元"), "约500元"),
        (Fact("relief_fund", Decimal(500), "元", "左右", "500元左右"), "500元左右"),
        (Fact("event_date", "2025年3月", "", "", "二〇二五年三月"), "2025年3月"),
    ],
)
def test_display_renders_the_canonical_draft_text(fact: Fact, expected: str) -> None:
    assert fact.display() == expected


# --- which slot a number belongs to ------------------------------------------------------------


def test_a_number_goes_to_the_cue_before_it_in_the_same_clause() -> None:
    assert facts_of("党员大会4次，支委会") == {"party_congress": ("4", "次", "")}


def test_a_number_without_a_cue_in_its_clause_takes_the_one_open_slot_named_earlier_in_the_sentence() -> None:
    assert facts_of("党员大会开得很好，一共4次") == {"party_congress": ("4", "次", "")}
    assert facts_of("为二十户困难家庭送去温暖，慰问金共发放，金额5000元") == {
        "households": ("20", "户", ""), "relief_fund": ("5000", "元", "")}


def test_a_number_in_another_sentence_or_of_another_unit_is_not_claimed_across_clauses() -> None:
    result = extract("党员大会开得很好。一共4次", ALL_SLOTS)
    assert result.facts == {}
    assert result.numbers_unassigned == ["4次"]
    assert extract("党员大会开得很好，来了40人", ALL_SLOTS).facts == {}


def test_a_number_glued_to_a_following_cue_beats_a_cue_across_a_verb() -> None:
    assert facts_of("党员大会结束后又召开4次支委会") == {"branch_meeting": ("4", "次", "")}


def test_the_unit_must_fit_the_slot() -> None:
    result = extract("慰问金发放20户", ALL_SLOTS)
    assert result.facts == {}
    assert result.numbers_unassigned == ["20户"]


def test_a_slot_accepts_equivalent_units_and_keeps_the_unit_as_written() -> None:
    assert facts_of("再就业15名") == {"reemployed": ("15", "名", "")}
    assert facts_of("慰问金2万元") == {"relief_fund": ("2", "万元", "")}


def test_a_second_number_for_a_filled_slot_is_left_for_the_bot_to_ask() -> None:
    result = extract("召开党员大会4次，党员大会线上2次", ALL_SLOTS)
    assert facts_of("召开党员大会4次，党员大会线上2次") == {"party_congress": ("4", "次", "")}
    assert result.numbers_unassigned == ["2次"]


def test_a_bare_number_right_after_its_cue_takes_the_slot_unit() -> None:
    assert facts_of("党员大会次数：4，支委会十二。") == {
        "party_congress": ("4", "次", ""),
        "branch_meeting": ("12", "次", ""),
    }


def test_a_slot_whose_cue_is_absent_gets_nothing() -> None:
    result = extract("今年共召开会议4次", ALL_SLOTS)
    assert result.facts == {}
    assert result.numbers_unassigned == ["4次"]


def test_a_rate_is_not_taken_for_a_total() -> None:
    result = extract("每月召开一次党员大会，为每户困难家庭发放慰问金500元", ALL_SLOTS)
    assert result.facts == {}
    assert result.numbers_unassigned == ["500元"]
    assert facts_of("慰问金人均500元，共发放慰问金5万元") == {"relief_fund": ("5", "万元", "")}


@pytest.mark.parametrize(
    "text",
    [
        "第三次党员大会顺利召开",
        "千家万户参与志愿服务",
        "坚持三会一课，落实一户一档",
        "大家一起参加党员大会",
        "十四五期间，党员大会",
    ],
)
def test_numerals_inside_words_are_not_numbers(text: str) -> None:
    result = extract(text, ALL_SLOTS)
    assert result.facts == {}
    assert result.numbers_unassigned == []


# --- dates and text slots ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("活动时间为2025年", "2025年"),
        ("活动时间为2025年3月", "2025年3月"),
        ("活动时间：2025年3月15日", "2025年3月15日"),
        ("活动时间是二〇二五年三月十五日", "2025年3月15日"),
        ("2025年3月15日开展活动时间", "2025年3月15日"),
    ],
)
def test_extract_reads_dates(text: str, expected: str) -> None:
    assert extract(text, ALL_SLOTS).facts["event_date"].value == expected


def test_a_year_is_context_not_a_question_when_no_slot_asks_for_a_date() -> None:
    result = extract("2025年，社区召开党员大会4次。", NUMERIC_SLOTS)
    assert facts_of("2025年，社区召开党员大会4次。", NUMERIC_SLOTS) == {"party_congress": ("4", "次", "")}
    assert result.numbers_unassigned == []


@pytest.mark.parametrize("text", ["社区名称是幸福里社区。", "社区名称：幸福里社区", "社区名称为 幸福里社区，"])
def test_extract_reads_a_text_slot_after_its_cue(text: str) -> None:
    fact = extract(text, ALL_SLOTS).facts["community"]
    assert fact.value == "幸福里社区"
    assert fact.source in text


def test_a_text_slot_without_its_cue_gets_nothing() -> None:
    assert "community" not in extract("幸福里社区今年工作扎实。", ALL_SLOTS).facts


# --- answers to a single question ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slot", "expected"),
    [
        ("12次", PARTY_CONGRESS, "12次"),
        ("十二", PARTY_CONGRESS, "12次"),
        ("一共12次吧", PARTY_CONGRESS, "12次"),
        ("今年开了十二次", PARTY_CONGRESS, "12次"),
        ("开了4次党员大会，支委会不记得了", PARTY_CONGRESS, "4次"),
        ("十余", HOUSEHOLDS, "10余户"),
        ("二十余户。", HOUSEHOLDS, "20余户"),
        ("1.5万", RELIEF_FUND, "1.5万元"),
        ("约500元", RELIEF_FUND, "约500元"),
        ("98", MEDIATION_RATE, "98%"),
        ("百分之九十八", MEDIATION_RATE, "98%"),
        ("2025年3月", EVENT_DATE, "2025年3月"),
        ("幸福里社区", COMMUNITY, "幸福里社区"),
    ],
)
def test_extract_single_reads_a_direct_answer(text: str, slot: Slot, expected: str) -> None:
    fact = extract_single(text, slot)
    assert fact is not None
    assert fact.display() == expected
    assert fact.source in text


@pytest.mark.parametrize(
    ("text", "slot"),
    [("不太清楚", PARTY_CONGRESS), ("每月一次", PARTY_CONGRESS), ("20户", RELIEF_FUND), ("98%", HOUSEHOLDS), ("", HOUSEHOLDS)],
)
def test_extract_single_refuses_answers_that_do_not_fit(text: str, slot: Slot) -> None:
    assert extract_single(text, slot) is None


@pytest.mark.parametrize(
    ("slot_unit", "unit", "expected"),
    [
        ("元", "万元", True),
        ("万元", "元", True),
        ("元", "亿元", True),
        ("人", "名", True),
        ("人", "人次", False),
        ("次", "场", True),
        ("户", "人", False),
        ("%", "%", True),
        ("次", "%", False),
    ],
)
def test_units_compatible(slot_unit: str, unit: str, expected: bool) -> None:
    assert units_compatible(slot_unit, unit) is expected


# --- properties --------------------------------------------------------------------------------

UNITS = {
    PARTY_CONGRESS.name: ("次", "场"),
    BRANCH_MEETING.name: ("次", "场"),
    HOUSEHOLDS.name: ("户",),
    RELIEF_FUND.name: ("元", "万元"),
    REEMPLOYED.name: ("人", "名"),
    MEDIATION_RATE.name: ("%",),
    VOLUNTEER_VISITS.name: ("人次",),
}
FILLERS = (
    "今年以来，社区党委坚持党建引领。",
    "千家万户都说好！",
    "大家一起努力，进一步完善工作机制。",
    "我们将继续做好服务",
    "居民满意度明显提升！",
)


@dataclass(frozen=True)
class Spoken:
    """A fact as the generator meant it, and one way staff might have typed it."""

    slot: Slot
    value: Decimal
    unit: str
    approx: str
    phrase: str


@st.composite
def spoken_facts(draw: st.DrawFn, slot: Slot) -> Spoken:
    unit = draw(st.sampled_from(UNITS[slot.name]))
    if slot.kind == "percentage":
        value = draw(st.decimals(min_value=0, max_value=100, places=1))
    elif unit == "万元":
        value = draw(st.decimals(min_value=Decimal("0.1"), max_value=9999, places=2))
    elif slot.kind == "amount":
        value = draw(st.one_of(st.integers(1, 10**6).map(Decimal), st.decimals(min_value=1, max_value=99999, places=2)))
    else:
        value = Decimal(draw(st.integers(1, 10**5)))
    integral = value == value.to_integral_value()
    markers = ["", *PRE_MARKERS, *POST_MARKERS]
    if integral and unit != "%":
        markers += MID_MARKERS
    approx = draw(st.sampled_from(markers))

    if unit == "%":
        number = ("百分之" + chinese_decimal(value) if draw(st.booleans())
                  else numeral(draw, value) + draw(st.sampled_from(["%", "％"])))
    else:
        number = numeral(draw, value) + (approx if approx in MID_MARKERS else "") + unit
    expression = (approx if approx in PRE_MARKERS else "") + number + (approx if approx in POST_MARKERS else "")

    cue = slot.cues[0]
    if slot.kind == "percentage" or draw(st.booleans()):
        template = draw(st.sampled_from(["{cue}{x}", "{cue}共{x}", "{cue}累计{x}", "{cue}达到{x}"]))
    else:
        template = draw(st.sampled_from(["{x}{cue}", "共{x}{cue}", "开展{x}{cue}"]))
    return Spoken(slot, value, unit, approx, template.format(cue=cue, x=expression))


@st.composite
def reports(draw: st.DrawFn) -> tuple[str, list[Spoken], list[str]]:
    slots = draw(st.lists(st.sampled_from(NUMERIC_SLOTS), min_size=1, max_size=len(NUMERIC_SLOTS), unique=True))
    spoken = [draw(spoken_facts(slot)) for slot in slots]
    body = spoken[0].phrase
    for item in spoken[1:]:
        body += draw(st.sampled_from(["、", "，", "；"])) + item.phrase
    body += "。"
    before = draw(st.lists(st.sampled_from(FILLERS[:3]), max_size=2, unique=True))
    after = draw(st.lists(st.sampled_from(FILLERS[3:]), max_size=2, unique=True))
    return "".join(before) + body + "\n".join(["", *after]), spoken, before + after


@settings(max_examples=200, deadline=None)
@given(reports())
def test_extract_gives_back_every_generated_fact(report: tuple[str, list[Spoken], list[str]]) -> None:
    text, spoken, fillers = report
    result = extract(text, ALL_SLOTS)
    assert set(result.facts) == {item.slot.name for item in spoken}
    for item in spoken:
        fact = result.facts[item.slot.name]
        assert (fact.value, fact.unit, fact.approx) == (item.value, item.unit, item.approx)
        assert fact.display() == shown(item.value, item.unit, item.approx)
        assert fact.source in text
    assert result.numbers_unassigned == []
    statements = [st.text for st in read(text, ALL_SLOTS, load_lexicon()).statements]
    for filler in fillers:
        assert any(filler.strip("。！!") in kept for kept in statements)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NUMERIC_SLOTS).flatmap(spoken_facts))
def test_extract_single_reads_a_generated_answer(spoken: Spoken) -> None:
    fact = extract_single(spoken.phrase, spoken.slot)
    assert fact is not None
    assert (fact.value, fact.unit, fact.approx) == (spoken.value, spoken.unit, spoken.approx)


NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789,.%１２一二两三十百千万亿零〇余多来近约左右以上"
                                                  "次户元人名年月日第每分之点党员大会支委会慰问金，、。；：是\n ")))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), NUMBERISH))
def test_extract_never_raises_and_every_source_is_in_the_text(text: str) -> None:
    result = extract(text, ALL_SLOTS)
    for fact in result.facts.values():
        assert fact.source in text
    for surface in result.numbers_unassigned:
        assert surface in text
    for slot in ALL_SLOTS:
        single = extract_single(text, slot)
        assert single is None or single.source in text


def test_of_two_overlapping_cues_the_one_that_starts_first_wins():
    slots = [
        Slot("dibao_households", "在保低保户数", "户", "count", ("在保", "低保户")),
        Slot("dibao_new", "新纳入低保户数", "户", "count", ("新增低保", "新纳入低保")),
    ]
    result = extract("今年新增低保户5户。", slots)
    assert set(result.facts) == {"dibao_new"}
    assert result.facts["dibao_new"].display() == "5户"


MEMBERS = Slot("members", "党员人数", "名", "count", ("党员", "现有党员"))
NEW_MEMBERS = Slot("new_members", "发展党员人数", "名", "count", ("发展党员",))
ACTIVISTS = Slot("activists", "入党积极分子人数", "名", "count", ("积极分子",))
PARTY = (MEMBERS, NEW_MEMBERS, ACTIVISTS)


@pytest.mark.parametrize(("text", "expected"), [
    # The cue typed around its number: 2 is the new members, never the party's size.
    ("今年发展了2名党员", {"new_members": ("2", "名", "")}),
    ("新发展3名党员，积极分子5名", {"new_members": ("3", "名", ""), "activists": ("5", "名", "")}),
    # People counted with 个 are 名 in the draft, only when the number stands by its cue.
    ("今年发展了2个党员，积极分子3个", {"new_members": ("2", "名", ""), "activists": ("3", "名", "")}),
    ("现有党员186名，发展党员3名", {"members": ("186", "名", ""), "new_members": ("3", "名", "")}),
    ("党员中有3个小组", {}),
])
def test_a_cue_split_by_its_number_and_people_counted_with_ge(text: str, expected: dict[str, tuple[str, str, str]]) -> None:
    assert facts_of(text, PARTY) == expected


HOUSES = Slot("households", "居民户数", "户", "count", ("户数", "居民"))
PEOPLE = Slot("population", "常住人口", "人", "count", ("常住人口", "人口"), follows="households")
ELDERLY = Slot("elderly", "老年人数", "人", "count", ("老年人", "老人"))


@pytest.mark.parametrize(("text", "expected"), [
    ("社区有3100户，8200人，老人有1900多人", {"households": ("3100", "户", ""), "population": ("8200", "人", ""),
                                           "elderly": ("1900", "人", "多")}),
    ("居民3100户、8200人", {"households": ("3100", "户", ""), "population": ("8200", "人", "")}),
    ("老人1900人，3100户", {"elderly": ("1900", "人", "")}),  # the order is the phrase: 户 first
])
def test_people_right_after_households_are_the_population(text: str, expected: dict[str, tuple[str, str, str]]) -> None:
    assert facts_of(text, (HOUSES, PEOPLE, ELDERLY)) == expected
