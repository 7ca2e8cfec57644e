"""SQLite persistence for sessions, drafts and every input (adapter).

Every message is written before it is handled and the new state right after, in WAL
mode with synchronous=FULL, so a crash loses nothing a user typed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.drafting.draft import Draft, Session

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


class DraftStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.execute("BEGIN IMMEDIATE")
                step(self._db)
                self._db.execute(f"PRAGMA user_version={number}")
                self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def log_input(self, user: str, draft_id: str, text: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO inputs(user, draft_id, text, at) VALUES (?,?,?,?)",
                             (user, draft_id, text, time.time()))

    def inputs(self, user: str) -> list[str]:
        rows = self._db.execute("SELECT text FROM inputs WHERE user=? ORDER BY id", (user,)).fetchall()
        return [r[0] for r in rows]

    def load_session(self, user: str) -> Session:
        row = self._db.execute("SELECT state FROM sessions WHERE user=?", (user,)).fetchone()
        return Session.from_json(json.loads(row[0])) if row else Session(user=user)

    def save(self, session: Session, draft: Draft | None) -> None:
        """Session and draft in one transaction: never one without the other."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR REPLACE INTO sessions(user, state, updated) VALUES (?,?,?)",
                                 (session.user, json.dumps(session.to_json(), ensure_ascii=False), now))
                if draft is not None:
                    draft.updated = now
                    self._db.execute(
                        "INSERT OR REPLACE INTO drafts(id, user, kind, data, updated, deleted) VALUES (?,?,?,?,?,0)",
                        (draft.id, draft.user, draft.kind, json.dumps(draft.to_json(), ensure_ascii=False), now))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

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
        with self._lock:
            cur = self._db.execute("UPDATE drafts SET deleted=1 WHERE id=? AND user=?", (draft_id, user))
        return cur.rowcount > 0
