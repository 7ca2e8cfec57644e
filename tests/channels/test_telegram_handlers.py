"""The Telegram handlers, in-process: updates in, recorded Bot API calls out (milliseconds a test)."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import (
    EDITED,
    FAILED,
    NOT_TEXT,
    REFUSED,
    STALE_BUTTON,
    build_application,
    keyboard,
    run_telegram,
    safe_filename,
    split_text,
)
from bot.channels.telegram.app import channel_of
from bot.config import Settings
from bot.drafting.dialogue import Dialogue
from bot.drafting.replies import Option, Reply

from .conftest import ADMIN, STRANGER, USER
from .recording import BOT_USER, RecordingRequest

GROUP = -100777
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


# -- update payloads -------------------------------------------------------------------------------
def _user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "测试"}


def _chat(uid: int, chat_id: int | None) -> dict[str, Any]:
    if chat_id is None:
        return {"id": uid, "type": "private", "first_name": "测试"}
    return {"id": chat_id, "type": "supergroup", "title": "测试群"}


def message(uid: int, text: str | None = None, chat_id: int | None = None, kind: str = "message",
            **content: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": next(_message_ids), "date": 0, "from": _user(uid),
                            "chat": _chat(uid, chat_id), **content}
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if kind == "edited_message":
        body["edit_date"] = 1
    return {"update_id": next(_update_ids), kind: body}


def button(uid: int, data: str) -> dict[str, Any]:
    bot_message = {"message_id": 1, "date": 0, "chat": _chat(uid, None), "from": BOT_USER, "text": "请选择："}
    return {"update_id": next(_update_ids),
            "callback_query": {"id": f"q{next(_update_ids)}", "from": _user(uid), "chat_instance": "ci",
                               "data": data, "message": bot_message}}


async def feed(app: Application, payload: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(payload, app.bot))


async def eventually(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """For non-blocking handlers (documents), which finish after ``process_update`` returns."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("condition not met")


def inputs(dialogue: Dialogue, uid: int) -> list[str]:
    """What the dialogue received from a Telegram user (it logs every input)."""
    return dialogue.store.inputs(f"tg:{uid}")


class _NullStore:
    def close(self) -> None:
        return None


def as_dialogue(stand_in: ScriptedDialogue) -> Dialogue:
    """A stand-in passed where the bot takes the real dialogue (it has what the channel calls)."""
    return cast(Dialogue, stand_in)


class ScriptedDialogue:
    """Stands in for the dialogue when a test needs a particular reply (or failure)."""

    def __init__(self, replies: list[Reply] | Exception, delay: float = 0.0, chunks: tuple[str, ...] = ()) -> None:
        self.replies = replies
        self.delay = delay
        self.chunks = chunks  # what a model streams while the input is handled
        self.calls: list[tuple[str, str]] = []
        self.store = _NullStore()

    def handle(self, user: str, text: str, key: str | None = None, on_chunk=None) -> list[Reply]:
        self.calls.append((user, text))
        for piece in self.chunks:
            on_chunk(piece, 1)
        time.sleep(self.delay)
        if isinstance(self.replies, Exception):
            raise self.replies
        return self.replies


# -- access -------------------------------------------------------------------------------------
async def test_a_stranger_gets_one_refusal_and_then_silence_for_a_while(
        app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    clock = [1000.0]
    channel_of(app).refusals._clock = lambda: clock[0]
    for i in range(200):  # a flood
        await feed(app, message(STRANGER, f"/search 党建{i}"))
    await feed(app, button(STRANGER, "k:annual_summary"))
    assert request_.texts() == [REFUSED]
    assert request_.sent("answerCallbackQuery") == []
    clock[0] += 601  # ten minutes later the stranger is told again, once
    await feed(app, button(STRANGER, "k:annual_summary"))
    await feed(app, message(STRANGER, "低保工作怎么写"))
    assert [a.get("text") for a in request_.sent("answerCallbackQuery")] == [REFUSED]
    assert request_.texts() == [REFUSED]
    assert set(request_.methods()) == {"sendMessage", "answerCallbackQuery"}
    assert inputs(dialogue, STRANGER) == []  # the dialogue never saw them
    await feed(app, message(USER, "/help"))  # colleagues are answered as ever
    assert "/new" in request_.texts()[-1]


async def test_nobody_is_allowed_when_both_lists_are_empty(tmp_path: Path, request_: RecordingRequest) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "d", allowed_users=[], admins=[],
                        telegram_bot_token="123:ABC")
    application = build_application(settings, request=request_)
    async with application:
        await feed(application, message(USER, "/new"))
    assert request_.texts() == [REFUSED]


