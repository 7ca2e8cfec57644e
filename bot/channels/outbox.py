"""Replies the messenger could not take yet (adapter: SQLite, in the inbox's file).

A reply that still fails after the send retries (a long Telegram outage) is kept here, as the
list of messages still to send, and sent when the messenger is reachable again, in order and
before anything newer for that chat. A row is also kept for a reply that needed retries, so that
when the user, having seen no answer, sends the same message again, the resend is recognised
and not applied twice (``resent``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from bot.channels.inbox import Inbox
from bot.sqlite import DiskFull, transaction, unsynced, writing

log = logging.getLogger(__name__)

KEEP_DELIVERED_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Origin:
    """The input a reply answers: its sender, its dialogue key, a digest of its content and when
    the messenger says it was sent (epoch seconds)."""

    user: int
    key: str
    digest: str
    sent: float


@dataclass(frozen=True)
class Pending:
    id: int
    chat: int
    parts: list[dict[str, Any]]  # the channel's messages, as JSON
    next: int  # index of the first part not yet sent


class Outbox:
    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._db = inbox.db

    def add(self, chat: int, parts: list[dict[str, Any]], next_part: int = 0, *, origin: Origin | None = None,
            delivered: bool = False) -> int | None:
        """Keeps a reply (fsync'd: it may be the only copy on its way to the user); ``origin`` is
        the input it answers, for ``resent``. None on a full disk."""
        o = origin or Origin(0, "", "", 0.0)
        try:
            with self._inbox.lock, writing(self._inbox.path), transaction(self._db):
                cur = self._db.execute(
                    "INSERT INTO outbox(chat, user, key, digest, sent, parts, next, created, delivered)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    (chat, o.user if origin else None, o.key or None, o.digest or None, o.sent if origin else None,
                     json.dumps(parts, ensure_ascii=True), next_part, time.time(), time.time() if delivered else None))
        except DiskFull:
            return None
        return int(cur.lastrowid or 0)

    def advance(self, row_id: int, next_part: int) -> None:
        """Parts before ``next_part`` were sent (not fsync'd: a lost mark resends one message)."""
        self._write("UPDATE outbox SET next=? WHERE id=?", (next_part, row_id))

    def delivered(self, row_id: int) -> None:
        self._write("UPDATE outbox SET delivered=? WHERE id=?", (time.time(), row_id))

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        try:
            with self._inbox.lock, writing(self._inbox.path, recovers=False), unsynced(self._db):
                self._db.execute(sql, args)
        except DiskFull:
            pass  # reported once; the row is sent again from where the mark stopped

    def pending(self, chat: int) -> list[Pending]:
        rows = self._db.execute("SELECT id, chat, parts, next FROM outbox WHERE delivered IS NULL AND chat=? ORDER BY id",
                                (chat,)).fetchall()
        return [Pending(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]

    def chats(self) -> set[int]:
        """Chats with replies waiting."""
        return {r[0] for r in self._db.execute("SELECT DISTINCT chat FROM outbox WHERE delivered IS NULL")}

    def resent(self, chat: int, origin: Origin, window: float, grace: float) -> bool:
        """Whether an input repeats an earlier one whose reply was held up: same chat, sender and
        content, at most ``window`` seconds earlier, and sent before that reply reached the user
        (``grace`` seconds allow for the messenger's clock)."""
        row = self._db.execute(
            "SELECT delivered FROM outbox WHERE chat=? AND user=? AND digest=? AND key IS NOT ? AND sent>=?"
            " ORDER BY id DESC LIMIT 1", (chat, origin.user, origin.digest, origin.key, origin.sent - window)).fetchone()
        return row is not None and (row[0] is None or origin.sent <= row[0] + grace)

    def prune(self, keep_seconds: float = KEEP_DELIVERED_SECONDS) -> None:
        self._write("DELETE FROM outbox WHERE delivered IS NOT NULL AND delivered < ?", (time.time() - keep_seconds,))
