"""File names as the bot writes and shows them: a plain name, nothing that steers a terminal or
the direction of text.

A name comes from outside (an upload's ``file_name``, a draft's title typed by a user). It may
hold folders (``../../x``), characters file systems refuse, control characters (``\\x1b[2J``),
or invisible format characters: U+202E RIGHT-TO-LEFT OVERRIDE shows ``报告\\u202Excod.exe`` as
``报告exe.docx``. All of these are removed wherever a name is shown or written.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

RESERVED = re.compile(r"[<>:\"/\\|?*]")
# Cc: C0 and C1 controls; Cf: format characters (direction marks, overrides and isolates,
# zero-width joiners, BOM); Cs: lone surrogates (undecodable bytes); Zl/Zp: line separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def visible(text: str) -> str:
    """``text`` without control, format (bidi, zero-width) and surrogate code points."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)


def safe_filename(name: str, max_stem: int = 80, max_bytes: int = 240, default: str = "upload") -> str:
    """A plain file name: no folders, invisible or reserved characters, same extension, at most
    ``max_stem`` characters and ``max_bytes`` UTF-8 bytes (file systems take 255 bytes, and the
    temporary ".name.part" and a "-2" for a taken name must still fit)."""
    base = PurePosixPath(PurePosixPath(visible(name).replace("\\", "/")).name)
    stem = RESERVED.sub("", base.stem).strip(" .")[:max_stem]
    stem = stem.encode("utf-8", "ignore")[:max_bytes].decode("utf-8", "ignore") or default
    return stem + RESERVED.sub("", base.suffix).lower()[:8]


def title_filename(title: str, suffix: str, max_chars: int = 60, default: str = "草稿") -> str:
    """A document title as a file name: whitespace, invisible and reserved characters dropped."""
    stem = re.sub(r"\s", "", RESERVED.sub("", visible(title))).strip(".")[:max_chars] or default
    return safe_filename(stem + suffix, max_stem=max_chars, default=default)


def shown_name(name: str, limit: int = 40) -> str:
    """A file name as quoted back to the user: cleaned and short."""
    safe = safe_filename(name)
    if len(safe) <= limit:
        return safe
    suffix = PurePosixPath(safe).suffix
    return f"{safe[:limit - len(suffix) - 1]}…{suffix}"
