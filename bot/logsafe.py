"""Log lines about failures that never quote what a user sent.

A traceback's last line is the exception's message, and a message may hold the text being
handled (``ValueError(f"bad input: {text}")``). Failures are logged as where they happened
and the exception's type; messages only of exceptions raised by the system (files, SQLite,
Telegram), which describe the fault, not the input.
"""

from __future__ import annotations

import sqlite3
import traceback

_SYSTEM = (OSError, sqlite3.Error, TimeoutError)


def _system(err: BaseException) -> bool:
    if isinstance(err, _SYSTEM):
        return True
    try:
        from telegram.error import TelegramError
    except ImportError:  # pragma: no cover - telegram is a dependency
        return False
    return isinstance(err, TelegramError)


def failure(err: BaseException, frames: int = 8) -> str:
    """``TypeName: message`` (system errors) or ``TypeName``, then the innermost frames as
    ``file:line in function``, and the same for the exception it came from."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        head = f"{type(current).__name__}: {current}" if _system(current) else type(current).__name__
        stack = traceback.extract_tb(current.__traceback__)[-frames:]
        where = " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} in {f.name}" for f in reversed(stack))
        parts.append(f"{head} at {where}" if where else head)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "; caused by ".join(parts)