async def test_admin_is_allowed_without_being_listed_as_user(app: Application, request_: RecordingRequest) -> None:
    await feed(app, message(ADMIN, "/help"))
    assert "/new" in request_.texts()[0]


# -- the dialogue through Telegram --------------------------------------------------------------
async def test_new_shows_kind_buttons_within_telegram_limits(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "/new"))
    assert "sendChatAction" not in request_.methods()  # a quick answer shows no "typing…"
    sent = request_.sent()[-1]
    rows = sent["reply_markup"]["inline_keyboard"]
    data = [b["callback_data"] for row in rows for b in row]
    assert "k:annual_summary" in data
    assert all(len(d.encode()) <= 64 for d in data)
    assert all(2 <= len(row) <= 3 for row in rows[:-1])
    assert inputs(dialogue, USER) == ["/new"]


async def test_button_press_is_answered_then_handled(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "/new"))
    await feed(app, button(USER, "k:annual_summary"))
    names = request_.methods()
    assert names.index("answerCallbackQuery") < len(names) - 1 - names[::-1].index("sendMessage")
    assert "请选择要写入" in request_.texts()[-1]
    assert inputs(dialogue, USER) == ["/new", "k:annual_summary"]


async def test_button_with_unknown_data_is_answered_as_expired(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, button(USER, "something-else"))
    assert [a.get("text") for a in request_.sent("answerCallbackQuery")] == [STALE_BUTTON]
    assert request_.sent() == []
    assert inputs(dialogue, USER) == []


async def test_long_reply_is_split_at_paragraphs_with_buttons_on_the_last_chunk(
        tg_settings: Settings, request_: RecordingRequest) -> None:
    paragraphs = [f"第{i}段。" + "社区工作" * 300 for i in range(12)]  # about 14,500 characters
    dialogue = ScriptedDialogue([Reply("\n\n".join(paragraphs), (Option("导出Word", "a:docx"),))])
    application = build_application(tg_settings, dialogue=as_dialogue(dialogue), request=request_)
    async with application:
        await feed(application, message(USER, "/draft"))
    sent = request_.sent()
    assert len(sent) >= 4
    assert all(len(p["text"]) <= 4096 for p in sent)
    assert all(p["text"].startswith("第") for p in sent)  # cut between paragraphs
    assert [("reply_markup" in p) for p in sent] == [False] * (len(sent) - 1) + [True]
    assert "\n\n".join(p["text"] for p in sent) == "\n\n".join(paragraphs)  # nothing lost


async def test_a_20000_character_paste_reaches_the_dialogue_whole_and_the_draft_is_split(
        app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    for text in ("/new", "k:annual_summary", "t:party_building", "a:topics_done", "幸福里社区", "2025年", "a:skip", "a:skip"):
        await feed(app, button(USER, text) if ":" in text else message(USER, text))
    paste = "\n".join(f"第{i}条：今年社区组织党员志愿服务活动，居民反响良好，大家都很满意。" for i in range(600))[:20000]
    await feed(app, message(USER, paste))
    assert inputs(dialogue, USER)[-1] == paste
    before = len(request_.sent())
    await feed(app, message(USER, "/draft"))
    preview = request_.sent()[before:]
    assert len(preview) >= 2
    assert all(len(p["text"]) <= 4096 for p in preview)


async def test_exported_draft_is_sent_as_a_document(app: Application, request_: RecordingRequest) -> None:
    for text in ("/new", "k:work_plan", "幸福里社区", "2026年", "a:skip", "/export word"):
        await feed(app, button(USER, text) if ":" in text else message(USER, text))
    docs = request_.sent("sendDocument")
    assert len(docs) == 1 and "Word" in docs[0]["caption"]


# -- what the bot does not take ---------------------------------------------------------------------
async def test_sticker_gets_the_explanation(app: Application, request_: RecordingRequest) -> None:
    sticker = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    await feed(app, message(USER, sticker=sticker))
    await feed(app, message(USER, location={"latitude": 30.5, "longitude": 114.3}))
    assert request_.texts() == [NOT_TEXT, NOT_TEXT]


async def test_edited_message_gets_a_notice_and_is_not_replayed(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "改过的内容", kind="edited_message"))
    assert request_.texts() == [EDITED]
    assert inputs(dialogue, USER) == []


async def test_document_from_a_non_admin_is_refused(app: Application, request_: RecordingRequest) -> None:
    doc = {"file_id": "f1", "file_unique_id": "u1", "file_name": "材料.txt", "mime_type": "text/plain",
           "file_size": 10}
    await feed(app, message(USER, document=doc))
    await eventually(lambda: request_.texts())
    assert request_.texts() == ["只有管理员可以上传语料文件。"]
    assert "getFile" not in request_.methods()


