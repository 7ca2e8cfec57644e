"""End to end: the real ``drafter serve`` in a child process against the fake Bot API.

The sample corpus is indexed once per module (``drafter index``); each test copies that data
folder, starts the bot, talks to it as Telegram would, and always stops it.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.telegram import EDITED, FAILED, NOT_TEXT, REFUSED
from testing.bot_api import BotMessage, FakeBotApi
from testing.processes import BotServer, index_corpus
from testing.staff import Staff, docx_text, run_load

pytestmark = pytest.mark.slow

USER, OTHER, ADMIN, STRANGER = 1001, 1002, 2002, 9999
WAIT = 20.0  # seconds for one reply (the first retrieval loads jieba; an upload loads the model)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the sample corpus indexed by the real ``drafter index``."""
    folder = tmp_path_factory.mktemp("tg-indexed") / "data"
    index_corpus(folder)
    return folder


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def bot(api: FakeBotApi, indexed: Path, tmp_path: Path) -> Iterator[BotServer]:
    """``python -m bot -v serve`` pointed at the fake API; its log goes to a file."""
    data_dir = tmp_path / "data"
    shutil.copytree(indexed, data_dir)
    process = BotServer(api, data_dir, [USER, OTHER], tmp_path / "bot.log", admins=[ADMIN], verbose=True)
    process.start()
    try:
        yield process
        assert api.wait_for(lambda: api.pending_updates() == 0, timeout=10)
        assert not [m for uid in (USER, OTHER, ADMIN) for m in api.messages_to(uid) if m.text == FAILED]
    finally:
        process.stop()
        print(process.log.read_text(encoding="utf-8", errors="replace")[-4000:])  # shown when a test fails


# -- talking to the bot ---------------------------------------------------------------------------
def say(api: FakeBotApi, uid: int, text: str, expect: str) -> BotMessage:
    """Send a text and wait for the reply that contains ``expect``."""
    after = len(api.messages_to(uid))
    api.send_text(uid, text)
    return api.wait_for_message(uid, contains=expect, after=after, timeout=WAIT)


def press(api: FakeBotApi, uid: int, label: str, expect: str) -> BotMessage:
    """Press the newest button labelled ``label`` and wait for the reply that contains ``expect``."""
    for message in reversed(api.messages_to(uid)):
        data = next((d for row in (message.keyboard or []) for text, d in row if text == label), None)
        if data is not None:
            after = len(api.messages_to(uid))
            api.press_button(uid, message.message_id, data)
            return api.wait_for_message(uid, contains=expect, after=after, timeout=WAIT)
    raise AssertionError(f"no button {label!r} in chat {uid}")


def start_annual_summary(api: FakeBotApi, uid: int) -> None:
    say(api, uid, "/new", "请选择要起草的文稿类型")
    press(api, uid, "年度工作总结", "已选")
    press(api, uid, "党建", "已选：党建")
    press(api, uid, "选好了", "哪个社区")
    say(api, uid, "幸福里社区", "时间段")
    say(api, uid, "2025年", "落款单位")
    press(api, uid, "跳过", "成文日期")
    press(api, uid, "今天", "【第1/4部分】")


def finish_and_export(api: FakeBotApi, uid: int) -> str:
    press(api, uid, "跳过", "【第4/4部分】")
    press(api, uid, "跳过", "草稿预览")
    press(api, uid, "导出Word", "已导出")
    documents = api.wait_for(lambda: api.documents_to(uid), timeout=WAIT)
    name, data = documents[-1]
    assert name.endswith(".docx")
    return docx_text(data)


# -- the tests ----------------------------------------------------------------------------------
def test_guided_annual_summary_ends_in_a_word_document_with_the_users_facts(api: FakeBotApi, bot: BotServer) -> None:
    start_annual_summary(api, USER)
    say(api, USER, "社区有1234户居民，常住人口3456人。", "已记录")
    press(api, USER, "完成本节", "【第2/4部分】")
    say(api, USER, "全年召开党员大会6次，发展党员3名，开展主题党日活动12次。", "已记录")
    press(api, USER, "完成本节", "【第3/4部分】")
    text = finish_and_export(api, USER)
    for fact in ("幸福里社区2025年工作总结", "1234户", "3456人", "党员大会6次", "发展党员3名", "主题党日活动12次"):
        assert fact in text
    assert all(m.method != "sendMessage" or len(m.text) <= 4096 for m in api.messages_to(USER))


def test_search_shows_passages_with_their_sources(api: FakeBotApi, bot: BotServer) -> None:
    reply = say(api, USER, "/search 禁毒宣传", "来源")
    assert "禁毒" in reply.text


