"""``serve`` in-process against the fake Bot API over HTTP: Telegram hiccups cost no message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.inbox import Inbox
from bot.channels.telegram import run_telegram, serve
from bot.config import Settings
from testing.bot_api import FakeBotApi

USER = 1001


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


def settings_for(api: FakeBotApi, data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, telegram_bot_token=api.token,
                    telegram_base_url=api.base_url, telegram_base_file_url=api.base_file_url,
                    allowed_users=[USER])


async def run_until(api: FakeBotApi, settings: Settings, condition, timeout: float = 20.0) -> None:
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop))
    try:
        await api.wait_for_async(condition, timeout=timeout)
    finally:
        stop.set()
        assert await asyncio.wait_for(server, 30) == 0


async def test_getupdates_failures_are_retried_and_nothing_is_lost(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail_next("getUpdates", status=502, times=2)
    api.send_text(USER, "/help")
    await run_until(api, settings_for(api, tmp_path), lambda: api.messages_to(USER))
    assert "/new" in api.messages_to(USER)[0].text
    assert ("getUpdates", 502) in api.injected_failures


async def test_a_reply_is_delivered_after_telegram_errors_while_sending(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail_next("sendMessage", status=502, times=2)
    api.send_text(USER, "/new")
    await run_until(api, settings_for(api, tmp_path), lambda: api.messages_to(USER))
    assert "文稿类型" in api.messages_to(USER)[0].text
    assert api.injected_failures.count(("sendMessage", 502)) == 2


async def test_a_clean_stop_confirms_what_was_handled_and_leaves_nothing_pending(api: FakeBotApi, tmp_path: Path) -> None:
    for i in range(3):
        api.send_text(USER, f"/search 党建{i}")
    settings = settings_for(api, tmp_path)
    await run_until(api, settings, lambda: len(api.messages_to(USER)) >= 3)
    assert api.pending_updates() == 0
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    assert inbox.counts() == (0, 3)
    inbox.close()


def test_a_wrong_token_stops_the_bot_with_a_chinese_message(
        api: FakeBotApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(api, tmp_path)
    settings.telegram_bot_token = "999:WRONG"
    assert run_telegram(settings) == 2
    assert "令牌无效" in capsys.readouterr().err


async def test_webhook_updates_go_through_the_inbox(api: FakeBotApi, tmp_path: Path) -> None:
    pytest.importorskip("tornado")
    import json
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = settings_for(api, tmp_path)
    settings.webhook_url, settings.webhook_listen, settings.webhook_port = f"http://127.0.0.1:{port}/tg", "127.0.0.1", port
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop))
    try:
        hook = await api.wait_for_async(lambda: api.calls_to("setWebhook"), timeout=20)
        secret = hook[-1]["secret_token"]
        update = {"update_id": 77, "message": {"message_id": 1, "date": 0, "text": "/help",
                                               "chat": {"id": USER, "type": "private"},
                                               "from": {"id": USER, "is_bot": False, "first_name": "x"},
                                               "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/tg", data=json.dumps(update).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "X-Telegram-Bot-Api-Secret-Token": secret})
        for _ in range(50):  # bounded: the webhook server may take a moment to listen
            try:
                status = await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=5).status)
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert status == 200
        reply = await api.wait_for_message_async(USER, contains="/new", timeout=20)
        assert reply is not None
    finally:
        stop.set()
        assert await asyncio.wait_for(server, 30) == 0
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    assert inbox.counts() == (0, 1)
    inbox.close()
