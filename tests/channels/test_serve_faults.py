"""``serve`` in-process against the fake Bot API over HTTP, under faults: update ids reused,
malformed updates, a Telegram outage longer than the send retries, a full disk (a fault-injecting
SQLite layer; tests/channels/test_serve_process.py fills a real file system), a webhook crash
window, damaged or emptied stores."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

import bot.sqlite
from bot.channels.inbox import Inbox
from bot.channels.telegram import build_application, run_telegram, serve
from bot.channels.telegram.app import channel_of
from bot.channels.telegram.messages import RESENT
from bot.config import Settings
from bot.drafting.draft import Draft, Session
from bot.drafting.phrasebook import load_phrasebook
from bot.drafting.store import DraftStore
from testing.bot_api import FakeBotApi

NOT_SAVED = load_phrasebook().say("not_saved")

USER, OTHER = 1001, 1002
WAIT = 15.0


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


def settings_for(api: FakeBotApi, data_dir: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, telegram_bot_token=api.token,
                    telegram_base_url=api.base_url, telegram_base_file_url=api.base_file_url,
                    allowed_users=[USER, OTHER], **extra)


@asynccontextmanager
async def running(settings: Settings, application: Application | None = None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, application=application, stop=stop))
    try:
        yield
    finally:
        stop.set()
        assert await asyncio.wait_for(server, 30) == 0


async def say(api: FakeBotApi, uid: int, text: str, expect: str) -> str:
    after = len(api.messages_to(uid))
    api.send_text(uid, text)
    return (await api.wait_for_message_async(uid, contains=expect, after=after, timeout=WAIT)).text


async def press(api: FakeBotApi, uid: int, data: str, expect: str) -> str:
    message = next(m for m in reversed(api.messages_to(uid)) if m.keyboard)
    after = len(api.messages_to(uid))
    api.press_button(uid, message.message_id, data)
    return (await api.wait_for_message_async(uid, contains=expect, after=after, timeout=WAIT)).text


async def start_annual_summary(api: FakeBotApi, uid: int) -> None:
    await say(api, uid, "/new", "文稿类型")
    await press(api, uid, "k:annual_summary", "已选")
    await press(api, uid, "t:party_building", "已选：党建")
    await press(api, uid, "a:topics_done", "哪个社区")


def texts(api: FakeBotApi, uid: int) -> list[str]:
    return [m.text for m in api.messages_to(uid)]


# -- privacy: update ids are not unique forever ----------------------------------------------------
async def test_after_update_ids_restart_a_new_message_is_answered_with_its_own_replies(
        api: FakeBotApi, tmp_path: Path) -> None:
    settings = settings_for(api, tmp_path)
    async with running(settings):
        await say(api, USER, "/new", "文稿类型")
    api.restart_update_ids(1)  # the bot was re-created (or moved between webhook and polling)
    async with running(settings):
        await say(api, OTHER, "/help", "/section 主题")  # update id 1 again, another user
        await say(api, USER, "/help", "/section 主题")
    assert not any("文稿类型" in t for t in texts(api, OTHER))  # never USER's stored reply
    assert sum("文稿类型" in t for t in texts(api, USER)) == 1


# -- hostile input ------------------------------------------------------------------------------------
async def test_malformed_updates_and_a_lone_surrogate_are_dropped_or_answered_and_the_bot_goes_on(
        api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def msg(text: Any, **extra: Any) -> dict[str, Any]:
        return {"message_id": 77, "date": 0, "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "x"}, "text": text, **extra}

    for raw in ("garbage", 42, None, [1, 2], {"no": "update_id"}, {"update_id": "7"},
                {"update_id": 900, "message": "not an object"},
                {"update_id": 901, "message": {"message_id": 1}},
                {"update_id": 902, "message": msg("你好", chat={"id": "not-a-chat", "type": "private"})},
                {"update_id": 903, "message": msg(12345)},
                {"update_id": 904, "callback_query": {"id": "q", "from": {"id": USER}, "data": {"x": 1}}},
                {"update_id": 905, "message": msg("低保\ud800工作")}):  # JSON "\ud800": no UTF-8 can hold it
        api.queue_raw(raw)
    settings = settings_for(api, tmp_path)
    async with running(settings):
        await say(api, USER, "/new", "文稿类型")  # the updates before it were handled or dropped
    assert api.pending_updates() == 0
    assert caplog.text.count("dropped a malformed update") == 6
    # 902 (a chat id that is no chat) reached the dialogue; its reply could not be sent
    assert DraftStore(settings.db_path).inputs(f"tg:{USER}") == ["你好", "低保\ufffd工作", "/new"]
    assert all("\ud800" not in t for t in texts(api, USER))


# -- a long Telegram outage ----------------------------------------------------------------------------
async def test_a_reply_held_up_by_an_outage_arrives_later_and_a_resend_is_not_applied_twice(
        api: FakeBotApi, tmp_path: Path) -> None:
    settings = settings_for(api, tmp_path)
    application = build_application(settings)
    delivery = channel_of(application).delivery
    delivery.attempts, delivery.first_pause = 2, 0.05  # the retries run out quickly
    async with running(settings, application):
        await start_annual_summary(api, USER)
        api.go_offline_after_next_batch()
        api.send_text(USER, "幸福里社区")  # the bot gets it, then Telegram is gone
        await api.wait_for_async(lambda: USER in delivery.waiting, timeout=WAIT)  # kept in the outbox
        api.send_text(USER, "幸福里社区")  # no answer came: the user sends it again
        before = len(api.messages_to(USER))
        api.go_online()
        await api.wait_for_message_async(USER, contains=RESENT, after=before, timeout=WAIT)
        arrived = texts(api, USER)[before:]
        assert sum("时间段" in t for t in arrived) == 1  # the held-up answer, once, before the note
        assert arrived.index(RESENT) > next(i for i, t in enumerate(arrived) if "时间段" in t)
        await say(api, USER, "2026年", "落款单位")  # the draft moved on by one step only
    store = DraftStore(settings.db_path)
    [draft] = store.list_drafts(f"tg:{USER}")
    assert list(draft.basics.values())[:2] == ["幸福里社区", "2026年"]
    assert store.inputs(f"tg:{USER}").count("幸福里社区") == 1


async def test_a_reply_waiting_in_the_outbox_is_delivered_after_a_restart(api: FakeBotApi, tmp_path: Path) -> None:
    settings = settings_for(api, tmp_path)
    application = build_application(settings)
    delivery = channel_of(application).delivery
    delivery.attempts, delivery.first_pause = 1, 0.05
    async with running(settings, application):
        await say(api, USER, "/help", "/section 主题")
        api.go_offline_after_next_batch()
        api.send_text(USER, "/new")
        await api.wait_for_async(lambda: USER in delivery.waiting, timeout=WAIT)
    api.go_online()  # the bot was stopped while Telegram was away; it comes back later
    async with running(settings):
        await api.wait_for_message_async(USER, contains="文稿类型", timeout=WAIT)
        await say(api, USER, "/help", "/section 主题")
    assert sum("文稿类型" in t for t in texts(api, USER)) == 1  # delivered once, the update not handled again
    assert DraftStore(settings.db_path).inputs(f"tg:{USER}") == ["/help", "/new", "/help"]


async def test_a_bot_started_while_telegram_is_away_waits_for_it(
        api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    api.go_offline()
    api.send_text(USER, "/help")
    async with running(settings_for(api, tmp_path)):
        await api.wait_for_async(lambda: "Telegram unreachable at start" in caplog.text, timeout=WAIT)
        api.go_online()
        await api.wait_for_message_async(USER, contains="/section 主题", timeout=WAIT)


# -- a full disk (fault injection) ---------------------------------------------------------------------
class Disk:
    """A switch for every SQLite connection the bot opens: when full, writes fail as SQLite
    fails them on a full disk (the statement, or its transaction, is rolled back)."""

    WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)

    def __init__(self) -> None:
        self.full = False


class FullDiskConnection:
    def __init__(self, db: sqlite3.Connection, disk: Disk) -> None:
        self._db, self._disk = db, disk

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self._disk.full and Disk.WRITE.match(sql):
            err = sqlite3.OperationalError("database or disk is full")  # as sqlite3 raises it
            err.sqlite_errorcode, err.sqlite_errorname = 13, "SQLITE_FULL"
            raise err
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


async def test_a_full_disk_refuses_writes_in_chinese_keeps_reads_and_recovers_by_itself(
        api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    disk = Disk()
    real_open = bot.sqlite._open
    monkeypatch.setattr(bot.sqlite, "_open", lambda path, exclusive: FullDiskConnection(real_open(path, exclusive), disk))
    settings = settings_for(api, tmp_path)
    async with running(settings):
        await start_annual_summary(api, USER)
        disk.full = True
        assert await say(api, USER, "幸福里社区", "存储空间已满") == NOT_SAVED
        await say(api, USER, "/help", "/section 主题")  # reads go on
        await say(api, USER, "/drafts", "您的草稿")
        await say(api, OTHER, "/help", "/section 主题")
        assert await say(api, USER, "2026年", "存储空间已满") == NOT_SAVED
        disk.full = False  # space is freed: no restart
        await say(api, USER, "幸福里社区", "时间段")
        await say(api, USER, "2026年", "落款单位")
    full = [r for r in caplog.records if "磁盘已满" in r.getMessage()]
    assert len(full) == 1 and any(name in full[0].getMessage() for name in ("inbox.sqlite3", "drafter.sqlite3"))
    assert sum("磁盘空间已恢复" in r.getMessage() for r in caplog.records) == 1
    [draft] = DraftStore(settings.db_path).list_drafts(f"tg:{USER}")
    assert list(draft.basics.values())[:2] == ["幸福里社区", "2026年"]


# -- webhook: stored before Telegram is answered --------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: bytes, secret: str) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json",
                                                              "X-Telegram-Bot-Api-Secret-Token": secret})
    for _ in range(50):  # bounded: the server may take a moment to listen
        try:
            return int(urllib.request.urlopen(request, timeout=10).status)
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            threading.Event().wait(0.1)
    raise TimeoutError(url)


async def test_a_webhook_update_is_in_the_inbox_before_telegram_gets_its_answer(
        api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    settings = settings_for(api, tmp_path, webhook_url=f"http://127.0.0.1:{port}/tg", webhook_listen="127.0.0.1",
                            webhook_port=port)
    events: list[str] = []
    answered = threading.Event()
    real_add = Inbox.add

    def add(self: Inbox, bodies: Any) -> Any:
        answered.wait(1.0)  # if Telegram could be answered before the update is stored, it is now
        stored = real_add(self, bodies)
        events.append("stored")
        return stored

    monkeypatch.setattr(Inbox, "add", add)
    update = {"update_id": 77, "message": {"message_id": 1, "date": 0, "text": "/help",
                                           "chat": {"id": USER, "type": "private"},
                                           "from": {"id": USER, "is_bot": False, "first_name": "x"},
                                           "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    async with running(settings):
        hook = await api.wait_for_async(lambda: api.calls_to("setWebhook"), timeout=WAIT)
        secret = hook[-1]["secret_token"]
        url = f"http://127.0.0.1:{port}/tg"
        status = await asyncio.to_thread(post, url, json.dumps(update).encode(), secret)
        events.append("answered")
        answered.set()
        assert status == 200
        await api.wait_for_message_async(USER, contains="/section 主题", timeout=WAIT)
        assert await asyncio.to_thread(post, url, b"{not json", secret) == 200  # dropped, or resent forever
        assert await asyncio.to_thread(post, url, json.dumps(update).encode(), "wrong") == 403
    assert events[:2] == ["stored", "answered"]
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    assert inbox.counts() == (0, 1)
    inbox.close()


# -- damaged, emptied and shared stores -------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["overwritten", "truncated"])
@pytest.mark.parametrize("name", ["drafter.sqlite3", "inbox.sqlite3"])
def test_a_damaged_store_stops_the_start_with_a_chinese_message_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, damage: str) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="123:ABC",
                        telegram_base_url="http://127.0.0.1:9/bot")
    path = tmp_path / name
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE filler (x TEXT)")
    db.executemany("INSERT INTO filler VALUES (?)", [("社区" * 100,)] * 2000)
    db.commit()
    db.close()
    if damage == "overwritten":
        path.write_bytes("这不是数据库".encode() * 1000)
    else:
        with path.open("r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
    assert run_telegram(settings) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "已损坏" in err and "改名" in err and "Traceback" not in err


async def test_an_emptied_drafts_database_is_reported_to_the_operator(
        api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(api, tmp_path)
    store = DraftStore(settings.db_path)
    for n in range(3):
        draft = Draft(id=f"{n:012x}", user=f"tg:{USER}", kind="work_plan")
        store.save(Session(user=f"tg:{USER}", draft_id=draft.id), draft)
    store.close()
    async with running(settings):  # the bot learns there are three drafts
        await say(api, USER, "/help", "/section 主题")
    assert "草稿都不见了" not in caplog.text
    settings.db_path.write_bytes(b"")  # emptied (a failed copy, a careless restore …)
    async with running(settings):
        await say(api, USER, "/help", "/section 主题")  # the bot still serves
    [gone] = [r.getMessage() for r in caplog.records if "草稿都不见了" in r.getMessage()]
    assert str(settings.db_path) in gone and "0 字节" in gone and "3 份" in gone and "备份" in gone
