"""Benchmark section ``load``: simulated staff members at once against the real ``drafter serve``.

Each simulated staff member runs a whole guided draft (an annual summary with a party-building
section) with their own community name and numbers, two look-ups and an export, through the fake
Bot API (``tests/fakes/bot_api.py``: the Bot API over HTTP on 127.0.0.1; Telegram's servers are
the one edge we cannot reach). Afterwards each user's exported .docx must hold exactly their own
facts and no other user's (no crossed state), and no update may be left unanswered. The crash run
``kill -9``s the bot at random moments and restarts it while the users carry on.

``python -m bot.bench load [--quick]``; ``run_load`` is also used by the test suite.
"""

from __future__ import annotations

import asyncio
import io
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.bench import drafter_env, percentile
from bot.config import PROJECT_ROOT

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

    def __init__(self, api, loop: asyncio.AbstractEventLoop) -> None:  # type: ignore[no-untyped-def]
        self.api = api
        self.loop = loop
        self.history: dict[int, list[tuple[float, object]]] = defaultdict(list)
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        api.listeners.append(self._heard)

    def _heard(self, message) -> None:  # type: ignore[no-untyped-def]  # server thread
        self.loop.call_soon_threadsafe(self._deliver, time.perf_counter(), message)

    def _deliver(self, at: float, message) -> None:  # type: ignore[no-untyped-def]
        self.history[message.chat_id].append((at, message))
        self.events[message.chat_id].set()

    def button(self, uid: int, label: str) -> tuple[int, str]:
        for _, message in reversed(self.history[uid]):
            for row in message.keyboard or []:  # type: ignore[attr-defined]
                for text, data in row:
                    if text == label and data:
                        return message.message_id, data  # type: ignore[attr-defined]
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
            if any(expect in m.text for _, m in fresh):  # type: ignore[attr-defined]
                return (fresh[0][0] - sent) * 1000
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{what!r}: no reply with {expect!r} in {timeout:.0f} s")
            event = self.events[uid]
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout=min(left, 5.0))
            except TimeoutError:
                pass

    def document(self, uid: int) -> bytes | None:
        docs = [m for _, m in self.history[uid] if m.method == "sendDocument" and m.document]  # type: ignore[attr-defined]
        return docs[-1].document.data if docs else None  # type: ignore[attr-defined]


class BotServer:
    """``python -m bot serve`` in a child process, killable, with its peak memory read from /proc."""

    def __init__(self, api, data_dir: Path, users: list[int], log: Path,  # type: ignore[no-untyped-def]
                 max_rate: float | None = None, admins: list[int] | None = None, verbose: bool = False) -> None:
        self.api, self.data_dir, self.log = api, data_dir, log
        self.args = ["-v", "serve"] if verbose else ["serve"]
        self.env = drafter_env(data_dir, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url,
                               TELEGRAM_BASE_FILE_URL=api.base_file_url,
                               DRAFTER_ALLOWED_USERS=",".join(map(str, users)),
                               DRAFTER_ADMINS=",".join(map(str, admins or [])))
        if max_rate is not None:
            self.env["DRAFTER_TELEGRAM_MAX_RATE"] = str(max_rate)
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_mb = 0.0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", *self.args], cwd=self.data_dir.parent,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def _sample_peak(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            self.peak_mb = max(self.peak_mb, int(found.group(1)) / 1024)

    def kill(self) -> None:
        assert self.proc is not None
        self._sample_peak()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self._sample_peak()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def index_corpus(data_dir: Path) -> None:
    """The sample corpus indexed by the real ``drafter index``."""
    done = subprocess.run([sys.executable, "-m", "bot", "index"], cwd=data_dir.parent, env=drafter_env(data_dir),
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"drafter index failed: {done.stderr[-2000:]}")


def docx_text(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def check_documents(staff: list[Staff], chats: Chats, outcome: Outcome) -> None:
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


async def drive(api, staff: list[Staff], think: tuple[float, float], seed: int,  # type: ignore[no-untyped-def]
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
    outcome.failed_replies = sum(m.text.startswith(FAILED_PREFIX)  # type: ignore[attr-defined]
                                 for p in staff for _, m in chats.history[p.uid])
    return outcome


def run_load(users: int, indexed: Path, work: Path, kills: int = 0, think: tuple[float, float] = (0.2, 1.0),
             seed: int = 1, max_rate: float | None = None, kill_every: tuple[float, float] = (3.0, 8.0)) -> Outcome:
    """One run: a fresh copy of the indexed data, a fresh bot, ``users`` staff members at once."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from tests.fakes.bot_api import FakeBotApi  # the fake Telegram (test infrastructure)

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


def run(flags: list[str]) -> int:
    quick = "--quick" in flags
    plan = [("baseline: 1 user", 1, 0, None), ("50 users", 50, 0, None), ("200 users", 200, 0, None),
            ("200 users, no 30/s limiter", 200, 0, 0.0), ("50 users, kill -9 ×3", 50, 3, None)]
    if quick:
        plan = [("baseline: 1 user", 1, 0, None), ("10 users", 10, 0, None), ("10 users, kill -9 ×2", 10, 2, None)]
    print("## Load: simulated staff against the real `drafter serve`\n")
    print("Each user: a whole guided annual summary (17 updates: buttons, answers with their own facts, "
          "/search, /phrases, export to Word), 0.2-1.0 s think time between steps. Latency is from the "
          "update reaching the fake Bot API to the bot's first reply. The baseline is one user alone, "
          "run in the same session.\n")
    print("| run | users | updates | wall s | updates/s | p50 ms | p95 ms | p99 ms | p95 / baseline "
          "| errors | crossed drafts | unanswered | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    status = 0
    baseline_p95 = None
    with tempfile.TemporaryDirectory(prefix="drafter-load-") as tmp:
        indexed = Path(tmp) / "indexed" / "data"
        indexed.parent.mkdir()
        index_corpus(indexed)
        for n, (label, users, kills, max_rate) in enumerate(plan):
            work = Path(tmp) / f"run{n}"
            work.mkdir()
            o = run_load(users, indexed, work, kills=kills, seed=n + 1, max_rate=max_rate)
            p50, p95, p99 = (percentile(o.latencies, q) for q in (0.5, 0.95, 0.99))
            baseline_p95 = baseline_p95 or p95
            print(f"| {label} | {users} | {o.updates} | {o.seconds:.1f} | {o.updates / o.seconds:.1f} | "
                  f"{p50:.0f} | {p95:.0f} | {p99:.0f} | {p95 / max(baseline_p95, 1e-9):.1f} | {len(o.errors)} | "
                  f"{len(o.crossed)} | {o.unanswered} | {o.peak_rss_mb:.0f} |", flush=True)
            for problem in (o.errors + o.crossed)[:5]:
                print(f"  - {problem}")
            status |= 0 if o.ok else 1
    print("\nThe bot keeps to Telegram's flood limit of 30 requests/s for all chats together "
          "(`DRAFTER_TELEGRAM_MAX_RATE`), and a reply is one or two requests, so with many users "
          "at once that limit, not the bot, sets the pace; the run without the limiter shows the bot's "
          "own capacity on this machine (the fake Bot API and the 200 simulated users share its 2 cores).")
    print("\nCrossed drafts: a user's export missing one of their facts or holding another user's. "
          "Unanswered: an update with no reply within the step timeout, or still pending in the bot's "
          "inbox at the end. In the kill run, updates sent while the bot was down wait in the Bot API "
          "and are answered after the restart; replies already given before a kill may arrive twice.")
    return status
