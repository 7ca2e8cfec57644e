"""Getting replies to the user: each message retried while Telegram is unreachable, and what still
fails kept in the outbox and sent when Telegram is back.

A reply is a list of parts (text chunks, the buttons on the last chunk of a reply, then its files).
``Delivery.send`` sends them in order with retries; if Telegram stays unreachable longer than the
retries, the unsent parts go to the outbox (SQLite) and ``flush`` sends them later, before
anything newer for that chat. ``resent`` recognises a message the user sent again because no
answer came.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.outbox import Origin, Outbox
from bot.channels.telegram.formatting import clean_text, keyboard, split_text
from bot.channels.telegram.messages import CHOOSE, UPLOAD_CAPTION_DOCX, UPLOAD_CAPTION_OTHER
from bot.drafting.replies import Option, Reply
from bot.errors import DrafterError

log = logging.getLogger(__name__)
T = TypeVar("T")

SEND_ATTEMPTS = 6  # tries per message while Telegram is unreachable (pauses 1, 2, 4, 8, 16 s)
MAX_PAUSE = 30.0
RESEND_WINDOW = 24 * 3600.0  # how far back a resend may look (Telegram keeps updates a day)
RESEND_GRACE = 2.0  # seconds of clock difference between Telegram's message dates and ours


class Outcome(enum.Enum):
    SENT = "sent"
    QUEUED = "queued"  # in the outbox, sent when Telegram is back
    REFUSED = "refused"  # Forbidden: the user blocked the bot or never opened a chat with it
    LOST = "lost"  # neither sent nor kept (the outbox could not be written)


@dataclass(frozen=True)
class Part:
    """One message: text (with buttons), or a file with a caption."""

    text: str = ""
    options: tuple[Option, ...] = ()
    file: str = ""
    caption: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "options": [[o.label, o.data] for o in self.options], "file": self.file,
                "caption": self.caption}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Part:
        return cls(str(data.get("text", "")), tuple(Option(str(a), str(b)) for a, b in data.get("options", [])),
                   str(data.get("file", "")), str(data.get("caption", "")))


def parts_of(replies: Sequence[Reply]) -> list[Part]:
    """Each reply as messages: long text split, buttons on its last chunk, then its files."""
    parts: list[Part] = []
    for reply in replies:
        chunks = split_text(clean_text(reply.text)) or ([CHOOSE] if reply.options else [])
        parts.extend(Part(chunk, reply.options if i == len(chunks) - 1 else ()) for i, chunk in enumerate(chunks))
        parts.extend(Part(file=str(path), caption=UPLOAD_CAPTION_DOCX if path.suffix == ".docx" else UPLOAD_CAPTION_OTHER)
                     for path in reply.files)
    return parts


class Undelivered(DrafterError):
    """Telegram stayed unreachable (or kept answering 429/5xx) through every attempt."""


async def send_with_retries(send: Callable[[], Awaitable[T]], attempts: int = SEND_ATTEMPTS,
                            first_pause: float = 1.0) -> tuple[T, bool]:
    """``send()`` and whether it needed more than one try; retried with growing pauses on network
    errors, 5xx and a 429 the rate limiter gave up on (not on a bad request or a refusal).
    Raises ``Undelivered`` when every attempt failed."""
    for attempt in range(1, attempts + 1):
        try:
            return await send(), attempt > 1
        except (BadRequest, Forbidden):
            raise
        except (NetworkError, RetryAfter) as err:  # includes TimedOut; a timed-out message may arrive twice
            if attempt == attempts:
                raise Undelivered(str(err)) from err
            pause = min(first_pause * 2.0 ** (attempt - 1), MAX_PAUSE)
            log.warning("sending failed (%s); attempt %d of %d in %.0f s", err, attempt + 1, attempts, pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


class Delivery:
    """Sends parts to chats, in order per chat, through the outbox when Telegram is away."""

    def __init__(self, outbox: Outbox | None = None, attempts: int = SEND_ATTEMPTS, first_pause: float = 1.0) -> None:
        self.outbox = outbox
        self.attempts = attempts
        self.first_pause = first_pause
        self.waiting: set[int] = set()  # chats with parts in the outbox
        self._locks: dict[int, asyncio.Lock] = {}

    def attach(self, outbox: Outbox) -> None:
        """Uses ``outbox`` from now on, starting with the replies it already holds."""
        self.outbox = outbox
        self.waiting = outbox.chats()

    def _lock(self, chat: int) -> asyncio.Lock:
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        return lock

    def resent(self, chat: int, origin: Origin, button: bool = False) -> bool:
        """Whether ``origin`` repeats an input whose reply was held up (see ``Outbox.resent``). A
        button pressed again on the same message counts however late (its press has no date)."""
        if self.outbox is None:
            return False
        return self.outbox.resent(chat, origin, RESEND_WINDOW, RESEND_WINDOW if button else RESEND_GRACE)

    async def send(self, bot: Bot, chat: int, replies: Sequence[Reply], origin: Origin | None = None) -> Outcome:
        parts = parts_of(replies)
        async with self._lock(chat):
            if chat in self.waiting and self.outbox is not None:  # older replies first
                if self.outbox.add(chat, [p.to_json() for p in parts], origin=origin) is None:
                    return Outcome.LOST
                await self._flush_chat(bot, chat)
                return Outcome.QUEUED if chat in self.waiting else Outcome.SENT
            troubled = False
            for i, part in enumerate(parts):
                try:
                    _, retried = await send_with_retries(functools.partial(self._send, bot, chat, part),
                                                         self.attempts, self.first_pause)
                    troubled |= retried
                except Undelivered as err:
                    return self._keep(chat, parts, i, origin, str(err))
                except Forbidden as err:
                    log.info("chat %s refuses messages: %s", chat, err)
                    return Outcome.REFUSED
                except BadRequest as err:  # this message only (too old to edit, a file gone …)
                    log.warning("Telegram refused a message to chat %s: %s", chat, err)
            if troubled and origin is not None and self.outbox is not None:  # for recognising a resend
                self.outbox.add(chat, [], origin=origin, delivered=True)
            return Outcome.SENT

    def _keep(self, chat: int, parts: list[Part], first: int, origin: Origin | None, why: str) -> Outcome:
        if self.outbox is None or self.outbox.add(chat, [p.to_json() for p in parts], first, origin=origin) is None:
            log.error("a reply to chat %s could not be sent (%s) and could not be kept", chat, why)
            return Outcome.LOST
        self.waiting.add(chat)
        log.warning("Telegram unreachable (%s): a reply to chat %s waits in the outbox", why, chat)
        return Outcome.QUEUED

    async def flush(self, bot: Bot) -> None:
        """One attempt at every chat's waiting replies (called while Telegram seems back)."""
        for chat in sorted(self.waiting):
            async with self._lock(chat):
                await self._flush_chat(bot, chat)

    async def _flush_chat(self, bot: Bot, chat: int) -> None:
        assert self.outbox is not None
        for row in self.outbox.pending(chat):
            for i in range(row.next, len(row.parts)):
                try:
                    await self._send(bot, chat, Part.from_json(row.parts[i]))
                except (NetworkError, RetryAfter):
                    self.outbox.advance(row.id, i)
                    return  # still away: the next flush goes on from here
                except Forbidden as err:
                    log.info("chat %s refuses messages: %s; its waiting replies are dropped", chat, err)
                    break
                except BadRequest as err:
                    log.warning("Telegram refused a waiting message to chat %s: %s", chat, err)
            self.outbox.delivered(row.id)
            log.info("a waiting reply reached chat %s", chat)
        self.waiting.discard(chat)

    async def _send(self, bot: Bot, chat: int, part: Part) -> None:
        if not part.file:
            await bot.send_message(chat, part.text, reply_markup=keyboard(part.options))
            return
        path = Path(part.file)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            log.warning("a file for chat %s is gone: %s", chat, path.name)
            return
        await bot.send_document(chat, data, filename=path.name, caption=part.caption)
