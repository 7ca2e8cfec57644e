"""A durable inbox for Telegram updates, and the dispatcher that drains it (adapter: SQLite).

Telegram forgets an update once the bot confirms it, which the next ``getUpdates`` call with a
higher ``offset`` does. python-telegram-bot's Updater confirms a whole batch before handling it,
so a crash (``kill -9``, power cut) silently loses the backlog. Instead, ``DurablePoller``
writes each batch here (fsync'd) before confirming it, and a row leaves the inbox (is marked
done) only after its update was handled. On start, whatever is still pending is handled first.

Handling order: updates of one user run one after another, in the order they arrived; different
users run concurrently (bounded), so one slow user (an export, an index rebuild) never holds up
the others. Dialogue inputs also carry the update id as their key, so an update handled just
before a crash and replayed after it gets its stored replies again instead of being applied twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sqlite import connect, transaction, unsynced

log = logging.getLogger(__name__)

KEEP_DONE_SECONDS = 24 * 3600  # Telegram redelivers unconfirmed updates for 24 h at most


@dataclass(frozen=True)
class Item:
    update_id: int
    key: str  # whose queue: updates with the same key are handled in order
    body: dict[str, Any]  # the update as the Bot API sent it


def update_key(body: dict[str, Any]) -> str:
    """The sender of an update (its queue); updates without a sender share one queue."""
    for value in body.values():
        if isinstance(value, dict):
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and "id" in sender:
                return f"user:{sender['id']}"
            chat = value.get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return f"chat:{chat['id']}"
    return "other"


class Inbox:
    """Updates received and not yet handled, in SQLite (WAL, synchronous=FULL)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(path)
        self._lock = threading.Lock()
        self._db.execute("CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
                         " body TEXT NOT NULL, received REAL NOT NULL, done REAL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS inbox_pending ON inbox(done, update_id)")

    def close(self) -> None:
        self._db.close()

    def add(self, bodies: Iterable[dict[str, Any]]) -> list[Item]:
        """Stores a batch in one transaction; returns the updates not seen before (a redelivered
        update, already stored or handled, is not returned again)."""
        now = time.time()
        fresh = []
        with self._lock, transaction(self._db):
            for body in bodies:
                item = Item(int(body["update_id"]), update_key(body), body)
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO inbox(update_id, key, body, received) VALUES (?,?,?,?)",
                    (item.update_id, item.key, json.dumps(body, ensure_ascii=False), now))
                if cur.rowcount:
                    fresh.append(item)
        return fresh

    def pending(self) -> list[Item]:
        rows = self._db.execute("SELECT update_id, key, body FROM inbox WHERE done IS NULL ORDER BY update_id")
        return [Item(r[0], r[1], json.loads(r[2])) for r in rows.fetchall()]

    def done(self, update_id: int) -> None:
        """Not fsync'd: if a power cut loses the mark, the update runs again and the dialogue
        answers it from its stored replies."""
        with self._lock, unsynced(self._db):
            self._db.execute("UPDATE inbox SET done=? WHERE update_id=?", (time.time(), update_id))

    def prune(self, keep_seconds: float = KEEP_DONE_SECONDS) -> int:
        """Forgets handled updates older than Telegram could redeliver them."""
        with self._lock:
            cur = self._db.execute("DELETE FROM inbox WHERE done IS NOT NULL AND done < ?",
                                   (time.time() - keep_seconds,))
        return cur.rowcount

    def counts(self) -> tuple[int, int]:
        """(pending, done) rows."""
        row = self._db.execute("SELECT SUM(done IS NULL), SUM(done IS NOT NULL) FROM inbox").fetchone()
        return int(row[0] or 0), int(row[1] or 0)


Handler = Callable[[Item], Awaitable[None]]


class Dispatcher:
    """Runs ``handler`` over submitted items: in order per key, concurrently across keys, at most
    ``limit`` at once. An item is marked done in the inbox after its handler returns (or fails:
    a failure is logged and the update not retried, so one bad update cannot wedge a user)."""

    def __init__(self, inbox: Inbox, handler: Handler, limit: int = 8) -> None:
        self.inbox = inbox
        self.handler = handler
        self._slots = asyncio.Semaphore(limit)
        self._queues: dict[str, deque[Item]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, items: Iterable[Item]) -> None:
        for item in items:
            queue = self._queues.get(item.key)
            if queue is None:
                queue = self._queues[item.key] = deque()
                task = asyncio.create_task(self._drain(item.key, queue), name=f"inbox:{item.key}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            queue.append(item)

    @property
    def busy(self) -> int:
        """Items submitted and not yet handled."""
        return sum(len(q) for q in self._queues.values())

    async def _drain(self, key: str, queue: deque[Item]) -> None:
        try:
            while queue:
                item = queue[0]
                async with self._slots:
                    try:
                        await self.handler(item)
                    except asyncio.CancelledError:
                        raise  # shutting down: the item stays pending and is replayed on start
                    except Exception:  # noqa: BLE001 - logged; the next update must still run
                        log.exception("update %s failed", item.update_id)
                await asyncio.to_thread(self.inbox.done, item.update_id)
                queue.popleft()
        finally:
            self._queues.pop(key, None)

    async def drain(self, timeout: float) -> bool:
        """Waits up to ``timeout`` s for the submitted items; cancels the rest (they stay pending)."""
        tasks = set(self._tasks)
        if not tasks:
            return True
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        return not late
