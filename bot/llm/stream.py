"""Streamed pieces as whole-text updates, at most one per interval (Telegram edits one message).

    throttle = TextThrottle(edit_message, interval=1.0)
    result = await writer.write_section(brief, on_chunk=throttle)
    await throttle.flush()                  # the last text, if the interval held it back

Telegram allows about one edit of a message per second; the terminal needs no throttle and
prints each piece as it comes. On the retry (attempt 2) the text starts over.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["TextThrottle"]


class TextThrottle:
    def __init__(self, show: Callable[[str], Awaitable[None]], interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.show = show
        self.interval = interval
        self.clock = clock
        self.text = ""
        self._attempt = 0
        self._shown = ""
        self._last: float | None = None

    async def __call__(self, piece: str, attempt: int) -> None:
        if attempt != self._attempt:
            self._attempt, self.text = attempt, ""
        self.text += piece
        now = self.clock()
        if self._last is None or now - self._last >= self.interval:
            await self._emit(now)

    async def flush(self) -> None:
        """Show the latest text if it was held back; never sooner than the interval allows."""
        if self.text == self._shown:
            return
        if self._last is not None:
            wait = self.interval - (self.clock() - self._last)
            if wait > 0:
                await asyncio.sleep(wait)
        await self._emit(self.clock())

    async def _emit(self, now: float) -> None:
        self._last, self._shown = now, self.text
        await self.show(self.text)
