"""The fake Bot API must speak the protocol well enough for the real python-telegram-bot."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import aiohttp
import pytest
import pytest_asyncio
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from testing.bot_api import FakeBotApi

pytestmark = pytest.mark.asyncio

USER = 1001
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("好", callback_data="ok"), InlineKeyboardButton("不", callback_data="no")]]
)


# ---------------------------------------------------------------- a tiny bot
async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("欢迎使用")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_chat_action("typing")
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=KEYBOARD)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(f"edited: {update.edited_message.text}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("收到")
    await query.edit_message_text(f"pressed: {query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    await message.reply_text(f"size={len(data)} caption={message.caption}")
    await message.reply_document(bytes(data).upper(), filename=f"echo_{message.document.file_name}",
                                 caption="回传")


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    kind = "sticker" if message.sticker else "photo" if message.photo else "voice" if message.voice else "?"
    await message.reply_text(f"unsupported: {kind}")


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def running_app(api: FakeBotApi) -> AsyncIterator[Application]:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edited))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.Sticker.ALL | filters.PHOTO | filters.VOICE, on_other))
    app.add_handler(CallbackQueryHandler(on_button))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------- end to end with PTB
async def test_echo_keyboard_and_button(api: FakeBotApi, running_app: Application) -> None:
    api.send_text(USER, "你好")
    echo = await api.wait_for_message_async(USER, contains="echo: 你好", timeout=5)
    assert echo.method == "sendMessage"
    assert echo.message_id == 2  # ids are shared with the user's message (id 1) in that chat
    assert api.last_keyboard(USER) == [[("好", "ok"), ("不", "no")]]
    assert api.calls_to("sendChatAction")[0]["action"] == "typing"

    api.press_button(USER, echo.message_id, "ok")
    edited = await api.wait_for_message_async(USER, contains="pressed: ok", after=1, timeout=5)
    assert (edited.method, edited.message_id) == ("editMessageText", echo.message_id)
    assert api.last_keyboard(USER) is None  # editing without reply_markup drops the keyboard
    assert api.calls_to("answerCallbackQuery")[0]["text"] == "收到"
    await api.wait_for_async(lambda: api.pending_updates() == 0, timeout=5)


async def test_command_edited_and_other_update_kinds(api: FakeBotApi, running_app: Application) -> None:
    api.send_text(USER, "/start")
    await api.wait_for_message_async(USER, contains="欢迎", timeout=5)
    api.send_text(USER, "第一版")
    await api.wait_for_message_async(USER, contains="echo: 第一版", timeout=5)
    api.send_edited_text(USER, "第二版")
    await api.wait_for_message_async(USER, contains="edited: 第二版", timeout=5)
    for send, kind in ((api.send_sticker, "sticker"), (api.send_photo, "photo"), (api.send_voice, "voice")):
        before = len(api.messages_to(USER))
        send(USER)
        await api.wait_for_message_async(USER, contains=f"unsupported: {kind}", after=before, timeout=5)
    await api.wait_for_async(lambda: api.pending_updates() == 0, timeout=5)
    methods = [name for name, _ in api.calls]
    assert methods[0] == "getMe" and "deleteWebhook" in methods


async def test_document_download_and_upload(api: FakeBotApi, running_app: Application) -> None:
    payload = "草稿 draft\n".encode() * 100
    api.send_document(USER, "notes.txt", payload, caption="请看")
    reply = await api.wait_for_message_async(USER, contains="size=", timeout=5)
    assert reply.text == f"size={len(payload)} caption=请看"
    await api.wait_for_async(lambda: api.documents_to(USER), timeout=5)
    assert api.documents_to(USER) == [("echo_notes.txt", payload.upper())]
    sent = api.messages_to(USER)[-1]
    assert sent.method == "sendDocument" and sent.text == "回传"
    assert sent.document is not None and sent.document.file_name == "echo_notes.txt"


# ---------------------------------------------------------------- a plain Bot against the fake
async def test_failure_injection_and_validation(api: FakeBotApi) -> None:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        api.fail_next("sendMessage", 429, retry_after=1)
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(7, "hi")
        assert info.value.retry_after in (1, timedelta(seconds=1))  # type depends on PTB settings
        message = await bot.send_message(7, "hi")  # only the next call failed
        assert message.text == "hi" and message.from_user is not None and message.from_user.is_bot
        assert api.injected_failures == [("sendMessage", 429)]

        api.fail_next("sendMessage", 502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(7, "hi")
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(7, "字" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities.*offset 2"):
            await bot.send_message(7, "a < b <i>x</i>", parse_mode="HTML")
        html = await bot.send_message(7, "<b>粗</b> &amp; 细", parse_mode="HTML")
        assert html.text == "粗 & 细" and api.messages_to(7)[-1].text == "<b>粗</b> &amp; 细"
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("hi", chat_id=7, message_id=message.message_id)

        await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()

    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url) as wrong:
            await wrong.get_me()


# ---------------------------------------------------------------- raw HTTP protocol
async def test_raw_protocol(api: FakeBotApi) -> None:
    base = f"{api.base_url}{api.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404,
                                         "description": "Not Found: method not found"}
        async with http.get(f"{api.base_url}1:bad/getMe") as resp:
            assert resp.status == 401 and (await resp.json())["description"] == "Unauthorized"
        async with http.post(f"{base}/sendMessage", json={"chat_id": 5, "text": "json body"}) as resp:
            assert (await resp.json())["result"]["text"] == "json body"
        markup = '{"inline_keyboard": [[{"text": "x", "callback_data": "y"}]]}'
        form = {"chat_id": "5", "text": "123", "reply_markup": markup}  # PTB-style form fields
        async with http.post(f"{base}/sendMessage", data=form) as resp:
            result = (await resp.json())["result"]
        assert result["text"] == "123"  # string fields are never JSON-decoded
        assert result["chat"] == {"id": 5, "type": "private", "first_name": "测试"}
        assert api.calls[-1][1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
        assert api.last_keyboard(5) == [[("x", "y")]]

        started = time.monotonic()
        async with http.post(f"{base}/getUpdates", data={"timeout": "0"}) as resp:
            assert (await resp.json()) == {"ok": True, "result": []}
        assert time.monotonic() - started < 0.5
        started = time.monotonic()
        async with http.post(f"{base}/getUpdates", data={"timeout": "30"}) as resp:
            assert (await resp.json())["result"] == []
        assert 1.9 <= time.monotonic() - started < 3.0  # long poll capped at 2 s

        first = api.send_text(USER, "a")
        second = api.send_text(USER, "b")
        async with http.post(f"{base}/getUpdates", data={"timeout": "1"}) as resp:
            assert [u["update_id"] for u in (await resp.json())["result"]] == [first, second]
        assert api.pending_updates() == 2  # delivered but not confirmed yet
        async with http.post(f"{base}/getUpdates", data={"offset": str(second), "timeout": "0"}) as resp:
            assert [u["update_id"] for u in (await resp.json())["result"]] == [second]
        async with http.post(f"{base}/getUpdates", data={"offset": str(second + 1), "timeout": "0"}) as resp:
            assert (await resp.json())["result"] == []
        assert api.pending_updates() == 0

        async with http.get(f"{api.base_file_url}{api.token}/documents/missing") as resp:
            assert resp.status == 404


async def test_wait_for_times_out_with_summary(api: FakeBotApi) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="no calls"):
        api.wait_for(lambda: False, timeout=0.2)
    with pytest.raises(TimeoutError, match="last calls"):
        await api.wait_for_message_async(USER, contains="never", timeout=0.2)
    assert time.monotonic() - started < 2
