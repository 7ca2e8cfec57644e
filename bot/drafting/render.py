"""Rendering a draft: every section composed (`bot.drafting.compose`), headings placed, empty
sections marked 【待补充】 and listed.

Faithfulness: templates hold no numbers of their own (`skeletons.validate` enforces it), facts
come only from the user's answers, and user text is passed as data, never compiled as a
template, so ``{{ x }}`` typed by a user appears literally.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, Undefined
from jinja2.sandbox import SandboxedEnvironment

from bot.config import PROMPTS_DIR
from bot.drafting.compose import compose_step, paragraphs_of
from bot.drafting.document import RenderedDraft, Section
from bot.drafting.draft import Draft
from bot.drafting.lexicon import Lexicon, load_lexicon
from bot.drafting.outline import Step
from bot.drafting.phrasebook import Phrasebook, load_phrasebook


@lru_cache(maxsize=4)
def environment(prompts_dir: Path = PROMPTS_DIR) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=FileSystemLoader(str(prompts_dir / "templates")), autoescape=False,
                                trim_blocks=True, lstrip_blocks=True, undefined=Undefined)


def doc_context(draft: Draft) -> dict[str, str]:
    basics = draft.basics
    community = basics.get("community", "")
    return {"community": community, "period": basics.get("period", ""),
            "issuer": basics.get("issuer") or community}


def render_step(step: Step, draft: Draft, topic_name: str = "", prompts_dir: Path = PROMPTS_DIR,
                lexicon: Lexicon | None = None, pending: str = "") -> list[str]:
    """A section's paragraphs ([] when nothing was given for it)."""
    return compose_step(step, draft.answers.get(step.key), doc_context(draft), environment(prompts_dir),
                        lexicon or load_lexicon(prompts_dir), topic_name, pending)


def render_title(title_template: str, draft: Draft, topic_name: str = "") -> str:
    ctx = doc_context(draft)
    title = environment().from_string(title_template).render(topic_name=topic_name, **ctx).strip()
    return title or "工作材料"


def render_draft(title_template: str, steps: list[Step], draft: Draft, topic_name: str = "",
                 preamble: str = "", words: Phrasebook | None = None) -> RenderedDraft:
    """The whole draft. A subsection heading (（一）) is printed only when its section has two or
    more subsections: a single topic's paragraphs sit directly under the section heading."""
    words = words or load_phrasebook()
    sections: list[Section] = []
    pending: list[str] = []
    ctx = doc_context(draft)
    if preamble:
        text = environment().from_string(preamble).render(doc=ctx, topic_name=topic_name).strip()
        sections.extend(Section(heading="", level=1, paragraphs=(p,)) for p in paragraphs_of(text))
    children: dict[str, int] = {}
    for step in steps:
        if step.parent:
            children[step.parent] = children.get(step.parent, 0) + 1
    current_parent = None
    for step in steps:
        label = step.heading or step.intro or "本节内容"
        marker = words.say("pending_marker", section=label.split("：")[0])
        paragraphs = render_step(step, draft, topic_name, lexicon=words.lexicon, pending=marker)
        if not paragraphs or all(marker in p for p in paragraphs):
            paragraphs = paragraphs or [marker]
            pending.append(step.heading or step.intro.split("：")[0] or step.key)
        if step.parent and children[step.parent] == 1:
            sections.append(Section(heading=step.parent, level=1, paragraphs=tuple(paragraphs)))
            current_parent = step.parent
            continue
        if step.parent and step.parent != current_parent:
            sections.append(Section(heading=step.parent, level=1, paragraphs=()))
            current_parent = step.parent
        elif not step.parent:
            current_parent = None
        sections.append(Section(heading=step.heading, level=step.level, paragraphs=tuple(paragraphs)))
    return RenderedDraft(title=render_title(title_template, draft, topic_name), sections=tuple(sections),
                         issuers=issuers_of(ctx["issuer"]), date=draft.basics.get("date", ""), pending=tuple(pending))


def issuers_of(issuer: str) -> tuple[str, ...]:
    """"中共幸福里社区委员会、幸福里社区居民委员会": a joint signature, one issuer a line."""
    return tuple(part.strip() for part in re.split(r"[、，,；;\n]|\s{2,}", issuer) if part.strip())
