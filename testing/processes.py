"""``drafter`` in child processes, as an operator runs it: the environment they get, the bot
(``drafter serve``) started, killed and stopped, and the sample corpus indexed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from bot.offline import OFFLINE_ENV
from testing.bot_api import FakeBotApi

CHECKOUT = Path(__file__).resolve().parent.parent


def drafter_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for ``python -m bot …`` in a child process: this checkout, ``data_dir``,
    offline models, and none of the operator's own DRAFTER_*/TELEGRAM_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTER_", "TELEGRAM_"))}
    env.update(OFFLINE_ENV)
    env.update(PYTHONPATH=str(CHECKOUT), DRAFTER_DATA_DIR=str(data_dir), **extra)
    return env


class BotServer:
    """``python -m bot serve`` in a child process, killable, with its peak memory read from /proc."""

    def __init__(self, api: FakeBotApi, data_dir: Path, users: list[int], log: Path,
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
