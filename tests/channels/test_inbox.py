"""The durable inbox and its dispatcher: nothing received is lost, each user's order is kept,
one slow user does not hold up the others."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.channels.inbox import Dispatcher, Inbox, Item, accept, m001_inbox, update_key


def text_update(update_id: int, user: int, text: str) -> dict:
    chat = {"id": user, "type": "private"}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "chat": chat,
                                                "from": {"id": user, "is_bot": False, "first_name": "x"},
                                                "text": text}}


def test_keys_follow_the_sender() -> None:
    assert update_key(text_update(1, 42, "hi")) == "user:42"
    press = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 42}, "chat_instance": "c", "data": "a:x"}}
    assert update_key(press) == "user:42"
    assert update_key({"update_id": 3, "channel_post": {"chat": {"id": -5}}}) == "chat:-5"
    assert update_key({"update_id": 4}) == "other"


def test_a_redelivered_update_is_stored_once_and_survives_a_reopen(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    first = inbox.add([text_update(1, 7, "一"), text_update(2, 7, "二")])
    again = inbox.add([text_update(2, 7, "二"), text_update(3, 8, "三")])  # Telegram resends 2
    assert [i.update_id for i in first] == [1, 2]
    assert [i.update_id for i in again] == [3]
    inbox.done(first[0])
    inbox.close()  # a crash after storing: the pending rows are still there on the next start
    reopened = Inbox(tmp_path / "inbox.sqlite3")
    assert [(i.update_id, i.body["message"]["text"]) for i in reopened.pending()] == [(2, "二"), (3, "三")]
    assert reopened.add([text_update(1, 7, "一")]) == []  # handled already: not handled again
    assert reopened.counts() == (2, 1)


def test_pruning_forgets_only_old_handled_updates(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    first, _ = inbox.add([text_update(1, 7, "一"), text_update(2, 7, "二")])
    inbox.done(first)
    assert inbox.prune(keep_seconds=3600) == 0
    assert inbox.prune(keep_seconds=-1) == 1
    assert [i.update_id for i in inbox.pending()] == [2]


async def test_each_user_in_order_and_a_slow_user_does_not_block_others(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    handled: list[tuple[int, str]] = []
    slow_started, release = asyncio.Event(), asyncio.Event()

    async def handler(item: Item) -> None:
        text = item.body["message"]["text"]
        if text == "slow":
            slow_started.set()
            await release.wait()
        await asyncio.sleep(0)
        handled.append((item.body["message"]["from"]["id"], text))

    dispatcher = Dispatcher(inbox, handler, limit=4)
    dispatcher.submit(inbox.add([text_update(1, 1, "slow"), text_update(2, 1, "after slow"),
                                 *(text_update(10 + i, 2, f"b{i}") for i in range(5))]))
    await asyncio.wait_for(slow_started.wait(), 5)
    for _ in range(200):  # bounded: user 2 finishes while user 1 is still busy
        if len(handled) == 5:
            break
        await asyncio.sleep(0.01)
    assert handled == [(2, f"b{i}") for i in range(5)]
    assert [i.update_id for i in inbox.pending()] == [1, 2]  # user 1's updates are not done yet
    release.set()
    assert await dispatcher.drain(5)
    assert handled[5:] == [(1, "slow"), (1, "after slow")]
    assert inbox.pending() == []


async def test_a_failing_update_is_logged_and_does_not_wedge_its_user(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    handled: list[str] = []

    async def handler(item: Item) -> None:
        if item.body["message"]["text"].startswith("身份证"):
            raise ValueError(f"cannot read {item.body['message']['text']}")  # a message quoting the input
        handled.append(item.body["message"]["text"])

    dispatcher = Dispatcher(inbox, handler)
    dispatcher.submit(inbox.add([text_update(1, 1, "身份证 110101199003071234"), text_update(2, 1, "next")]))
    assert await dispatcher.drain(5)
    assert handled == ["next"]
    assert inbox.pending() == []
    logged = "\n".join(caplog.text.splitlines())
    assert "update 1 (message) could not be handled: ValueError" in logged
    assert "110101199003071234" not in logged and "身份证" not in logged  # ids and types, never the text


async def test_updates_cut_off_by_a_stop_stay_pending_for_the_next_start(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    started = asyncio.Event()

    async def handler(item: Item) -> None:
        started.set()
        await asyncio.sleep(60)

    dispatcher = Dispatcher(inbox, handler)
    dispatcher.submit(inbox.add([text_update(1, 1, "long"), text_update(2, 1, "queued")]))
    await asyncio.wait_for(started.wait(), 5)
    assert not await dispatcher.drain(0)  # the handler is still waiting
    assert [i.update_id for i in inbox.pending()] == [1, 2]


def test_a_new_update_that_reuses_an_old_update_id_is_stored_and_handled(tmp_path: Path) -> None:
    """Telegram picks update ids at random after a week idle and restarts them for a re-created
    bot: the same id with another message is a new update, and it must not be dropped."""
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    [first] = inbox.add([text_update(5, 7, "一")])
    inbox.done(first)
    [reused] = inbox.add([text_update(5, 8, "别人的新消息")])  # same update id, another user and message
    assert reused.body["message"]["text"] == "别人的新消息"
    assert inbox.add([text_update(5, 8, "别人的新消息")]) == []  # its own redelivery is still a repeat
    assert [i.body["message"]["text"] for i in inbox.pending()] == ["别人的新消息"]


def test_an_inbox_of_the_first_release_is_migrated_with_its_pending_updates(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    db = sqlite3.connect(path)
    m001_inbox(db)  # the schema the first release wrote, keyed by update id
    for update_id, text, done in ((1, "已处理", 10.0), (2, "未处理", None)):
        db.execute("INSERT INTO inbox(update_id, key, body, received, done) VALUES (?,?,?,?,?)",
                   (update_id, "user:7", json.dumps(text_update(update_id, 7, text), ensure_ascii=False), 1.0, done))
    db.commit()
    db.close()
    inbox = Inbox(path)
    assert [i.body["message"]["text"] for i in inbox.pending()] == ["未处理"]
    assert inbox.add([text_update(1, 7, "已处理"), text_update(2, 7, "未处理")]) == []  # redelivered: known
    assert [i.update_id for i in inbox.add([text_update(1, 9, "新的")])] == [1]
    assert inbox.counts() == (2, 1)


def test_a_lone_surrogate_or_a_malformed_update_is_stored_or_dropped_never_raised(tmp_path: Path) -> None:
    raw = json.loads('[{"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"},'
                     ' "from": {"id": 7, "is_bot": false, "first_name": "x"}, "text": "\\ud800坏"}},'
                     ' "garbage", {"no": "id"}, {"update_id": "2"}, {"update_id": 3, "message": "not an object"}]')
    bodies = accept(raw)
    assert [b["update_id"] for b in bodies] == [1, 3]
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    stored = inbox.add(bodies)
    assert [i.update_id for i in stored] == [1, 3]
    assert inbox.pending()[0].body["message"]["text"] == "\ufffd坏"
