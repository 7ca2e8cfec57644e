"""Properties of the guard: a figure in any spelling is the staff member's figure; an invented one never passes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.drafting.numerals import format_number
from bot.llm import GivenFact, SectionBrief
from bot.llm.guard import check
from bot.llm.prompts import load_prompt_book
from bot.llm.quantities import read_quantities
from tests.drafting.test_numerals import chinese_decimal, chinese_numeral
from tests.properties.strategies import budget

RULES = load_prompt_book().rules
LEAD = "社区坚持以人民为中心，扎实推进各项工作，"
COUNT_UNITS = ("户", "人", "名", "次", "件", "个", "场")


@st.composite
def amount_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(display as the offline draft prints it, the same amount as a model might write it)."""
    yuan = draw(st.integers(min_value=1, max_value=99_999_999))
    display = f"{format_number(Decimal(yuan))}元"
    forms = [f"{yuan}元", f"{chinese_numeral(yuan)}元", f"{yuan:,}元"]
    if yuan % 100 == 0 and yuan >= 10_000:
        wan = Decimal(yuan) / 10_000
        display = draw(st.sampled_from([display, f"{format_number(wan)}万元"]))
        forms += [f"{format_number(wan)}万元", f"{chinese_decimal(wan)}万元"]
    if yuan % 10_000 == 0:
        forms.append(f"{chinese_numeral(yuan // 10_000)}万元")
    return display, draw(st.sampled_from(forms))


@st.composite
def percent_spellings(draw: st.DrawFn) -> tuple[str, str]:
    tenths = draw(st.integers(min_value=1, max_value=1000))
    value = Decimal(tenths) / 10
    forms = [f"{format_number(value)}%", f"百分之{chinese_decimal(value)}", f"{format_number(value)}％"]
    if tenths % 100 == 0 and tenths < 1000:
        forms.append(f"{chinese_numeral(tenths // 100)}成")
    return f"{format_number(value)}%", draw(st.sampled_from(forms))


@st.composite
def count_spellings(draw: st.DrawFn) -> tuple[str, str]:
    n = draw(st.integers(min_value=2, max_value=99_999))
    unit = draw(st.sampled_from(COUNT_UNITS))
    forms = [f"{n}{unit}", f"{chinese_numeral(n)}{unit}", f"{chinese_numeral(n, two_as_liang=True)}{unit}"]
    return f"{n}{unit}", draw(st.sampled_from(forms))


SPELLINGS = st.one_of(amount_spellings(), percent_spellings(), count_spellings())


def brief_with(display: str) -> SectionBrief:
    return SectionBrief(kind_name="年度工作总结", heading="社会救助", purpose="写救助工作",
                        facts=(GivenFact("事项", display),), min_chars=0)


@given(SPELLINGS)
@budget(300)
def test_a_figure_in_any_spelling_is_the_given_fact(pair: tuple[str, str]) -> None:
    display, written = pair
    answer = f"{LEAD}全年累计达到{written}，群众满意度持续提升。"
    assert check(answer, brief_with(display), RULES) == []


@given(SPELLINGS, st.integers(min_value=2, max_value=99_999_999), st.sampled_from(("元", "万元", "户", "人次", "%", "件")),
       st.booleans())
@budget(300)
def test_an_invented_figure_is_always_caught(pair: tuple[str, str], invented: int, unit: str, chinese: bool) -> None:
    display, written = pair
    brief = brief_with(display)
    given_values = {q.value for q in read_quantities(display)}
    value = Decimal(invented) * (10_000 if unit == "万元" else 1)
    assume(value not in given_values)
    assume(unit != "万元" or invented < 10_000)  # 一万万元 is no way to write a number
    number = chinese_numeral(invented) if chinese and invented < 10**8 else str(invented)
    answer = f"{LEAD}全年累计达到{written}，另有{number}{unit}。"
    found = [v.kind for v in check(answer, brief, RULES)]
    assert "invented_number" in found or "altered_number" in found, (answer, found)


@given(SPELLINGS, st.sampled_from([Decimal(10), Decimal(100), Decimal(1000), Decimal(10_000)]), st.booleans())
@budget(200)
def test_a_figure_at_another_magnitude_is_never_the_fact(pair: tuple[str, str], factor: Decimal, up: bool) -> None:
    display, _ = pair
    [fact] = read_quantities(display)
    changed = fact.value * factor if up else fact.value / factor
    unit = "%" if fact.unit == "%" else fact.unit
    answer = f"{LEAD}全年累计达到{format_number(changed)}{unit}，群众满意度持续提升。"
    found = [v.kind for v in check(answer, brief_with(display), RULES)]
    assert found and set(found) <= {"altered_number", "invented_number", "missing_fact"}, (answer, found)
