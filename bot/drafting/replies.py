"""What the dialogue says back: text, options (buttons) and files; channel-independent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Option:
    label: str   # what the user sees (Chinese)
    data: str    # what comes back when chosen; short, ASCII, within Telegram's 64 bytes


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Option, ...] = ()
    files: tuple[Path, ...] = ()
