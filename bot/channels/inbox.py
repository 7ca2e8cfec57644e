"""A durable inbox for Telegram updates, and the dispatcher that drains it (adapter: SQLite).

Telegram forgets an update once the bot confirms it, which the next ``getUpdates`` call with a
higher ``offset`` does. python-telegram-bot's Updater confirms a whole batch before handling it,
so a crash (``kill -9``, power cut) silently loses the backlog. Instead, the serving loop
writes each batch here (fsync'd) before confirming it, and a row leaves the inbox (is marked
done) only after its update was handled. On start, whatever is still pending is handled first.

An update is recognised by what it is (its ``identity``: kind, chat, sender, message or query id,
a hash of its text), never by its update id alone: Telegram reuses update ids (chosen at random
after a week without updates, restarted when a bot is re-created or switched between webhook and
polling), and a new update with an old id must be handled, not dropped as a repeat.

Handling order: updates of one user run one after another, in the order they arrived; different
users run concurrently (bounded), so one slow user (an export, an index rebuild) never holds up
the others.

A full disk does not stop the bot: a batch that cannot be stored is handled from memory
(``remember``), so users are still answered (and told when their input could not be saved).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.logsafe import failure
from bot.sqlite import DamagedDatabase, DiskFull, Migration, connect, migrate, transaction, unsynced, writing

log = logging.getLogger(__name__)

KEEP_DONE_SECONDS = 24 * 3600  # Telegram redelivers unconfirmed updates for 24 h at most
REMEMBERED = 10_000  # identities of updates handled from memory (full disk) kept to drop repeats


@dataclass(frozen=True)
class Item:
    update_id: int
    key: str  # whose queue: updates with the same key are handled in order
    body: dict[str, Any]  # the update as the Bot API sent it (lone surrogates replaced)
    identity: str  # what the update is; a redelivery has the same identity
    saved: bool = True  # False: handled from memory, the disk being full


# -- what Telegram sent, made safe to store ---------------------------------------------------------
def clean(value: Any) -> Any:
    """``value`` with every lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold it)
    replaced by U+FFFD, in keys and strings at any depth."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def accept(raw: object) -> list[dict[str, Any]]:
    """The updates of a ``getUpdates`` result (or one webhook body) that can be stored: objects
    with an integer ``update_id``. Anything else is dropped with a log line (no content)."""
    items = raw if isinstance(raw, list) else [raw]
    good = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("update_id"), int) and not isinstance(item["update_id"], bool):
            good.append(clean(item))
        else:
            log.warning("dropped a malformed update (%s, no integer update_id)", type(item).__name__)
    return good


def _digest(value: object) -> str:
    data = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _kind(body: dict[str, Any]) -> str:
    return next((k for k in body if k != "update_id"), "empty")


def identity(body: dict[str, Any]) -> str:
    """What an update is, independent of its update id: for a message its chat, sender, message
    id, edit date and a hash of its text; for a button press the query id, sender and data."""
    kind = _kind(body)
    payload = body.get(kind)
    if not isinstance(payload, dict):
        return f"raw:{body.get('update_id')}:{_digest(body)}"
    sender: dict[str, Any] = payload["from"] if isinstance(payload.get("from"), dict) else {}
    chat: dict[str, Any] = payload["chat"] if isinstance(payload.get("chat"), dict) else {}
    if "message_id" in payload and chat:
        text = payload.get("text") or payload.get("caption") or ""
        return (f"{kind}:{chat.get('id')}:{sender.get('id')}:{payload['message_id']}:"
                f"{payload.get('edit_date', '')}:{_digest(text)}")
    if "id" in payload:
        return f"{kind}:{payload['id']}:{sender.get('id')}:{_digest(payload.get('data') or '')}"
    return f"{kind}:{_digest(payload)}"


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


def _item(body: dict[str, Any], saved: bool = True) -> Item:
    return Item(int(body["update_id"]), update_key(body), body, identity(body), saved)


# -- the schema ---------------------------------------------------------------------------------------
def m001_inbox(db: sqlite3.Connection) -> None:
    # The first release's table (kept so its files migrate): one row per update id.
    db.execute("CREATE TABLE IF NOT EXISTS inbox (update_id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
               " body TEXT NOT NULL, received REAL NOT NULL, done REAL)")
    db.execute("CREATE INDEX IF NOT EXISTS inbox_pending ON inbox(done, update_id)")


def m002_identity(db: sqlite3.Connection) -> None:
    # Rows keyed by what the update is: a reused update id no longer hides a new update.
    db.execute("ALTER TABLE inbox RENAME TO inbox_v1")
    db.execute("DROP INDEX IF EXISTS inbox_pending")
    db.execute("CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, identity TEXT NOT NULL UNIQUE,"
               " update_id INTEGER NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, received REAL NOT NULL,"
               " done REAL)")
    db.execute("CREATE INDEX inbox_pending ON inbox(done, id)")
    for update_id, key, body, received, done in db.execute(
            "SELECT update_id, key, body, received, done FROM inbox_v1 ORDER BY update_id").fetchall():
        db.execute("INSERT OR IGNORE INTO inbox(identity, update_id, key, body, received, done) VALUES (?,?,?,?,?,?)",
                   (identity(json.loads(body)), update_id, key, body, received, done))
    db.execute("DROP TABLE inbox_v1")


