"""A draft's outline: the ordered steps a kind and the chosen topics give (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drafting.facts import Slot
from bot.drafting.skeletons import Form, KindSpec, Question, TopicSpec


@dataclass(frozen=True)
class Step:
    """One section of the draft as the dialogue walks it."""

    key: str                 # answers key: a section id, or "topic:<id>"
    heading: str
    level: int
    intro: str
    questions: tuple[Question, ...]
    slots: tuple[Slot, ...]
    query: str
    template: str
    retrieval_topics: tuple[str, ...] = ()
    parent: str = ""         # heading of the level-1 section a topic step sits under
    lead: str = ""
    closing: str = ""
    form: Form = "prose"
    name: str = ""           # short label for menus (the topic's name, else the heading)

    @property
    def label(self) -> str:
        return self.name or self.heading or self.intro.split("：")[0] or self.key


def outline(kind: KindSpec, topics: dict[str, TopicSpec], chosen: list[str]) -> list[Step]:
    steps: list[Step] = []
    for section in kind.sections:
        if not section.from_topics:
            steps.append(Step(key=section.id, heading=section.heading, level=section.level, intro=section.intro,
                              questions=section.questions, slots=section.slots, query=section.query,
                              template=section.template, lead=section.lead, closing=section.closing,
                              form=section.form, name=section.heading or _opening_name(section.intro)))
            continue
        for topic_id in chosen:
            topic = topics[topic_id]
            planning = kind.id == "work_plan" and bool(topic.plan_template)
            steps.append(Step(
                key=f"topic:{topic.id}", heading=topic.heading, level=2, intro=section.intro or section.heading,
                questions=topic.plan_questions if planning and topic.plan_questions else topic.questions,
                slots=topic.slots, query=topic.query,
                template=topic.plan_template if planning else topic.template,
                retrieval_topics=topic.retrieval_topics, parent=section.heading, name=topic.name,
            ))
    return steps


def _opening_name(intro: str) -> str:
    return intro.split("：")[0] if "：" in intro else "开头"
