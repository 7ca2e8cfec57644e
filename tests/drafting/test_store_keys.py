"""The drafts store keeps a stored reply for the user it was made for (bot/drafting/store.py):
Telegram reuses update ids, so a key alone must never hand one user's replies to another."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.drafting.replies import Reply
from bot.drafting.store import MIGRATIONS, DraftStore
from bot.services import make_dialogue


def test_the_same_key_from_another_user_is_a_new_input_not_a_replay(tmp_path: Path) -> None:
    dialogue = make_dialogue(Settings(_env_file=None, data_dir=tmp_path))
    mine = dialogue.handle("tg:1", "/new", "tg:42")
    theirs = dialogue.handle("tg:2", "/help", "tg:42")  # same key, another user
    assert theirs != mine and "/section" in theirs[0].text
    assert dialogue.store.answered("tg:42", "tg:2") == theirs
    assert dialogue.store.answered("tg:42", "tg:1") == mine
    assert dialogue.store.answered("tg:42", "tg:3") is None


def test_keys_of_the_update_id_kind_are_forgotten_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:2]:  # the schema before keys were per user
        step(db)
    db.execute("PRAGMA user_version=2")
    replies = json.dumps([Reply("甲的草稿内容").to_json()], ensure_ascii=False)
    db.execute("INSERT INTO inputs(user, draft_id, text, at, key, replies) VALUES ('tg:1', '', '/draft', 0, 'tg:7', ?)",
               (replies,))
    db.execute("INSERT INTO inputs(user, draft_id, text, at, key, replies) VALUES ('cli:x', '', '/new', 0, 'cli:7', ?)",
               (replies,))
    db.close()
    store = DraftStore(path)
    assert store.answered("tg:7", "tg:1") is None  # an update id: may now belong to someone else
    assert store.answered("cli:7", "cli:x") == [Reply("甲的草稿内容")]  # other channels' keys are kept
    assert store.inputs("tg:1") == ["/draft"]


def test_an_emptied_file_is_noticed_when_the_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "drafter.sqlite3"
    path.write_bytes(b"")
    store = DraftStore(path)
    assert store.was_emptied and store.count_drafts() == 0
    assert not DraftStore(tmp_path / "new.sqlite3").was_emptied
