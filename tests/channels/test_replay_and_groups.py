"""Whose replies go where, in-process (recorded Bot API calls): a reused update id never hands one
user's replies to another, a draft asked for in a group goes to its author privately, file names
are cleaned, a failed download is retried and then reported."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.channels.telegram import handlers
from bot.channels.telegram.messages import DOWNLOAD_FAILED, SENT_PRIVATELY, START_PRIVATE_CHAT
from bot.drafting.dialogue import Dialogue

from .recording import RecordingRequest
from .test_telegram_handlers import ADMIN, GROUP, USER, button, feed, message

OTHER = 1002


@pytest.fixture
def tg_settings(tg_settings):
    tg_settings.allowed_users = [USER, OTHER]
    return tg_settings


def with_id(update: dict, update_id: int) -> dict:
    return {**update, "update_id": update_id}


async def test_a_reused_update_id_never_hands_one_users_replies_to_another(
        app: Application, request_: RecordingRequest, dialogue: Dialogue) -> None:
    """Telegram reuses update ids (random after a week idle, restarted for a re-created bot)."""
    await feed(app, with_id(message(USER, "/new"), 500))
    assert "文稿类型" in request_.texts_to(USER)[-1]
    await feed(app, with_id(message(OTHER, "/help"), 500))  # another user, the same update id
    other = request_.texts_to(OTHER)
    assert len(other) == 1 and "/section 主题" in other[0] and "文稿类型" not in other[0]
    assert dialogue.store.inputs(f"tg:{OTHER}") == ["/help"]  # handled, not taken for a repeat
    replayed = message(USER, "/new")  # the same update delivered twice is still answered from the store
    await feed(app, replayed)
    await feed(app, replayed)
    assert dialogue.store.inputs(f"tg:{USER}") == ["/new", "/new"]
    assert request_.texts_to(USER)[-1] == request_.texts_to(USER)[-2]


async def start_annual_summary(app: Application, community: str = "幸福里社区") -> None:
    for text in ("/new", "k:annual_summary", "t:party_building", "a:topics_done", community, "2025年", "a:skip"):
        await feed(app, button(USER, text) if text[1:2] == ":" else message(USER, text))


async def test_draft_and_export_asked_for_in_a_group_go_to_the_authors_private_chat(
        app: Application, request_: RecordingRequest) -> None:
    await start_annual_summary(app)
    private_before = len(request_.texts_to(USER))
    await feed(app, message(USER, "/draft@drafter_test_bot", chat_id=GROUP))
    assert request_.texts_to(GROUP) == [SENT_PRIVATELY]  # the group sees a short note only
    preview = request_.texts_to(USER)[private_before:]
    assert preview and "草稿预览" in preview[0] and "幸福里社区" in preview[0]
    await feed(app, message(USER, "/export@drafter_test_bot word", chat_id=GROUP))
    documents = request_.sent("sendDocument")
    assert len(documents) == 1 and str(documents[0]["chat_id"]) == str(USER)
    assert request_.texts_to(GROUP) == [SENT_PRIVATELY, SENT_PRIVATELY]
    assert all("幸福里社区" not in text for text in request_.texts_to(GROUP))


async def test_a_draft_asked_for_in_a_group_by_someone_who_never_opened_a_private_chat(
        app: Application, request_: RecordingRequest) -> None:
    await start_annual_summary(app)
    request_.fail("sendMessage", 403, times=5, chat_id=USER)  # Telegram: bot can't initiate conversation
    await feed(app, message(USER, "/draft@drafter_test_bot", chat_id=GROUP))
    assert request_.texts_to(GROUP) == [START_PRIVATE_CHAT]


async def test_names_with_direction_overrides_are_cleaned_in_messages_and_exported_file_names(
        app: Application, request_: RecordingRequest) -> None:
    await start_annual_summary(app, community="幸福里\u202e区社\u200e")
    await feed(app, message(USER, "/export word"))
    [document] = request_.sent("sendDocument")
    name = document["_files"]["document"]
    assert name.endswith(".docx") and "幸福里区社" in name
    assert not any(ch in name for ch in "\u202e\u200e")
    assert not any("\u202e" in text for text in request_.texts())


async def test_a_failed_download_is_retried_and_then_the_admin_is_told_to_send_it_again(
        app: Application, request_: RecordingRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "DOWNLOAD_PAUSES", (0.0, 0.0))
    request_.files["documents/f9_bad.txt"] = b"\x00\x01binary"
    doc = {"file_id": "f9", "file_unique_id": "u9", "file_name": "材料.txt", "mime_type": "text/plain", "file_size": 8}
    request_.fail("getFile", 502, times=1)
    request_.fail("download", 502, times=1)
    await feed(app, message(ADMIN, document=doc))  # fails twice, then downloads
    assert "这不是文本文件" in request_.texts_to(ADMIN)[-1]  # the file got through to the checks
    request_.fail("getFile", 502, times=3)
    await feed(app, message(ADMIN, document=doc))
    assert request_.texts_to(ADMIN)[-1] == DOWNLOAD_FAILED.format(name="材料.txt")
    assert [name for name, _ in request_.failed].count("getFile") == 4  # three tries for the second upload
