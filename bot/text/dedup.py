"""Near-duplicate removal by containment.

Scraped collections repeat whole articles (a traditional copy, a truncated copy, a copy
with other placeholders). Jaccard similarity misses a short copy inside a long one, so
we ask instead: how much of this text is already covered by what we kept?
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from bot.text.normalize import match_key

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

T = TypeVar("T")
SHINGLE = 12
THRESHOLD = 0.8


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    key = _strip_placeholders(match_key(text))
    if len(key) <= n:
        return {key} if key else set()
    return {key[i : i + n] for i in range(len(key) - n + 1)}


def _strip_placeholders(key: str) -> str:
    # Copies differ only by placeholder style (___市 / *市, 20__ / 20xx): ignore those marks.
    return "".join(ch for ch in key if ch not in "_*xX")


def containment(part: set[str], whole: set[str]) -> float:
    return len(part & whole) / len(part) if part else 1.0


@dataclass(frozen=True)
class Dropped(Generic[T]):
    item: T
    reason: str
    covered: float


def dedupe(items: Sequence[T], text_of: Callable[[T], str], order: Callable[[T], SupportsRichComparison],
           threshold: float = THRESHOLD) -> tuple[list[T], list[Dropped[T]]]:
    """Keep items in ``order``; drop one when ≥ threshold of its shingles are already kept.

    Returns the kept items in their original order and the dropped ones with why.
    """
    seen: set[str] = set()
    kept_ids: set[int] = set()
    dropped: list[Dropped[T]] = []
    for idx in sorted(range(len(items)), key=lambda i: order(items[i])):
        sh = shingles(text_of(items[idx]))
        covered = containment(sh, seen)
        if sh and covered >= threshold:
            dropped.append(Dropped(items[idx], "duplicate", covered))
            continue
        kept_ids.add(idx)
        seen |= sh
    return [items[i] for i in range(len(items)) if i in kept_ids], dropped


def union_shingles(texts: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for t in texts:
        out |= shingles(t)
    return out
