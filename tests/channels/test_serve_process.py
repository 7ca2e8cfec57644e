"""The real ``drafter serve`` process against the fake Bot API: one bot per data directory, its
own log at INFO without ``-v``, settings typos, and a data directory on a file system that fills up
(a small tmpfs the test mounts, where the machine lets it)."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.channels.telegram.serving import LOCK_NAME, acquire_lock
from bot.drafting.phrasebook import load_phrasebook
from bot.drafting.store import DraftStore
from testing.bot_api import FakeBotApi
from testing.processes import BotServer

NOT_SAVED = load_phrasebook().say("not_saved")

pytestmark = pytest.mark.slow

USER = 1001
WAIT = 30.0


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


def say(api: FakeBotApi, uid: int, text: str, expect: str) -> str:
    after = len(api.messages_to(uid))
    api.send_text(uid, text)
    return api.wait_for_message(uid, contains=expect, after=after, timeout=WAIT).text


def press(api: FakeBotApi, uid: int, data: str, expect: str) -> str:
    message = next(m for m in reversed(api.messages_to(uid)) if m.keyboard)
    after = len(api.messages_to(uid))
    api.press_button(uid, message.message_id, data)
    return api.wait_for_message(uid, contains=expect, after=after, timeout=WAIT).text


def test_a_second_serve_on_the_same_data_directory_refuses_and_names_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    held = acquire_lock(data)  # what a running drafter serve holds (flock: per open file, as across processes)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(data))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # never reached
    try:
        assert cli.main(["serve"]) == 2
    finally:
        held.close()
    err = capsys.readouterr().err
    assert str(data / LOCK_NAME) in err and "另一个 drafter serve" in err and f"进程号 {os.getpid()}" in err
    acquire_lock(data).close()  # free again once its holder is gone


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("DRAFTER_ALLOWED_USERS", "1001,abc", "“abc” 不是整数"),
    ("DRAFTER_MAX_FILE_MB", "二十", "应为数字"),
    ("DRAFTER_WEBHOOK_PORT", "84a3", "应为整数"),
])
def test_a_settings_typo_gets_a_chinese_message_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        variable: str, value: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(variable, value)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert variable in err and expected in err and "Traceback" not in err and "pydantic" not in err


# -- a full disk, for real -------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs at ``tmp_path / "disk"`` (skipped where this process may not mount one)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); test_serve_faults.py covers it in-process")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(folder: Path) -> Path:
    """Writes a file until the file system is full; returns it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for _ in range(10_000):  # bounded: 6 MB in 4 KiB blocks is about 1,500 writes
            try:
                os.write(fd, bytes(4096))
            except OSError as err:
                assert err.errno == errno.ENOSPC
                break
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_is_survived_told_in_chinese_and_left_by_itself(
        api: FakeBotApi, small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    data.mkdir()
    bot = BotServer(api, data, [USER], tmp_path / "bot.log")
    bot.start()
    try:
        say(api, USER, "/new", "文稿类型")
        press(api, USER, "k:annual_summary", "已选")
        press(api, USER, "t:party_building", "已选：党建")
        press(api, USER, "a:topics_done", "哪个社区")
        filler = fill(small_disk)
        assert say(api, USER, "幸福里社区", "存储空间已满") == NOT_SAVED
        say(api, USER, "/help", "/new")  # reads go on
        say(api, USER, "/drafts", "您的草稿")
        filler.unlink()
        bot.stop()  # a clean stop removes SQLite's -wal and -shm files …
        assert bot.proc is not None and bot.proc.returncode == 0
        assert not (data / "drafter.sqlite3-shm").exists()
        filler = fill(small_disk)  # … which cannot be made again on a full disk
        bot.start()
        say(api, USER, "/help", "/new")  # yet the bot starts and answers
        assert say(api, USER, "幸福里社区", "存储空间已满") == NOT_SAVED
        filler.unlink()  # space again: no restart needed
        say(api, USER, "幸福里社区", "时间段")
        say(api, USER, "2025年", "落款单位")
    finally:
        bot.stop()
    log = bot.log.read_text(encoding="utf-8")
    assert "INFO bot.channels.telegram.app: Telegram bot @drafter_test_bot is running" in log  # without -v
    assert log.count("磁盘已满") == 2  # one line from each of the two processes, not one per message
    assert log.count("磁盘空间已恢复") == 1 and "Traceback" not in log
    assert "opened in exclusive mode: the disk is full" in log
    [draft] = DraftStore(data / "drafter.sqlite3").list_drafts(f"tg:{USER}")
    assert draft.topics == ["party_building"]  # what was stored before the disk filled is intact
    assert list(draft.basics.values())[:2] == ["幸福里社区", "2025年"]
