"""A staff member's draft and their place in the dialogue, as plain JSON-able data."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from bot.drafting.facts import Fact
from bot.drafting.understand import Statement
from bot.jsondata import JsonObject


def fact_to_json(fact: Fact) -> dict[str, str]:
    return {"slot": fact.slot, "value": str(fact.value), "unit": fact.unit, "approx": fact.approx,
            "source": fact.source, "number": "1" if isinstance(fact.value, Decimal) else "", "note": fact.note}


def fact_from_json(d: dict[str, str]) -> Fact:
    value: Decimal | str = Decimal(d["value"]) if d.get("number") else d["value"]
    return Fact(slot=d["slot"], value=value, unit=d["unit"], approx=d["approx"], source=d["source"],
                note=d.get("note", ""))


@dataclass
class SectionAnswers:
    """What the user gave for one section: facts by slot, and what they said that the draft keeps
    (statements, in their words: the register is applied when the draft is rendered)."""

    facts: dict[str, dict[str, str]] = field(default_factory=dict)
    statements: list[dict[str, object]] = field(default_factory=list)
    done: bool = False
    skipped: bool = False
    asked: list[int] = field(default_factory=list)  # questions already put to the user
    model_text: str = ""  # the section as the model wrote it and the guard passed; "" = offline composition
    model_candidate: str = ""  # a rewrite (润色) waiting for the staff member to keep it or not

    def fact_objects(self) -> dict[str, Fact]:
        return {name: fact_from_json(d) for name, d in self.facts.items()}

    def statement_objects(self) -> list[Statement]:
        return [Statement.from_json(s) for s in self.statements]

    def set_fact(self, fact: Fact) -> None:
        self.facts[fact.slot] = fact_to_json(fact)

    def set_statements(self, statements: list[Statement]) -> None:
        self.statements = [s.to_json() for s in statements]

    @classmethod
    def from_json(cls, d: JsonObject) -> SectionAnswers:
        # Drafts saved before statements were understood kept a "narrative" of verbatim sentences.
        statements = d["statements"] if "statements" in d else d.get("narrative", [])
        return cls(facts=dict(d.get("facts", {})), statements=[Statement.from_json(s).to_json() for s in statements],
                   done=bool(d.get("done", False)), skipped=bool(d.get("skipped", False)),
                   asked=[int(i) for i in d.get("asked", [])],
                   model_text=str(d.get("model_text", "")), model_candidate=str(d.get("model_candidate", "")))


@dataclass
class Draft:
    id: str
    user: str
    kind: str
    topics: list[str] = field(default_factory=list)
    basics: dict[str, str] = field(default_factory=dict)
    answers: dict[str, SectionAnswers] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @classmethod
    def new(cls, user: str, kind: str) -> Draft:
        return cls(id=uuid.uuid4().hex[:12], user=user, kind=kind)

    def section(self, key: str) -> SectionAnswers:
        return self.answers.setdefault(key, SectionAnswers())

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: JsonObject) -> Draft:
        answers = {k: SectionAnswers.from_json(v) for k, v in d.get("answers", {}).items()}
        return cls(id=str(d["id"]), user=str(d["user"]), kind=str(d["kind"]), topics=list(d.get("topics", [])),
                   basics=dict(d.get("basics", {})), answers=answers,
                   created=float(d.get("created", 0)), updated=float(d.get("updated", 0)))


@dataclass
class Session:
    """Where a user is in the dialogue. ``mode`` names the state of the machine."""

    user: str
    mode: str = "idle"
    draft_id: str = ""
    step: int = 0
    question: int = 0
    back: list[int] = field(default_factory=list)
    picked: list[str] = field(default_factory=list)
    review_after: bool = False

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: JsonObject) -> Session:
        return cls(**d)
