"""A draft's outline: the ordered steps a kind and the chosen topics give (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drafting.facts import Slot
from bot.drafting.skeletons import KindSpec, TopicSpec


@dataclass(frozen=True)
class Step:
    """One section of the draft as the dialogue walks it."""

    key: str                 # answers key: a section id, or "topic:<id>"
    heading: str
    level: int
    intro: str
    questions: tuple[str, ...]
    slots: tuple[Slot, ...]
    query: str
    template: str
    retrieval_topics: tuple[str, ...] = ()
    parent: str = ""         # heading of the level-1 section a topic step sits under


def outline(kind: KindSpec, topics: dict[str, TopicSpec], chosen: list[str]) -> list[Step]:
    steps: list[Step] = []
    for section in kind.sections:
        if not section.from_topics:
            steps.append(Step(key=section.id, heading=section.heading, level=section.level, intro=section.intro,
                              questions=section.questions, slots=section.slots, query=section.query,
                              template=section.template))
            continue
        for topic_id in chosen:
            topic = topics[topic_id]
            planning = kind.id == "work_plan" and bool(topic.plan_template)
            steps.append(Step(
                key=f"topic:{topic.id}", heading=topic.heading, level=2, intro=section.intro or section.heading,
                questions=topic.plan_questions if planning and topic.plan_questions else topic.questions,
                slots=topic.slots, query=topic.query,
                template=topic.plan_template if planning else topic.template,
                retrieval_topics=topic.retrieval_topics, parent=section.heading,
            ))
    return steps
