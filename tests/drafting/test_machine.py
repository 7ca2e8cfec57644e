"""The dialogue as a pure transition: (session, draft, input, reads) → (session, draft, replies, effects).

No store, no index: reads are plain functions, and every test drives the machine the way a staff
member would and checks what they would see.
"""

from __future__ import annotations

import datetime

import pytest

from bot.config import PROMPTS_DIR
from bot.drafting.draft import Draft, Session
from bot.drafting.machine import Catalog, Machine, Mode
from bot.drafting.phrasebook import load_phrasebook
from bot.drafting.ports import DeleteDraft, ExportDraft, Outcome, Reads
from bot.drafting.replies import Reply
from bot.drafting.skeletons import load_basics, load_kinds, load_topics

CATALOG = Catalog(load_basics(PROMPTS_DIR), load_kinds(PROMPTS_DIR), load_topics(PROMPTS_DIR))
WORDS = load_phrasebook(PROMPTS_DIR)
TODAY = datetime.date(2025, 12, 20)


class Desk:
    """One staff member at the machine; their drafts are kept in a dict, as a store would."""

    def __init__(self, user: str = "u") -> None:
        self.machine = Machine(CATALOG, WORDS)
        self.session = Session(user=user)
        self.draft: Draft | None = None
        self.drafts: dict[str, Draft] = {}
        self._last: Outcome | None = None

    @property
    def last(self) -> Outcome:
        """The outcome of the last input."""
        assert self._last is not None
        return self._last

    def reads(self) -> Reads:
        def draft(draft_id: str, user: str) -> Draft | None:
            found = self.drafts.get(draft_id)
            return found if found is not None and found.user == user else None

        return Reads(library=None, drafts=lambda user: [d for d in self.drafts.values() if d.user == user],
                     draft=draft, today=TODAY)

    def say(self, *texts: str) -> list[Reply]:
        replies: list[Reply] = []
        for text in texts:
            outcome = self.machine.transition(self.session, self.draft, text, self.reads())
            self.session, self.draft, self._last = outcome.session, outcome.draft, outcome
            for effect in outcome.effects:
                if isinstance(effect, DeleteDraft):
                    self.drafts.pop(effect.draft_id, None)
            if self.draft is not None:
                self.drafts[self.draft.id] = self.draft
            replies = list(outcome.replies)
        return replies

    def text(self, *texts: str) -> str:
        return "\n".join(r.text for r in self.say(*texts))

    def labels(self) -> list[str]:
        return [o.label for o in self.last.replies[-1].options]


START = ("/new", "k:annual_summary", "t:party_building", "a:topics_done", "青禾社区", "2025年", "a:skip")


def test_a_greeting_gets_a_greeting_and_the_menu_not_a_search() -> None:
    desk = Desk()
    text = desk.text("你好")
    assert "您好" in text and "没有找到" not in text
    assert desk.labels()[:2] == ["新建文稿", "我的草稿"]


@pytest.mark.parametrize(("said", "kind"), [
    ("我要写上半年的工作总结", "halfyear_summary"),
    ("帮我写个调研报告", "research_report"),
    ("我需要写一份明年的工作计划", "work_plan"),
    ("写个年终总结", "annual_summary"),
    ("/new 专项工作总结", "special_summary"),
])
def test_saying_what_to_write_starts_that_kind(said: str, kind: str) -> None:
    desk = Desk()
    desk.say(said)
    assert desk.draft is not None and desk.draft.kind == kind


def test_a_kind_with_one_topic_named_in_the_request_skips_the_topic_menu() -> None:
    desk = Desk()
    text = desk.text("帮我写一份养老服务的专项工作总结")
    assert desk.draft is not None and desk.draft.topics == ["elderly_care"]
    assert desk.session.mode == Mode.BASICS.value and "哪个社区" in text


def test_the_date_is_asked_once_with_a_button_for_today() -> None:
    desk = Desk()
    desk.say(*START)
    assert "成文日期" in desk.last.replies[-1].text and "今天" in desk.labels()
    desk.say("a:today")
    assert desk.draft is not None and desk.draft.basics["date"] == "2025年12月20日"
    assert desk.session.mode == Mode.SECTION.value


def test_a_typed_date_that_is_not_one_is_asked_again() -> None:
    desk = Desk()
    desk.say(*START)
    assert "没有看懂这个日期" in desk.text("下周吧")
    desk.say("二〇二五年十二月二十八日")
    assert desk.draft is not None and desk.draft.basics["date"] == "2025年12月28日"


