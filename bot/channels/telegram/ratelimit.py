"""Telegram's flood limits, with a 429's pause kept to the chat it came from; and a throttle for
refusals, so a stranger flooding the bot costs one answer.

python-telegram-bot's ``AIORateLimiter`` halts *every* request for ``retry_after`` seconds after
any 429, so one stranger's flood (or a busy group) holds up every colleague's answer. Here the
overall and per-group rates are the same (aiolimiter leaky buckets), but a ``RetryAfter`` pauses
only the chat it was answered for (or, for a request without a chat, only that method), and a
paused request waits before it takes a slot of the overall rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
GROUP_RATE = (20, 60.0)  # Telegram: about 20 messages a minute in one group
MAX_PAUSES = 4096  # paused chats remembered; expired ones are forgotten first


@dataclass(frozen=True)
class Retries:
    """``rate_limit_args`` of a request: how many times a 429 is waited out and retried (a
    refusal to a stranger: none, it is not worth holding anything up for)."""

    count: int


NO_RETRY = Retries(0)


class ChatRateLimiter(BaseRateLimiter[Retries]):
    def __init__(self, overall_max_rate: float = 30.0, max_retries: int = 3,
                 group_rate: tuple[float, float] = GROUP_RATE) -> None:
        self._overall = AsyncLimiter(overall_max_rate, 1.0) if overall_max_rate > 0 else None
        self._group_rate = group_rate
        self._groups: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._paused: OrderedDict[str, float] = OrderedDict()  # chat (or method) → monotonic end of pause
        self._max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def paused_for(self, target: str) -> float:
        """Seconds ``target`` (a chat id, or a method name) must still wait after a 429."""
        return max(0.0, self._paused.get(target, 0.0) - time.monotonic())

    def _pause(self, target: str, seconds: float) -> None:
        now = time.monotonic()
        self._paused[target] = max(self._paused.get(target, 0.0), now + seconds)
        self._paused.move_to_end(target)
        while len(self._paused) > MAX_PAUSES:
            self._paused.popitem(last=False)

    def _group(self, chat: str) -> AsyncLimiter:
        limiter = self._groups.get(chat)
        if limiter is None:
            limiter = self._groups[chat] = AsyncLimiter(*self._group_rate)
            while len(self._groups) > 512:
                self._groups.popitem(last=False)
        self._groups.move_to_end(chat)
        return limiter

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, JSON]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: Retries | None) -> JSON:
        retries = self._max_retries if rate_limit_args is None else rate_limit_args.count
        chat = data.get("chat_id")
        target = str(chat) if chat is not None else endpoint
        group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        for attempt in range(retries + 1):
            wait = self.paused_for(target)
            if wait:
                await asyncio.sleep(wait)
            try:
                async with contextlib.AsyncExitStack() as limits:
                    if group:
                        await limits.enter_async_context(self._group(target))
                    if chat is not None and self._overall is not None:
                        await limits.enter_async_context(self._overall)
                    return await callback(*args, **kwargs)
            except RetryAfter as err:
                seconds = err.retry_after if isinstance(err.retry_after, (int, float)) \
                    else err.retry_after.total_seconds()
                self._pause(target, float(seconds) + 0.1)
                if attempt == retries:
                    raise
                log.info("429 for %s: retrying in %.1f s (other chats go on)", target, seconds)
        raise AssertionError("unreachable")


class Throttle:
    """``allow(key)`` is true once per ``seconds`` per key: the first refusal is sent, the flood
    that follows is dropped in silence. Bounded memory (the oldest keys are forgotten)."""

    def __init__(self, seconds: float = 600.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._size = size
        self._clock = clock
        self._last: OrderedDict[object, float] = OrderedDict()

    def allow(self, key: object) -> bool:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._size:
            self._last.popitem(last=False)
        return True
