"""The guided drafting dialogue: one engine for Telegram and the terminal.

``Dialogue.transition(session, draft, text)`` is the state machine: it returns the new
session, the (possibly new) draft and the replies. ``Dialogue.handle(user, text)`` wraps it
with persistence: the input is logged before it is handled, state is saved right after.

Modes: idle → choose_kind → choose_topics → basics → section … → review; plus
edit_pick (修改) and drafts (/drafts). Options carry short ASCII data tokens:
``k:<kind>`` ``t:<topic>`` ``a:<action>`` ``e:<step>`` ``r:<draft>`` ``d:<draft>`` ``s:<topic>``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.drafting.draft import Draft, Session, fact_to_json
from bot.drafting.facts import extract
from bot.drafting.outline import Step, outline
from bot.drafting.render import render_draft
from bot.drafting.replies import Option, Reply, is_option_data
from bot.drafting.skeletons import BasicField, KindSpec, TopicSpec
from bot.drafting.store import DraftStore
from bot.text.mask import mask_facts

log = logging.getLogger(__name__)

SINGLE = "single"
SINGLE_TITLE = "{{ community }}{{ period }}{{ topic_name }}工作情况"


class Library(Protocol):
    """The corpus, as the dialogue needs it (retrieval lives behind this port). Every call
    returns its own notice for the user ("" when none: e.g. results are lexical-only, or there is
    no usable index); the library is shared by concurrent users and keeps no per-call state.
    ``own`` are the user's own names (their basics), which masked phrases may keep."""

    def examples(self, query: str, kinds: Sequence[str], topics: Sequence[str],
                 own: Sequence[str] = ()) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
        """(passages, phrases, notice); passages and phrases as (text, source) pairs, best first."""
        ...

    def search(self, query: str) -> tuple[list[tuple[str, str]], str]:
        ...

    def phrases(self, query: str, own: Sequence[str] = ()) -> tuple[list[tuple[str, str]], str]:
        ...


Exporter = Callable[[Draft, object, str], Path]

A = {  # actions: data token → the words a user may type instead of pressing the button
    "examples": ("看范例", "范例", "例子"),
    "skip": ("跳过",),
    "done": ("完成本节", "完成", "下一节"),
    "back": ("上一步", "返回"),
    "edit": ("修改",),
    "help": ("帮助", "/help", "？", "?"),
    "quit": ("保存退出", "退出", "/cancel", "取消"),
    "review": ("预览", "审阅", "/draft"),
    "docx": ("导出Word", "导出word", "/export", "导出"),
    "md": ("导出Markdown", "导出markdown"),
    "topics_done": ("选好了", "确定"),
    "new": ("/new", "新建", "新建文稿", "/start"),
    "drafts": ("/drafts", "我的草稿"),
}

HELP = (
    "我可以帮您起草社区工作材料，并从以往材料中查找范例写法。\n"
    "· /new 新建文稿（年度总结、半年总结、专项总结、调研报告、工作计划）\n"
    "· /section 主题 单独起草某一段，例如：/section 禁毒宣传\n"
    "· /drafts 我的草稿（继续或删除）　/draft 查看当前草稿　/export 导出 Word\n"
    "· /search 关键词 检索以往材料　/phrases 关键词 查找范例句子\n"
    "· /cancel 保存并退出当前文稿\n"
    "起草时，每一步都可以：看范例、跳过、上一步、修改、完成本节、帮助、保存退出。\n"
    "直接打字回答即可，可以粘贴整段笔记，我会识别其中的数字和事项，并把其余内容原样保留。"
)

COMMANDS = ("/new", "/start", "/section", "/drafts", "/draft", "/export", "/search", "/phrases", "/cancel", "/help")

SECTION_OPTIONS = (
    Option("看范例", "a:examples"), Option("跳过", "a:skip"), Option("完成本节", "a:done"),
    Option("上一步", "a:back"), Option("修改", "a:edit"), Option("帮助", "a:help"), Option("保存退出", "a:quit"),
)


