"""The period staff type, as the title and the lead date it."""

from __future__ import annotations

import datetime

import pytest

from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import load_lexicon
from bot.drafting.periods import absolute_period

LEXICON = load_lexicon(PROMPTS_DIR)
WRITTEN_ON = datetime.date(2026, 12, 1)


@pytest.mark.parametrize(("typed", "dated"), [
    ("今年", "2026年"),
    ("今年上半年", "2026年上半年"),
    ("本年度", "2026年"),
    ("去年下半年", "2025年下半年"),
    ("明年", "2027年"),
    ("二〇二五年", "2025年"),
    ("2025年上半年", "2025年上半年"),
    ("第三季度", "第三季度"),  # nothing relative to count from: kept as typed
])
def test_a_relative_or_chinese_year_is_written_as_the_year_it_means(typed: str, dated: str) -> None:
    assert absolute_period(typed, WRITTEN_ON, LEXICON) == dated
