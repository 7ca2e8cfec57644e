"""Everything the dialogue says and the words it understands, from ``prompts/copy.yaml`` and
``prompts/lexicon.yaml`` (data a non-programmer edits), loaded once into one object.

    words = load_phrasebook()
    words.say("skipped")                      # "已跳过本节，定稿时会标注【待补充】。"
    words.say("recorded", facts="党员人数 186名")
    words.label("examples")                   # the button "看范例"
    words.action("看范例")                    # "examples": what a typed word means
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import Lexicon, load_lexicon

__all__ = ["Phrasebook", "load_phrasebook"]


@dataclass(frozen=True)
class Phrasebook:
    messages: dict[str, str]
    labels: dict[str, str]
    actions: dict[str, tuple[str, ...]]  # action → words a user may type for it
    commands: tuple[str, ...]  # the dialogue's commands, e.g. "/new"
    greetings: tuple[str, ...]
    write_verbs: tuple[str, ...]  # words that make a sentence a request to write something
    lexicon: Lexicon

    def say(self, key: str, **values: object) -> str:
        return self.messages[key].format(**values).strip("\n") if values else self.messages[key].strip("\n")

    def label(self, key: str) -> str:
        return self.labels[key]

    def action(self, text: str) -> str:
        """The action a typed word names ("" when none): exact words only, so answers stay answers."""
        for name, words in self.actions.items():
            if text in words:
                return name
        return ""


@lru_cache(maxsize=4)
def _load(root: Path) -> Phrasebook:
    data = yaml.safe_load((root / "copy.yaml").read_text(encoding="utf-8")) or {}
    return Phrasebook(
        messages={str(k): str(v) for k, v in data["messages"].items()},
        labels={str(k): str(v) for k, v in data["labels"].items()},
        actions={str(k): tuple(str(w) for w in v) for k, v in data["actions"].items()},
        commands=tuple(str(c) for c in data["commands"]),
        greetings=tuple(str(g) for g in data.get("greetings") or ()),
        write_verbs=tuple(str(g) for g in data.get("write_verbs") or ()),
        lexicon=load_lexicon(root),
    )


def load_phrasebook(prompts_dir: Path = PROMPTS_DIR) -> Phrasebook:
    return _load(Path(prompts_dir).resolve())
