"""Units of measure after a number, loaded from ``prompts/units.yaml``: the one list that fact
extraction (`bot.drafting.quantities`), the LLM guard (`bot.llm.quantities`) and the masking of
example phrasing share.

API (pure; the file is read once):

- ``UNITS``: every unit spelling, longest first (平方公里 before 平方米 before 米).
- ``UNIT_RE``: compiled alternation of ``UNITS`` with each unit's ``not_before`` look-ahead, so
  ``UNIT_RE.match(text, i)`` says whether a unit starts at ``i`` (``次`` in 三次, not in 一次性).
- ``canonical(unit)``: the spelling a fact is stored under (平米 → 平方米, ％ → %).
- ``same_measure(a, b)``: whether a number in ``b`` can fill a slot measured in ``a`` (人 / 名,
  次 / 场, 元 / 万元 / 块, 件 / 个 / 项).
- ``base(unit)``: the unit a figure is compared in (名 → 人, 场 → 次, 块钱 → 元).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROMPTS_DIR

UNITS_FILE = PROMPTS_DIR / "units.yaml"


@dataclass(frozen=True)
class Unit:
    unit: str
    same_as: str  # the stored spelling; the unit itself when empty in the file
    measures: tuple[str, ...]  # units sharing a measure fill the same slots; empty: only itself
    not_before: str  # characters that, right after the unit, make it part of a word


@lru_cache(maxsize=4)
def load_units(path: Path = UNITS_FILE) -> tuple[Unit, ...]:
    """The units of ``path``, longest first. Raises ValueError on a malformed or repeated entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, Unit] = {}
    for entry in data.get("units", ()):
        if not isinstance(entry, dict) or not str(entry.get("unit", "")).strip():
            raise ValueError(f"{path.name}: every entry needs a unit: {entry!r}")
        name = str(entry["unit"]).strip()
        if name in out:
            raise ValueError(f"{path.name}: {name} is listed twice")
        measure = entry.get("measure")
        measures = tuple(str(m) for m in (measure if isinstance(measure, list) else [measure] if measure else []))
        out[name] = Unit(name, str(entry.get("same_as") or name), measures, str(entry.get("not_before") or ""))
    return tuple(sorted(out.values(), key=lambda u: (-len(u.unit), u.unit)))


def unit_pattern(units: tuple[Unit, ...]) -> str:
    """The alternation of ``units`` (already longest first) with their look-aheads."""
    return "|".join(re.escape(u.unit) + (f"(?![{re.escape(u.not_before)}])" if u.not_before else "")
                    for u in units)


_UNITS = load_units()
UNITS: tuple[str, ...] = tuple(u.unit for u in _UNITS)
UNIT_RE = re.compile(unit_pattern(_UNITS))
_BY_NAME = {u.unit: u for u in _UNITS}


def canonical(unit: str) -> str:
    u = _BY_NAME.get(unit)
    return u.same_as if u else unit


def same_measure(slot_unit: str, unit: str) -> bool:
    if slot_unit == unit:
        return True
    a, b = _BY_NAME.get(slot_unit), _BY_NAME.get(unit)
    return bool(a and b and set(a.measures) & set(b.measures))


def base(unit: str) -> str:
    """The unit a figure is compared in: its first measure, else its stored spelling."""
    u = _BY_NAME.get(unit)
    if u is None:
        return unit
    return u.measures[0] if u.measures else u.same_as
