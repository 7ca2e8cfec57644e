"""The durable inbox and its dispatcher: nothing received is lost, each user's order is kept,
one slow user does not hold up the others."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.channels.inbox import Dispatcher, Inbox, Item, update_key


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
    inbox.done(1)
    inbox.close()  # a crash after storing: the pending rows are still there on the next start
    reopened = Inbox(tmp_path / "inbox.sqlite3")
    assert [(i.update_id, i.body["message"]["text"]) for i in reopened.pending()] == [(2, "二"), (3, "三")]
    assert reopened.add([text_update(1, 7, "一")]) == []  # handled already: not handled again
    assert reopened.counts() == (2, 1)


def test_pruning_forgets_only_old_handled_updates(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    inbox.add([text_update(1, 7, "一"), text_update(2, 7, "二")])
    inbox.done(1)
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
        if item.body["message"]["text"] == "boom":
            raise RuntimeError("boom")
        handled.append(item.body["message"]["text"])

    dispatcher = Dispatcher(inbox, handler)
    dispatcher.submit(inbox.add([text_update(1, 1, "boom"), text_update(2, 1, "next")]))
    assert await dispatcher.drain(5)
    assert handled == ["next"]
    assert inbox.pending() == []
    assert any("update 1 failed" in r.getMessage() for r in caplog.records)


async def test_updates_cut_off_by_a_stop_stay_pending_for_the_next_start(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite3")
    started = asyncio.Event()

    async def handler(item: Item) -> None:
        started.set()
        await asyncio.sleep(60)

    dispatcher = Dispatcher(inbox, handler)
    dispatcher.submit(inbox.add([text_update(1, 1, "long"), text_update(2, 1, "queued")]))
    await asyncio.wait_for(started.wait(), 5)
    assert not await dispatcher.drain(0.05)
    assert [i.update_id for i in inbox.pending()] == [1, 2]
