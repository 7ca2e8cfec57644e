"""Rendering a draft: Jinja2 section templates over the user's facts, plus their own words.

Faithfulness: templates hold no numbers of their own (a test enforces it), facts come
only from the user's answers, and user text is passed as data, never compiled as a
template, so ``{{ x }}`` typed by a user appears literally.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, Undefined
from jinja2.sandbox import SandboxedEnvironment

from bot.config import PROMPTS_DIR
from bot.drafting.document import RenderedDraft, Section
from bot.drafting.draft import Draft
from bot.drafting.outline import Step

PENDING = "【待补充：{}】"


@lru_cache(maxsize=4)
def environment(prompts_dir: Path = PROMPTS_DIR) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=FileSystemLoader(str(prompts_dir / "templates")), autoescape=False,
                                trim_blocks=True, lstrip_blocks=True, undefined=Undefined)


def _paragraphs(text: str) -> list[str]:
    return [re.sub(r"[ \t]*\n[ \t]*", "", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；…”" else text + "。"


def doc_context(draft: Draft) -> dict[str, str]:
    basics = draft.basics
    community = basics.get("community", "")
    return {"community": community, "period": basics.get("period", ""),
            "issuer": basics.get("issuer") or community}


def render_step(step: Step, draft: Draft, topic_name: str = "", prompts_dir: Path = PROMPTS_DIR) -> list[str]:
    """A section's paragraphs: templated facts first, then the user's narrative verbatim."""
    answers = draft.answers.get(step.key)
    if answers is None:
        return []
    # A fact whose sentence is kept verbatim (it also held a number no slot took) is already
    # in the user's words; rendering it again from the template would say it twice.
    facts = {name: fact.display() for name, fact in answers.fact_objects().items()
             if not any(fact.source in sentence for sentence in answers.narrative)}
    out: list[str] = []
    if facts and step.template:
        template = environment(prompts_dir).get_template(step.template)
        out.extend(_paragraphs(template.render(facts=facts, doc=doc_context(draft), topic_name=topic_name)))
    narrative = " ".join(_sentence(s) for s in answers.narrative if s.strip())
    if narrative:
        out.append(narrative)
    return out


def render_title(title_template: str, draft: Draft, topic_name: str = "") -> str:
    ctx = doc_context(draft)
    title = environment().from_string(title_template).render(topic_name=topic_name, **ctx).strip()
    return title or "工作材料"


def render_draft(title_template: str, steps: list[Step], draft: Draft, topic_name: str = "",
                 date: str = "") -> RenderedDraft:
    sections: list[Section] = []
    pending: list[str] = []
    current_parent = None
    for step in steps:
        if step.parent and step.parent != current_parent:
            sections.append(Section(heading=step.parent, level=1, paragraphs=()))
            current_parent = step.parent
        elif not step.parent:
            current_parent = None
        paragraphs = render_step(step, draft, topic_name)
        if not paragraphs:
            label = step.heading or step.intro or "本节内容"
            paragraphs = [PENDING.format(label)]
            pending.append(step.heading or step.intro or step.key)
        sections.append(Section(heading=step.heading, level=step.level, paragraphs=tuple(paragraphs)))
    ctx = doc_context(draft)
    return RenderedDraft(title=render_title(title_template, draft, topic_name), sections=tuple(sections),
                         signature=ctx["issuer"], date=date, pending=tuple(pending))
