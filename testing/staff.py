"""Simulated staff drafting at once through the fake Bot API against a real ``drafter serve``:
each runs a whole guided draft (an annual summary with a party-building section) with their own
community name and numbers, two look-ups and an export. Afterwards each user's exported .docx must
hold exactly their own facts and no other user's (no crossed state), and no update may be left
unanswered; ``kills`` ``kill -9``s the bot at random moments and restarts it while the users carry
on. The ``load`` benchmark runs it at scale, the Telegram end-to-end tests at a few users."""

from __future__ import annotations

import asyncio
import contextlib
import io
import random
import re
import shutil
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from testing.bot_api import BotMessage, FakeBotApi
from testing.processes import BotServer

FAILED_PREFIX = "抱歉，处理时出错了"
STEP_TIMEOUT = 90.0  # seconds a simulated user waits for one reply (covers a kill and restart)
NAME_CHARS = "安康乐福兴隆顺晖德仁爱松柏梅兰竹菊桂槐杨柳枫荷莲"
BASE_UID = 500_000


@dataclass(frozen=True)
class Staff:
    """One simulated staff member and the facts only they type."""

    uid: int
    community: str
    households: int  # 1000..1999, unique per user
    residents: int   # 5000..6999, unique per user
    meetings: int
    recruits: int

    @classmethod
    def make(cls, i: int) -> Staff:
        n = len(NAME_CHARS)
        community = f"{NAME_CHARS[i % n]}{NAME_CHARS[(i // n + i) % n]}社区"
        return cls(BASE_UID + i, community, 1000 + i, 5000 + 2 * i, 2 + i % 9, 1 + i % 5)

    def script(self) -> list[tuple[str, str, str]]:
        """(how, what, expected reply fragment): a whole guided draft with look-ups and an export."""
        return [
            ("text", "/new", "请选择要起草的文稿类型"),
            ("press", "年度工作总结", "已选"),
            ("press", "党建", "已选：党建"),
            ("press", "选好了", "哪个社区"),
            ("text", self.community, "时间段"),
            ("text", "2025年", "落款单位"),
            ("press", "跳过", "成文日期"),
            ("press", "今天", "【第1/4部分】"),
            ("text", f"社区有{self.households}户居民，常住人口{self.residents}人。", "已记录"),
            ("text", "/search 低保救助", "来源"),
            ("press", "完成本节", "【第2/4部分】"),
            ("text", f"全年召开党员大会{self.meetings}次，发展党员{self.recruits}名。", "已记录"),
            ("text", "/phrases 主题党日", "来源"),
            ("press", "完成本节", "【第3/4部分】"),
            ("press", "跳过", "【第4/4部分】"),
            ("press", "跳过", "草稿预览"),
            ("press", "导出Word", "已导出"),
        ]

    def facts(self) -> list[str]:
        return [f"{self.community}2025年工作总结", f"{self.households}户", f"{self.residents}人",
                f"党员大会{self.meetings}次", f"发展党员{self.recruits}名"]


@dataclass
class Outcome:
    users: int
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms from an update to the bot's first reply
    errors: list[str] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)
    unanswered: int = 0
    failed_replies: int = 0
    kills: int = 0
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.errors or self.crossed or self.unanswered or self.failed_replies)


class Chats:
    """What the bot sent to each chat, fed by the fake API's listener (thread-safe hand-over)."""

    def __init__(self, api: FakeBotApi, loop: asyncio.AbstractEventLoop) -> None:
        self.api = api
        self.loop = loop
        self.history: dict[int, list[tuple[float, BotMessage]]] = defaultdict(list)
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        api.listeners.append(self._heard)

    def _heard(self, message: BotMessage) -> None:  # in the server's thread
        self.loop.call_soon_threadsafe(self._deliver, time.perf_counter(), message)

    def _deliver(self, at: float, message: BotMessage) -> None:
        self.history[message.chat_id].append((at, message))
        self.events[message.chat_id].set()

    def button(self, uid: int, label: str) -> tuple[int, str]:
        for _, message in reversed(self.history[uid]):
            for row in message.keyboard or []:
                for text, data in row:
                    if text == label and data:
                        return message.message_id, data
        raise LookupError(f"no button {label!r}")

    async def step(self, uid: int, how: str, what: str, expect: str, timeout: float) -> float:
        """Sends one update, waits for the reply holding ``expect``; returns ms to the first reply."""
        seen = len(self.history[uid])
        if how == "press":
            message_id, data = self.button(uid, what)
            sent = time.perf_counter()
            self.api.press_button(uid, message_id, data)
        else:
            sent = time.perf_counter()
            self.api.send_text(uid, what)
        deadline = sent + timeout
        while True:
            fresh = self.history[uid][seen:]
            if any(expect in m.text for _, m in fresh):
                return (fresh[0][0] - sent) * 1000
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{what!r}: no reply with {expect!r} in {timeout:.0f} s")
            event = self.events[uid]
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(left, 5.0))

    def document(self, uid: int) -> bytes | None:
        docs = [m.document for _, m in self.history[uid] if m.method == "sendDocument" and m.document]
        return docs[-1].data if docs else None


