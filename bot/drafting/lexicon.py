"""The words staff use about the conversation and the register a 公文 wants, from
``prompts/lexicon.yaml`` (data a non-programmer edits), as one immutable object."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROMPTS_DIR
from bot.jsondata import JsonObject

__all__ = ["Lexicon", "load_lexicon", "word_list"]


def _longest_first(words: Iterable[object] | None) -> tuple[str, ...]:
    unique = dict.fromkeys(str(w) for w in words or () if str(w))
    return tuple(sorted(unique, key=len, reverse=True))


@dataclass(frozen=True)
class Lexicon:
    strong_remarks: tuple[str, ...]
    weak_remarks: tuple[str, ...]
    skip: tuple[str, ...]
    announce: tuple[str, ...]  # a clause announcing a correction
    after_old: tuple[str, ...]  # right after a wrong value
    before_old: tuple[str, ...]  # right before a wrong value
    before_new: tuple[str, ...]  # right before the right value
    filler: tuple[str, ...]
    leadins: tuple[str, ...]
    connectors: tuple[str, ...]
    formal: tuple[tuple[str, str], ...]  # longest first
    particles: tuple[str, ...]
    times: tuple[tuple[str, str], ...]
    continuations: tuple[str, ...]  # a clause starting so goes on from the one before
    people: tuple[str, ...] = ()  # nouns for persons: counted with 名, not 个
    topic_markers: tuple[str, ...] = ()  # "党建这块，…": a clause naming what the next ones are about
    conditionals: tuple[str, ...] = ()  # "有条件的话": a condition, not a topic
    topic_as: str = ""  # how the document names such a topic before what is said of it: "{topic}方面"
    list_openers: tuple[str, ...] = ()  # "下一步将": said once by a list's lead, not by each item
    years: tuple[tuple[str, int], ...] = ()
    # Fixed terms with numerals in them (三会一课, 残疾人两项补贴): their numerals are no figures
    # (prompts/llm/fixed_terms.txt, the list the model's guard uses too).
    fixed_terms: tuple[str, ...] = ()  # 今年 → 0, 明年 → 1: years from the writing date, longest first

    @classmethod
    def from_data(cls, data: JsonObject) -> Lexicon:
        remarks = data.get("remarks") or {}
        corrections = data.get("corrections") or {}
        formal = {str(k): "" if v is None else str(v) for k, v in (data.get("formal") or {}).items()}
        times = {str(k): "" if v is None else str(v) for k, v in (data.get("times") or {}).items()}
        return cls(
            strong_remarks=_longest_first(remarks.get("strong")),
            weak_remarks=_longest_first(remarks.get("weak")),
            skip=_longest_first(data.get("skip")),
            announce=_longest_first(corrections.get("announce")),
            after_old=_longest_first(corrections.get("after_old")),
            before_old=_longest_first(corrections.get("before_old")),
            before_new=_longest_first(corrections.get("before_new")),
            filler=_longest_first(data.get("filler")),
            leadins=_longest_first(data.get("leadins")),
            connectors=_longest_first(data.get("connectors")),
            formal=tuple(sorted(formal.items(), key=lambda kv: len(kv[0]), reverse=True)),
            particles=_longest_first(data.get("particles")),
            times=tuple(sorted(times.items(), key=lambda kv: len(kv[0]), reverse=True)),
            continuations=_longest_first(data.get("continuations")),
            people=_longest_first(data.get("people")),
            topic_markers=_longest_first(data.get("topic_markers")),
            conditionals=_longest_first(data.get("conditionals")),
            topic_as=str(data.get("topic_as") or ""),
            list_openers=_longest_first(data.get("list_openers")),
            years=tuple(sorted(((str(k), int(v)) for k, v in (data.get("years") or {}).items()),
                               key=lambda kv: len(kv[0]), reverse=True)),
        )


@lru_cache(maxsize=4)
def _load(path: Path) -> Lexicon:
    lexicon = Lexicon.from_data(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    terms = path.parent / "llm" / "fixed_terms.txt"
    if not terms.is_file():
        return lexicon
    return replace(lexicon, fixed_terms=_longest_first(word_list(terms)))


def word_list(path: Path) -> list[str]:
    """A word list in ``prompts/`` as a non-programmer writes it: a word a line, ``#`` for a note."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def load_lexicon(prompts_dir: Path = PROMPTS_DIR) -> Lexicon:
    return _load(Path(prompts_dir).resolve() / "lexicon.yaml")
