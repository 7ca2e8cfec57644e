"""SQLite persistence for sessions, drafts and every input (adapter).

Every message is written before it is handled and the new state right after, in WAL
mode with synchronous=FULL, so a crash loses nothing a user typed. A write the disk has no room
for raises ``DiskFull`` and changes nothing; a damaged file raises ``DamagedStore`` on opening.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.drafting.draft import Draft, Session
from bot.drafting.replies import Reply
from bot.sqlite import DamagedDatabase, connect, migrate, transaction, unsynced, writing

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    # One statement at a time: executescript() would commit the migration's transaction.
    db.execute("CREATE TABLE sessions (user TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)")
    db.execute("CREATE TABLE drafts (id TEXT PRIMARY KEY, user TEXT NOT NULL, kind TEXT NOT NULL,"
               " data TEXT NOT NULL, updated REAL NOT NULL, deleted INTEGER NOT NULL DEFAULT 0)")
    db.execute("CREATE INDEX drafts_user ON drafts(user, deleted, updated)")
    db.execute("CREATE TABLE inputs (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL,"
               " draft_id TEXT, text TEXT NOT NULL, at REAL NOT NULL)")


@migration
def m002_input_keys(db: sqlite3.Connection) -> None:
    # A channel's id for an input (e.g. a Telegram update) and the replies it produced, saved in
    # the same transaction as the new state: a redelivered input is answered again, not re-applied.
    db.execute("ALTER TABLE inputs ADD COLUMN key TEXT")
    db.execute("ALTER TABLE inputs ADD COLUMN replies TEXT")
    db.execute("CREATE UNIQUE INDEX inputs_key ON inputs(key) WHERE key IS NOT NULL")


@migration
def m003_keys_per_user(db: sqlite3.Connection) -> None:
    # A key is unique for its user only, and a stored reply is only ever handed back to that user.
    # Keys of the form tg:<update_id> are forgotten: Telegram reuses update ids, so they could
    # match another user's update (channels now key by chat, user, message and content).
    db.execute("DROP INDEX inputs_key")
    db.execute("UPDATE inputs SET key=NULL WHERE key GLOB 'tg:[0-9]*' AND key NOT GLOB 'tg:*:*'")
    db.execute("CREATE UNIQUE INDEX inputs_user_key ON inputs(user, key) WHERE key IS NOT NULL")


class DamagedStore(DamagedDatabase):
    """The drafts database cannot be read: the message names the file and what to do."""

    def __str__(self) -> str:
        return (f"草稿数据库 {self.path} 已损坏或不是有效的数据库文件（{self.detail}），无法打开。"
                f"请先停止所有 drafter 进程，再从备份恢复这个文件；没有备份时，可以把它改名保存"
                f"（例如改为 {self.path.name}.damaged）后重新启动，程序会新建一个空的草稿数据库，原有草稿将无法找回。")


class DraftStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        # An existing file of 0 bytes opens as a new, empty database: say so (serve warns).
        self.was_emptied = path.exists() and path.stat().st_size == 0
        try:
            self._db = connect(path)
        except DamagedDatabase as err:
            raise DamagedStore(err.path, err.detail) from None
        self._lock = threading.Lock()
        with self._lock, writing(path):
            migrate(self._db, MIGRATIONS)

    def close(self) -> None:
        self._db.close()

    def log_input(self, user: str, draft_id: str, text: str, key: str | None = None) -> int:
        """Writes the input before it is handled; returns its row id (the same row for a repeated key)."""
        with self._lock, writing(self.path):
            with unsynced(self._db):  # the save that follows is fsync'd and carries this row with it
                cur = self._db.execute(
                    "INSERT INTO inputs(user, draft_id, text, at, key) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    (user, draft_id, text, time.time(), key))
            if cur.rowcount:
                return int(cur.lastrowid or 0)
            return int(self._db.execute("SELECT id FROM inputs WHERE user=? AND key=?", (user, key)).fetchone()[0])

    def answered(self, key: str, user: str) -> list[Reply] | None:
        """The replies already given to ``user``'s input with this key, or None if it was never
        applied. Another user's input under the same key is never found."""
        row = self._db.execute("SELECT replies FROM inputs WHERE user=? AND key=?", (user, key)).fetchone()
        if row is None or row[0] is None:
            return None
        return [Reply.from_json(r) for r in json.loads(row[0])]

    def inputs(self, user: str) -> list[str]:
        rows = self._db.execute("SELECT text FROM inputs WHERE user=? ORDER BY id", (user,)).fetchall()
        return [r[0] for r in rows]

    def load_session(self, user: str) -> Session:
        row = self._db.execute("SELECT state FROM sessions WHERE user=?", (user,)).fetchone()
        return Session.from_json(json.loads(row[0])) if row else Session(user=user)

    def save(self, session: Session, draft: Draft | None, input_id: int | None = None,
             replies: list[Reply] | None = None, deletes: list[str] | tuple[str, ...] = ()) -> None:
        """Session, draft, the input's replies and the drafts it deleted (only the user's own) in one
        transaction: never one without the others."""
        now = time.time()
        with self._lock, writing(self.path), transaction(self._db):
            for draft_id in deletes:
                self._db.execute("UPDATE drafts SET deleted=1 WHERE id=? AND user=?", (draft_id, session.user))
            self._db.execute("INSERT OR REPLACE INTO sessions(user, state, updated) VALUES (?,?,?)",
                             (session.user, json.dumps(session.to_json(), ensure_ascii=False), now))
            if draft is not None:
                draft.updated = now
                self._db.execute(
                    "INSERT OR REPLACE INTO drafts(id, user, kind, data, updated, deleted) VALUES (?,?,?,?,?,0)",
                    (draft.id, draft.user, draft.kind, json.dumps(draft.to_json(), ensure_ascii=False), now))
            if input_id is not None and replies is not None:
                self._db.execute("UPDATE inputs SET replies=? WHERE id=?",
                                 (json.dumps([r.to_json() for r in replies], ensure_ascii=False), input_id))

    def load_draft(self, draft_id: str, user: str) -> Draft | None:
        """A user's own draft; another user's id finds nothing (drafts are private)."""
        row = self._db.execute("SELECT data FROM drafts WHERE id=? AND user=? AND deleted=0",
                               (draft_id, user)).fetchone()
        return Draft.from_json(json.loads(row[0])) if row else None

    def list_drafts(self, user: str) -> list[Draft]:
        rows = self._db.execute("SELECT data FROM drafts WHERE user=? AND deleted=0 ORDER BY updated DESC",
                                (user,)).fetchall()
        return [Draft.from_json(json.loads(r[0])) for r in rows]

    def delete_draft(self, draft_id: str, user: str) -> bool:
        with self._lock, writing(self.path, recovers=False):
            cur = self._db.execute("UPDATE drafts SET deleted=1 WHERE id=? AND user=?", (draft_id, user))
        return cur.rowcount > 0

    def count_drafts(self) -> int:
        """Drafts kept (not deleted), of all users: what an operator would miss if the file went."""
        return int(self._db.execute("SELECT COUNT(*) FROM drafts WHERE deleted=0").fetchone()[0])
