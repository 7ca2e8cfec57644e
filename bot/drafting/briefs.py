"""What the model is given for one section (pure): `bot.llm.SectionBrief` from a draft.

The section's facts with their labels, the staff member's own statements (already understood,
in the register of a document), the section's purpose from the kind's skeleton, example passages
for style, and everything else the staff member gave in this draft so the guard knows which
figures and names are theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.drafting.draft import Draft
from bot.drafting.lexicon import Lexicon
from bot.drafting.outline import Step
from bot.drafting.register import formalize
from bot.drafting.skeletons import BasicField, KindSpec
from bot.llm.brief import GivenFact, SectionBrief

__all__ = ["brief_for"]


def brief_for(draft: Draft, steps: Sequence[Step], step: Step, kind: KindSpec, basics: Sequence[BasicField],
              lexicon: Lexicon, examples: Sequence[str] = (), topic_name: str = "") -> SectionBrief:
    answers = draft.section(step.key)
    labels = {slot.name: slot.label for slot in step.slots}
    facts = tuple(GivenFact(labels.get(name, name), fact.display_with_note())
                  for name, fact in answers.fact_objects().items())
    statements = tuple(s for s in (formalize(st.text, lexicon) for st in answers.statement_objects()) if s)
    others: list[str] = []
    for other in steps:
        section = draft.answers.get(other.key)
        if section is None:
            continue
        others += [fact.display_with_note() for fact in section.fact_objects().values()]
        others += [st.text for st in section.statement_objects()]
        others += [formalize(st.text, lexicon) for st in section.statement_objects()]
    named = {field.name: field.label for field in basics}
    given = {named.get(name, name): value for name, value in draft.basics.items() if value}
    if topic_name:
        given["主题"] = topic_name
    heading = " > ".join(h for h in (step.parent, step.heading) if h)
    return SectionBrief(kind_name=kind.name, heading=heading, purpose=step.intro, facts=facts,
                        statements=statements, examples=tuple(examples[:3]), basics=given,
                        draft_texts=tuple(t for t in others if t))