async def test_admin_document_of_unsupported_type_is_refused_before_download(
        app: Application, request_: RecordingRequest, tg_settings: Settings) -> None:
    doc = {"file_id": "f2", "file_unique_id": "u2", "file_name": "报表.xlsx",
           "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "file_size": 100}
    await feed(app, message(ADMIN, document=doc))
    await eventually(lambda: request_.texts())
    assert "不支持的文件类型" in request_.texts()[0]
    assert "getFile" not in request_.methods()
    assert not (tg_settings.data_dir / "uploads").exists()


async def test_admin_document_that_is_not_text_gets_the_loader_message_and_nothing_is_written(
        app: Application, request_: RecordingRequest, tg_settings: Settings) -> None:
    request_.files["documents/f3_bad.txt"] = b"\x00\x01\x02binary"
    doc = {"file_id": "f3", "file_unique_id": "u3", "file_name": "bad.txt", "mime_type": "text/plain",
           "file_size": 9}
    await feed(app, message(ADMIN, document=doc))
    await eventually(lambda: request_.texts())
    assert "这不是文本文件" in request_.texts()[0]
    assert not (tg_settings.data_dir / "uploads").exists()


async def test_unknown_command_is_not_fed_to_the_dialogue(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "/frobnicate"))
    assert "/help" in request_.texts()[0]
    assert inputs(dialogue, USER) == []


async def test_admin_commands_are_refused_to_other_users(app: Application, request_: RecordingRequest) -> None:
    await feed(app, message(USER, "/stats"))
    assert request_.texts() == ["只有管理员可以使用这个命令。"]


# -- groups ---------------------------------------------------------------------------------------
async def test_group_message_not_addressed_to_the_bot_is_ignored(app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "大家好，今天开会", chat_id=GROUP))
    await feed(app, message(STRANGER, "谁能帮我写总结", chat_id=GROUP))
    await feed(app, message(USER, "/help@other_bot", chat_id=GROUP))
    assert request_.methods() == []
    assert inputs(dialogue, USER) == []


async def test_group_message_addressed_to_the_bot_is_answered_per_user(
        app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    await feed(app, message(USER, "/help@drafter_test_bot", chat_id=GROUP))
    await feed(app, message(USER, "@drafter_test_bot /new", chat_id=GROUP))
    reply_to_bot = {"message_id": 5, "date": 0, "chat": _chat(USER, GROUP), "from": BOT_USER, "text": "请选择"}
    await feed(app, message(USER, "年度工作总结", chat_id=GROUP, reply_to_message=reply_to_bot))
    assert inputs(dialogue, USER) == ["/help", "/new", "年度工作总结"]  # keyed by the user, mention stripped
    assert all(p["chat_id"] == GROUP for p in request_.sent())
    await feed(app, message(STRANGER, "@drafter_test_bot 你好", chat_id=GROUP))
    assert request_.texts()[-1] == REFUSED


# -- robustness -----------------------------------------------------------------------------------
async def test_a_failure_is_logged_without_the_users_text_and_the_user_told_their_input_is_saved(
        tg_settings: Settings, request_: RecordingRequest, caplog: pytest.LogCaptureFixture) -> None:
    secret = "居民张三 身份证110101199003071234"
    application = build_application(tg_settings, dialogue=as_dialogue(ScriptedDialogue(RuntimeError(f"cannot parse {secret}"))),
                                    request=request_)
    async with application:
        await feed(application, message(USER, secret))
    assert request_.texts() == [FAILED]
    logged = caplog.text
    assert "RuntimeError" in logged and f"user {USER}" in logged and f"text of {len(secret)} characters" in logged
    assert "110101199003071234" not in logged and "张三" not in logged


class GatedDialogue(ScriptedDialogue):
    """Answers only once the bot has shown "typing…": a slow step, without a sleep."""

    def __init__(self, request_: RecordingRequest) -> None:
        super().__init__([Reply("好的")])
        self.request_ = request_

    def handle(self, user: str, text: str, key: str | None = None, on_chunk=None) -> list[Reply]:
        for _ in range(500):  # bounded: 5 s
            if "sendChatAction" in self.request_.methods():
                break
            time.sleep(0.01)
        return super().handle(user, text, key, on_chunk)


async def test_a_slow_answer_shows_typing_before_the_reply(tg_settings: Settings, request_: RecordingRequest) -> None:
    application = build_application(tg_settings, dialogue=as_dialogue(GatedDialogue(request_)), request=request_)
    async with application:
        await feed(application, message(USER, "/export"))
    assert request_.methods() == ["sendChatAction", "sendMessage"]


async def test_post_init_sets_chinese_commands_and_admin_extras(app: Application, request_: RecordingRequest) -> None:
    assert app.post_init is not None
    await app.post_init(app)
    calls = request_.sent("setMyCommands")
    everyone = {c["command"]: c["description"] for c in calls[0]["commands"]}
    assert everyone["new"] == "新建文稿" and everyone["export"] == "导出Word" and "reindex" not in everyone
    admin = calls[1]
    assert admin["scope"] == {"type": "chat", "chat_id": ADMIN}
    assert {"reindex", "stats"} <= {c["command"] for c in admin["commands"]}


def test_serve_without_token_refuses_with_a_chinese_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="")
    assert run_telegram(settings) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


