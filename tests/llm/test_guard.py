"""The guard over plain data: what it lets into a draft and what it refuses, with what words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.llm import GivenFact
from bot.llm.guard import check
from bot.llm.prompts import load_prompt_book
from bot.llm.quantities import read_quantities
from testing.briefs import BRIEF, GOOD

RULES = load_prompt_book().rules


def kinds(answer: str, brief=BRIEF) -> list[str]:
    return [v.kind for v in check(answer, brief, RULES)]


def messages(answer: str, brief=BRIEF) -> list[str]:
    return [v.message for v in check(answer, brief, RULES)]


@pytest.mark.parametrize(("text", "figures"), [
    ("慰问金2.3万元", ["23000元"]),
    ("慰问金两万三", ["23000"]),
    ("满意度百分之九十六点八", ["96.8%"]),
    ("九成居民", ["90%"]),
    ("10余万元、3万余元、百余户、二十余户", ["100000元", "30000元", "100户", "20户"]),
    ("1,200人次，0.86平方公里", ["1200人次", "0.86平方公里"]),
    ("二〇二五年三月", ["2025年", "3月"]),
    ("党员大会四次、支委会12场", ["4次", "12次"]),
    ("志愿者12名", ["12人"]),
    ("十万元、十二户、一元", ["100000元", "12户", "1元"]),
])
def test_figures_are_read_at_their_magnitude(text: str, figures: list[str]) -> None:
    assert [q.key() for q in read_quantities(text)] == figures


@pytest.mark.parametrize("text", [
    "一是强化引领，二是完善机制。（一）党建引领", "1. 开展活动\n2、完善制度", "第三批、第一书记", "建立一支队伍，开展一次活动",
    "千家万户、百姓、万人空巷", "十二五期间", "5G基站",
])
def test_words_with_numerals_are_no_figures(text: str) -> None:
    assert read_quantities(text) == []


def test_a_good_answer_passes() -> None:
    assert check(GOOD, BRIEF, RULES) == []


def test_fixed_terms_and_generic_places_pass() -> None:
    answer = GOOD + ("社区深入学习贯彻党的二十大精神，落实“三会一课”，增强“四个意识”，推进文明社区、平安社区建设，"
                     "走进小区、服务社区居民，推动老旧小区改造，打造一刻钟便民生活圈，困难家庭一户一档。")
    assert check(answer, BRIEF, RULES) == []


def test_figures_from_other_sections_and_basics_are_allowed() -> None:
    assert kinds(GOOD + "社区共有居民3200户，划分网格12个。") == []


def test_an_invented_figure_is_named() -> None:
    assert messages(GOOD + "新发展党员3名。") == ["含有您未提供的数字“3名”"]


def test_an_invented_chinese_figure_is_named() -> None:
    assert messages(GOOD + "新发展党员三名。") == ["含有您未提供的数字“三名”"]


def test_a_total_the_model_computed_is_invented() -> None:
    brief = replace(BRIEF, facts=(*BRIEF.facts, GivenFact("支委会次数", "12次")))
    answer = GOOD.replace("4次", "4次、支委会12次，共16次")
    assert messages(answer, brief) == ["含有您未提供的数字“16次”"]


@pytest.mark.parametrize(("written", "expected"), [
    ("23万元", "把您提供的“2.3万元”写成了“23万元”"),
    ("2.3元", "把您提供的“2.3万元”写成了“2.3元”"),
    ("23000万元", "把您提供的“2.3万元”写成了“23000万元”"),
])
def test_a_changed_magnitude_is_named_once(written: str, expected: str) -> None:
    assert messages(GOOD.replace("2.3万元", written)) == [expected]


def test_the_same_figure_in_another_unit_spelling_passes() -> None:
    assert kinds(GOOD.replace("2.3万元", "23000元").replace("近300名", "近三百人")) == []


def test_a_dropped_fact_is_named_with_its_label() -> None:
    answer = GOOD.replace("居民满意度达到96.8%。", "居民满意度不断提升。")
    assert messages(answer) == ["漏掉了您提供的居民满意度“96.8%”"]


def test_a_dropped_approximation_is_named() -> None:
    assert messages(GOOD.replace("近300名", "300名")) == ["把约数“近300人”写成了“300名”"]


def test_a_text_fact_must_appear() -> None:
    brief = replace(BRIEF, facts=(*BRIEF.facts, GivenFact("获得的荣誉称号", "区级文明社区、市级平安社区")))
    assert messages(GOOD, brief) == ["漏掉了您提供的获得的荣誉称号“区级文明社区、市级平安社区”"]
    assert kinds(GOOD + "社区先后获评区级文明社区和市级平安社区。", brief) == []


@pytest.mark.parametrize("placeholder", ["XX社区", "20XX年", "某某同志", "___", "**成效**", "【待补充：成效】", "××街道"])
def test_placeholders_are_refused(placeholder: str) -> None:
    assert "placeholder" in kinds(GOOD + placeholder + "。")


@pytest.mark.parametrize(("added", "name"), [
    ("学习借鉴金桥社区的经验。", "金桥社区"),
    ("东湖街道朝阳社区来交流。", "东湖街道"),
    ("锦绣花园小区加装电梯。", "锦绣花园"),
    ("社区党委书记张明同志带头走访。", "张明"),
])
def test_names_not_given_are_refused(added: str, name: str) -> None:
    assert f"出现了您没有提供的名称“{name}”" in messages(GOOD + added)


def test_a_name_copied_from_an_example_is_refused() -> None:
    assert "出现了您没有提供的名称“李建国”" in messages(GOOD + "李建国带头走访困难党员。")


def test_names_the_staff_gave_pass() -> None:
    assert kinds(GOOD + "幸福里社区居民委员会与阳光物业公司定期会商。") == []


def test_a_run_copied_from_an_example_is_refused_but_a_shorter_one_passes() -> None:
    assert kinds(GOOD + "社区坚持把党建引领贯穿基层治理全过程。") == []  # 19 characters in common
    assert kinds(GOOD + "组织党员志愿者深入楼栋开展走访，建立了“党员联系户”制度。") == ["copied"]


def test_length_bounds() -> None:
    short = replace(BRIEF, facts=(GivenFact("党员大会次数", "4次"),), min_chars=40)
    assert messages("全年召开党员大会4次。", short) == ["篇幅过短（11字，至少应有40字）"]
    long = replace(BRIEF, max_chars=60)
    assert messages(GOOD, long) == [f"篇幅过长（{len(GOOD)}字，最多60字）"]


def test_an_empty_answer() -> None:
    assert kinds("  \n ") == ["empty"]
