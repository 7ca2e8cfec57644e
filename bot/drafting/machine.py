"""The guided drafting dialogue as a pure state machine: one engine for Telegram and the terminal.

    outcome = Machine(catalog, words).transition(session, draft, text, reads)

``transition`` reads only through ``reads`` (the corpus, the user's own drafts, today's date) and
returns the new session, the draft, the replies and the effects (delete, export) that
`bot.drafting.dialogue.Dialogue.handle` performs while it saves the new state.

Commands, buttons and action words are handled first, whatever the mode; then the mode's own
handler (``Machine.HANDLERS``) reads the input. Options carry short ASCII data tokens:
``k:<kind>`` ``t:<topic>`` ``a:<action>`` ``e:<step>`` ``r:<draft>`` ``d:<draft>`` ``s:<topic>``
``x:<n>`` (remove one of the user's own sentences).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.drafting.document import RenderedDraft
from bot.drafting.draft import Draft, SectionAnswers, Session
from bot.drafting.outline import Step, outline
from bot.drafting.periods import absolute_period, names_a_period
from bot.drafting.phrasebook import Phrasebook
from bot.drafting.ports import DeleteDraft, Effect, ExportDraft, Library, Outcome, Reads, WriteSection
from bot.drafting.quantities import scan
from bot.drafting.render import render_draft
from bot.drafting.replies import Option, Reply, is_option_data
from bot.drafting.revise import apply_reading, own_sentences, remove_sentence, rewrite_sentence
from bot.drafting.skeletons import BasicField, KindSpec, TopicSpec
from bot.drafting.understand import read, simplified
from bot.filenames import visible
from bot.text.mask import mask_facts

if TYPE_CHECKING:
    from bot.llm.brief import SectionBrief

log = logging.getLogger(__name__)

SINGLE = "single_section"


class Mode(StrEnum):
    IDLE = "idle"
    CHOOSE_KIND = "choose_kind"
    CHOOSE_TOPICS = "choose_topics"
    BASICS = "basics"
    SECTION = "section"
    REVIEW = "review"
    EDIT_PICK = "edit_pick"
    DRAFTS = "drafts"
    SENTENCES = "sentences"
    POLISH = "polish"


# Modes that only make sense with a draft open.
_DRAFT_MODES = frozenset({Mode.CHOOSE_TOPICS, Mode.BASICS, Mode.SECTION, Mode.REVIEW, Mode.EDIT_PICK, Mode.SENTENCES,
                          Mode.POLISH})
_SENTENCE_COMMAND = re.compile(r"^(?:(?P<delete>删除|删掉|删去|删)\s*第?(?P<d>\d{1,3})句?"
                               r"|(?:改|修改)\s*第?(?P<r>\d{1,3})句?\s*[:：为成]?\s*(?P<text>.+)"
                               r"|第?(?P<r2>\d{1,3})句?\s*(?:改为|改成)\s*(?P<text2>.+))$")


@dataclass
class Catalog:
    basics: tuple[BasicField, ...]
    kinds: dict[str, KindSpec]
    topics: dict[str, TopicSpec]


Handler = Callable[[Session, "Draft | None", str, str, Reads], Outcome]


class Machine:
    def __init__(self, catalog: Catalog, words: Phrasebook, model: bool = False) -> None:
        self.catalog = catalog
        self.words = words
        self.model = model  # a model is configured: completed sections are written by it, 润色 is offered
        self.HANDLERS: dict[Mode, Handler] = {
            Mode.IDLE: self._on_idle,
            Mode.CHOOSE_KIND: self._on_choose_kind,
            Mode.CHOOSE_TOPICS: self._on_choose_topics,
            Mode.BASICS: self._on_basics,
            Mode.SECTION: self._on_section,
            Mode.REVIEW: self._on_review,
            Mode.EDIT_PICK: self._on_edit_pick,
            Mode.DRAFTS: self._on_idle,
            Mode.SENTENCES: self._on_sentences,
            Mode.POLISH: self._on_polish,
        }

    # -- helpers for replies -------------------------------------------------------------
    def say(self, key: str, **values: object) -> str:
        return self.words.say(key, **values)

    def option(self, key: str, data: str | None = None) -> Option:
        return Option(self.words.label(key), data or f"a:{key}")

    def section_options(self) -> tuple[Option, ...]:
        return tuple(self.option(k) for k in ("examples", "skip", "done", "back", "edit", "help", "quit"))

    @staticmethod
    def out(session: Session, draft: Draft | None, *replies: Reply, effects: Sequence[Effect] = ()) -> Outcome:
        return Outcome(session, draft, tuple(replies), tuple(effects))

    # -- the transition --------------------------------------------------------------------
    def transition(self, session: Session, draft: Draft | None, text: str, reads: Reads) -> Outcome:
        text = (text or "").strip()
        if not text:
            return self.out(session, draft, Reply(self.say("empty")))
        if draft is None and Mode(session.mode) in _DRAFT_MODES:
            session = Session(user=session.user)
        if text.startswith("/"):
            return self._command(session, draft, text, reads)
        action = text[2:] if text.startswith("a:") else self.words.action(text)
        global_ = self._global_action(session, draft, action, reads)
        if global_ is not None:
            return global_
        if text.startswith(("r:", "d:")):
            return self._resume_or_delete(session, draft, text, reads)
        return self.HANDLERS[Mode(session.mode)](session, draft, text, action, reads)

    def _command(self, session: Session, draft: Draft | None, text: str, reads: Reads) -> Outcome:
        """A command and its arguments: never an answer, whatever the arguments are."""
        cmd, _, arg = text.partition(" ")
        cmd, arg = cmd.lower().split("@", 1)[0], arg.strip()
        if cmd not in self.words.commands:
            return self.out(session, draft, Reply(self.say("unknown_command"), self._options_for(session, draft)))
        if cmd in ("/search", "/phrases"):
            return self.out(session, draft, *self._lookup(cmd, arg, session, draft, reads))
        if cmd == "/section":
            if not arg:
                return self.out(replace(session, mode=Mode.IDLE.value), draft, Reply(self.say("section_how")))
            return self.out(session, draft, self._need(arg, reads, offer_single=True))
        if cmd == "/export":
            fmt = {"word": "docx", "docx": "docx", "md": "md", "markdown": "md"}.get(arg.lower())
            if draft is None:
                return self.out(session, draft, Reply(self.say("no_draft_export"), (self.option("drafts"),)))
            if fmt is None:
                return self.out(session, draft, self._export_menu())
            return self._export(session, draft, fmt)
        if cmd in ("/new", "/start") and arg and cmd == "/new":
            kind = self._kind_in(arg)
            if kind is not None:
                return self._start_kind(session, kind, arg)
        action = {"/new": "new", "/start": "new", "/drafts": "drafts", "/draft": "review", "/cancel": "quit",
                  "/help": "help"}[cmd]
        outcome = self._global_action(session, draft, action, reads)
        assert outcome is not None
        return outcome

    def _global_action(self, session: Session, draft: Draft | None, action: str, reads: Reads) -> Outcome | None:
        if action == "help":
            return self.out(session, draft, Reply(self.say("help"), self._options_for(session, draft)))
        if action == "new":
            return self.out(Session(user=session.user, mode=Mode.CHOOSE_KIND.value), None, self._kind_menu())
        if action == "drafts":
            return self.out(replace(session, mode=Mode.DRAFTS.value), draft, self._drafts_menu(session.user, reads))
        if action == "quit":
            if draft is None:
                return self.out(Session(user=session.user), None, Reply(self.say("left")))
            return self.out(Session(user=session.user), draft, Reply(self.say("saved"), (self.option("drafts"),)))
        if action in ("review", "back_review"):
            if draft is None:
                return self.out(session, draft, Reply(self.say("no_draft")))
            return self.out(replace(session, mode=Mode.REVIEW.value), draft, self._review(draft))
        if action in ("docx", "md"):
            if draft is None:
                return self.out(session, draft, Reply(self.say("no_draft_export"), (self.option("drafts"),)))
            return self._export(session, draft, action)
        return None

    # -- idle: free text is a need, a greeting or a request to write ---------------------------
    def _on_idle(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        if text.startswith("s:"):
            return self._start_single(session, text[2:])
        if is_option_data(text):
            return self.out(session, draft, Reply(self.say("stale_button"), self._options_for(session, draft)))
        plain = simplified(text)
        if self._is_greeting(plain):
            return self.out(replace(session, mode=Mode.IDLE.value), draft,
                            Reply(self.say("greeting"), (self.option("new"), self.option("drafts"), self.option("help"))))
        kind = self._kind_in(plain) if self._asks_to_write(plain) else None
        if kind is not None:
            return self._start_kind(session, kind, plain)
        return self.out(replace(session, mode=Mode.IDLE.value), draft, self._need(plain, reads, offer_single=True))

    def _is_greeting(self, text: str) -> bool:
        bare = text.strip(" ，,。.!！~～?？").lower()
        return bare in self.words.greetings or (len(bare) <= 8 and bare.startswith(self.words.greetings))

    def _asks_to_write(self, text: str) -> bool:
        return any(v in text for v in self.words.write_verbs) or len(text) <= 12

    def _kind_in(self, text: str) -> KindSpec | None:
        """The kind a sentence names ("我要写上半年的工作总结"): its longest alias wins."""
        best, length = None, 0
        for kind in self.catalog.kinds.values():
            if not kind.menu:
                continue
            for alias in (kind.name, *kind.aliases):
                if alias in text and len(alias) > length:
                    best, length = kind, len(alias)
        return best

    def _need(self, text: str, reads: Reads, offer_single: bool) -> Reply:
        topic = self._match_topic(text)
        reply = self._examples_reply(text, topic, (), reads.library)
        if topic is not None and offer_single:
            return replace(reply, options=(Option(self.say("draft_this", topic=topic.name), f"s:{topic.id}"),
                                           self.option("new"), self.option("help")))
        return replace(reply, options=(self.option("new"), self.option("help")))

    def _match_topic(self, text: str) -> TopicSpec | None:
        """The topic a free-text need is about: its name, query words, slot cues, taxonomy keywords."""
        from bot.text.tags import load_taxonomy

        keywords = {t.name: t.keywords for t in load_taxonomy()}
        best, best_score = None, 0
        for topic in self.catalog.topics.values():
            words = {topic.name, *topic.retrieval_topics, *(w for w in re.split(r"[\s，,、]+", topic.query) if len(w) >= 2)}
            words |= {c for slot in topic.slots for c in slot.cues if len(c) >= 2}
            words |= {k for tag in topic.retrieval_topics for k in keywords.get(tag, ()) if len(k) >= 2}
            score = sum(len(w) for w in words if w and w in text)
            if score > best_score:
                best, best_score = topic, score
        return best

    def _examples_reply(self, query: str, topic: TopicSpec | None, kinds: Sequence[str], library: Library | None,
                        own: Sequence[str] = ()) -> Reply:
        if library is None:
            return Reply(self.say("library_missing"))
        try:
            passages, phrases, notice = library.examples(query, kinds, topic.retrieval_topics if topic else (), own)
        except Exception:
            log.exception("example search failed")
            return Reply(self.say("examples_failed"))
        if not passages and not phrases:
            return Reply(notice or self.say("no_examples"))
        lines = [*self._notice(notice), self.say("examples_intro")]
        for i, (text, source) in enumerate(phrases[:3], 1):
            lines.append(self.say("example_line", n=i, text=text, source=source))
        if passages:
            lines.append(self.say("passages_intro"))
            for text, source in passages[:2]:
                excerpt = mask_facts(text, own)
                lines.append(self.say("passage_line", source=source,
                                      text=excerpt[:220] + ("…" if len(excerpt) > 220 else "")))
        return Reply("\n".join(lines))

    def _lookup(self, cmd: str, arg: str, session: Session, draft: Draft | None, reads: Reads) -> list[Reply]:
        if not arg:
            return [Reply(self.say("lookup_how", cmd=cmd))]
        library = reads.library
        if library is None:
            return [Reply(self.say("lookup_missing"))]
        try:
            own = tuple(v for v in draft.basics.values() if v) if draft else ()
            found, notice = library.search(arg) if cmd == "/search" else library.phrases(arg, own)
        except Exception:
            log.exception("lookup failed")
            return [Reply(self.say("lookup_failed"))]
        if not found:
            return [Reply(notice or self.say("nothing_found"))]
        lines = [*self._notice(notice),
                 *(self.say("example_line", n=i, text=t, source=s) for i, (t, s) in enumerate(found[:5], 1))]
        return [Reply("\n".join(lines), self._options_for(session, draft))]

    def _notice(self, notice: str) -> list[str]:
        """The library's word on an answer (e.g. the vector store is down), as a first line."""
        return [self.say("notice", notice=notice)] if notice else []

    # -- choosing what to write ----------------------------------------------------------------
    def _menu_kinds(self) -> list[KindSpec]:
        return [k for k in self.catalog.kinds.values() if k.menu]

    def _kind_menu(self, text: str = "") -> Reply:
        kinds = self._menu_kinds()
        lines = [text or self.say("choose_kind")] + [self.say("kind_line", name=k.name, description=k.description) for k in kinds]
        return Reply("\n".join(lines), tuple(Option(k.name, f"k:{k.id}") for k in kinds))

    def _start_kind(self, session: Session, kind: KindSpec, text: str = "") -> Outcome:
        draft = Draft.new(session.user, kind.id)
        if kind.topics == "none":
            return self._start_basics(session, draft)
        topic = self._match_topic(text) if text and kind.topics == "one" else None
        if topic is not None and topic.name in text:
            draft.topics = [topic.id]
            return self._start_basics(replace(session, picked=[topic.id]), draft)
        session = replace(session, mode=Mode.CHOOSE_TOPICS.value, draft_id=draft.id, picked=[])
        return self.out(session, draft, self._topic_menu(kind, []))

    def _on_choose_kind(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        kind = self._kind_from(text)
        if kind is None:
            return self.out(session, draft, self._kind_menu(self.say("kind_not_understood")))
        return self._start_kind(session, kind)

    def _kind_from(self, text: str) -> KindSpec | None:
        kinds = self._menu_kinds()
        key = text[2:] if text.startswith("k:") else simplified(text)
        for kind in kinds:
            if key in (kind.id, kind.name) or (len(key) >= 2 and key in kind.name):
                return kind
        if text.isdigit() and 1 <= int(text) <= len(kinds):
            return kinds[int(text) - 1]
        return self._kind_in(key)

    def _topic_menu(self, kind: KindSpec, picked: list[str]) -> Reply:
        names = "、".join(self.catalog.topics[t].name for t in picked) or self.say("none_picked")
        if kind.topics == "one":
            options = tuple(Option(t.name, f"t:{t.id}") for t in self.catalog.topics.values())
            return Reply(self.say("choose_topic", kind=kind.name), options)
        options = tuple(Option(("✓ " if t.id in picked else "") + t.name, f"t:{t.id}") for t in self.catalog.topics.values())
        return Reply(self.say("choose_topics", picked=names), (*options, self.option("topics_done")))

    def _on_choose_topics(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        kind = self.catalog.kinds[draft.kind]
        if action == "topics_done":
            if not session.picked:
                return self.out(session, draft, replace(self._topic_menu(kind, []), text=self.say("pick_one")))
            draft.topics = list(session.picked)
            return self._start_basics(session, draft)
        topic_ids = self._topics_from(text)
        if not topic_ids:
            return self.out(session, draft, replace(self._topic_menu(kind, session.picked), text=self.say("topic_not_understood")))
        picked = list(session.picked)
        for tid in topic_ids:
            if tid in picked and kind.topics == "many" and text.startswith("t:"):
                picked.remove(tid)
            elif tid not in picked:
                picked.append(tid)
        if kind.topics == "one":
            draft.topics = picked[-1:]
            return self._start_basics(replace(session, picked=picked[-1:]), draft)
        return self.out(replace(session, picked=picked), draft, self._topic_menu(kind, picked))

    def _topics_from(self, text: str) -> list[str]:
        if text.startswith("t:"):
            return [text[2:]] if text[2:] in self.catalog.topics else []
        text = simplified(text)
        return [t.id for t in self.catalog.topics.values() if t.name in text]

    # -- basic facts ---------------------------------------------------------------------------
    def _basics_fields(self, draft: Draft) -> tuple[BasicField, ...]:
        names = self.catalog.kinds[draft.kind].basics
        if not names:
            return self.catalog.basics
        return tuple(f for f in self.catalog.basics if f.name in names)

    def _start_basics(self, session: Session, draft: Draft) -> Outcome:
        session = replace(session, mode=Mode.BASICS.value, draft_id=draft.id, question=0, step=0, back=[])
        fields = self._basics_fields(draft)
        return self.out(session, draft, self._basics_question(fields[0], self._title_intro(draft)))

    def _title_intro(self, draft: Draft) -> str:
        if draft.kind == SINGLE:
            return self.say("single_intro", topic=self.catalog.topics[draft.topics[0]].name)
        return self.say("kind_intro", kind=self.catalog.kinds[draft.kind].name)

    def _basics_question(self, field: BasicField, intro: str = "", today: str = "") -> Reply:
        text = (intro + "\n" if intro else "") + field.question
        options: tuple[Option, ...] = (self.option("skip"), self.option("back"), self.option("quit"))
        if field.name == "date":
            options = (self.option("today"), *options)
        return Reply(text, options)

    def _on_basics(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        fields = self._basics_fields(draft)
        index = min(session.question, len(fields) - 1)
        field = fields[index]
        if action == "back":
            if index == 0:
                return self.out(session, draft, self._basics_question(fields[0], self.say("first_step")))
            return self.out(replace(session, question=index - 1), draft, self._basics_question(fields[index - 1]))
        if action == "edit":
            return self._edit_menu(session, draft)
        if is_option_data(text) and action not in ("skip", "done", "today"):
            return self.out(session, draft, self._basics_question(field, self.say("stale_button")))
        if action == "today" or (field.name == "date" and simplified(text) in ("今天", "今日", "当天")):
            draft.basics["date"] = _chinese_date(reads.today)
        elif action in ("skip", "done"):
            draft.basics.setdefault(field.name, "")  # asked and skipped: don't ask again on resume
        elif field.name == "date":
            date = _date_of(simplified(text))
            if date is None:
                return self.out(session, draft, self._basics_question(field, self.say("date_not_understood")))
            draft.basics["date"] = date
        elif field.name == "period":
            typed = _basic_value(simplified(text), self.words)
            if not names_a_period(typed, self.words.lexicon):
                return self.out(session, draft, self._basics_question(field, self.say("period_not_understood")))
            draft.basics["period"] = absolute_period(typed, reads.today, self.words.lexicon)[:100]
        else:
            draft.basics[field.name] = _basic_value(simplified(text), self.words)[:100]
        index += 1
        if index < len(fields):
            return self.out(replace(session, question=index), draft, self._basics_question(fields[index]))
        if session.review_after:
            return self.out(replace(session, mode=Mode.REVIEW.value, review_after=False), draft, self._review(draft))
        return self._enter_step(replace(session, mode=Mode.SECTION.value, step=0, question=0, back=[]), draft, 0)

    # -- sections ------------------------------------------------------------------------------
    def steps(self, draft: Draft) -> list[Step]:
        return outline(self.catalog.kinds[draft.kind], self.catalog.topics, draft.topics)

    def _enter_step(self, session: Session, draft: Draft, index: int, prefix: str = "") -> Outcome:
        steps = self.steps(draft)
        if index >= len(steps):
            return self.out(replace(session, mode=Mode.REVIEW.value, step=len(steps)), draft, self._review(draft, prefix))
        step = steps[index]
        answers = draft.answers.get(step.key) or SectionAnswers()
        question = _next_question(step, answers, -1)
        session = replace(session, mode=Mode.SECTION.value, step=index, question=question if question is not None else 0)
        title = step.heading or step.intro.split("：")[0]
        head = self.say("step_head", n=index + 1, total=len(steps),
                        title=f"{step.parent} · {step.heading}" if step.parent else title)
        intro = f"\n{step.intro}" if step.intro and not step.parent else ""
        slots = "、".join(s.label for s in step.slots)
        hint = "\n" + self.say("slots_hint", slots=slots) if slots else ""
        ask = step.questions[question].text if question is not None else self.say("all_asked")
        text = "\n".join(x for x in (prefix, head + intro + hint, ask) if x)
        return self.out(session, draft, Reply(text, self.section_options()))

    def _on_section(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        steps = self.steps(draft)
        if session.step >= len(steps):
            return self.out(replace(session, mode=Mode.REVIEW.value), draft, self._review(draft))
        step = steps[session.step]
        if action == "examples":
            kinds = self.catalog.kinds[draft.kind].retrieval_kinds
            topic = next((t for t in self.catalog.topics.values() if f"topic:{t.id}" == step.key), None)
            own = tuple(v for v in draft.basics.values() if v)
            reply = self._examples_reply(step.query, topic, kinds, reads.library, own)
            return self.out(session, draft, replace(reply, options=self.section_options()))
        if action == "skip":
            draft.section(step.key).skipped = True
            return self._next_step(session, draft, self.say("skipped"))
        if action == "done":
            draft.section(step.key).done = True
            if self.model and self._has_content(draft, step):
                following = self._next_step(session, draft, self.say("section_done"))
                writing = Reply(self.say("model_writing", section=step.label))
                effect = WriteSection(step.key, self._brief(draft, step, reads), 0)
                return Outcome(following.session, following.draft, (writing, *following.replies),
                               (effect, *following.effects))
            return self._next_step(session, draft, self.say("section_done"))
        if action == "back":
            return self._back(session, draft)
        if action == "edit":
            return self._edit_menu(session, draft)
        if is_option_data(text):
            return self.out(session, draft, Reply(self.say("stale_button"), self.section_options()))
        return self._answer(session, draft, steps, step, text)

    def _answer(self, session: Session, draft: Draft, steps: list[Step], step: Step, text: str) -> Outcome:
        reading = read(text, step.slots, self.words.lexicon)
        answers = draft.section(step.key)
        has_content = bool(answers.facts or answers.statements)
        if reading.only_skip and not has_content:
            answers.skipped = True
            return self._next_step(session, draft, self.say("skipped"))
        lines = apply_reading(draft, steps, step, reading, self.words)
        answers.skipped = False
        if session.question not in answers.asked:
            answers.asked.append(session.question)
        if reading.questions:
            lines.append(self.say("question_to_bot", question=reading.questions[0]))
        if not lines:
            lines.append(self.say("nothing_recorded"))
        following = _next_question(step, answers, session.question)
        if following is not None:
            lines.append(step.questions[following].text)
            return self.out(replace(session, question=following), draft, Reply("\n".join(lines), self.section_options()))
        lines.append(self.say("all_asked"))
        return self.out(session, draft, Reply("\n".join(lines), self.section_options()))

    @staticmethod
    def _has_content(draft: Draft, step: Step) -> bool:
        answers = draft.answers.get(step.key)
        return answers is not None and bool(answers.facts or answers.statements)

    def _brief(self, draft: Draft, step: Step, reads: Reads) -> SectionBrief:
        from bot.drafting.briefs import brief_for

        kind = self.catalog.kinds[draft.kind]
        topic = next((t for t in self.catalog.topics.values() if f"topic:{t.id}" == step.key), None)
        examples: list[str] = []
        if reads.library is not None:
            try:
                own = tuple(v for v in draft.basics.values() if v)
                passages, _, _ = reads.library.examples(step.query, kind.retrieval_kinds,
                                                        topic.retrieval_topics if topic else (), own)
                examples = [mask_facts(text, own) for text, _ in passages[:3]]
            except Exception:  # examples are style only: the model writes without them
                log.warning("examples for the model could not be found", exc_info=True)
        topic_name = self.catalog.topics[draft.topics[0]].name if kind.topics == "one" and draft.topics else ""
        return brief_for(draft, self.steps(draft), step, kind, self.catalog.basics, self.words.lexicon,
                         examples, topic_name)

    def _next_step(self, session: Session, draft: Draft, prefix: str) -> Outcome:
        back = [*session.back, session.step]
        if session.review_after:
            return self.out(replace(session, mode=Mode.REVIEW.value, review_after=False, back=back), draft,
                            self._review(draft, prefix))
        return self._enter_step(replace(session, back=back), draft, session.step + 1, prefix)

    def _back(self, session: Session, draft: Draft) -> Outcome:
        steps = self.steps(draft)
        step = steps[session.step]
        earlier = [i for i in draft.section(step.key).asked if i < session.question]
        if earlier:
            question = earlier[-1]
            return self.out(replace(session, question=question), draft,
                            Reply(step.questions[question].text, self.section_options()))
        if session.back:
            return self._enter_step(replace(session, back=session.back[:-1]), draft, session.back[-1], self.say("went_back"))
        if session.step > 0:
            return self._enter_step(session, draft, session.step - 1, self.say("went_back"))
        fields = self._basics_fields(draft)
        return self.out(replace(session, mode=Mode.BASICS.value, question=len(fields) - 1), draft,
                        self._basics_question(fields[-1]))

    # -- editing, review, export ---------------------------------------------------------------
    def _edit_menu(self, session: Session, draft: Draft) -> Outcome:
        steps = self.steps(draft)
        options = [self.option("basics", "e:basics")] + [
            Option(f"{i + 1}. {s.label}", f"e:{i}") for i, s in enumerate(steps)]
        if any(a.statements for a in draft.answers.values()):
            options.append(self.option("sentences"))
        return self.out(replace(session, mode=Mode.EDIT_PICK.value), draft, Reply(self.say("edit_which"), tuple(options)))

    def _on_edit_pick(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        if action == "sentences":
            return self._sentences(session, draft)
        steps = self.steps(draft)
        target = text[2:] if text.startswith("e:") else simplified(text)
        if target in ("basics", self.words.label("basics")):
            fields = self._basics_fields(draft)
            return self.out(replace(session, mode=Mode.BASICS.value, question=0, review_after=True), draft,
                            self._basics_question(fields[0]))
        offset = 0 if text.startswith("e:") else 1
        if target.isdigit() and 0 <= int(target) - offset < len(steps):
            index = int(target) - offset
            step = steps[index]
            labels = {s.name: s.label for s in step.slots}
            current = draft.section(step.key).fact_objects()
            recorded = "；".join(f"{labels.get(n, n)} {f.display_with_note()}" for n, f in current.items())
            prefix = self.say("edit_current", recorded=recorded or self.say("nothing"))
            return self._enter_step(replace(session, review_after=True), draft, index, prefix)
        return self._edit_menu(session, draft)

    def _sentences(self, session: Session, draft: Draft, prefix: str = "") -> Outcome:
        listed = own_sentences(draft, self.steps(draft), self.words.lexicon)
        if not listed:
            note = "\n".join(x for x in (prefix, self.say("no_sentences")) if x)
            return self.out(replace(session, mode=Mode.REVIEW.value), draft, self._review(draft, note))
        lines = [prefix, self.say("sentences_intro")] if prefix else [self.say("sentences_intro")]
        lines += [self.say("sentence_line", n=i, section=label, text=text) for i, (label, text) in enumerate(listed, 1)]
        options = tuple(Option(self.say("remove_n", n=i), f"x:{i}") for i in range(1, min(len(listed), 8) + 1))
        return self.out(replace(session, mode=Mode.SENTENCES.value), draft,
                        Reply("\n".join(lines), (*options, self.option("back_review")), private=True))

    def _on_sentences(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        steps = self.steps(draft)
        if text.startswith("x:") and text[2:].isdigit():
            ok = remove_sentence(draft, steps, int(text[2:]))
            return self._sentences(session, draft, self.say("removed" if ok else "no_such_sentence"))
        match = _SENTENCE_COMMAND.match(simplified(text).strip())
        if match is None:
            return self._sentences(session, draft, self.say("sentences_how"))
        if match.group("delete"):
            ok = remove_sentence(draft, steps, int(match.group("d")))
            return self._sentences(session, draft, self.say("removed" if ok else "no_such_sentence"))
        number = int(match.group("r") or match.group("r2"))
        new_text = (match.group("text") or match.group("text2") or "").strip()
        ok = rewrite_sentence(draft, steps, number, new_text)
        return self._sentences(session, draft, self.say("rewritten" if ok else "no_such_sentence"))

    def _on_review(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        if action == "edit":
            return self._edit_menu(session, draft)
        if action == "sentences":
            return self._sentences(session, draft)
        if action == "polish" and self.model:
            return self._polish_menu(session, draft)
        if action == "back":
            return self._enter_step(session, draft, len(self.steps(draft)) - 1)
        return self.out(session, draft, replace(self._review(draft), text=self.say("review_what")))

    # -- 润色: a section written again by the model; the staff member keeps whichever they prefer --
    def _polish_menu(self, session: Session, draft: Draft) -> Outcome:
        steps = self.steps(draft)
        options = tuple(Option(f"{i + 1}. {s.label}", f"p:{i}") for i, s in enumerate(steps) if self._has_content(draft, s))
        if not options:
            return self.out(replace(session, mode=Mode.REVIEW.value), draft, self._review(draft, self.say("nothing_to_polish")))
        return self.out(replace(session, mode=Mode.POLISH.value), draft,
                        Reply(self.say("polish_which"), (*options, self.option("back_review"))))

    def _on_polish(self, session: Session, draft: Draft | None, text: str, action: str, reads: Reads) -> Outcome:
        assert draft is not None
        steps = self.steps(draft)
        if text.startswith("p:") and text[2:].isdigit() and int(text[2:]) < len(steps):
            index = int(text[2:])
            step = steps[index]
            draft.section(step.key).model_candidate = ""
            choose = (self.option("keep_new"), self.option("keep_old"), self.option("use_offline"))
            return self.out(replace(session, step=index), draft,
                            Reply(self.say("model_writing", section=step.label), choose),
                            effects=(WriteSection(step.key, self._brief(draft, step, reads), 0, candidate=True),))
        if action in ("keep_new", "keep_old", "use_offline") and session.step < len(steps):
            answers = draft.section(steps[session.step].key)
            if action == "keep_new" and answers.model_candidate:
                answers.model_text = answers.model_candidate
            if action == "use_offline":
                answers.model_text = ""
            answers.model_candidate = ""
            return self.out(replace(session, mode=Mode.REVIEW.value), draft, self._review(draft, self.say(f"polish_{action}")))
        return self._polish_menu(session, draft)

    def rendered(self, draft: Draft) -> RenderedDraft:
        kind = self.catalog.kinds[draft.kind]
        topic_name = self.catalog.topics[draft.topics[0]].name if kind.topics == "one" and draft.topics else ""
        return render_draft(kind.title, self.steps(draft), draft, topic_name=topic_name, preamble=kind.preamble,
                            words=self.words)

    def _review(self, draft: Draft, prefix: str = "") -> Reply:
        from bot.drafting.export import to_markdown

        doc = self.rendered(draft)
        body = to_markdown(replace(doc, pending=()))
        checklist = ("\n\n" + self.say("still_pending") + "\n" + "\n".join(f"□ {p}" for p in doc.pending)) \
            if doc.pending else "\n\n" + self.say("all_filled")
        text = "\n".join(x for x in (prefix, self.say("preview"), body.strip()) if x) + checklist
        options = [self.option("docx"), self.option("md"), self.option("edit")]
        if any(a.statements for a in draft.answers.values()):
            options.append(self.option("sentences"))
        if self.model:
            options.append(self.option("polish"))
        return Reply(text, (*options, self.option("quit")), private=True)

    def _export_menu(self) -> Reply:
        return Reply(self.say("export_which"), (self.option("docx"), self.option("md"), self.option("back_review")))

    def _export(self, session: Session, draft: Draft, fmt: str) -> Outcome:
        doc = self.rendered(draft)
        pending = self.say("export_pending", n=len(doc.pending)) if doc.pending else ""
        other = self.option("md") if fmt == "docx" else self.option("docx")
        reply = Reply(self.say("exported_docx" if fmt == "docx" else "exported_md", title=doc.title) + pending,
                      (other, self.option("back_review"), self.option("edit"), self.option("quit")), private=True)
        return self.out(session, draft, reply, effects=(ExportDraft(doc, fmt, 0),))

    # -- drafts ----------------------------------------------------------------------------------
    def _drafts_menu(self, user: str, reads: Reads) -> Reply:
        drafts = reads.drafts(user)
        if not drafts:
            return Reply(self.say("no_drafts"), (self.option("new"),))
        lines = [self.say("drafts_intro")]
        options: list[Option] = []
        for i, d in enumerate(drafts[:10], 1):
            title = self.rendered(d).title if d.kind in self.catalog.kinds else d.kind
            lines.append(f"{i}. {title}")
            options += [Option(self.say("resume_n", n=i), f"r:{d.id}"), Option(self.say("delete_n", n=i), f"d:{d.id}")]
        return Reply("\n".join(lines), tuple(options), private=True)

    def _resume_or_delete(self, session: Session, draft: Draft | None, text: str, reads: Reads) -> Outcome:
        op, draft_id = text[:1], text[2:]
        if op == "d":
            found = reads.draft(draft_id, session.user)
            if session.draft_id == draft_id:
                session, draft = Session(user=session.user), None
            remaining = [d for d in reads.drafts(session.user) if d.id != draft_id]
            menu = self._drafts_menu(session.user, replace(reads, drafts=lambda user: remaining))
            return self.out(session, draft, Reply(self.say("deleted" if found else "draft_not_found")), menu,
                            effects=(DeleteDraft(draft_id),) if found else ())
        found = reads.draft(draft_id, session.user)
        if found is None:
            return self.out(session, draft, Reply(self.say("draft_gone")), self._drafts_menu(session.user, reads))
        steps = self.steps(found)
        index = next((i for i, s in enumerate(steps) if not (found.answers.get(s.key) and (
            found.answers[s.key].done or found.answers[s.key].skipped))), len(steps))
        session = Session(user=session.user, draft_id=found.id)
        if len(found.basics) < len(self._basics_fields(found)) and index == 0 and not found.answers:
            return self._start_basics(session, found)
        return self._enter_step(session, found, index, self.say("resumed"))

    def _start_single(self, session: Session, topic_id: str) -> Outcome:
        if topic_id not in self.catalog.topics or SINGLE not in self.catalog.kinds:
            return self.out(session, None, Reply(self.say("no_such_topic")))
        draft = Draft.new(session.user, SINGLE)
        draft.topics = [topic_id]
        return self._start_basics(Session(user=session.user), draft)

    def _options_for(self, session: Session, draft: Draft | None) -> tuple[Option, ...]:
        if session.mode == Mode.SECTION.value:
            return self.section_options()
        if draft is None:
            return (self.option("new"), self.option("drafts"))
        return (self.option("review"), self.option("quit"))


def _next_question(step: Step, answers: SectionAnswers, after: int) -> int | None:
    """The next question worth asking: one whose slots are not all filled yet, or an open
    question not yet asked."""
    for index in range(after + 1, len(step.questions)):
        question = step.questions[index]
        if question.slots:
            if any(name not in answers.facts for name in question.slots):
                return index
        elif index not in answers.asked:
            return index
    return None


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _date_of(text: str) -> str | None:
    dates = [m for m in scan(text) if m.kind == "date"]
    if len(dates) == 1 and isinstance(dates[0].value, str) and "年" in dates[0].value:
        return dates[0].value
    return None


def _basic_value(text: str, words: Phrasebook) -> str:
    """A name as staff type it ("我们是幸福里社区吧") without the words around it, and without
    characters nobody sees (a direction override would reverse the name in the document)."""
    value = re.sub(r"^(?:我们|咱们)?(?:是|叫|就是|写)\s*", "", visible(text).strip())
    value = value.rstrip("。.！!～~ ")
    for particle in words.lexicon.particles:
        if value.endswith(particle) and len(value) > len(particle):
            value = value[: -len(particle)]
    return value.strip() or text.strip()
