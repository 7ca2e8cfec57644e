"""The rate limiter keeps a 429's pause to its own chat (python-telegram-bot's AIORateLimiter
pauses every chat), and a refusal is not worth waiting out a 429 for."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from bot.channels.telegram.ratelimit import NO_RETRY, ChatRateLimiter, Retries


class Telegram:
    """A callback as the Bot API would answer: chat ``slow`` gets one 429 with retry_after 30."""

    def __init__(self) -> None:
        self.calls: list[object] = []
        self.slowed = False

    async def post(self, endpoint: str, data: dict[str, object]) -> dict[str, object]:
        self.calls.append(data["chat_id"])
        if data["chat_id"] == "slow" and not self.slowed:
            self.slowed = True
            raise RetryAfter(30)
        return {"ok": True}


async def send(limiter: ChatRateLimiter, api: Telegram, chat: object, retries: Retries | None = None) -> object:
    data = {"chat_id": chat}
    return await limiter.process_request(api.post, ("sendMessage", data), {}, "sendMessage", data, retries)


async def test_a_429_in_one_chat_holds_up_no_other_chat() -> None:
    limiter, api = ChatRateLimiter(overall_max_rate=30, max_retries=3), Telegram()  # as the bot builds it
    slow = asyncio.create_task(send(limiter, api, "slow"))  # will wait its 30 s and retry
    await asyncio.sleep(0)
    for _ in range(100):  # bounded: until Telegram has answered the slow chat's 429
        if api.slowed:
            break
        await asyncio.sleep(0.01)
    started = time.monotonic()
    assert await asyncio.wait_for(send(limiter, api, 1001), timeout=5) == {"ok": True}
    assert time.monotonic() - started < 5  # not the 30 s pause
    assert 29 < limiter.paused_for("slow") <= 30.1 and limiter.paused_for("1001") == 0
    assert not slow.done()
    slow.cancel()


async def test_a_refusal_meets_a_429_and_is_given_up_at_once() -> None:
    limiter, api = ChatRateLimiter(), Telegram()
    with pytest.raises(RetryAfter):
        await asyncio.wait_for(send(limiter, api, "slow", NO_RETRY), timeout=5)
    assert api.calls == ["slow"]
