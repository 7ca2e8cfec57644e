"""The staff member's own sentences in the register of a document: words change, figures never do."""

from __future__ import annotations

import pytest

from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import load_lexicon
from bot.drafting.register import formalize, join_items

LEXICON = load_lexicon(PROMPTS_DIR)


@pytest.mark.parametrize(("said", "written"), [
    ("我们还搞了“红色楼栋长”，每栋楼选一个党员当楼栋长", "社区还开展了“红色楼栋长”活动，每栋楼选一个党员担任楼栋长。"),
    ("对了，我们每个月给八十岁以上的老人上门送一次饭吧", "社区每月为80岁以上的老年人入户送一次饭。"),
    ("主要问题是人手不够", "人手不足。"),
    ("走过来要二十多分钟", "步行需20多分钟。"),
    ("问题的话就是人少事多", "人少事多。"),
    ("大概有四十来个", "约有40个。"),
])
def test_colloquial_notes_become_document_sentences(said: str, written: str) -> None:
    assert formalize(said, LEXICON) == written


def test_replacements_respect_word_boundaries() -> None:
    # 当 → 担任 and 给 → 为 apply to whole words only.
    assert formalize("当前还有两个小区没改造", LEXICON) == "当前还有2个小区尚未改造。"
    assert "担任前" not in formalize("当前工作", LEXICON)


def test_figures_keep_their_value_and_unit() -> None:
    text = formalize("发了一万五千元慰问金，九成居民参加，1,200人次", LEXICON)
    assert "15000元" in text and "90%" in text and "1200人次" in text


def test_punctuation_is_full_width_and_no_space_is_left_between_sentences() -> None:
    assert formalize("居民很满意,活动很多 ; 效果挺好", LEXICON) == "居民很满意，活动较多；效果较好。"


def test_markup_typed_by_a_user_stays_as_typed() -> None:
    assert "<script>alert(1)</script>" in formalize("<script>alert(1)</script>", LEXICON)


def test_a_list_reads_one_shi_er_shi_and_a_single_item_stays_a_sentence() -> None:
    assert join_items(["人手不足。", "场地偏小", "经费紧张；"]) == "一是人手不足；二是场地偏小；三是经费紧张。"
    assert join_items(["人手不足"]) == "人手不足。"
    assert join_items([]) == ""
