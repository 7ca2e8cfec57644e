"""Message splitting and names as Telegram shows them: pure functions, properties included."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram.formatting import clean_text, split_text, units
from bot.filenames import safe_filename, shown_name, title_filename

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme cluster of seven code points, eleven UTF-16 units
FLAG = "🇨🇳"


def test_a_lone_surrogate_is_split_and_counted_not_raised() -> None:
    text = "报告\ud800" * 3000
    chunks = split_text(text)
    assert "".join(chunks) == text
    assert all(units(c) <= 4096 for c in chunks)
    assert clean_text("坏\ud800字") == "坏\ufffd字"


def test_a_cut_without_a_line_break_prefers_a_sentence_end_then_a_comma() -> None:
    sentence = "社区开展了志愿服务活动。"
    assert split_text(sentence * 2, limit=16) == [sentence, sentence]
    assert split_text("走访困难家庭，登记救助需求，建立台账", limit=15) == ["走访困难家庭，登记救助需求，", "建立台账"]
    assert split_text("他说：“办好了。”然后离开", limit=10) == ["他说：“办好了。”", "然后离开"]  # the quote stays


def test_a_cut_never_lands_inside_a_number() -> None:
    text = "全年共走访" + "1234567" + "户居民"
    for limit in range(8, 14):
        for chunk in split_text(text, limit=limit):
            assert "1234567" in chunk or not regex.search(r"\d", chunk), (limit, chunk)
    assert split_text("金额1,234.56万元，占比98.5%", limit=13) == ["金额1,234.56万元，", "占比98.5%"]
    assert split_text("金额1,234.56万元", limit=6) == ["金额", "1,234.", "56万元"]  # a number longer than a message


def test_a_cut_never_lands_inside_an_emoji_sequence_or_a_flag() -> None:
    text = ("好" + FAMILY + FLAG) * 30
    chunks = split_text(text, limit=40)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert units(chunk) <= 40
        assert set(regex.findall(r"\X", chunk)) <= {"好", FAMILY, FLAG}, chunk


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["社区", "工作", "。", "，", "\n", "\n\n", "2025", "1.5", FAMILY, FLAG, "e\u0301",
                                 "\ud800", " "]), max_size=80),
       st.integers(min_value=12, max_value=60))
def test_chunks_fit_keep_every_character_and_cut_between_graphemes(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    chunks = split_text(text, limit=limit)
    assert all(units(c) <= limit and c.strip() for c in chunks)
    clusters = {m.end() for m in regex.finditer(r"\X", text)}
    position = 0
    for chunk in chunks:  # in order, on grapheme boundaries, with only blanks dropped between them
        start = text.index(chunk, position)
        assert not text[position:start].strip()
        assert start == 0 or start in clusters
        assert start + len(chunk) in clusters
        position = start + len(chunk)
    assert not text[position:].strip()


# -- names ---------------------------------------------------------------------------------------------
def test_direction_overrides_and_controls_are_stripped_from_names_shown_and_written() -> None:
    tricky = "报告\u202excod.exe"  # shows as 报告exe.docx in a right-to-left override
    assert safe_filename(tricky) == "报告xcod.exe"
    for name in ("\u202e总结.docx", "总\u200e结\u200f.docx", "总\u2066结\u2069.docx", "总\x85结\x9b.docx",
                 "总\ufeff结.docx", "总\u200b结.docx"):
        assert safe_filename(name) == "总结.docx", repr(name)
        assert shown_name(name) == "总结.docx"
    assert title_filename("幸福里社区\u202e2025年工作总结", ".docx") == "幸福里社区2025年工作总结.docx"
    assert title_filename("\u202e\u200b ", ".md") == "草稿.md"
    assert clean_text("请看\u202e文件\x1b[2J") == "请看文件[2J"
