"""What the dialogue says back: text, options (buttons) and files; channel-independent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.jsondata import JsonObject

# The shape of every Option.data the dialogue emits. Channels use it to tell a button press
# from typed text; the dialogue uses it so a button from another step is never an answer.
OPTION_DATA = re.compile(r"a:[a-z_]{1,30}|[kts]:[A-Za-z0-9_-]{1,40}|[exp]:(?:basics|\d{1,3})|[rd]:[0-9a-f]{12}")


def is_option_data(text: str) -> bool:
    return OPTION_DATA.fullmatch(text) is not None


@dataclass(frozen=True)
class Option:
    label: str   # what the user sees (Chinese)
    data: str    # what comes back when chosen; short, ASCII, within Telegram's 64 bytes


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    files: tuple[Path, ...] = ()
    # Shows the user's draft (the preview, an export, their drafts): in a group chat a channel
    # sends it to the author alone.
    private: bool = False

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "options": [[o.label, o.data] for o in self.options],
                "files": [str(f) for f in self.files], "private": self.private}

    @classmethod
    def from_json(cls, data: JsonObject) -> Reply:
        options = tuple(Option(str(label), str(value)) for label, value in data.get("options", []))
        return cls(str(data["text"]), options, tuple(Path(str(f)) for f in data.get("files", [])),
                   bool(data.get("private", False)))
