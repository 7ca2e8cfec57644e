"""What the dialogue's pure transition reads and what it asks to be written (plain data).

    Outcome = transition(session, draft, text, reads)

`Reads` holds the ports the transition may read through (the corpus, the user's own drafts, the
date); `Effect`s are the writes it cannot do itself (deleting a draft, exporting one), performed
by `Dialogue.handle` in the same step as saving the new state.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.drafting.document import RenderedDraft
from bot.drafting.draft import Draft, Session
from bot.drafting.replies import Reply

__all__ = ["DeleteDraft", "Effect", "ExportDraft", "Found", "Library", "Outcome", "Reads", "WriteSection"]


Found = list[tuple[str, str]]  # (text, source) pairs, best first


class Library(Protocol):
    """The corpus, as the dialogue needs it (retrieval lives behind this port)."""

    def examples(self, query: str, kinds: Sequence[str], topics: Sequence[str]) -> tuple[Found, Found]:
        """(passages, phrases), best first."""
        ...

    def search(self, query: str) -> Found:
        ...

    def phrases(self, query: str) -> Found:
        ...

    # A notice about the last call's results for the user ("" when none), e.g. lexical-only.
    notice: str


@dataclass(frozen=True)
class Reads:
    library: Library | None
    drafts: Callable[[str], list[Draft]]  # a user's drafts, newest first
    draft: Callable[[str, str], Draft | None]  # (draft id, user) → that user's draft, or None
    today: datetime.date = field(default_factory=datetime.date.today)


@dataclass(frozen=True)
class DeleteDraft:
    draft_id: str


@dataclass(frozen=True)
class ExportDraft:
    """Write ``rendered`` as ``fmt`` ("docx" or "md") and attach the file to reply ``reply``."""

    rendered: RenderedDraft
    fmt: str
    reply: int


@dataclass(frozen=True)
class WriteSection:
    """Have the model write the section ``step_key`` from ``brief`` (a `bot.llm.SectionBrief`); its
    text (or the reason it was set aside) replaces reply ``reply``. ``candidate``: a rewrite the
    staff member still has to keep (润色), not the section's text yet."""

    step_key: str
    brief: object
    reply: int
    candidate: bool = False


Effect = DeleteDraft | ExportDraft | WriteSection


@dataclass(frozen=True)
class Outcome:
    session: Session
    draft: Draft | None
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
