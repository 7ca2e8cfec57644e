"""TextThrottle: what Telegram would be asked to show while a section streams in."""

from __future__ import annotations

import itertools

from bot.llm.stream import TextThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_at_most_one_update_a_second_and_the_last_text_always_shown() -> None:
    clock, shown = Clock(), []

    async def show(text: str) -> None:
        shown.append((clock.now, text))

    throttle = TextThrottle(show, interval=1.0, clock=clock)
    for i in range(25):  # a piece every 0.1 s
        clock.now = i * 0.1
        await throttle("字", 1)
    clock.now = 3.05
    await throttle.flush()
    times = [t for t, _ in shown]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))
    assert shown[-1] == (3.05, "字" * 25) and len(shown) == 4  # 0.0, 1.0, 2.0 and the flush


async def test_the_retry_starts_the_text_over() -> None:
    clock, shown = Clock(), []

    async def show(text: str) -> None:
        shown.append(text)

    throttle = TextThrottle(show, interval=1.0, clock=clock)
    await throttle("第一稿", 1)
    clock.now = 5
    await throttle("重写", 2)
    assert shown == ["第一稿", "重写"]
    await throttle.flush()  # nothing new: no edit Telegram would refuse as "not modified"
    assert shown == ["第一稿", "重写"]
