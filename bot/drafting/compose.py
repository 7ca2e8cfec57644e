"""Composing one section of a draft (pure): the section's lead, its facts in the template's words,
the staff member's own statements in the register of a document, and its closing.

Prose sections read as paragraphs ("2025年，…社区在…领导下，…。现将工作情况总结如下："); list
sections (problems, measures, suggestions) read as "主要表现在：一是…；二是…。". A fact carried by
one of the staff member's statements is said there, not again by the template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jinja2.sandbox import SandboxedEnvironment

from bot.drafting.draft import SectionAnswers
from bot.drafting.lexicon import Lexicon
from bot.drafting.outline import Step
from bot.drafting.register import enumerated_items, enumeration, formalize, join_items, relist
from bot.text.normalize import han_count

__all__ = ["compose_step", "paragraphs_of"]

_SHORTEST_PARAGRAPH = 30  # characters: anything shorter reads as a fragment on a line of its own
_LONGEST_PARAGRAPH = 200  # ... unless the paragraph before it is long enough already
_SENTENCE = re.compile(r"[^。！？]+[。！？]?")


def paragraphs_of(text: str) -> list[str]:
    return [re.sub(r"[ \t]*\n[ \t]*", "", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def compose_step(step: Step, answers: SectionAnswers | None, doc: Mapping[str, str], env: SandboxedEnvironment,
                 lexicon: Lexicon, topic_name: str = "", pending: str = "") -> list[str]:
    """The section's paragraphs; [] when the staff member gave nothing for it (``pending`` then
    stands where the content goes, between the lead and the closing, if the section has them)."""
    statements = answers.statement_objects() if answers is not None else []
    carried = {slot for statement in statements for slot in statement.slots}
    facts = {name: fact.display_with_note() for name, fact in (answers.fact_objects() if answers else {}).items()
             if name not in carried}
    listed = step.form == "list"
    where = f"{step.heading}{step.parent}{step.name}{topic_name}"
    # A list's items are the staff member's items without their own numbering ("一个是…二个是…").
    if listed:
        pieces = [item for st in statements for item in enumerated_items(st.text)]
        own = [_without_opener(s, lexicon) for s in (formalize(piece, lexicon, where) for piece in pieces) if s]
    else:
        own = [s for s in (relist(text, lexicon, where) for text in _numbered_runs([st.text for st in statements])) if s]
    echoed = [word for slot in step.slots if slot.name in facts for word in slot.echoes]
    own = [item for item in own if not _echoes(item, echoed)]

    def render(source: str) -> str:
        if not source:
            return ""
        return env.from_string(source).render(facts=facts, doc=doc, topic_name=topic_name).strip()

    lead, closing = render(step.lead), render(step.closing)
    if answers is not None and answers.model_text:
        # The model's section, already checked against the staff member's facts by the guard; it
        # writes its own opening, the kind's closing formula ("现将…总结如下：") stays.
        written = [line.strip() for line in answers.model_text.splitlines() if line.strip()]
        if written:
            if not closing or closing in answers.model_text:
                return written
            return [*written, closing] if step.form == "list" else [*written[:-1], _join(written[-1], closing)]
    body = paragraphs_of(env.get_template(step.template).render(facts=facts, doc=doc, topic_name=topic_name)) \
        if facts and step.template else []
    if not body and not own:
        if not pending:
            return []
        if lead or closing:
            return [_join(lead, pending, closing)]
        return []
    if step.form == "list":
        first = _sentences(body[0]) if body else []
        items = join_items(first + own)
        out = [_join(lead, items), *body[1:]]
        return out + ([closing] if closing else [])
    paragraphs = list(body)
    if own:
        said = "".join(own)
        before = len(paragraphs[-1]) + (len(lead) if len(paragraphs) == 1 else 0) if paragraphs else 0
        if paragraphs and len(said) < _SHORTEST_PARAGRAPH and before + len(said) <= _LONGEST_PARAGRAPH:
            paragraphs[-1] += said  # one short sentence goes on from the paragraph before it
        else:
            paragraphs.append(said)
    paragraphs[0] = _join(lead, paragraphs[0])
    paragraphs[-1] = _join(paragraphs[-1], closing)
    return paragraphs


_SHORT_ECHO = 8  # Han characters: a longer statement says more than the template's sentence


def _echoes(item: str, words: list[str]) -> bool:
    """A short statement that only says what a template sentence of the section says already."""
    return han_count(item) <= _SHORT_ECHO and any(word in item for word in words)


def _numbered_runs(texts: list[str]) -> list[str]:
    """Statements continuing the staff member's numbering ("一是…", then "二是…") as one, so their
    list reads 一是…；二是… in one sentence."""
    runs: list[str] = []
    for text in texts:
        if runs and enumeration(runs[-1])[1] and enumeration(text)[0] == "":
            runs[-1] = runs[-1].rstrip("。；;，,") + "；" + text
        else:
            runs.append(text)
    return runs


def _without_opener(item: str, lexicon: Lexicon) -> str:
    for opener in lexicon.list_openers:
        rest = item[len(opener):].lstrip("，,")
        # "二是19件诉求尚未办结" would open on a figure: "还有19件…" keeps its 还有
        if item.startswith(opener) and len(rest) > 1 and not rest[0].isdigit():
            return rest
    return item


def _sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(paragraph) if s.strip().strip("。")]


def _join(*parts: str) -> str:
    return "".join(p for p in parts if p)
