"""Hypothesis strategies for what staff paste and what scraped pages hold: hostile text of every kind.

The text is generated from fragments (no sentence of the seeds is copied): Han characters,
traditional characters, full-width punctuation, pinyin with tone marks, heading numbering, numbers,
control characters, lone surrogates, line breaks of three systems, very long lines and emoji.
"""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.drafting.numerals import format_number
from tests.drafting.test_numerals import chinese_numeral

# The suite runs a few hundred examples per property (seconds); hunting for bugs, run it deeper:
# DRAFTER_PROPERTY_SCALE=20 pytest tests/properties
SCALE = float(os.environ.get("DRAFTER_PROPERTY_SCALE", "1"))


def budget(max_examples: int) -> settings:
    """Settings of one property: its share of examples, no deadline (2 shared cores), no slow-data nags."""
    return settings(max_examples=max(1, int(max_examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
# Extension A and compatibility ideographs: Han too, but outside the basic block.
RARE_HAN = st.sampled_from(list("㐀㐁䶵䶴豈更車賈滑"))
COMMON = list("社区居委会党员群众服务工作开展活动组织建设志愿者困难家庭低保就业养老环境卫生平安文明治理加强推进完善落实")
TRADITIONAL = st.sampled_from(["學習", "黨員", "會議", "發展", "經濟", "圍繞著", "顯著", "綜合治理", "為民服務", "戶籍", "總結", "開展"])
FULLWIDTH_PUNCT = st.sampled_from(list("，。！？；：“”‘’（）《》【】、…—～·　＂％０１２３４５６７８９．＋－"))
ASCII_PUNCT = st.sampled_from(list(",.!?;:\"'()[]{}<>/\\|#*_-+=%$&@`~^"))
PINYIN = st.sampled_from(["(xué)", "(xí)", "(guī)", "?guī)", "?cè)", "(lǜ)", "(nǚ)", "(zhòng)", "xué", "Lǜsè", "(chóng)"])
MARKUP = st.sampled_from(["<b>", "</p>", "<br/>", "{{ x }}", "{% if %}", "{#", "# ", "## ", "**", "【待补充：】"])
HEADINGS = st.sampled_from(["一、", "二、", "十二、", "（一）", "(三)", "1、", "2.", "3．", "篇一", "篇2:", "汇总三", "首先，",
                            "第一阶段，"])
NUMBERS = st.sampled_from(["12", "1,200", "1.5万", "２０２５", "百分之九十八", "二十余", "近300", "一百零五", "两千三", "98%", "0",
                           "2025年3月"])
CONTROL = st.sampled_from([chr(c) for c in (*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x2028, 0x2029,
                                            0x200B, 0xFEFF, 0x202E)])
BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", " ", "\t", "\u3000", "\xa0"])
SURROGATES = st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)
EMOJI = st.sampled_from(["😀", "👍🏻", "🇨🇳", "👨‍👩‍👧", "❤️", "🎉"])
WORDS = st.lists(st.sampled_from(COMMON), min_size=1, max_size=12).map("".join)
# One long line (no break) of a few hundred to a few thousand Han characters, rare ones included,
# with or without commas to cut at.
LONG_LINE = st.tuples(
    st.one_of(WORDS, st.lists(RARE_HAN, min_size=1, max_size=6).map("".join), st.tuples(WORDS, RARE_HAN).map("".join)),
    st.sampled_from(["，", "、", ""]),
    st.integers(min_value=20, max_value=400),
).map(lambda t: (t[0] + t[1]) * t[2] + "。")

_FRAGMENTS_WITHOUT_SURROGATES = [
    st.text(HAN, max_size=20), RARE_HAN, TRADITIONAL, FULLWIDTH_PUNCT, ASCII_PUNCT, PINYIN, MARKUP,
    HEADINGS, NUMBERS, CONTROL, BREAKS, EMOJI, WORDS, st.text(max_size=8),
]


def hostile_text(surrogates: bool = True, long_lines: bool = True, max_fragments: int = 40) -> st.SearchStrategy[str]:
    """Any mixture of the fragments above; lone surrogates only where the API takes any ``str``."""
    fragments = list(_FRAGMENTS_WITHOUT_SURROGATES)
    if surrogates:
        fragments.append(SURROGATES)
    if long_lines:
        fragments.append(LONG_LINE)
    return st.lists(st.one_of(fragments), max_size=max_fragments).map("".join)


def documentish_text() -> st.SearchStrategy[str]:
    """Lines that look like a scraped report: headings, sentences, markers, with some hostility."""
    sentence = st.tuples(WORDS, st.sampled_from(["，", "、", ""]), WORDS, st.sampled_from(["。", "；", "！", "", "..."])).map("".join)
    line = st.one_of(
        st.tuples(HEADINGS, WORDS).map("".join),
        st.lists(sentence, min_size=1, max_size=30).map("".join),
        st.tuples(st.sampled_from(["", " ", "\u3000"]), st.lists(sentence, min_size=1, max_size=8).map("".join)).map("".join),
        LONG_LINE,
        hostile_text(surrogates=False, long_lines=False, max_fragments=8),
    )
    return st.lists(line, max_size=25).flatmap(
        lambda lines: st.sampled_from(["\n", "\r\n", "\n\n"]).map(lambda sep: sep.join(lines))
    )


# -- numbers as staff type them, and as a draft must show them -----------------------------------
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
PRE_MARKERS = ("近", "约", "大约", "将近")  # before the number: 近300人
MID_MARKERS = ("余", "多", "来")  # between number and unit: 20余户
POST_MARKERS = ("左右", "以上")  # after the unit: 300人左右


def numeral(draw: st.DrawFn, value: Decimal) -> str:
    """``value`` written as staff might: Arabic, full-width, Chinese or with thousands separators."""
    integral = value == value.to_integral_value()
    styles = ["arabic", "fullwidth"]
    # Chinese numerals ending in 万 merge with a 万元 unit ("三万元" is 3 in 万元), so those stay Arabic.
    if integral and value < 100000 and (value % 10000 != 0 or value == 0):
        styles.append("chinese")
    if integral and value >= 1000:
        styles.append("thousands")
    style = draw(st.sampled_from(styles))
    if style == "chinese":
        return chinese_numeral(int(value), draw(st.booleans()))
    if style == "thousands":
        return f"{int(value):,}"
    text = format_number(value)
    return text.translate(FULLWIDTH) if style == "fullwidth" else text


def shown(value: Decimal, unit: str, approx: str) -> str:
    """How a draft must show a fact, written independently of ``Fact.display``."""
    number = format_number(value)
    if approx == "来":  # spoken; a document writes 左右
        return f"{number}{unit}左右"
    if approx in PRE_MARKERS:
        return f"{approx}{number}{unit}"
    if approx in MID_MARKERS and unit[:1] in "万亿" and value % 10 != 0:
        return f"{number}{unit[:1]}{approx}{unit[1:]}"
    if approx in MID_MARKERS:
        return f"{number}{approx}{unit}"
    return f"{number}{unit}{approx}"
