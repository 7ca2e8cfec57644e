"""The staff member's own sentences in the register of a document: words change, figures never do."""

from __future__ import annotations

import pytest

from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import load_lexicon
from bot.drafting.register import enumerated_items, formalize, join_items

LEXICON = load_lexicon(PROMPTS_DIR)


@pytest.mark.parametrize(("said", "written"), [
    ("我们还搞了“红色楼栋长”，每栋楼选一个党员当楼栋长", "社区还开展了“红色楼栋长”活动，每栋楼选一名党员担任楼栋长。"),
    ("帮他们办了低保，星期天也开门", "帮助他们办理了低保，周日也开门。"),
    ("上面要求月底前报上去", "上级要求月底前报上去。"),
    ("3个志愿者和两个网格员", "3名志愿者和2名网格员。"),
    ("对了，我们每个月给八十岁以上的老人上门送一次饭吧", "社区每月为80岁以上的老年人入户送一次饭。"),
    ("主要问题是人手不够", "人手不足。"),
    ("走过来要二十多分钟", "步行需20多分钟。"),
    ("问题的话就是人少事多", "人少事多。"),
    ("大概有四十来个", "约有40个。"),
    ("二十来人", "20人左右。"),
    ("就写坚持党建引领，巡逻每周不少于3次", "坚持党建引领，巡逻每周不少于3次。"),
    ("投了8万块钱，60岁以上的占了一半多", "投入8万元，60岁以上的占了一半多。"),
    ("主要想弄清楚垃圾分类为什么推不动", "重点摸清垃圾分类推进难的原因。"),
    ("老小区多，年轻人参与少", "老旧小区较多，年轻人参与较少。"),
    ("数量减少了三百多", "数量减少了三百多。"),
    ("总的思路还是党建引领，重点是这两块", "总体思路是党建引领，重点抓好这两个方面。"),
    ("保障的话，经费15万元", "保障方面，经费15万元。"),
])
def test_colloquial_notes_become_document_sentences(said: str, written: str) -> None:
    assert formalize(said, LEXICON) == written


def test_replacements_respect_word_boundaries() -> None:
    # 当 → 担任 and 给 → 为 apply to whole words only.
    assert formalize("当前还有两个小区没改造", LEXICON) == "当前还有2个小区尚未改造。"
    assert "担任前" not in formalize("当前工作", LEXICON)


@pytest.mark.parametrize("said", ["上面的楼道灯坏了", "那边的小区停车难", "两个小区尚未改造"])
def test_a_word_that_may_mean_a_place_or_a_thing_keeps_its_meaning(said: str) -> None:
    # 上面 is a place here, not 上级; 那边 is not 当地; 个 stays for what is not a person.
    assert formalize(said, LEXICON).rstrip("。") == said.replace("两个", "2个")


def test_figures_keep_their_value_and_unit() -> None:
    text = formalize("发了一万五千元慰问金，九成居民参加，1,200人次", LEXICON)
    assert "15000元" in text and "90%" in text and "1200人次" in text


def test_punctuation_is_full_width_and_no_space_is_left_between_sentences() -> None:
    assert formalize("居民很满意,活动很多 ; 效果挺好", LEXICON) == "居民很满意，活动较多；效果较好。"


def test_spaces_between_words_go_but_two_figures_stay_two() -> None:
    assert formalize("开展 活动 3 场", LEXICON) == "开展活动3场。"
    assert "00" not in formalize("０\u3000０", LEXICON)


def test_markup_typed_by_a_user_stays_as_typed() -> None:
    assert "<script>alert(1)</script>" in formalize("<script>alert(1)</script>", LEXICON)


def test_a_list_reads_one_shi_er_shi_and_a_single_item_stays_a_sentence() -> None:
    assert join_items(["人手不足。", "场地偏小", "经费紧张；"]) == "一是人手不足；二是场地偏小；三是经费紧张。"
    assert join_items(["人手不足"]) == "人手不足。"
    assert join_items([]) == ""


def test_a_long_list_counts_on_in_chinese_numerals() -> None:
    # The eleventh item is 十一是, never an Arabic 11 that reads like a figure staff gave.
    joined = join_items([f"事项{chr(0x4e00 + i)}" for i in range(12)])
    assert "十是" in joined and "十一是" in joined and "十二是" in joined
    assert not any(c.isdigit() for c in joined)


@pytest.mark.parametrize(("said", "items"), [
    ("问题就是：一个是停车难；二个是经费紧张；还有就是场地小", ["停车难", "经费紧张", "场地小"]),
    ("一是人手不足，二是场地小", ["人手不足", "场地小"]),
    ("1、场地小；2、经费少", ["场地小", "经费少"]),
    ("首先，加强学习；其次，完善制度", ["加强学习", "完善制度"]),
    ("第一书记带头走访", ["第一书记带头走访"]),  # 第一 before a noun is no numbering
    ("人手不足", ["人手不足"]),
])
def test_the_staff_members_own_numbering_gives_way_to_the_documents(said: str, items: list[str]) -> None:
    assert enumerated_items(said) == items


@pytest.mark.parametrize(("said", "written"), [
    ("党建这块，党员96名", "党建方面，党员96名。"),
    ("垃圾分类的话，居民知晓率达到了八成五", "垃圾分类方面，居民知晓率达到了85%。"),
    ("党建方面", ""),
    ("有条件的话，建一个食堂", "有条件的话，建一个食堂。"),
])
def test_a_clause_that_only_names_the_topic_is_written_as_a_document_names_it(said: str, written: str) -> None:
    assert formalize(said, LEXICON) == written
