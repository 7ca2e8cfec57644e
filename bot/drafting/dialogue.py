"""The guided drafting dialogue with its persistence: the pure machine (`bot.drafting.machine`)
between loading a user's state and saving it.

``Dialogue.handle(user, text, key)`` logs the input before it is handled, runs the transition,
performs its effects (exports written, drafts deleted) and saves session, draft, replies and
deletions together, so a crash loses nothing a user typed and never applies an input twice.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.drafting.document import RenderedDraft
from bot.drafting.draft import Draft
from bot.drafting.machine import SINGLE, Catalog, Machine, Mode
from bot.drafting.phrasebook import Phrasebook, load_phrasebook
from bot.drafting.ports import DeleteDraft, ExportDraft, Library, Outcome, Reads, WriteSection
from bot.drafting.replies import Reply
from bot.drafting.store import DraftStore
from bot.llm.client import Sink
from bot.llm.writer import SectionWriter
from bot.sqlite import DiskFull, is_disk_full
from bot.text.normalize import valid_unicode

__all__ = ["SINGLE", "Catalog", "Dialogue", "Exporter", "Mode"]

log = logging.getLogger(__name__)

Exporter = Callable[[Draft, RenderedDraft, str], Path]


# A streamed piece of a section the model is writing, and which attempt it belongs to (the
# text starts over on the second); a channel shows it as it comes (the model client's Sink).
Chunks = Sink


class Dialogue:
    def __init__(self, catalog: Catalog, store: DraftStore, library: Library | None, exporter: Exporter,
                 words: Phrasebook | None = None, today: Callable[[], datetime.date] = datetime.date.today,
                 writer: SectionWriter | None = None) -> None:
        self.catalog = catalog
        self.store = store
        self.library = library
        self.exporter = exporter
        self.words = words or load_phrasebook()
        self.writer = writer
        self.machine = Machine(catalog, self.words, model=writer is not None)
        self.today = today

    def reads(self) -> Reads:
        return Reads(library=self.library, drafts=self.store.list_drafts, draft=self.store.load_draft, today=self.today())

    def handle(self, user: str, text: str, key: str | None = None, on_chunk: Chunks | None = None) -> list[Reply]:
        """One input, persisted: logged before it is handled, state saved right after.

        ``key`` identifies a delivery (for Telegram: chat, user, message and content): the same key
        again from the same user gets the replies it already got, and the input is not applied
        twice (redelivery after a crash). On a full disk (``DiskFull``) nothing is changed: an
        input that leaves the draft as it was (help, the drafts list, a search) is still
        answered; one that would change it is refused with a message saying so."""
        if key is not None and (done := self.store.answered(key, user)) is not None:
            return done
        text = valid_unicode(text)  # lone surrogates cannot be stored
        session = self.store.load_session(user)
        draft = self.store.load_draft(session.draft_id, user) if session.draft_id else None
        before = _frozen(draft)
        try:
            input_id: int | None = self.store.log_input(user, session.draft_id, text, key)
        except DiskFull:
            input_id = None
        outcome = self.machine.transition(session, draft, text, self.reads())
        try:
            replies = self._perform(outcome, on_chunk)
        except OSError as err:  # an export's file on a full disk
            if not is_disk_full(err):
                raise
            return [Reply(self.words.say("not_saved"))]
        deletes = [e.draft_id for e in outcome.effects if isinstance(e, DeleteDraft)]
        try:
            if input_id is None:
                raise DiskFull(self.store.path)
            self.store.save(outcome.session, outcome.draft, input_id, replies, deletes=deletes)
        except DiskFull:  # nothing saved: still answer an input that leaves the draft as it was
            unchanged = _frozen(outcome.draft) == before and not deletes and outcome.session.draft_id == session.draft_id
            return replies if unchanged else [Reply(self.words.say("not_saved"))]
        return replies

    def rendered(self, draft: Draft) -> RenderedDraft:
        return self.machine.rendered(draft)

    def _perform(self, outcome: Outcome, on_chunk: Chunks | None = None) -> list[Reply]:
        """Sections written by the model, exports written and attached to their replies; a failed
        export or a model answer set aside says so instead."""
        replies = list(outcome.replies)
        for effect in outcome.effects:
            if isinstance(effect, WriteSection) and outcome.draft is not None:
                replies[effect.reply] = self._write(outcome.draft, effect, replies[effect.reply], on_chunk)
            if not isinstance(effect, ExportDraft) or outcome.draft is None:
                continue
            try:
                path = self.exporter(outcome.draft, effect.rendered, effect.fmt)
            except OSError as err:
                if is_disk_full(err):
                    raise
                log.exception("export failed")
                replies[effect.reply] = Reply(self.words.say("export_failed"), replies[effect.reply].options)
                continue
            except Exception:
                log.exception("export failed")
                replies[effect.reply] = Reply(self.words.say("export_failed"), replies[effect.reply].options)
                continue
            replies[effect.reply] = replace(replies[effect.reply], files=(*replies[effect.reply].files, path))
        return replies

    def _write(self, draft: Draft, effect: WriteSection, reply: Reply, on_chunk: Chunks | None) -> Reply:
        """The model writes one section (bounded by its timeout); the guarded text goes into the
        draft, anything else leaves the offline composition in place with a notice why."""
        assert self.writer is not None
        answers = draft.section(effect.step_key)
        label = next((s.label for s in self.machine.steps(draft) if s.key == effect.step_key), effect.step_key)
        try:
            result = asyncio.run(self.writer.write_section(effect.brief, on_chunk))
        except Exception:  # the writer maps model faults to notices; anything else must not lose the input
            log.exception("the model writer failed")
            return replace(reply, text=self.words.say("model_failed"))
        if result.text is None:
            return replace(reply, text=self.words.say("model_set_aside", notice=result.notice))
        if effect.candidate:
            answers.model_candidate = result.text
            return replace(reply, text=self.words.say("model_candidate", section=label, text=result.text))
        answers.model_text = result.text
        if on_chunk is not None:  # the channel showed the text as it came
            return replace(reply, text=self.words.say("model_streamed", section=label))
        return replace(reply, text=self.words.say("model_written", section=label, text=result.text))


def _frozen(draft: Draft | None) -> str:
    """A draft's content, to tell whether an input changed it (``updated`` aside)."""
    if draft is None:
        return ""
    data = draft.to_json()
    data.pop("updated", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