def m003_outbox_and_meta(db: sqlite3.Connection) -> None:
    # Replies Telegram could not take (see bot.channels.outbox), and facts about the data
    # directory kept outside the drafts database (how many drafts it held).
    db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, chat INTEGER NOT NULL,"
               " user INTEGER, key TEXT, digest TEXT, sent REAL, parts TEXT NOT NULL, next INTEGER NOT NULL DEFAULT 0,"
               " created REAL NOT NULL, delivered REAL)")
    db.execute("CREATE INDEX outbox_pending ON outbox(delivered, chat, id)")
    db.execute("CREATE INDEX outbox_sender ON outbox(chat, user, digest)")
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


MIGRATIONS: list[Migration] = [m001_inbox, m002_identity, m003_outbox_and_meta]


class DamagedInbox(DamagedDatabase):
    def __str__(self) -> str:
        return (f"收件箱数据库 {self.path} 已损坏或不是有效的数据库文件（{self.detail}），机器人无法启动。"
                f"请把它改名保存（例如改为 {self.path.name}.damaged）后重新启动：机器人会新建收件箱，"
                f"只会丢失尚未处理的消息，草稿不受影响。")


class Inbox:
    """Updates received and not yet handled, in SQLite (WAL, synchronous=FULL). The same file
    holds the outbox and a few facts about the data directory (``meta``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = connect(path)
        except DamagedDatabase as err:
            raise DamagedInbox(err.path, err.detail) from None
        self.lock = threading.Lock()  # around every write to this connection
        with self.lock, writing(path):
            migrate(self.db, MIGRATIONS)
        self._remembered: OrderedDict[str, None] = OrderedDict()

    def close(self) -> None:
        self.db.close()

    def add(self, bodies: Iterable[dict[str, Any]]) -> list[Item]:
        """Stores a batch in one transaction; returns the updates not seen before (a redelivered
        update, already stored or handled, is not returned again). ``DiskFull`` stores nothing."""
        now = time.time()
        fresh = []
        with self.lock, writing(self.path), transaction(self.db):
            for body in bodies:
                item = _item(body)
                if item.identity in self._remembered:
                    continue
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO inbox(identity, update_id, key, body, received) VALUES (?,?,?,?,?)",
                    (item.identity, item.update_id, item.key, json.dumps(body, ensure_ascii=True), now))
                if cur.rowcount:
                    fresh.append(item)
        return fresh

    def remember(self, bodies: Iterable[dict[str, Any]]) -> list[Item]:
        """A batch the disk had no room for, to be handled from memory: the ones not seen before.
        A crash loses them (their senders were told nothing was saved when it mattered)."""
        fresh = []
        for body in bodies:
            item = _item(body, saved=False)
            if item.identity in self._remembered or self._stored(item.identity):
                continue
            self._remembered[item.identity] = None
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
            fresh.append(item)
        return fresh

    def _stored(self, identity_: str) -> bool:
        return self.db.execute("SELECT 1 FROM inbox WHERE identity=?", (identity_,)).fetchone() is not None

    def pending(self) -> list[Item]:
        rows = self.db.execute("SELECT body FROM inbox WHERE done IS NULL ORDER BY id")
        return [_item(json.loads(r[0])) for r in rows.fetchall()]

    def done(self, item: Item) -> None:
        """Not fsync'd: if a power cut loses the mark, the update runs again and the dialogue
        answers it from its stored replies. On a full disk the mark waits for the next start."""
        if not item.saved:
            return
        try:
            with self.lock, writing(self.path, recovers=False), unsynced(self.db):
                self.db.execute("UPDATE inbox SET done=? WHERE identity=?", (time.time(), item.identity))
        except DiskFull:
            pass  # reported once by writing(); replayed on the next start, answered from stored replies

    def prune(self, keep_seconds: float = KEEP_DONE_SECONDS) -> int:
        """Forgets handled updates older than Telegram could redeliver them (none on a full disk)."""
        try:
            with self.lock, writing(self.path, recovers=False):
                cur = self.db.execute("DELETE FROM inbox WHERE done IS NOT NULL AND done < ?",
                                      (time.time() - keep_seconds,))
        except DiskFull:
            return 0
        return cur.rowcount

    def counts(self) -> tuple[int, int]:
        """(pending, done) rows."""
        row = self.db.execute("SELECT SUM(done IS NULL), SUM(done IS NOT NULL) FROM inbox").fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        try:
            with self.lock, writing(self.path, recovers=False):
                self.db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?,?)", (name, value))
        except DiskFull:
            pass


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
                    except Exception as err:  # noqa: BLE001 - logged; the next update must still run
                        log.error("update %s (%s) could not be handled: %s", item.update_id, _kind(item.body),
                                  failure(err))
                await asyncio.to_thread(self.inbox.done, item)
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