# -- pure helpers -----------------------------------------------------------------------------------
def test_split_text_prefers_paragraphs_then_lines_then_characters() -> None:
    assert split_text("短消息") == ["短消息"]
    assert split_text("甲甲\n\n乙乙", limit=5) == ["甲甲", "乙乙"]
    assert split_text("甲甲\n乙乙\n丙丙", limit=5) == ["甲甲\n乙乙", "丙丙"]
    assert split_text("一二三四五六七", limit=3) == ["一二三", "四五六", "七"]
    assert split_text("😀😀😀", limit=4) == ["😀😀", "😀"]  # Telegram counts UTF-16 units
    assert split_text("  \n\n ") == []


def test_keyboard_rows_hold_two_or_three_buttons() -> None:
    short = keyboard([Option(f"选项{i}", f"a:o{i}") for i in range(7)])
    assert short is not None and [len(r) for r in short.inline_keyboard] == [3, 3, 1]
    long = keyboard([Option("起草“社会救助”这一段", "s:social_assistance"), Option("新建完整文稿", "a:new")])
    assert long is not None and [len(r) for r in long.inline_keyboard] == [2]
    assert keyboard([]) is None


@pytest.mark.parametrize(("name", "expected"), [
    ("总结.txt", "总结.txt"),
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\win\\报告.DOCX", "报告.docx"),
    ("a\x00b\x1fc.txt", "abc.txt"),
    ("..txt", "upload.txt"),
    ("长" * 300 + ".md", "长" * 80 + ".md"),
])
def test_safe_filename_stays_a_plain_name(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


async def test_admin_document_over_the_size_limit_is_refused_before_download(
        app: Application, request_: RecordingRequest) -> None:
    doc = {"file_id": "f4", "file_unique_id": "u4", "file_name": "大文件.docx", "file_size": 25 * 1024 * 1024}
    await feed(app, message(ADMIN, document=doc))
    await eventually(lambda: request_.texts())
    assert "文件过大" in request_.texts()[0]
    assert "getFile" not in request_.methods()


def test_webhook_mode_without_the_webhook_extra_refuses_clearly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tornado" else real_find_spec(name, *a))
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="123:ABC",
                        webhook_url="https://example.org/tg")
    assert run_telegram(settings) == 2
    assert "Webhook" in capsys.readouterr().err


async def test_a_section_the_model_writes_is_shown_in_one_message_edited_at_most_once_a_second(
        tg_settings: Settings, request_: RecordingRequest) -> None:
    pieces = tuple(f"第{i}句话。" for i in range(30))
    dialogue = ScriptedDialogue([Reply("以上是大模型撰写的“开头”。")], delay=0.3, chunks=pieces)
    application = build_application(tg_settings, dialogue=as_dialogue(dialogue), request=request_)
    async with application:
        await feed(application, message(USER, "完成本节"))
    sent, edits = request_.sent(), request_.sent("editMessageText")
    assert sent[0]["text"] == pieces[0]  # the first piece at once, in a message of its own (id 1000)
    assert edits and edits[-1]["text"] == "".join(pieces)  # then the whole text, in that message
    assert {str(e["message_id"]) for e in edits} == {"1000"}
    stamps = [stamp for (name, _), stamp in zip(request_.calls, request_.stamps, strict=True)
              if name == "editMessageText" or (name == "sendMessage" and stamp == request_.stamps[
                  next(i for i, (n, _) in enumerate(request_.calls) if n == "sendMessage")])]
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    assert gaps and all(gap >= 0.95 for gap in gaps), gaps  # Telegram's limit for edits in a chat
    assert sent[-1]["text"] == "以上是大模型撰写的“开头”。"  # the section's reply after the streamed text
