"""The model's prompts and the guard's word lists, from `prompts/llm/` (data a non-programmer edits).

Staff text and example passages reach the templates as values, never as template code, so a
``{{ x }}`` a user typed is sent literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import load_lexicon, word_list
from bot.llm.brief import SectionBrief, Violation
from bot.llm.guard import GuardRules
from bot.text.mask import mask_facts

__all__ = ["PromptBook", "load_prompt_book"]

MAX_EXAMPLES = 3
EXAMPLE_CHARS = 400  # an example is there for its tone; a whole page would crowd out the facts
MAX_REASONS = 2  # violations named in the user's notice
_EXAMPLE_LABELS = "甲乙丙"  # 【范例甲】: no digits in the prompt for the model to pick up


@dataclass(frozen=True)
class PromptBook:
    env: SandboxedEnvironment
    rules: GuardRules
    notices: dict[str, str]
    check_messages: dict[str, str]

    def first(self, brief: SectionBrief) -> list[BaseMessage]:
        return [SystemMessage(self._system(brief)), HumanMessage(self._section(brief))]

    def retry(self, brief: SectionBrief, answer: str, violations: Sequence[Violation]) -> list[BaseMessage]:
        """The first exchange, the rejected answer, and what was wrong with it."""
        return [
            *self.first(brief), AIMessage(answer),
            HumanMessage(self.env.get_template("retry.j2").render(violations=violations).strip()),
        ]

    def notice(self, failure: str, **values: object) -> str:
        return self.notices[failure].format(**values)

    def guard_notice(self, violations: Sequence[Violation]) -> str:
        reasons = self.notices["reasons_joiner"].join(v.message for v in violations[:MAX_REASONS])
        return self.notice("guard", reasons=reasons)

    def _system(self, brief: SectionBrief) -> str:
        return self.env.get_template("system.j2").render(kind_name=brief.kind_name).strip()

    def _section(self, brief: SectionBrief) -> str:
        examples = [_example(e) for e in brief.examples[:MAX_EXAMPLES]]
        return self.env.get_template("section.j2").render(
            kind_name=brief.kind_name, heading=brief.heading, purpose=brief.purpose, basics=dict(brief.basics),
            facts=brief.facts, statements=brief.statements, examples=list(zip(_EXAMPLE_LABELS, [e for e in examples if e], strict=False)),
        ).strip()


def _example(passage: str) -> str:
    """Masked again (idempotent) in case a caller passes a raw passage; cut at a sentence end."""
    text = mask_facts(" ".join(passage.split()))
    if len(text) <= EXAMPLE_CHARS:
        return text
    cut = text[:EXAMPLE_CHARS]
    end = max(cut.rfind(c) for c in "。；！？")
    return cut[: end + 1] if end > 0 else cut


@lru_cache(maxsize=4)
def load_prompt_book(prompts_dir: Path = PROMPTS_DIR) -> PromptBook:
    folder = prompts_dir / "llm"
    env = SandboxedEnvironment(loader=FileSystemLoader(str(folder)), autoescape=False, trim_blocks=True,
                               lstrip_blocks=True, undefined=StrictUndefined)
    messages = yaml.safe_load((folder / "messages.yaml").read_text(encoding="utf-8"))
    # The list the register uses too, read once (longest first: a term inside a longer one is blanked with it).
    terms = load_lexicon(prompts_dir).fixed_terms
    rules = GuardRules(fixed_terms=terms, generic_names=frozenset(word_list(folder / "generic_names.txt")),
                       messages=dict(messages["violations"]))
    return PromptBook(env=env, rules=rules, notices=dict(messages["notices"]), check_messages=dict(messages["check"]))