def test_admin_upload_becomes_searchable(api: FakeBotApi, bot: BotServer) -> None:
    phrase = "青藤议事角"
    body = (f"# 青藤社区2025年居民议事工作总结\n\n一、创新居民议事形式\n\n今年社区在小区广场设立“{phrase}”，"
            "每月第二个周六组织居民围绕停车管理、加装电梯、垃圾分类等身边事开展协商，全年共议事24次，"
            "解决居民急难愁盼问题37件，居民参与议事达到860人次。\n")
    after = len(api.messages_to(ADMIN))
    started = time.monotonic()
    api.send_document(ADMIN, "青藤议事.txt", body.encode("utf-8"))
    done = api.wait_for_message(ADMIN, contains="索引已更新", after=after, timeout=50)
    elapsed = time.monotonic() - started
    assert "文件 15 个" in done.text  # 14 sample files + the upload
    statuses = api.messages_to(ADMIN)[after:]
    assert len({m.message_id for m in statuses}) == 1  # one status message, edited in place
    assert len(statuses) <= elapsed + 3  # progress edits at most about once a second
    assert (bot.data_dir / "uploads" / "青藤议事.txt").read_text(encoding="utf-8") == body
    reply = say(api, USER, f"/search {phrase}", phrase)
    assert "来源" in reply.text
    assert "文件 15 个" in say(api, ADMIN, "/stats", "索引统计").text
    say(api, ADMIN, "/reindex", "语料未变化")


def test_admin_upload_of_a_bad_file_writes_nothing(api: FakeBotApi, bot: BotServer) -> None:
    say(api, ADMIN, "/help", "/new")  # the bot is up
    after = len(api.messages_to(ADMIN))
    api.send_document(ADMIN, "乱码.txt", b"\x00\x01\x02\x03" * 100)
    api.wait_for_message(ADMIN, contains="不是文本文件", after=after, timeout=WAIT)
    assert not (bot.data_dir / "uploads").exists()
    after = len(api.messages_to(USER))
    api.send_document(USER, "材料.txt", "一些材料".encode())
    api.wait_for_message(USER, contains="只有管理员可以上传语料文件", after=after, timeout=WAIT)


def test_a_strangers_flood_gets_one_refusal_and_a_429_in_a_strangers_chat_holds_up_nobody(
        api: FakeBotApi, bot: BotServer) -> None:
    say(api, USER, "/help", "/new")  # the bot is up and polling
    api.fail_next("sendMessage", 429, retry_after=15, chat_id=STRANGER + 1)  # Telegram slows one chat down
    api.send_text(STRANGER + 1, "你好")
    for i in range(200):
        api.send_text(STRANGER, f"/search 禁毒宣传{i}")
    started = time.monotonic()
    say(api, USER, "/help", "/new")  # a colleague, right behind them
    assert time.monotonic() - started < 10  # not held up by that chat's 15 s pause
    assert ("sendMessage", 429) in api.injected_failures
    assert api.wait_for(lambda: api.pending_updates() == 0)
    say(api, OTHER, "/help", "/new")  # everything before this has been handled
    assert [m.text for m in api.messages_to(STRANGER)] == [REFUSED]  # one refusal, then silence
    assert api.messages_to(STRANGER + 1) == []  # its refusal met the 429 and was not worth a retry


def test_reply_is_delivered_despite_a_429(api: FakeBotApi, bot: BotServer) -> None:
    say(api, USER, "/help", "/new")  # the bot is up and polling
    api.fail_next("sendMessage", 429, retry_after=1)
    reply = say(api, USER, "/search 社会救助", "来源")
    assert ("sendMessage", 429) in api.injected_failures
    assert reply.text


def test_non_text_updates_get_explanations(api: FakeBotApi, bot: BotServer) -> None:
    say(api, USER, "你好", "")
    for send in (api.send_sticker, api.send_photo, api.send_voice):
        after = len(api.messages_to(USER))
        send(USER)
        assert api.wait_for_message(USER, after=after, timeout=WAIT).text == NOT_TEXT
    after = len(api.messages_to(USER))
    api.send_edited_text(USER, "改过的内容")
    assert api.wait_for_message(USER, after=after, timeout=WAIT).text == EDITED


def test_kill_9_mid_conversation_loses_nothing(api: FakeBotApi, bot: BotServer) -> None:
    start_annual_summary(api, OTHER)
    say(api, OTHER, "社区有2468户居民，常住人口7531人。", "已记录")
    assert api.wait_for(lambda: api.pending_updates() == 0)
    bot.kill()
    api.send_text(OTHER, "划分了9个网格。")  # typed while the bot is down
    bot.start()
    api.wait_for_message(OTHER, contains="网格数 9个", timeout=WAIT)
    press(api, OTHER, "完成本节", "【第2/4部分】")
    say(api, OTHER, "全年召开党员大会5次。", "已记录")
    bot.kill()
    bot.start()
    press(api, OTHER, "完成本节", "【第3/4部分】")  # a button sent before the kill still works
    text = finish_and_export(api, OTHER)
    for fact in ("2468户", "7531人", "9个网格", "党员大会5次"):
        assert fact in text


def inbox_pending(data_dir: Path) -> int:
    db = sqlite3.connect(data_dir / "inbox.sqlite3")
    try:
        return db.execute("SELECT COUNT(*) FROM inbox WHERE done IS NULL").fetchone()[0]
    finally:
        db.close()