def test_questions_whose_facts_one_paste_gave_are_not_asked_again() -> None:
    desk = Desk()
    desk.say(*START, "a:today")
    text = desk.text("今年在东关街道党工委领导下开展工作，社区有3200户，常住人口8600人，分了12个网格，"
                     "办理民生事项1260件，满意度98%，获评市级文明社区。")
    assert "本节的问题已问完" in text
    assert "多少户居民" not in text and "满意度大约多少" not in text


@pytest.mark.parametrize("command", ["/start 邀请码123", "/drafts 2", "/draft 全部", "/export 文件", "/help 我"])
def test_a_command_with_arguments_never_becomes_draft_text(command: str) -> None:
    desk = Desk()
    desk.say(*START, "a:today", "社区有3200户。")
    desk.say(command)
    answers = desk.drafts[next(iter(desk.drafts))].answers
    typed = " ".join(s.text for a in answers.values() for s in a.statement_objects())
    assert command.split(" ", 1)[1] not in typed


def test_the_edit_screen_shows_chinese_labels_and_whole_menu_items() -> None:
    desk = Desk()
    desk.say(*START, "a:today", "社区有3200户，分了12个网格。", "a:done", "a:edit")
    labels = desk.labels()
    assert labels[0] == "基本信息" and "2. 党建" in labels and "1. 开头概述" in labels
    text = desk.text("e:0")
    assert "辖区居民户数 3200户" in text and "households" not in text


def test_export_offers_the_other_format_and_a_way_back() -> None:
    desk = Desk()
    desk.say(*START, "a:today", "社区有3200户。")
    desk.say("a:docx")
    assert isinstance(desk.last.effects[0], ExportDraft) and desk.last.effects[0].fmt == "docx"
    assert {"导出Markdown", "返回预览", "修改"} <= set(desk.labels())
    desk.say("/export")
    assert {"导出Word", "导出Markdown", "返回预览"} <= set(desk.labels())


def test_own_sentences_can_be_listed_removed_and_rewritten_from_the_review() -> None:
    desk = Desk()
    desk.say(*START, "a:today", "我们还搞了“红色楼栋长”，每栋楼选一个党员当楼栋长。", "a:done", "/draft")
    assert "删改我的句子" in desk.labels()
    text = desk.text("a:sentences")
    assert "1.【开头概述】社区还开展了“红色楼栋长”" in text
    assert "已改写" in desk.text("改1 社区推行“红色楼栋长”制度。")
    preview = desk.text("a:back_review")
    assert "社区推行“红色楼栋长”制度。" in preview and "开展了“红色楼栋长”" not in preview
    desk.say("a:sentences")
    assert "已删除" in desk.text("x:1")
    assert "红色楼栋长" not in desk.text("a:back_review")


def test_deleting_a_draft_is_an_effect_for_the_store_and_only_of_ones_own_draft() -> None:
    desk = Desk("alice")
    desk.say(*START, "a:quit")
    draft_id = next(iter(desk.drafts))
    mallory = Desk("mallory")
    mallory.drafts = desk.drafts
    mallory.say(f"d:{draft_id}")
    assert mallory.last.effects == ()
    desk.say(f"d:{draft_id}")
    assert desk.last.effects == (DeleteDraft(draft_id),)


def test_a_question_to_the_bot_is_answered_not_written_down() -> None:
    desk = Desk()
    desk.say(*START, "a:today")
    text = desk.text("这个满意度要写吗？")
    assert "关于您问的" in text
    assert desk.draft is not None
    assert desk.draft.answers.get("opening") is None or not desk.draft.answers["opening"].statements


def test_skipping_in_words_skips_the_section() -> None:
    desk = Desk()
    desk.say(*START, "a:today")
    text = desk.text("这个先跳过，下次再补")
    assert "已跳过本节" in text and desk.session.step == 1


def test_a_period_typed_relative_to_today_is_dated_and_a_name_is_no_period() -> None:
    desk = Desk()
    desk.say(*START[:-2])  # up to the period question
    assert "没有看出这是哪个时间段" in desk.text("幸福里社区")
    desk.say("今年上半年")
    assert desk.draft is not None and desk.draft.basics["period"] == "2025年上半年"  # TODAY is in 2025
