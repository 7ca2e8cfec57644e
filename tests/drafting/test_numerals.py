from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.drafting.numerals import format_number, parse_number

_DIGITS = "零一二三四五六七八九"


def _chinese_section(n: int, two_as_liang: bool) -> str:
    """Chinese reading of 0 < n < 10000, with 零 for skipped places ("一千零五")."""
    parts: list[str] = []
    gap = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if digit == 0:
            gap = gap or bool(parts)
            continue
        if gap:
            parts.append("零")
            gap = False
        spoken = "两" if digit == 2 and two_as_liang and place >= 100 else _DIGITS[digit]
        parts.append(spoken + unit)
    return "".join(parts)


def chinese_numeral(n: int, two_as_liang: bool = False) -> str:
    """How staff would write 0 <= n < 10**8 in Chinese numerals: 十二, 一百零五, 两千三百, 三万五千."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    text = _chinese_section(high, two_as_liang) + "万" if high else ""
    if low:
        if high and low < 1000:
            text += "零"
        text += _chinese_section(low, two_as_liang)
    # 10-19 are read 十, 十二, not 一十二, at the start of the number.
    return text[1:] if text.startswith("一十") else text


def chinese_decimal(d: Decimal) -> str:
    """九十八点五 for 98.5."""
    whole, _, fraction = format_number(d).partition(".")
    text = chinese_numeral(int(whole))
    if fraction:
        text += "点" + "".join(_DIGITS[int(c)] for c in fraction)
    return text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("1,200", "1200"),
        ("1.5", "1.5"),
        ("１２", "12"),
        ("１．５", "1.5"),
        ("四", "4"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("一百一十", "110"),
        ("一千零五十", "1050"),
        ("两千三百", "2300"),
        ("三万五千", "35000"),
        ("一万零一十", "10010"),
        ("十二万", "120000"),
        ("一亿二千万", "120000000"),
        ("1.5万", "15000"),
        ("2万5千", "25000"),
        ("3万", "30000"),
        ("1.2亿", "120000000"),
        ("百分之九十八", "98"),
        ("百分之九十八点五", "98.5"),
        ("百分之百", "100"),
        ("九十八点五", "98.5"),
        ("一点五万", "15000"),
        ("二〇二五", "2025"),
        ("二零二五", "2025"),
        ("零", "0"),
        ("叁佰", "300"),
    ],
)
def test_parse_number_reads_arabic_chinese_and_mixed_numerals(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("两千三", "2300"), ("一万五", "15000"), ("三百五", "350"), ("2万5", "25000")],
)
def test_parse_number_reads_the_colloquial_short_tail(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "十余", "二十多", "三五", "十百", "五三", "万", "万万", "1,2345", "abc", "十二次", "百分之"],
)
def test_parse_number_refuses_what_is_not_one_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4", "4"), ("1.5", "1.5"), ("1.50", "1.5"), ("12000", "12000"), ("1.2E+4", "12000"), ("4.0", "4"), ("0.05", "0.05"), ("-0", "0")],
)
def test_format_number_gives_plain_arabic_without_trailing_zeros(value: str, expected: str) -> None:
    assert format_number(Decimal(value)) == expected


def test_format_number_refuses_non_finite_values() -> None:
    with pytest.raises(ValueError):
        format_number(Decimal("NaN"))


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False))
def test_parse_number_reads_back_what_format_number_writes(d: Decimal) -> None:
    assert parse_number(format_number(d)) == d


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**8 - 1), st.booleans())
def test_parse_number_reads_chinese_integers(n: int, two_as_liang: bool) -> None:
    assert parse_number(chinese_numeral(n, two_as_liang)) == n


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False))
def test_parse_number_reads_chinese_decimals(d: Decimal) -> None:
    assert parse_number(chinese_decimal(d)) == d


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=9999, places=2, allow_nan=False, allow_infinity=False))
def test_parse_number_reads_arabic_with_wan_and_yi(d: Decimal) -> None:
    assert parse_number(f"{format_number(d)}万") == d * 10000
    assert parse_number(f"{format_number(d)}亿") == d * 100000000


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_parse_number_reads_thousands_separators(n: int) -> None:
    assert parse_number(f"{n:,}") == n


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_parse_number_never_raises(text: str) -> None:
    result = parse_number(text)
    assert result is None or result.is_finite()
