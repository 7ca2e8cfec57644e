"""The seam between the drafting dialogue and the model: what a section needs, what comes back.

Plain data only, so the dialogue can build a `SectionBrief` from its own state without the LLM
layer knowing how drafts are stored, and the guard can be tested without a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.drafting.facts import Fact

__all__ = ["GivenFact", "LlmResult", "SectionBrief", "Violation"]

# Without other bounds a section is one short paragraph at least and never a whole document.
DEFAULT_MIN_CHARS = 40
DEFAULT_MAX_CHARS = 1500


@dataclass(frozen=True)
class GivenFact:
    """A fact as the staff member confirmed it: "党员大会次数", "4次"."""

    label: str
    display: str  # as the offline draft prints it: "4次", "20余户", "1.5万元", "98%", "2025年3月", "幸福里社区"

    @classmethod
    def of(cls, label: str, fact: Fact) -> GivenFact:
        return cls(label=label, display=fact.display())


@dataclass(frozen=True)
class SectionBrief:
    """Everything the model may use for one section, and everything the guard checks against.

    `facts` and `statements` are this section's; `basics` are the document's (label → value,
    e.g. {"社区名称": "幸福里社区", "时间段": "2025年"}); `draft_texts` is everything else the staff
    member gave in this draft (other sections' fact displays and statements), so a figure
    repeated from another section is not taken for an invented one.
    """

    kind_name: str  # 年度工作总结
    heading: str  # "党建引领" or "" for an untitled opening
    purpose: str  # what the section is for: the skeleton's intro
    facts: tuple[GivenFact, ...] = ()
    statements: tuple[str, ...] = ()  # the staff member's own statements, remarks and corrections removed
    examples: tuple[str, ...] = ()  # passages from the corpus, other communities' facts masked: style only
    basics: Mapping[str, str] = field(default_factory=dict)
    draft_texts: tuple[str, ...] = ()
    min_chars: int = DEFAULT_MIN_CHARS
    max_chars: int = DEFAULT_MAX_CHARS

    def given_texts(self) -> tuple[str, ...]:
        """Every text the staff member gave in this draft: where allowed figures and names come from."""
        return (*(f.display for f in self.facts), *self.statements, *self.basics.values(), *self.draft_texts)


@dataclass(frozen=True)
class Violation:
    """One way an answer breaks the rules; `message` is Chinese, for the retry prompt and the notice."""

    # invented_number, altered_number, dropped_approx, missing_fact, placeholder, foreign_name, copied,
    # too_short, too_long, empty
    kind: str
    detail: str  # the offending text, e.g. "3000元"
    message: str  # e.g. 含有您未提供的数字“3000元”


@dataclass(frozen=True)
class LlmResult:
    """What `write_section` gives back.

    `text` is the guarded section (paragraphs separated by a newline) or None: then the offline
    composition goes into the draft and `notice` tells the staff member why, in Chinese.
    """

    text: str | None
    notice: str = ""
    violations: tuple[Violation, ...] = ()  # of the last rejected answer
    failure: str = ""  # "" when text is set; else a Failure value: guard, timeout, rate_limited, auth, …
    attempts: int = 0
    seconds: float = 0.0