@dataclass
class Catalog:
    basics: tuple[BasicField, ...]
    kinds: dict[str, KindSpec]
    topics: dict[str, TopicSpec]


class Dialogue:
    def __init__(self, catalog: Catalog, store: DraftStore, library: Library | None, exporter: Exporter) -> None:
        self.catalog = catalog
        self.store = store
        self.library = library
        self.exporter = exporter

    # -- the persistence wrapper ---------------------------------------------------------
    def handle(self, user: str, text: str, key: str | None = None) -> list[Reply]:
        """One input, persisted: logged before it is handled, state saved right after.

        ``key`` identifies a delivery (a Telegram update): the same key again gets the replies
        it already got, and the input is not applied twice (redelivery after a crash)."""
        if key is not None and (done := self.store.answered(key)) is not None:
            return done
        text = text.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates cannot be stored
        session = self.store.load_session(user)
        input_id = self.store.log_input(user, session.draft_id, text, key)
        draft = self.store.load_draft(session.draft_id, user) if session.draft_id else None
        session, draft, replies = self.transition(session, draft, text)
        self.store.save(session, draft, input_id, replies)
        return replies

    # -- the state machine ---------------------------------------------------------------
    def transition(self, session: Session, draft: Draft | None, text: str) -> tuple[Session, Draft | None, list[Reply]]:
        text = (text or "").strip()
        if not text:
            return session, draft, [Reply("请发送文字内容。需要帮助请发送 /help。")]
        action = self._action(text)
        if draft is None and session.mode in ("basics", "section", "review", "edit_pick", "choose_topics"):
            session = Session(user=session.user)
        cmd, _, arg = text.partition(" ")
        if cmd.startswith("/") and cmd not in COMMANDS:
            # An unknown command is never recorded as an answer to the current question.
            return session, draft, [Reply("没有这个命令。发送 /help 查看可用命令。", self._options_for(session, draft))]
        if cmd in ("/search", "/phrases") or (cmd == "/section" and arg.strip()):
            return session, draft, self._lookup(cmd, arg.strip(), session, draft)
        if cmd == "/section":
            return replace(session, mode="idle"), draft, [Reply("请告诉我想写哪一段，例如：/section 低保工作", ())]
        if action == "help":
            return session, draft, [Reply(HELP, self._options_for(session, draft))]
        if action == "new":
            return Session(user=session.user, mode="choose_kind"), None, [self._kind_menu()]
        if action == "drafts":
            return replace(session, mode="drafts"), draft, [self._drafts_menu(session.user)]
        if text.startswith(("r:", "d:")):
            return self._resume_or_delete(session, draft, text)
        if action == "quit":
            if draft is None:
                return Session(user=session.user), None, [Reply("已退出。发送 /new 新建文稿，/help 查看帮助。")]
            return Session(user=session.user), draft, [Reply(
                "草稿已保存。随时发送 /drafts 继续编辑，或 /new 新建文稿。", (Option("我的草稿", "a:drafts"),))]
        if action == "review":
            if draft is None:
                return session, draft, [Reply("当前没有正在起草的文稿。发送 /new 新建，或 /drafts 查看草稿。")]
            return replace(session, mode="review"), draft, [self._review(draft)]
        if action in ("docx", "md"):
            if draft is None:
                return session, draft, [Reply("当前没有正在起草的文稿。发送 /drafts 选择一份草稿。")]
            return session, draft, [self._export(draft, action)]

        handler = getattr(self, f"_on_{session.mode}", self._on_idle)
        return handler(session, draft, text, action)

    def _action(self, text: str) -> str:
        if text.startswith("a:"):
            return text[2:]
        for name, words in A.items():
            if text in words:
                return name
        return ""

    # -- idle: free text is a need ------------------------------------------------------------
    def _on_idle(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        if text.startswith("s:"):
            return self._start_single(session, text[2:])
        topic = self._match_topic(text)
        replies = self._examples_reply(text, topic)
        if topic is not None:
            session = replace(session, mode="idle")
            return session, draft, [replace(replies, options=(
                Option(f"起草“{topic.name}”这一段", f"s:{topic.id}"), Option("新建完整文稿", "a:new"), Option("帮助", "a:help")))]
        return session, draft, [replace(replies, options=(Option("新建完整文稿", "a:new"), Option("帮助", "a:help")))]

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

    def _examples_reply(self, query: str, topic: TopicSpec | None, kinds: Sequence[str] = (),
                        own: Sequence[str] = ()) -> Reply:
        if self.library is None:
            return Reply("范例库暂时不可用（索引尚未建立或无法读取），您可以先继续填写。")
        try:
            passages, phrases, notice = self.library.examples(query, kinds, topic.retrieval_topics if topic else (), own)
        except Exception:
            log.exception("example search failed")
            return Reply("查找范例时出错了，请稍后再试；您的回答都已保存。")
        if not passages and not phrases:
            return Reply(notice or "没有找到相关范例，请换个说法试试。")
        lines = [*self._notice(notice), "以下是以往材料中的写法，仅供参考（其中的数字和名称已遮盖为“__”“XX”，请填写本社区的实际情况）："]
        for i, (text, source) in enumerate(phrases[:3], 1):
            lines.append(f"{i}. {text}\n　　——来源：{source}")
        if passages:
            lines.append("相关段落：")
            for text, source in passages[:2]:
                excerpt = mask_facts(text, own)
                lines.append(f"《{source}》{excerpt[:220]}{'…' if len(excerpt) > 220 else ''}")
        return Reply("\n".join(lines))

    def _lookup(self, cmd: str, arg: str, session: Session, draft: Draft | None) -> list[Reply]:
        if cmd == "/section":
            topic = self._match_topic(arg) or self._topic_by_name(arg)
            reply = self._examples_reply(arg, topic)
            if topic is None:
                return [replace(reply, options=(Option("新建完整文稿", "a:new"),))]
            return [replace(reply, options=(Option(f"起草“{topic.name}”这一段", f"s:{topic.id}"),))]
        if not arg:
            return [Reply(f"请在命令后写上关键词，例如：{cmd} 禁毒宣传")]
        if self.library is None:
            return [Reply("检索暂时不可用（索引尚未建立）。")]
        try:
            own = tuple(draft.basics.values()) if draft else ()
            found, notice = self.library.search(arg) if cmd == "/search" else self.library.phrases(arg, own)
        except Exception:
            log.exception("lookup failed")
            return [Reply("检索时出错了，请稍后再试。")]
        if not found:
            return [Reply(notice or "没有找到相关内容，请换个说法试试。")]
        lines = [*self._notice(notice), *(f"{i}. {t}\n　　——来源：{s}" for i, (t, s) in enumerate(found[:5], 1))]
        return [Reply("\n".join(lines), self._options_for(session, draft))]

    @staticmethod
    def _notice(notice: str) -> list[str]:
        """The library's word on an answer (e.g. the vector store is down), as a first line."""
        return [f"提示：{notice}"] if notice else []

    def _topic_by_name(self, name: str) -> TopicSpec | None:
        for topic in self.catalog.topics.values():
            if name in (topic.id, topic.name) or topic.name in name:
                return topic
        return None

    # -- choosing what to write ----------------------------------------------------------------
    def _kind_menu(self) -> Reply:
        options = tuple(Option(k.name, f"k:{k.id}") for k in self.catalog.kinds.values())
        lines = ["请选择要起草的文稿类型："] + [f"· {k.name}：{k.description}" for k in self.catalog.kinds.values()]
        return Reply("\n".join(lines), options)

    def _on_choose_kind(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        kind = self._kind_from(text)
        if kind is None:
            return session, draft, [replace(self._kind_menu(), text="没有识别出文稿类型，请从下面选择：")]
        draft = Draft.new(session.user, kind.id)
        if kind.topics == "none":
            return self._start_basics(session, draft)
        session = replace(session, mode="choose_topics", draft_id=draft.id, picked=[])
        return session, draft, [self._topic_menu(kind, [])]

    def _kind_from(self, text: str) -> KindSpec | None:
        key = text[2:] if text.startswith("k:") else text
        for kind in self.catalog.kinds.values():
            if key in (kind.id, kind.name) or (len(key) >= 2 and key in kind.name):
                return kind
        if text.isdigit() and 1 <= int(text) <= len(self.catalog.kinds):
            return list(self.catalog.kinds.values())[int(text) - 1]
        return None

    def _topic_menu(self, kind: KindSpec, picked: list[str]) -> Reply:
        names = "、".join(self.catalog.topics[t].name for t in picked) or "（尚未选择）"
        if kind.topics == "one":
            text = f"请选择“{kind.name}”的主题："
            options = tuple(Option(t.name, f"t:{t.id}") for t in self.catalog.topics.values())
        else:
            text = f"请选择要写入“主要工作”部分的方面（可多选，再点一次取消），选好后点“选好了”。\n已选：{names}"
            options = tuple(Option(("✓ " if t.id in picked else "") + t.name, f"t:{t.id}") for t in self.catalog.topics.values())
            options += (Option("选好了", "a:topics_done"),)
        return Reply(text, options)

    def _on_choose_topics(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        assert draft is not None
        kind = self.catalog.kinds[draft.kind]
        if action == "topics_done":
            if not session.picked:
                return session, draft, [replace(self._topic_menu(kind, []), text="请至少选择一个方面。")]
            draft.topics = list(session.picked)
            return self._start_basics(session, draft)
        topic_ids = self._topics_from(text)
        if not topic_ids:
            return session, draft, [replace(self._topic_menu(kind, session.picked), text="没有识别出主题，请从下面选择：")]
        picked = list(session.picked)
        for tid in topic_ids:
            if tid in picked and kind.topics == "many" and text.startswith("t:"):
                picked.remove(tid)
            elif tid not in picked:
                picked.append(tid)
        if kind.topics == "one":
            draft.topics = picked[-1:]
            return self._start_basics(replace(session, picked=picked[-1:]), draft)
        session = replace(session, picked=picked)
        return session, draft, [self._topic_menu(kind, picked)]

    def _topics_from(self, text: str) -> list[str]:
        if text.startswith("t:"):
            return [text[2:]] if text[2:] in self.catalog.topics else []
        found = [t.id for t in self.catalog.topics.values() if t.name in text]
        return found

    # -- basic facts ---------------------------------------------------------------------------
    def _basics_fields(self, draft: Draft) -> tuple[BasicField, ...]:
        if draft.kind == SINGLE:
            return tuple(f for f in self.catalog.basics if f.name != "issuer")
        return self.catalog.basics

    def _start_basics(self, session: Session, draft: Draft) -> tuple[Session, Draft, list[Reply]]:
        session = replace(session, mode="basics", draft_id=draft.id, question=0, step=0, back=[])
        fields = self._basics_fields(draft)
        return session, draft, [self._basics_question(fields[0], intro=self._title_intro(draft))]

    def _title_intro(self, draft: Draft) -> str:
        if draft.kind == SINGLE:
            return f"好的，我们来起草“{self.catalog.topics[draft.topics[0]].name}”这一段。先确认两项基本信息。"
        kind = self.catalog.kinds[draft.kind]
        return f"好的，开始起草《{kind.name}》。先确认几项基本信息。"

    def _basics_question(self, field: BasicField, intro: str = "") -> Reply:
        text = (intro + "\n" if intro else "") + field.question
        return Reply(text, (Option("跳过", "a:skip"), Option("上一步", "a:back"), Option("保存退出", "a:quit")))

    def _on_basics(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        assert draft is not None
        fields = self._basics_fields(draft)
        index = min(session.question, len(fields) - 1)
        if action == "back":
            if index == 0:
                return session, draft, [self._basics_question(fields[0], "已经是第一步了。")]
            return replace(session, question=index - 1), draft, [self._basics_question(fields[index - 1])]
        if action == "edit":
            return self._edit_menu(session, draft)
        if is_option_data(text) and action not in ("skip", "done"):
            return session, draft, [self._basics_question(fields[index], "这个按钮已过期，请按当前提示操作。")]
        if action not in ("skip", "done"):
            draft.basics[fields[index].name] = text[:100]
        else:
            draft.basics.setdefault(fields[index].name, "")  # asked and skipped: don't ask again on resume
        index += 1
        if index < len(fields):
            return replace(session, question=index), draft, [self._basics_question(fields[index])]
        if session.review_after:
            return replace(session, mode="review", review_after=False), draft, [self._review(draft)]
        return self._enter_step(replace(session, mode="section", step=0, question=0, back=[]), draft, 0)

    # -- sections ------------------------------------------------------------------------------
    def steps(self, draft: Draft) -> list[Step]:
        if draft.kind == SINGLE:
            topic = self.catalog.topics[draft.topics[0]]
            return [Step(key=f"topic:{topic.id}", heading=topic.heading, level=1, intro=topic.name,
                         questions=topic.questions, slots=topic.slots, query=topic.query, template=topic.template,
                         retrieval_topics=topic.retrieval_topics)]
        return outline(self.catalog.kinds[draft.kind], self.catalog.topics, draft.topics)

    def _enter_step(self, session: Session, draft: Draft, index: int, prefix: str = "") -> tuple[Session, Draft, list[Reply]]:
        steps = self.steps(draft)
        if index >= len(steps):
            return replace(session, mode="review", step=len(steps)), draft, [self._review(draft, prefix)]
        step = steps[index]
        session = replace(session, mode="section", step=index, question=0)
        title = step.heading or step.intro
        head = f"【第{index + 1}/{len(steps)}部分】{title}"
        if step.parent:
            head = f"【第{index + 1}/{len(steps)}部分】{step.parent} · {step.heading}"
        intro = f"\n{step.intro}" if step.intro and step.intro != title and not step.parent else ""
        slots = "、".join(s.label for s in step.slots)
        hint = f"\n（可提供的数据：{slots}）" if slots else ""
        question = step.questions[0] if step.questions else "请介绍这一部分的情况。"
        text = "\n".join(x for x in (prefix, head + intro + hint, question) if x)
        return session, draft, [Reply(text, SECTION_OPTIONS)]

    def _on_section(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        assert draft is not None
        steps = self.steps(draft)
        if session.step >= len(steps):
            return replace(session, mode="review"), draft, [self._review(draft)]
        step = steps[session.step]
        if action == "examples":
            kinds = () if draft.kind == SINGLE else self.catalog.kinds[draft.kind].retrieval_kinds
            topic = next((t for t in self.catalog.topics.values() if f"topic:{t.id}" == step.key), None)
            own = tuple(draft.basics.values())
            return session, draft, [replace(self._examples_reply(step.query, topic, kinds, own), options=SECTION_OPTIONS)]
        if action == "skip":
            draft.section(step.key).skipped = True
            return self._next(session, draft, "已跳过本节，定稿时会标注【待补充】。")
        if action == "done":
            draft.section(step.key).done = True
            return self._next(session, draft, "本节已完成。")
        if action == "back":
            return self._back(session, draft)
        if action == "edit":
            return self._edit_menu(session, draft)
        if is_option_data(text):
            return session, draft, [Reply("这个按钮已过期，请按当前提示操作。", SECTION_OPTIONS)]
        return self._answer(session, draft, step, text)

    def _answer(self, session: Session, draft: Draft, step: Step, text: str) -> tuple[Session, Draft, list[Reply]]:
        answers = draft.section(step.key)
        result = extract(text, step.slots)
        labels = {s.name: s.label for s in step.slots}
        for name, fact in result.facts.items():
            answers.facts[name] = fact_to_json(fact)
        answers.narrative.extend(result.narrative)
        answers.skipped = False
        understood = "；".join(f"{labels.get(n, n)} {f.display()}" for n, f in result.facts.items())
        lines = []
        if understood:
            lines.append(f"已记录：{understood}。如有误，直接发送更正，例如“{next(iter(labels.values()))}……”。")
        if result.narrative:
            sample = result.narrative[0]
            lines.append(f"已作为叙述原样保留（{len(result.narrative)}句）：{sample[:40]}{'…' if len(sample) > 40 else ''}")
        if result.numbers_unassigned:
            lines.append("这些数字没有对应到具体事项，已随原句保留：" + "、".join(result.numbers_unassigned[:6]))
        if session.question + 1 < len(step.questions):
            session = replace(session, question=session.question + 1)
            lines.append(step.questions[session.question])
            return session, draft, [Reply("\n".join(lines), SECTION_OPTIONS)]
        lines.append("本节的问题已问完。可以继续补充，或点“完成本节”进入下一部分。")
        return session, draft, [Reply("\n".join(lines), SECTION_OPTIONS)]

    def _next(self, session: Session, draft: Draft, prefix: str) -> tuple[Session, Draft, list[Reply]]:
        back = session.back + [session.step]
        if session.review_after:
            return replace(session, mode="review", review_after=False, back=back), draft, [self._review(draft, prefix)]
        return self._enter_step(replace(session, back=back), draft, session.step + 1, prefix)

    def _back(self, session: Session, draft: Draft) -> tuple[Session, Draft, list[Reply]]:
        if session.question > 0:
            steps = self.steps(draft)
            session = replace(session, question=session.question - 1)
            return session, draft, [Reply(steps[session.step].questions[session.question], SECTION_OPTIONS)]
        if session.back:
            previous = session.back[-1]
            return self._enter_step(replace(session, back=session.back[:-1]), draft, previous, "回到上一部分：")
        if session.step > 0:
            return self._enter_step(session, draft, session.step - 1, "回到上一部分：")
        fields = self._basics_fields(draft)
        return replace(session, mode="basics", question=len(fields) - 1), draft, [self._basics_question(fields[-1])]

    # -- editing, review, export ---------------------------------------------------------------
    def _edit_menu(self, session: Session, draft: Draft) -> tuple[Session, Draft, list[Reply]]:
        steps = self.steps(draft)
        options = [Option("基本信息", "e:basics")] + [
            Option(f"{i + 1}. {s.heading or s.intro}"[:30], f"e:{i}") for i, s in enumerate(steps)]
        return replace(session, mode="edit_pick"), draft, [Reply("要修改哪一部分？", tuple(options))]

    def _on_edit_pick(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        assert draft is not None
        steps = self.steps(draft)
        target = text[2:] if text.startswith("e:") else text
        if target in ("basics", "基本信息"):
            fields = self._basics_fields(draft)
            return replace(session, mode="basics", question=0, review_after=True), draft, [self._basics_question(fields[0])]
        if target.isdigit() and 0 <= int(target) - (0 if text.startswith("e:") else 1) < len(steps):
            index = int(target) - (0 if text.startswith("e:") else 1)
            current = draft.section(steps[index].key)
            recorded = "；".join(f"{f.slot} {f.display()}" for f in current.fact_objects().values())
            prefix = f"当前已记录：{recorded or '无'}。发送新的内容即可补充或更正。"
            return self._enter_step(replace(session, review_after=True), draft, index, prefix)
        return self._edit_menu(session, draft)

    def _on_review(self, session: Session, draft: Draft | None, text: str, action: str):  # type: ignore[no-untyped-def]
        assert draft is not None
        if action == "edit":
            return self._edit_menu(session, draft)
        if action == "back":
            return self._enter_step(session, draft, len(self.steps(draft)) - 1)
        return session, draft, [replace(self._review(draft), text="请选择导出格式，或点“修改”调整内容。")]

    def rendered(self, draft: Draft):  # type: ignore[no-untyped-def]
        if draft.kind == SINGLE:
            topic = self.catalog.topics[draft.topics[0]]
            return render_draft(SINGLE_TITLE, self.steps(draft), draft, topic_name=topic.name)
        kind = self.catalog.kinds[draft.kind]
        topic_name = self.catalog.topics[draft.topics[0]].name if kind.topics == "one" and draft.topics else ""
        return render_draft(kind.title, self.steps(draft), draft, topic_name=topic_name)

    def _review(self, draft: Draft, prefix: str = "") -> Reply:
        from bot.drafting.export import to_markdown

        doc = self.rendered(draft)
        body = to_markdown(replace(doc, pending=()))
        checklist = ("\n\n还需补充：\n" + "\n".join(f"□ {p}" for p in doc.pending)) if doc.pending else "\n\n各部分均已填写。"
        text = "\n".join(x for x in (prefix, "草稿预览：", body.strip()) if x) + checklist
        return Reply(text, (Option("导出Word", "a:docx"), Option("导出Markdown", "a:md"), Option("修改", "a:edit"),
                            Option("保存退出", "a:quit")))

    def _export(self, draft: Draft, fmt: str) -> Reply:
        doc = self.rendered(draft)
        try:
            path = self.exporter(draft, doc, fmt)
        except Exception:
            log.exception("export failed")
            return Reply("导出失败了，草稿已保存，请稍后再试。")
        pending = f"\n注意：还有 {len(doc.pending)} 处【待补充】，见文末清单。" if doc.pending else ""
        return Reply(f"已导出：{path.name}{pending}", (Option("修改", "a:edit"), Option("保存退出", "a:quit")), (path,))

    # -- drafts ----------------------------------------------------------------------------------
    def _drafts_menu(self, user: str) -> Reply:
        drafts = self.store.list_drafts(user)
        if not drafts:
            return Reply("还没有草稿。发送 /new 新建文稿。", (Option("新建文稿", "a:new"),))
        lines = ["您的草稿："]
        options: list[Option] = []
        for i, d in enumerate(drafts[:10], 1):
            title = self.rendered(d).title if d.kind in self.catalog.kinds or d.kind == SINGLE else d.kind
            lines.append(f"{i}. {title}")
            options += [Option(f"继续 {i}", f"r:{d.id}"), Option(f"删除 {i}", f"d:{d.id}")]
        return Reply("\n".join(lines), tuple(options))

    def _resume_or_delete(self, session: Session, draft: Draft | None, text: str):  # type: ignore[no-untyped-def]
        op, draft_id = text[:1], text[2:]
        if op == "d":
            ok = self.store.delete_draft(draft_id, session.user)
            if session.draft_id == draft_id:
                session, draft = Session(user=session.user), None
            return session, draft, [Reply("草稿已删除。" if ok else "没有找到这份草稿。"), self._drafts_menu(session.user)]
        found = self.store.load_draft(draft_id, session.user)
        if found is None:
            return session, draft, [Reply("没有找到这份草稿（可能已删除）。"), self._drafts_menu(session.user)]
        steps = self.steps(found)
        index = next((i for i, s in enumerate(steps) if not (found.answers.get(s.key) and (found.answers[s.key].done or found.answers[s.key].skipped))), len(steps))
        session = Session(user=session.user, draft_id=found.id)
        if len(found.basics) < len(self._basics_fields(found)) and index == 0 and not found.answers:
            return self._start_basics(session, found)
        return self._enter_step(session, found, index, "继续编辑草稿。")

    def _start_single(self, session: Session, topic_id: str):  # type: ignore[no-untyped-def]
        if topic_id not in self.catalog.topics:
            return session, None, [Reply("没有这个主题，请重新描述。")]
        draft = Draft.new(session.user, SINGLE)
        draft.topics = [topic_id]
        return self._start_basics(Session(user=session.user), draft)

    def _options_for(self, session: Session, draft: Draft | None) -> tuple[Option, ...]:
        if session.mode == "section":
            return SECTION_OPTIONS
        if draft is None:
            return (Option("新建文稿", "a:new"), Option("我的草稿", "a:drafts"))
        return (Option("预览草稿", "a:review"), Option("保存退出", "a:quit"))