def docx_text(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


class Documents(Protocol):
    def document(self, uid: int) -> bytes | None:
        """The last document the bot sent to ``uid``."""


def check_documents(staff: list[Staff], chats: Documents, outcome: Outcome) -> None:
    """Every user's last export holds all their facts and none of anybody else's."""
    others_numbers = re.compile(r"(?<!\d)(1\d{3}|[56]\d{3})(?!\d)")
    for person in staff:
        data = chats.document(person.uid)
        if data is None:
            outcome.errors.append(f"{person.uid}: no document")
            continue
        text = docx_text(data)
        missing = [f for f in person.facts() if f not in text]
        if missing:
            outcome.crossed.append(f"{person.uid}: missing {missing}")
        foreign = {int(n) for n in others_numbers.findall(text)} - {person.households, person.residents, 2025}
        strangers = [p.community for p in staff if p.community != person.community and p.community in text]
        if foreign or strangers:
            outcome.crossed.append(f"{person.uid}: foreign facts {sorted(foreign)[:5]} {strangers[:3]}")


async def drive(api: FakeBotApi, staff: list[Staff], think: tuple[float, float], seed: int,
                kills: int, server: BotServer, kill_every: tuple[float, float]) -> Outcome:
    loop = asyncio.get_running_loop()
    chats = Chats(api, loop)
    outcome = Outcome(users=len(staff))
    rng = random.Random(seed)

    async def user(person: Staff) -> None:
        await asyncio.sleep(rng.uniform(0, 2.0))  # staff do not all start in the same millisecond
        for how, what, expect in person.script():
            try:
                outcome.latencies.append(await chats.step(person.uid, how, what, expect, STEP_TIMEOUT))
            except (TimeoutError, LookupError) as err:
                outcome.errors.append(f"{person.uid}: {err}")
                outcome.unanswered += isinstance(err, TimeoutError)
                return
            finally:
                outcome.updates += 1
            await asyncio.sleep(rng.uniform(*think))
        for _ in range(int(STEP_TIMEOUT / 0.05)):  # the export's document follows "已导出"
            if chats.document(person.uid):
                break
            await asyncio.sleep(0.05)

    async def killer() -> None:
        for _ in range(kills):
            await asyncio.sleep(rng.uniform(*kill_every))
            await asyncio.to_thread(server.kill)
            outcome.kills += 1
            await asyncio.sleep(rng.uniform(0.1, 1.0))
            server.start()

    started = time.perf_counter()
    users = asyncio.gather(*(user(p) for p in staff))
    chaos = asyncio.create_task(killer())
    await users
    outcome.seconds = time.perf_counter() - started
    chaos.cancel()
    await asyncio.gather(chaos, return_exceptions=True)
    check_documents(staff, chats, outcome)
    outcome.failed_replies = sum(m.text.startswith(FAILED_PREFIX)
                                 for p in staff for _, m in chats.history[p.uid])
    return outcome


def run_load(users: int, indexed: Path, work: Path, kills: int = 0, think: tuple[float, float] = (0.2, 1.0),
             seed: int = 1, max_rate: float | None = None, kill_every: tuple[float, float] = (3.0, 8.0)) -> Outcome:
    """One run: a fresh copy of the indexed data, a fresh bot, ``users`` staff members at once."""
    data_dir = work / "data"
    shutil.copytree(indexed, data_dir)
    staff = [Staff.make(i) for i in range(users)]
    with FakeBotApi() as api:
        server = BotServer(api, data_dir, [p.uid for p in staff], work / "bot.log", max_rate)
        server.start()
        try:
            api.wait_for(lambda: api.calls_to("getUpdates"), timeout=120)
            outcome = asyncio.run(drive(api, staff, think, seed, kills, server, kill_every))
            api.wait_for(lambda: api.pending_updates() == 0, timeout=60)
        finally:
            server.stop()
        outcome.peak_rss_mb = server.peak_mb
    db = sqlite3.connect(data_dir / "inbox.sqlite3")
    outcome.unanswered += db.execute("SELECT COUNT(*) FROM inbox WHERE done IS NULL").fetchone()[0]
    db.close()
    return outcome


