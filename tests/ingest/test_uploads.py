"""``drafter upload``: an admin's upload from a shell, through the same steps as on Telegram
(bot/ingest/uploads.py): checked, saved under a plain name in ``<data>/uploads/``, indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from bot.services import open_retriever
from tests.channels.test_hostile_uploads import GOOD_TEXT, StandInEmbedder


def test_upload_from_the_command_line_saves_plain_names_refuses_bad_files_and_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("bot.ingest.indexer.Embedder", StandInEmbedder)  # files, not meaning
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    good = tmp_path / "航模\u202e小组.txt"  # a direction override in the name
    good.write_text(GOOD_TEXT, encoding="utf-8")
    bad = tmp_path / "乱码.txt"
    bad.write_bytes(b"\x00\x01\x02\x03" * 50)
    assert cli.main(["--data-dir", str(data), "upload", str(good), str(bad)]) == 1  # one was refused
    out, err = capsys.readouterr()
    assert "这不是文本文件" in err and "乱码.txt" in err
    assert "索引已更新" in out
    assert sorted(p.name for p in (data / "uploads").iterdir()) == ["航模小组.txt"]
    retriever = open_retriever(Settings(_env_file=None, data_dir=data), dense=False)
    assert retriever is not None
    hits = retriever.search("航模兴趣小组 器材", k=1)
    assert hits and hits[0].passage.source == "uploads/航模小组.txt"
