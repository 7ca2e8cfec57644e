"""Plain data a rendered draft is made of, plus heading numbering.

Kept free of any export concern so that renderers (markdown, docx, …) share
one definition of what a draft is and how its headings are numbered.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Section", "RenderedDraft", "chinese_numeral", "numbered_headings"]


@dataclass(frozen=True)
class Section:
    """One section of a draft.

    ``heading`` carries no numbering: numbering depends on the section's
    position and is added at export time so reordering never leaves stale
    numbers behind. An empty heading marks an untitled opening section.
    """

    heading: str
    level: int  # 1 → 一、二、… ; 2 → （一）（二）…
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class RenderedDraft:
    """A complete draft ready to be exported."""

    title: str
    sections: tuple[Section, ...]
    signature: str = ""  # issuing body, e.g. 幸福里社区居民委员会
    date: str = ""  # e.g. 2025年12月20日
    # Checklist items still 【待补充】; shown in markdown only, since the docx
    # is meant to be the document itself, not a working note.
    pending: tuple[str, ...] = ()


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Return the Chinese numeral used in official headings (1–9999).

    Follows the everyday reading: 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五.
    """
    if n <= 0 or n >= 10000:
        # Numbering is purely positional, so anything outside this range is a
        # programming error rather than user input.
        raise ValueError(f"cannot express {n} as a heading numeral")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        # 十一 rather than 一十一: that is how headings are written.
        return "十" + (_DIGITS[n - 10] if n > 10 else "")
    units = ("千", "百", "十", "")
    digits = [int(d) for d in f"{n:04d}"]
    out: list[str] = []
    pending_zero = False
    for digit, unit in zip(digits, units):
        if digit == 0:
            # Only an interior zero is spoken (一百零五), never a leading or
            # trailing one.
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def numbered_headings(draft: RenderedDraft) -> list[tuple[str, Section]]:
    """Pair every section with its numbered heading text.

    Level-1 sections are counted across the whole draft (一、二、…); level-2
    sections restart at （一） under each level-1 section. Untitled sections
    get "" and do not consume a number, so an untitled opening does not push
    the first real heading to 二、.
    """
    result: list[tuple[str, Section]] = []
    level1 = 0
    level2 = 0
    for section in draft.sections:
        if not section.heading.strip():
            result.append(("", section))
            continue
        if section.level <= 1:
            level1 += 1
            level2 = 0
            result.append((f"{chinese_numeral(level1)}、{section.heading}", section))
        else:
            level2 += 1
            result.append((f"（{chinese_numeral(level2)}）{section.heading}", section))
    return result
