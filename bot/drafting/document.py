"""Plain data a rendered draft is made of, plus heading numbering and the 成文日期.

Kept free of any export concern so that renderers (markdown, docx, …) share
one definition of what a draft is, how its headings are numbered and how its
date is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.drafting.numerals import parse_number

__all__ = [
    "HEADING_LEVELS",
    "RenderedDraft",
    "Section",
    "chinese_numeral",
    "heading_level",
    "numbered_headings",
    "official_date",
]

# GB/T 9704-2012 7.3.3: 一、 → （一） → 1. (→ （1）, which drafts do not use).
HEADING_LEVELS = 3


@dataclass(frozen=True)
class Section:
    """One section of a draft.

    ``heading`` carries no numbering: numbering depends on the section's
    position and is added at export time so reordering never leaves stale
    numbers behind. An empty heading marks an untitled opening section.
    """

    heading: str
    level: int  # 1 → 一、二、… ; 2 → （一）（二）… ; 3 → 1. 2. …
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, init=False)
class RenderedDraft:
    """A complete draft ready to be exported.

    ``issuers`` are the 发文机关署名, one per line, the lead issuer first
    (a joint 社区党委 + 居委会 document has two). ``date`` is the 成文日期 as
    printed: a `datetime.date` or any typed form of a date (2025-12-20,
    二〇二五年十二月二十日) becomes "2025年12月20日"; other text is kept.
    """

    title: str
    sections: tuple[Section, ...]
    issuers: tuple[str, ...]
    date: str
    # Checklist items still 【待补充】; shown in markdown only, since the docx
    # is meant to be the document itself, not a working note.
    pending: tuple[str, ...]

    def __init__(
        self,
        title: str,
        sections: Iterable[Section],
        issuers: Iterable[str] | str = (),
        date: dt.date | str = "",
        pending: Iterable[str] = (),
        *,
        signature: str = "",  # the single issuer, as callers passed it before `issuers`
    ) -> None:
        named = [issuers] if isinstance(issuers, str) else list(issuers)
        # An issuer is one line of the document: a pasted "党委\n居委会" is two.
        lines = tuple(line.strip() for item in [*named, signature] for line in item.splitlines())
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "sections", tuple(sections))
        object.__setattr__(self, "issuers", tuple(line for line in lines if line))
        object.__setattr__(self, "date", official_date(date))
        object.__setattr__(self, "pending", tuple(pending))

    @property
    def signature(self) -> str:
        """The issuers, one per line."""
        return "\n".join(self.issuers)


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
    for digit, unit in zip(digits, units, strict=True):
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


def heading_level(section: Section) -> int:
    """The section's level within 1..HEADING_LEVELS: deeper levels print as the deepest."""
    return min(max(section.level, 1), HEADING_LEVELS)


def _numbered(level: int, n: int, heading: str) -> str:
    if level == 1:
        return f"{chinese_numeral(n)}、{heading}"
    if level == 2:
        return f"（{chinese_numeral(n)}）{heading}"
    # GB/T 9704's third level is an Arabic numeral and a full stop: "1."
    return f"{n}.{heading}"


def numbered_headings(draft: RenderedDraft) -> list[tuple[str, Section]]:
    """Pair every section with its numbered heading text.

    Level-1 sections are counted across the whole draft (一、二、…); level 2
    restarts at （一） under each level-1 section, level 3 at 1. under each
    level-1 or level-2 section. Untitled sections get "" and do not consume a
    number, so an untitled opening does not push the first real heading to 二、.
    """
    result: list[tuple[str, Section]] = []
    counters = [0] * HEADING_LEVELS
    siblings = _sibling_counts(draft.sections)
    for index, section in enumerate(draft.sections):
        if not section.heading.strip():
            result.append(("", section))
            continue
        level = heading_level(section)
        counters[level - 1] += 1
        counters[level:] = [0] * (HEADING_LEVELS - level)
        if level > 1 and siblings[index] == 1:  # a lone subsection ("（一）" with no "（二）") is not numbered
            result.append((section.heading, section))
        else:
            result.append((_numbered(level, counters[level - 1], section.heading), section))
    return result


def _sibling_counts(sections: Sequence[Section]) -> list[int]:
    """For each titled section, how many titled sections share its level under the same parent."""
    keys: list[tuple[int, int] | None] = []  # (level, index of the parent heading), None when untitled
    parents = [-1] * (HEADING_LEVELS + 1)  # the last heading seen above each level
    for index, section in enumerate(sections):
        if not section.heading.strip():
            keys.append(None)
            continue
        level = heading_level(section)
        keys.append((level, parents[level - 1]))
        parents[level:] = [index] * (HEADING_LEVELS + 1 - level)
    counts = Counter(key for key in keys if key is not None)
    return [counts[key] if key is not None else 0 for key in keys]


# 2025年12月20日, 2025-12-20, 2025/12/20, 2025.12.20, 二〇二五年十二月二十日, with or without
# spaces and leading zeros.
_DATE = re.compile(
    r"(?P<y>[0-9０-９]{4}|[〇零一二三四五六七八九]{4})\s*[年\-/.．]\s*"
    r"(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[月\-/.．]\s*"
    r"(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日?"
)
_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def official_date(value: dt.date | str) -> str:
    """The 成文日期 as GB/T 9704 7.3.5.4 writes it: Arabic numerals, the full year,
    no padding zero ("2025年1月5日"). Text that is not a valid date is kept as typed."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    text = " ".join(value.split())
    match = _DATE.fullmatch(text)
    if match is None:
        return text
    year = parse_number(match["y"].translate(_YEAR_DIGITS))
    month, day = parse_number(match["m"]), parse_number(match["d"])
    if year is None or month is None or day is None:
        return text
    try:
        return official_date(dt.date(int(year), int(month), int(day)))
    except ValueError:
        # 2025年13月40日 is a typing slip for the staff member to see, not to silently "fix".
        return text
