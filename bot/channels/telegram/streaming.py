"""A section the model is writing, shown in one Telegram message as the text arrives.

The dialogue runs in a worker thread; ``sink`` is what it calls there with each piece. The pieces
are handed to the bot's event loop, where one message is sent for the first and then edited with
the whole text so far, at most once a second (Telegram's limit for edits in a chat; `TextThrottle`).
Progress is best effort: a failed edit is logged and the final reply still arrives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.channels.telegram.formatting import MAX_TEXT, clean_text
from bot.llm.stream import TextThrottle

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0  # seconds between edits of the streamed message


class SectionStream:
    def __init__(self, bot: Bot, chat_id: int, loop: asyncio.AbstractEventLoop, interval: float = EDIT_INTERVAL) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.loop = loop
        self.message: Message | None = None
        self.throttle = TextThrottle(self._show, interval)
        self._pending: list[concurrent.futures.Future[None]] = []

    def sink(self, piece: str, attempt: int) -> None:
        """Called from the worker thread with each piece the model sends."""
        self._pending.append(asyncio.run_coroutine_threadsafe(self.throttle(piece, attempt), self.loop))

    async def finish(self) -> None:
        """The last text shown (never sooner than the interval allows), once every piece is in."""
        if self._pending:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in self._pending), return_exceptions=True)
            await self.throttle.flush()

    async def _show(self, text: str) -> None:
        shown = clean_text(text)[:MAX_TEXT] or "……"
        try:
            if self.message is None:
                self.message = await self.bot.send_message(self.chat_id, shown)
            else:
                await self.message.edit_text(shown)
        except TelegramError as err:  # progress only; the section's reply follows
            log.info("streaming to chat %s: %s", self.chat_id, err)
