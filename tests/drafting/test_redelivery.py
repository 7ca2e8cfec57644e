"""A delivery seen twice (a Telegram update replayed after a crash) is answered again from the
stored replies and never applied twice; old databases are migrated in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.drafting.store import DraftStore, m001_initial
from bot.services import make_dialogue


def test_the_same_update_twice_changes_the_draft_once_and_gets_the_same_replies(tmp_path: Path) -> None:
    dialogue = make_dialogue(Settings(_env_file=None, data_dir=tmp_path))
    user = "tg:5"
    dialogue.handle(user, "/new", "tg:1")
    dialogue.handle(user, "k:annual_summary", "tg:2")
    first = dialogue.handle(user, "t:party_building", "tg:3")
    state = dialogue.store.load_session(user)
    again = dialogue.handle(user, "t:party_building", "tg:3")  # redelivered: topic not toggled off
    assert again == first
    assert dialogue.store.load_session(user) == state
    assert dialogue.store.inputs(user) == ["/new", "k:annual_summary", "t:party_building"]
    later = dialogue.handle(user, "t:party_building", "tg:4")  # a new press does toggle it
    assert later != first


def test_a_crash_before_the_state_was_saved_handles_the_update_afresh(tmp_path: Path) -> None:
    dialogue = make_dialogue(Settings(_env_file=None, data_dir=tmp_path))
    dialogue.store.log_input("tg:5", "", "/new", "tg:1")  # logged, then the process died
    replies = dialogue.handle("tg:5", "/new", "tg:1")
    assert "文稿类型" in replies[0].text
    assert dialogue.store.inputs("tg:5") == ["/new"]  # one input, not two


def test_a_database_from_before_keys_is_migrated_and_keeps_its_inputs(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    m001_initial(db)  # the schema as the first release wrote it
    db.execute("INSERT INTO inputs(user, draft_id, text, at) VALUES ('tg:1', '', '旧的输入', 0)")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = DraftStore(path)
    assert store.inputs("tg:1") == ["旧的输入"]
    store.log_input("tg:1", "", "新的输入", "tg:9")
    assert store.inputs("tg:1") == ["旧的输入", "新的输入"]
