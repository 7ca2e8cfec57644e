"""The guided drafting dialogue with its persistence: the pure machine (`bot.drafting.machine`)
between loading a user's state and saving it.

``Dialogue.handle(user, text, key)`` logs the input before it is handled, runs the transition,
performs its effects (exports written, drafts deleted) and saves session, draft, replies and
deletions together, so a crash loses nothing a user typed and never applies an input twice.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.drafting.draft import Draft
from bot.drafting.document import RenderedDraft
from bot.drafting.machine import SINGLE, Catalog, Machine, Mode
from bot.drafting.phrasebook import Phrasebook, load_phrasebook
from bot.drafting.ports import DeleteDraft, ExportDraft, Library, Outcome, Reads
from bot.drafting.replies import Reply
from bot.drafting.store import DraftStore
from bot.text.normalize import valid_unicode

__all__ = ["Catalog", "Dialogue", "Exporter", "Mode", "SINGLE"]

log = logging.getLogger(__name__)

Exporter = Callable[[Draft, RenderedDraft, str], Path]


class Dialogue:
    def __init__(self, catalog: Catalog, store: DraftStore, library: Library | None, exporter: Exporter,
                 words: Phrasebook | None = None, today: Callable[[], datetime.date] = datetime.date.today) -> None:
        self.catalog = catalog
        self.store = store
        self.library = library
        self.exporter = exporter
        self.words = words or load_phrasebook()
        self.machine = Machine(catalog, self.words)
        self.today = today

    def reads(self) -> Reads:
        return Reads(library=self.library, drafts=self.store.list_drafts, draft=self.store.load_draft, today=self.today())

    def handle(self, user: str, text: str, key: str | None = None) -> list[Reply]:
        """One input, persisted: logged before it is handled, state saved right after.

        ``key`` identifies a delivery (a Telegram update): the same key again gets the replies
        it already got, and the input is not applied twice (redelivery after a crash)."""
        if key is not None and (done := self.store.answered(key)) is not None:
            return done
        text = valid_unicode(text)  # lone surrogates cannot be stored
        session = self.store.load_session(user)
        input_id = self.store.log_input(user, session.draft_id, text, key)
        draft = self.store.load_draft(session.draft_id, user) if session.draft_id else None
        outcome = self.machine.transition(session, draft, text, self.reads())
        replies = self._perform(outcome)
        deletes = [e.draft_id for e in outcome.effects if isinstance(e, DeleteDraft)]
        self.store.save(outcome.session, outcome.draft, input_id, replies, deletes=deletes)
        return replies

    def rendered(self, draft: Draft) -> RenderedDraft:
        return self.machine.rendered(draft)

    def _perform(self, outcome: Outcome) -> list[Reply]:
        """Exports written and attached to their replies; a failed export says so instead."""
        replies = list(outcome.replies)
        for effect in outcome.effects:
            if not isinstance(effect, ExportDraft) or outcome.draft is None:
                continue
            try:
                path = self.exporter(outcome.draft, effect.rendered, effect.fmt)
            except Exception:
                log.exception("export failed")
                replies[effect.reply] = Reply(self.words.say("export_failed"), replies[effect.reply].options)
                continue
            replies[effect.reply] = replace(replies[effect.reply], files=(*replies[effect.reply].files, path))
        return replies
