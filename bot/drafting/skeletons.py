"""Document skeletons: the kinds of document, their sections, the topics and the basic facts.

Everything here is read from files a non-programmer can edit:

    prompts/basics.yaml        the facts asked first for every document (community, period, issuer)
    prompts/kinds/<id>.yaml    one file per kind of document: title, sections, questions, slots
    prompts/topics.yaml        the work topics a "主要工作" section expands into
    prompts/templates/**.j2    Jinja2 templates turning a section's facts into formal prose

`validate` checks the files against each other and against the rules templates live by:
no number or placeholder in template text, every fact a template prints is a slot of its
section and is printed only inside an ``{% if facts.<slot> %}`` for it, every slot is printed.

    kinds = load_kinds()
    kinds["annual_summary"].sections[0].questions
    validate()          # [] when the prompts are consistent
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import FileSystemLoader, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.config import PROMPTS_DIR
from bot.drafting.facts import Slot
from bot.text.tags import DOC_KINDS, PLACEHOLDER_RE

__all__ = [
    "KIND_ORDER",
    "PLAN_KIND",
    "UNITS",
    "BasicField",
    "KindSpec",
    "SectionSpec",
    "TopicSpec",
    "load_basics",
    "load_kinds",
    "load_topics",
    "validate",
]

TopicMode = Literal["many", "one", "none"]

# The order kinds are offered in; kinds not listed here follow, by id.
KIND_ORDER = ("annual_summary", "halfyear_summary", "special_summary", "research_report", "work_plan")
# For this kind a topic is rendered with its plan_questions and plan_template (future tense).
PLAN_KIND = "work_plan"

# Units a slot of each kind may expect; date and text facts carry no unit.
UNITS: Mapping[str, frozenset[str]] = {
    "count": frozenset({"次", "场", "期", "人", "名", "人次", "户", "件", "起", "个", "支", "处", "份"}),
    "amount": frozenset({"元", "万元", "平方米"}),
    "percentage": frozenset({"%"}),
    "date": frozenset({""}),
    "text": frozenset({""}),
}

_TOPIC_MODES = ("many", "one", "none")
_TEMPLATE_VARIABLES = frozenset({"facts", "doc", "topic_name"})
_TITLE_VARIABLES = frozenset({"community", "period", "topic_name"})
_SLOT_NAME_RE = re.compile(r"[a-z][a-z_]*")
# `facts` is a dict in templates: `facts.items` would be the method, not the slot.
_RESERVED_SLOT_NAMES = frozenset(name for name in dir(dict) if not name.startswith("_"))
_DIGIT_RE = re.compile(r"[0-9０-９]")
_SLOTS_PER_TOPIC = (6, 12)


@dataclass(frozen=True)
class BasicField:
    """A fact asked once at the start of every document."""

    name: str  # community / period / issuer
    label: str
    question: str
    example: str


@dataclass(frozen=True)
class Question:
    """One question of a section and the slots it asks for (none: an open question, asked once)."""

    text: str
    slots: tuple[str, ...] = ()


Form = Literal["prose", "list"]


@dataclass(frozen=True)
class SectionSpec:
    """One level-1 section of a kind of document."""

    id: str
    heading: str  # "" for an untitled opening paragraph
    level: int
    intro: str  # shown to the user when the section starts
    questions: tuple[Question, ...]
    slots: tuple[Slot, ...]
    query: str  # retrieval query for examples of this section
    template: str  # path under prompts/templates; "" for a from_topics section
    from_topics: bool  # expands into the chosen topics, each a level-2 subsection
    lead: str = ""  # Jinja2: the sentence that opens the section ("在取得成绩的同时…")
    closing: str = ""  # Jinja2: the sentence that ends it ("现将…总结如下：")
    form: Form = "prose"  # "list": facts and statements as 一是…二是…


@dataclass(frozen=True)
class TopicSpec:
    """A work topic; chosen topics become level-2 subsections of the from_topics section."""

    id: str
    name: str  # short name for the menu
    heading: str  # subsection heading in the draft
    questions: tuple[Question, ...]
    slots: tuple[Slot, ...]
    query: str
    retrieval_topics: tuple[str, ...]  # tags of prompts/taxonomy.yaml
    template: str
    plan_questions: tuple[Question, ...]  # asked instead of `questions` in a work plan
    plan_template: str  # used instead of `template` in a work plan ("" when there is none)


@dataclass(frozen=True)
class KindSpec:
    """A kind of document: its title, how topics are chosen, and its sections in order."""

    id: str
    name: str
    description: str
    retrieval_kinds: tuple[str, ...]  # passage kinds to draw examples from
    title: str  # Jinja2 over community, period, topic_name
    topics: TopicMode
    sections: tuple[SectionSpec, ...]
    preamble: str = ""  # Jinja2: an untitled paragraph before the first section ("特制定本计划。")
    aliases: tuple[str, ...] = ()  # how staff name the kind in a sentence ("上半年的总结")
    basics: tuple[str, ...] = ()  # the basic fields asked, in order (empty: all of basics.yaml)
    menu: bool = True  # offered in the kind menu (the one-section kind is reached from a need)


# ---------------------------------------------------------------------------------------------
# Loading


def _key(prompts_dir: Path | str) -> Path:
    return Path(prompts_dir).resolve()


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _strings(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(value) for value in values or ())


def _slot(data: Mapping[str, Any]) -> Slot:
    return Slot(
        name=str(data["name"]),
        label=str(data["label"]),
        unit=str(data.get("unit") or ""),
        kind=data["kind"],
        cues=_strings(data.get("cues")),
        patterns=_strings(data.get("patterns")),
        follows=str(data.get("follows") or ""),
        echoes=_strings(data.get("echoes")),
    )


def _questions(items: Iterable[Any] | None, slots: tuple[Slot, ...]) -> tuple[Question, ...]:
    """Questions as written: plain text, or ``{ask: …, slots: […]}``. A plain question asks for the
    slots it names (label or a cue of two characters or more) that no earlier question asked for."""
    questions: list[Question] = []
    asked: set[str] = set()
    for item in items or ():
        if isinstance(item, Mapping):
            question = Question(str(item["ask"]), _strings(item.get("slots")))
        else:
            text = str(item)
            named = tuple(slot.name for slot in slots if slot.name not in asked and (
                slot.label in text or any(len(cue) >= 2 and cue in text for cue in slot.cues)))
            question = Question(text, named)
        asked.update(question.slots)
        questions.append(question)
    return tuple(questions)


def _section(data: Mapping[str, Any]) -> SectionSpec:
    slots = tuple(_slot(slot) for slot in data.get("slots") or ())
    return SectionSpec(
        id=str(data["id"]),
        heading=str(data.get("heading") or ""),
        level=int(data.get("level", 1)),
        intro=str(data.get("intro") or ""),
        questions=_questions(data.get("questions"), slots),
        slots=slots,
        query=str(data.get("query") or ""),
        template=str(data.get("template") or ""),
        from_topics=bool(data.get("from_topics", False)),
        lead=str(data.get("lead") or ""),
        closing=str(data.get("closing") or ""),
        form=data.get("form") or "prose",
    )


def _kind(data: Mapping[str, Any]) -> KindSpec:
    return KindSpec(
        id=str(data["id"]),
        name=str(data["name"]),
        description=str(data.get("description") or ""),
        retrieval_kinds=_strings(data.get("retrieval_kinds")),
        title=str(data["title"]),
        topics=data.get("topics", "none"),
        sections=tuple(_section(section) for section in data["sections"]),
        preamble=str(data.get("preamble") or ""),
        aliases=_strings(data.get("aliases")),
        basics=_strings(data.get("basics")),
        menu=bool(data.get("menu", True)),
    )


def _topic(data: Mapping[str, Any]) -> TopicSpec:
    slots = tuple(_slot(slot) for slot in data.get("slots") or ())
    return TopicSpec(
        id=str(data["id"]),
        name=str(data["name"]),
        heading=str(data["heading"]),
        questions=_questions(data.get("questions"), slots),
        slots=slots,
        query=str(data.get("query") or ""),
        retrieval_topics=_strings(data.get("retrieval_topics")),
        template=str(data["template"]),
        plan_questions=_questions(data.get("plan_questions"), slots),
        plan_template=str(data.get("plan_template") or ""),
    )


@lru_cache(maxsize=8)
def _cached_basics(prompts_dir: Path) -> tuple[BasicField, ...]:
    data = _read_yaml(prompts_dir / "basics.yaml")
    return tuple(
        BasicField(str(f["name"]), str(f["label"]), str(f["question"]), str(f.get("example") or ""))
        for f in data["fields"]
    )


@lru_cache(maxsize=8)
def _cached_kinds(prompts_dir: Path) -> tuple[tuple[str, KindSpec], ...]:
    kinds = [_kind(_read_yaml(path)) for path in sorted((prompts_dir / "kinds").glob("*.yaml"))]
    rank = {kind_id: index for index, kind_id in enumerate(KIND_ORDER)}
    kinds.sort(key=lambda kind: (rank.get(kind.id, len(rank)), kind.id))
    return tuple((kind.id, kind) for kind in kinds)


@lru_cache(maxsize=8)
def _cached_topics(prompts_dir: Path) -> tuple[tuple[str, TopicSpec], ...]:
    return tuple((topic.id, topic) for topic in map(_topic, _read_yaml(prompts_dir / "topics.yaml")))


def load_basics(prompts_dir: Path | str = PROMPTS_DIR) -> tuple[BasicField, ...]:
    """The basic facts asked first for every document, in order."""
    return _cached_basics(_key(prompts_dir))


def load_kinds(prompts_dir: Path | str = PROMPTS_DIR) -> dict[str, KindSpec]:
    """Kinds of document by id, in menu order (annual, halfyear, special, research, plan)."""
    return dict(_cached_kinds(_key(prompts_dir)))


def load_topics(prompts_dir: Path | str = PROMPTS_DIR) -> dict[str, TopicSpec]:
    """Topics by id, in the order of topics.yaml."""
    return dict(_cached_topics(_key(prompts_dir)))


# ---------------------------------------------------------------------------------------------
# Validation


def validate(prompts_dir: Path | str = PROMPTS_DIR) -> list[str]:
    """Every problem found in the prompts, as readable lines; [] when all is consistent."""
    root = _key(prompts_dir)
    problems: list[str] = []
    try:
        basics = _cached_basics(root)
        kinds = dict(_cached_kinds(root))
        topics = dict(_cached_topics(root))
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError) as error:
        return [f"prompts cannot be loaded from {root}: {type(error).__name__}: {error}"]

    env = SandboxedEnvironment(loader=FileSystemLoader(str(root / "templates")))
    taxonomy = _taxonomy_names(root)

    problems += _check_basics(basics)
    for kind_id in KIND_ORDER:
        if kind_id not in kinds:
            problems.append(f"kind {kind_id}: missing (prompts/kinds/{kind_id}.yaml)")
    for path in sorted((root / "kinds").glob("*.yaml")):
        if path.stem not in kinds:
            problems.append(f"{path.name}: its id differs from the file name")
    known_basics = {basic.name for basic in basics}
    for kind in kinds.values():
        problems += [f"kind {kind.id}: unknown basic field {name}" for name in kind.basics if name not in known_basics]
        problems += _check_kind(kind, env)
        problems += _check_unique_slots(kind, topics)
    problems += _check_topics(topics, env, taxonomy, plans_needed=PLAN_KIND in kinds)
    return problems


def _check_basics(basics: tuple[BasicField, ...]) -> list[str]:
    problems = []
    names = [basic.name for basic in basics]
    for required in ("community", "period", "issuer", "date"):
        if required not in names:
            problems.append(f"basics: field {required} missing")
    problems += [f"basics: field {name} repeated" for name in _repeated(names)]
    for basic in basics:
        if not basic.label or not basic.question:
            problems.append(f"basics.{basic.name}: label and question are required")
    return problems


def _check_kind(kind: KindSpec, env: SandboxedEnvironment) -> list[str]:
    where = f"kind {kind.id}"
    problems = []
    if kind.topics not in _TOPIC_MODES:
        problems.append(f"{where}: topics must be one of {', '.join(_TOPIC_MODES)}, not {kind.topics!r}")
    for retrieval_kind in kind.retrieval_kinds:
        if retrieval_kind not in DOC_KINDS:
            problems.append(f"{where}: unknown retrieval kind {retrieval_kind!r}")
    if not kind.retrieval_kinds:
        problems.append(f"{where}: retrieval_kinds is empty")
    problems += _check_title(kind, env)
    if kind.preamble:
        problems += _check_source(env, kind.preamble, f"{where} preamble", _FactUse(), topic_name=kind.topics == "one")
    problems += [f"{where}: section id {sid} repeated" for sid in _repeated(s.id for s in kind.sections)]

    topic_sections = [section for section in kind.sections if section.from_topics]
    expected = 0 if kind.topics == "none" else 1
    if len(topic_sections) != expected:
        problems.append(f"{where}: topics is {kind.topics!r} but it has {len(topic_sections)} from_topics sections")
    for section in kind.sections:
        problems += _check_section(section, f"{where} section {section.id}", env, topic_name=kind.topics == "one")
    return problems


def _check_title(kind: KindSpec, env: SandboxedEnvironment) -> list[str]:
    where = f"kind {kind.id} title"
    try:
        used = meta.find_undeclared_variables(env.parse(kind.title))
    except TemplateError as error:
        return [f"{where}: {error}"]
    problems = [f"{where}: unknown variable {name}" for name in sorted(used - _TITLE_VARIABLES)]
    if "topic_name" in used and kind.topics != "one":
        problems.append(f"{where}: topic_name is only known when exactly one topic is chosen")
    return problems


def _check_section(section: SectionSpec, where: str, env: SandboxedEnvironment, *, topic_name: bool) -> list[str]:
    problems = []
    if section.level not in (1, 2):
        problems.append(f"{where}: level must be 1 or 2")
    if section.from_topics:
        if section.slots or section.questions or section.template:
            problems.append(f"{where}: a from_topics section has no questions, slots or template of its own")
        return problems
    if not section.questions:
        problems.append(f"{where}: no questions")
    if not section.template:
        problems.append(f"{where}: no template")
    if section.form not in ("prose", "list"):
        problems.append(f"{where}: form must be prose or list, not {section.form!r}")
    problems += _check_slots(section.slots, where)
    problems += _check_questions(section.questions, section.slots, where)
    if section.template:
        problems += _check_template(env, section.template, section.slots, where, topic_name=topic_name,
                                    extra={"lead": section.lead, "closing": section.closing})
    return problems


def _check_questions(questions: tuple[Question, ...], slots: tuple[Slot, ...], where: str) -> list[str]:
    names = {slot.name for slot in slots}
    asked = {name for question in questions for name in question.slots}
    problems = [f"{where}: a question asks for unknown slot {name}" for name in sorted(asked - names)]
    problems += [f"{where}: slot {name} is asked by no question (name it in a question's slots)"
                 for name in sorted(names - asked)]
    return problems


def _check_topics(
    topics: dict[str, TopicSpec], env: SandboxedEnvironment, taxonomy: frozenset[str], *, plans_needed: bool
) -> list[str]:
    problems = [f"topic name {name} repeated" for name in _repeated(t.name for t in topics.values())]
    # Several topics go into one document, so their facts must not collide either.
    all_slots = (name for topic in topics.values() for name in dict.fromkeys(s.name for s in topic.slots))
    problems += [f"slot {name} belongs to several topics" for name in _repeated(all_slots)]
    low, high = _SLOTS_PER_TOPIC
    for topic in topics.values():
        where = f"topic {topic.id}"
        if not topic.questions:
            problems.append(f"{where}: no questions")
        if not low <= len(topic.slots) <= high:
            problems.append(f"{where}: has {len(topic.slots)} slots, expected {low} to {high}")
        for tag in topic.retrieval_topics:
            if tag not in taxonomy:
                problems.append(f"{where}: retrieval topic {tag!r} is not in taxonomy.yaml")
        problems += _check_slots(topic.slots, where)
        problems += _check_questions(topic.questions, topic.slots, where)
        if topic.plan_questions:
            problems += _check_questions(topic.plan_questions, topic.slots, f"{where} (plan)")
        problems += _check_template(env, topic.template, topic.slots, where, topic_name=False)
        if topic.plan_template:
            problems += _check_template(env, topic.plan_template, topic.slots, f"{where} (plan)", topic_name=False)
        elif plans_needed:
            problems.append(f"{where}: no plan_template for kind {PLAN_KIND}")
        if plans_needed and not topic.plan_questions:
            problems.append(f"{where}: no plan_questions for kind {PLAN_KIND}")
    return problems


def _check_slots(slots: tuple[Slot, ...], where: str) -> list[str]:
    problems = [f"{where}: slot {name} repeated" for name in _repeated(s.name for s in slots)]
    for slot in slots:
        what = f"{where} slot {slot.name}"
        if not _SLOT_NAME_RE.fullmatch(slot.name) or keyword.iskeyword(slot.name):
            problems.append(f"{what}: a slot name is lower-case letters and underscores")
        elif slot.name in _RESERVED_SLOT_NAMES:
            problems.append(f"{what}: the name shadows a dict method in templates")
        if slot.kind not in UNITS:
            problems.append(f"{what}: unknown kind {slot.kind!r}")
        elif slot.unit not in UNITS[slot.kind]:
            problems.append(f"{what}: unit {slot.unit!r} does not fit kind {slot.kind}")
        if not slot.label:
            problems.append(f"{what}: no label")
        if not slot.cues or not all(slot.cues):
            problems.append(f"{what}: cues must be non-empty words")
    return problems


def _check_unique_slots(kind: KindSpec, topics: dict[str, TopicSpec]) -> list[str]:
    """Facts of one document never collide: sections and any chosen topic use distinct names."""
    names = [slot.name for section in kind.sections for slot in section.slots]
    if kind.topics != "none":
        topic_names = {slot.name for topic in topics.values() for slot in topic.slots}
        names += [name for name in dict.fromkeys(names) if name in topic_names]
    return [f"kind {kind.id}: slot {name} used twice in one document" for name in _repeated(names)]


def _check_template(
    env: SandboxedEnvironment, name: str, slots: tuple[Slot, ...], owner: str, *, topic_name: bool,
    extra: Mapping[str, str] | None = None,
) -> list[str]:
    """Problems of one template and of the section's lead and closing (``extra``: label → source);
    `topic_name` says whether the template is given one. Every slot must be printed by one of them."""
    sources: list[tuple[str, str]] = []
    if name:
        assert env.loader is not None  # environment() always gives one
        try:
            source, _, _ = env.loader.get_source(env, name)
        except TemplateError as error:
            return [f"{owner} template {name}: {type(error).__name__}: {error}"]
        sources.append((f"{owner} template {name}", source))
    sources += [(f"{owner} {label}", text) for label, text in (extra or {}).items() if text]
    problems: list[str] = []
    use = _FactUse()
    for where, source in sources:
        problems += _check_source(env, source, where, use, topic_name=topic_name)
    declared = {slot.name for slot in slots}
    where = f"{owner} template {name}" if name else owner
    for fact in sorted((use.printed | use.tested) - declared):
        problems.append(f"{where}: facts.{fact} is not a slot of {owner}")
    for fact in sorted(declared - use.printed):
        problems.append(f"{where}: slot {fact} is never printed")
    for fact in sorted(use.unguarded & declared):
        problems.append(f"{where}: facts.{fact} printed outside an if on it")
    if use.opaque:
        problems.append(f"{where}: facts used other than as facts.<slot>")
    return problems


def _check_source(env: SandboxedEnvironment, source: str, where: str, use: _FactUse, *, topic_name: bool) -> list[str]:
    try:
        tree = env.parse(source)
        tokens = list(env.lex(source))
    except TemplateError as error:
        return [f"{where}: {type(error).__name__}: {error}"]
    problems = []
    for lineno, token_type, value in tokens:
        if token_type in ("data", "string", "integer", "float"):
            if _DIGIT_RE.search(str(value)):
                problems.append(f"{where}:{lineno}: digit in template text {value.strip()[:30]!r}")
            if PLACEHOLDER_RE.search(str(value)) or "*" in str(value):
                problems.append(f"{where}:{lineno}: placeholder in template text {value.strip()[:30]!r}")
    used = meta.find_undeclared_variables(tree)
    for name_used in sorted(used - _TEMPLATE_VARIABLES):
        problems.append(f"{where}: unknown variable {name_used}")
    if "topic_name" in used and not topic_name:
        problems.append(f"{where}: topic_name is only known when exactly one topic is chosen")
    _walk(tree, frozenset(), use)
    return problems


class _FactUse:
    """How a template uses `facts`: printed, tested, printed without a guard."""

    def __init__(self) -> None:
        self.printed: set[str] = set()
        self.tested: set[str] = set()
        self.unguarded: set[str] = set()
        self.opaque = False


def _fact_name(node: nodes.Node) -> str | None:
    """The slot of `facts.x`, `facts["x"]` or `facts.get("x")`, else None."""
    if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr == "get"
            and _is_facts(node.node.node) and node.args and isinstance(node.args[0], nodes.Const)):
        return str(node.args[0].value)
    if isinstance(node, nodes.Getattr) and _is_facts(node.node):
        return node.attr
    if isinstance(node, nodes.Getitem) and _is_facts(node.node) and isinstance(node.arg, nodes.Const):
        return str(node.arg.value)
    return None


def _is_facts(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "facts"


def _required(test: nodes.Node) -> frozenset[str]:
    """Facts certainly present when `test` is true."""
    name = _fact_name(test)
    if name is not None:
        return frozenset({name})
    if isinstance(test, nodes.And):
        return _required(test.left) | _required(test.right)
    if isinstance(test, nodes.Or):
        return _required(test.left) & _required(test.right)
    if isinstance(test, nodes.Test) and test.name == "defined":
        return _required(test.node)
    return frozenset()


def _walk(node: nodes.Node, guards: frozenset[str], use: _FactUse) -> None:
    name = _fact_name(node)
    if name is not None:
        use.printed.add(name)
        if name not in guards:
            use.unguarded.add(name)
        return
    if _is_facts(node):
        use.opaque = True
        return
    if isinstance(node, nodes.If):
        _walk_test(node.test, use)
        for child in node.body:
            _walk(child, guards | _required(node.test), use)
        for branch in (*node.elif_, *node.else_):
            _walk(branch, guards, use)
        return
    if isinstance(node, nodes.CondExpr):
        _walk_test(node.test, use)
        _walk(node.expr1, guards | _required(node.test), use)
        if node.expr2 is not None:
            _walk(node.expr2, guards, use)
        return
    for child in node.iter_child_nodes():
        _walk(child, guards, use)


def _walk_test(test: nodes.Node, use: _FactUse) -> None:
    name = _fact_name(test)
    if name is not None:
        use.tested.add(name)
        return
    if _is_facts(test):
        use.opaque = True
        return
    for child in test.iter_child_nodes():
        _walk_test(child, use)


def _taxonomy_names(root: Path) -> frozenset[str]:
    path = root / "taxonomy.yaml"
    if not path.exists():
        return frozenset()
    return frozenset(str(topic["name"]) for topic in _read_yaml(path)["topics"])


def _repeated(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