def test_kill_9_with_a_confirmed_backlog_still_answers_every_message(api: FakeBotApi, bot: BotServer) -> None:
    """Telegram forgets updates once confirmed; a bot killed with a confirmed, unhandled backlog
    must still handle all of it after the restart (python-telegram-bot's own poller lost it)."""
    notes = {USER: ["组织了插花沙龙。", "举办了象棋比赛。", "开设了书法课堂。", "开展了防诈讲座。", "办起了暑期托管班。"],
             OTHER: ["修缮了健身步道。", "更换了楼道灯具。", "清理了楼顶杂物。", "安装了充电车棚。", "疏通了雨水管道。"]}
    for uid in notes:
        start_annual_summary(api, uid)
    assert api.wait_for(lambda: api.pending_updates() == 0)
    api.wait_for(lambda: inbox_pending(bot.data_dir) == 0)  # nothing of this part is replayed later
    bot.kill()
    before = {uid: len(api.messages_to(uid)) for uid in notes}
    for i in range(5):  # typed while the bot is down
        for uid, lines in notes.items():
            api.send_text(uid, lines[i])
    for uid in notes:  # the fault point: Telegram slows both chats down, so their answers wait
        api.fail_next("sendMessage", status=429, retry_after=5, chat_id=uid)
    bot.start()
    api.wait_for(lambda: api.pending_updates() == 0 and len(api.injected_failures) == 2, timeout=WAIT)
    bot.kill()  # the whole batch was confirmed to Telegram and almost none of it answered
    answered = [line for uid, lines in notes.items() for line in lines
                if any(line in m.text for m in api.messages_to(uid)[before[uid]:])]
    assert len(answered) <= 4  # most of the confirmed backlog was still unhandled at the kill
    bot.start()
    for uid in notes:
        for line in notes[uid]:  # each note is echoed back (a reply replayed after the kill may repeat)
            api.wait_for_message(uid, contains=line, after=before[uid], timeout=WAIT)
        press(api, uid, "完成本节", "【第2/4部分】")
        press(api, uid, "跳过", "【第3/4部分】")
        text = finish_and_export(api, uid)
        for line in notes[uid]:
            assert text.count(line.rstrip("。")) == 1, line


def test_many_users_at_once_with_random_kills_keep_their_own_drafts(indexed: Path, tmp_path: Path) -> None:
    """The load driver of ``make bench`` in small: 6 staff members draft at once while the bot is
    killed twice at random moments; every user finishes with exactly their own facts."""
    outcome = run_load(6, indexed, tmp_path, kills=2, think=(0.2, 0.5), seed=3, kill_every=(0.5, 1.5))
    assert outcome.kills == 2
    assert outcome.updates == 6 * len(Staff.make(0).script())
    assert not outcome.errors and not outcome.crossed and not outcome.failed_replies
    assert outcome.unanswered == 0


MODEL_OPENING = ("2025年，幸福里社区坚持以党建引领基层治理，紧扣居民群众的所需所盼，辖区现有居民1234户、"
                 "常住人口3456人，社区各项工作扎实推进，服务水平稳步提升。")


def test_with_a_model_the_section_streams_into_one_message_within_telegrams_limits_and_reaches_the_docx(
        api: FakeBotApi, indexed: Path, tmp_path: Path) -> None:
    from testing.openai_api import KEY, MODEL, Answer, FakeOpenAI

    data_dir = tmp_path / "data"
    shutil.copytree(indexed, data_dir)
    stamps: list[tuple[str, int, float]] = []
    api.listeners.append(lambda m: stamps.append((m.method, m.message_id, time.monotonic())) if m.chat_id == USER else None)
    with FakeOpenAI() as model:
        model.script(Answer(MODEL_OPENING, chunk_chars=3, chunk_delay=0.05))  # about 2.5 s of streaming
        process = BotServer(api, data_dir, [USER], tmp_path / "bot.log")
        process.env.update(DRAFTER_LLM_BASE_URL=model.base_url, DRAFTER_LLM_MODEL=MODEL, DRAFTER_LLM_API_KEY=KEY,
                           DRAFTER_LLM_TIMEOUT="20")
        process.start()
        try:
            start_annual_summary(api, USER)
            say(api, USER, "社区有1234户居民，常住人口3456人。", "已记录")
            press(api, USER, "完成本节", "以上是大模型撰写")
            streamed = [m for m in api.messages_to(USER) if m.text == MODEL_OPENING]
            assert streamed and streamed[-1].method == "editMessageText"
            ids = {m.message_id for m in api.messages_to(USER) if MODEL_OPENING.startswith(m.text) and m.text}
            assert len(ids) == 1  # one message, edited as the text arrived
            times = [t for method, mid, t in stamps if mid in ids]
            assert len(times) >= 2 and all(b - a >= 0.95 for a, b in itertools.pairwise(times))  # ≤ 1 edit a second
            press(api, USER, "跳过", "【第3/4部分】")
            text = finish_and_export(api, USER)
            assert MODEL_OPENING in text
            assert KEY not in process.log.read_text(encoding="utf-8", errors="replace")
        finally:
            process.stop()
            print(process.log.read_text(encoding="utf-8", errors="replace")[-3000:])  # shown when it fails
