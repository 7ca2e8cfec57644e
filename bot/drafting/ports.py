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
from typing import TYPE_CHECKING, Protocol

from bot.drafting.document import RenderedDraft
from bot.drafting.draft import Draft, Session
from bot.drafting.replies import Reply

if TYPE_CHECKING:
    from bot.llm.brief import SectionBrief

__all__ = ["DeleteDraft", "Effect", "ExportDraft", "Found", "Library", "Outcome", "Reads", "WriteSection"]


Found = list[tuple[str, str]]  # (text, source) pairs, best first


class Library(Protocol):
    """The corpus, as the dialogue needs it (retrieval lives behind this port). Every call returns
    its own notice for the user ("" when none: results are lexical-only, or there is no usable
    index); the library is shared by concurrent users and keeps no per-call state. ``own`` are the
    user's own names (their basics), which masked phrases may keep."""

    def examples(self, query: str, kinds: Sequence[str], topics: Sequence[str],
                 own: Sequence[str] = ()) -> tuple[Found, Found, str]:
        """(passages, phrases, notice), best first."""
        ...

    def search(self, query: str) -> tuple[Found, str]:
        ...

    def phrases(self, query: str, own: Sequence[str] = ()) -> tuple[Found, str]:
        ...


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
    """Have the model write the section ``step_key`` from ``brief``; its
    text (or the reason it was set aside) replaces reply ``reply``. ``candidate``: a rewrite the
    staff member still has to keep (润色), not the section's text yet."""

    step_key: str
    brief: SectionBrief
    reply: int
    candidate: bool = False


Effect = DeleteDraft | ExportDraft | WriteSection


@dataclass(frozen=True)
class Outcome:
    session: Session
    draft: Draft | None
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
