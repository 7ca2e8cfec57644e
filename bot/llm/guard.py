"""The guard: a model's section is only used if it states nothing the staff member did not give.

`check(answer, brief, rules)` is a pure function over plain data and returns the violations,
empty when the answer may enter the draft:

- every figure in it (Arabic or Chinese, with its unit, at its magnitude: 2.3万元 = 23000元,
  百分之九十六点八 = 96.8%, 两万三 = 23000, 九成 = 90%) is one given anywhere in this draft;
- every fact given for the section is in it, at the same magnitude and, if it was an
  approximation (近300人), still one;
- no placeholder (20XX, XX, ___, **, 【待补充】, 某某);
- no place, organisation or person name the staff member did not give, and none taken from
  the example passages;
- no run of `COPY_RUN` characters copied from an example passage;
- its length is within the section's bounds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.drafting.numerals import format_number
from bot.drafting.quantities import BLANK, blank_terms
from bot.llm.brief import SectionBrief, Violation
from bot.llm.names import names_in
from bot.llm.quantities import Quantity, read_quantities, same_figure, units_match

__all__ = ["COPY_RUN", "GuardRules", "blank_terms", "check"]

COPY_RUN = 20
_PLACEHOLDER_RE = re.compile(
    r"(?:19|20)[xX×＿_]{2}|(?<![A-Za-z])[xX×]{2,}(?![A-Za-z])|[_＿]{2,}|\*{2,}|某某|【[^】]*】|\{\{|\}\}|\[[^\]]*\]|〔[^〕]*〕"
)
_SPACE_RE = re.compile(r"\s+")
_PARTS_RE = re.compile(r"[、，,；;/和及与]+")
_WAN, _YI = Decimal(10_000), Decimal(100_000_000)
_QUOTE_MAX = 30  # characters of a copied run quoted back


@dataclass(frozen=True)
class GuardRules:
    """The data the guard reads besides the answer: from `prompts/llm/`, loaded once."""

    fixed_terms: tuple[str, ...]  # 四个意识, 二十大 …: numerals inside them are no figures
    generic_names: frozenset[str]  # 文明, 老旧 …: 文明社区 is no community's name
    messages: Mapping[str, str]  # violation kind → Chinese description with {detail} {given} {label} {bound}


def check(answer: str, brief: SectionBrief, rules: GuardRules) -> list[Violation]:
    text = answer.strip()
    if not text:
        return [_violation(rules, "empty", "")]
    given = brief.given_texts()
    allowed = _compact("\n".join(given))
    violations: list[Violation] = []
    violations += _placeholders(text, rules)
    figures = read_quantities(blank_terms(text, rules.fixed_terms))
    given_figures = [q for t in given for q in read_quantities(blank_terms(t, rules.fixed_terms))]
    number_violations, altered = _unknown_figures(figures, given_figures, rules)
    violations += number_violations
    violations += _missing_facts(text, figures, brief, altered, rules)
    violations += _foreign_names(text, brief.examples, allowed, rules)
    violations += _copied(text, brief.examples, rules)
    violations += _length(text, brief, rules)
    return violations


def _violation(rules: GuardRules, kind: str, detail: str, **extra: object) -> Violation:
    return Violation(kind=kind, detail=detail, message=rules.messages[kind].format(detail=detail, **extra))


def _compact(text: str) -> str:
    return _SPACE_RE.sub("", text)


def _placeholders(text: str, rules: GuardRules) -> list[Violation]:
    seen: list[str] = []
    for match in _PLACEHOLDER_RE.finditer(text):
        if match.group() not in seen:
            seen.append(match.group())
    return [_violation(rules, "placeholder", p) for p in seen]


def _unknown_figures(
    figures: list[Quantity], given: list[Quantity], rules: GuardRules
) -> tuple[list[Violation], set[str]]:
    """Figures no given text holds: altered (a given figure at another magnitude) or invented."""
    out: list[Violation] = []
    reported: set[str] = set()
    altered_given: set[str] = set()
    for figure in figures:
        if figure.key() in reported or any(same_figure(figure, g) for g in given):
            continue
        reported.add(figure.key())
        original = next((g for g in given if units_match(g.unit, figure.unit) and _same_digits(g.value, figure.value)), None)
        if original is not None:
            altered_given.add(original.key())
            out.append(_violation(rules, "altered_number", figure.text, given=original.text))
        else:
            out.append(_violation(rules, "invented_number", figure.text))
    return out, altered_given


def _same_digits(given: Decimal, written: Decimal) -> bool:
    """2.3万 and 23万, 1250 and 125: the same digits at another power of ten.

    A figure of one significant digit (300) matches too many others (3, 30) to call them
    altered, unless they differ by 万 or 亿, the slips a model makes with Chinese units.
    """
    if given == 0 or written == 0 or given == written:
        return False
    ratio = given / written if given > written else written / given
    if ratio != ratio.to_integral_value() or format_number(ratio).rstrip("0") != "1":
        return False
    significant = format_number(abs(given)).replace(".", "").strip("0")
    return len(significant) >= 2 or ratio in (_WAN, _YI)


def _missing_facts(
    text: str, figures: list[Quantity], brief: SectionBrief, altered: set[str], rules: GuardRules
) -> list[Violation]:
    out: list[Violation] = []
    compact = _compact(text)
    for fact in brief.facts:
        wanted = read_quantities(blank_terms(fact.display, rules.fixed_terms))
        if not wanted:
            if not _text_present(fact.display, compact):
                out.append(_violation(rules, "missing_fact", fact.display, given=fact.display, label=fact.label))
            continue
        for want in wanted:
            matches = [f for f in figures if same_figure(f, want)]
            if not matches:
                if want.key() not in altered:
                    out.append(_violation(rules, "missing_fact", want.text, given=fact.display, label=fact.label))
            elif want.approx and not any(f.approx for f in matches):
                out.append(_violation(rules, "dropped_approx", matches[0].text, given=want.text))
    return out


def _text_present(value: str, compact_answer: str) -> bool:
    value = _compact(value)
    if value in compact_answer:
        return True
    parts = [p for p in _PARTS_RE.split(value) if p]
    return bool(parts) and all(p in compact_answer for p in parts)


def _foreign_names(text: str, examples: tuple[str, ...], allowed: str, rules: GuardRules) -> list[Violation]:
    found = names_in(text, rules.generic_names)
    for example in examples:
        found += [n for n in names_in(example, rules.generic_names) if n in text and n not in found]
    return [_violation(rules, "foreign_name", n) for n in found if n not in allowed]


def _copied(text: str, examples: tuple[str, ...], rules: GuardRules) -> list[Violation]:
    answer = blank_terms(_compact(text), rules.fixed_terms)
    out: list[Violation] = []
    for example in examples:
        source = blank_terms(_compact(example), rules.fixed_terms)
        shingles = {source[i:i + COPY_RUN] for i in range(len(source) - COPY_RUN + 1)}
        shingles = {s for s in shingles if BLANK not in s}
        start = next((i for i in range(len(answer) - COPY_RUN + 1) if answer[i:i + COPY_RUN] in shingles), None)
        if start is not None:
            end = start + COPY_RUN
            while end < len(answer) and answer[start:end + 1] in source:
                end += 1
            run = answer[start:end]
            out.append(_violation(rules, "copied", run if len(run) <= _QUOTE_MAX else run[:_QUOTE_MAX] + "…"))
    return out


def _length(text: str, brief: SectionBrief, rules: GuardRules) -> list[Violation]:
    size = len(_compact(text))
    if size < brief.min_chars:
        return [_violation(rules, "too_short", str(size), bound=brief.min_chars)]
    if size > brief.max_chars:
        return [_violation(rules, "too_long", str(size), bound=brief.max_chars)]
    return []
