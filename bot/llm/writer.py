"""Writing one section with the model: prompt, answer, guard, one retry, else the offline version.

    writer = SectionWriter.from_settings(settings)      # None when no model is configured
    result = await writer.write_section(brief, on_chunk)
    text = result.text or offline_text                  # and show result.notice when it is set

At most two attempts, each bounded by the timeout, so a staff member never waits longer than
twice the timeout. The second attempt is either the retry that names the guard's violations or,
after a 5xx or a dropped connection, the same request again; a timeout, 429, 401/403, 404 or a
malformed answer falls back at once. Streamed pieces go to `on_chunk` as they arrive (with the
attempt number, so a channel can start over on the retry), but only the guarded final text is
ever returned for the draft.
"""

from __future__ import annotations

import logging
import re
import time

from bot.config import Settings
from bot.llm.brief import LlmResult, SectionBrief, Violation
from bot.llm.client import Failure, LlmClient, LlmConfig, LlmError, Sink
from bot.llm.guard import check
from bot.llm.prompts import PromptBook, load_prompt_book

__all__ = ["ATTEMPTS", "SectionWriter"]

log = logging.getLogger(__name__)

ATTEMPTS = 2
_DECORATION = "#*>`-—· \t"


class SectionWriter:
    def __init__(self, client: LlmClient, config: LlmConfig, book: PromptBook | None = None) -> None:
        self.client = client
        self.config = config
        self.book = book or load_prompt_book()

    @classmethod
    def from_settings(cls, settings: Settings) -> SectionWriter | None:
        config = LlmConfig.from_settings(settings)
        return None if config is None else cls(LlmClient.from_config(config), config)

    def __repr__(self) -> str:
        return f"SectionWriter({self.config.base_url}, {self.config.model})"

    async def write_section(self, brief: SectionBrief, on_chunk: Sink | None = None) -> LlmResult:
        started = time.perf_counter()
        messages = self.book.first(brief)
        violations: list[Violation] = []
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = await self.client.complete(messages, on_chunk, attempt)
            except LlmError as error:
                if error.failure.transient and attempt < ATTEMPTS:
                    continue
                return self._fallback(error, attempt, started)
            text = tidy(answer, brief.heading)
            violations = check(text, brief, self.book.rules)
            if not violations:
                return LlmResult(text=text, attempts=attempt, seconds=time.perf_counter() - started)
            log.info("model answer rejected (attempt %d): %s", attempt, "; ".join(v.kind for v in violations))
            messages = self.book.retry(brief, answer, violations)
        return LlmResult(text=None, notice=self.book.guard_notice(violations), violations=tuple(violations),
                         failure=Failure.GUARD.value, attempts=ATTEMPTS, seconds=time.perf_counter() - started)

    def _fallback(self, error: LlmError, attempt: int, started: float) -> LlmResult:
        values = {"seconds": f"{self.config.timeout:g}", "status": error.status or "", "model": self.config.model}
        return LlmResult(text=None, notice=self.book.notice(error.failure.value, **values), failure=error.failure.value,
                         attempts=attempt, seconds=time.perf_counter() - started)


def tidy(answer: str, heading: str) -> str:
    """The answer as paragraphs: no blank lines, no Markdown bullets, no repeated section heading."""
    lines = [line.strip() for line in answer.strip().splitlines()]
    lines = [line for line in lines if line]
    if lines and heading and _bare(lines[0]) in (_bare(heading), _bare(heading.split(">")[-1])):
        lines = lines[1:]
    return "\n".join(re.sub(r"^(?:[#>]+\s*|[-*·]\s+)", "", line) for line in lines)


def _bare(line: str) -> str:
    return re.sub(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）", "", line.strip(_DECORATION)).strip(_DECORATION + "：:")
