"""Parse the number words staff type (Arabic, Chinese or mixed) into exact decimals.

`parse_number` reads one number expression without its unit or approximation marker:
``12``, ``1,200``, ``１２``, ``十二``, ``一百零五``, ``两千三``, ``1.5万``, ``2万5千``,
``九十八点五``, ``二〇二五``, ``百分之九十八``. `format_number` gives the canonical Arabic
display used in drafts (``4``, ``1.5``, ``12000``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from typing import Literal

__all__ = ["FULLWIDTH_TO_ASCII", "format_number", "parse_number"]

# One character for one character, so that offsets in normalised text are offsets in the original.
FULLWIDTH_TO_ASCII = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

_CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "贰": 2,
    "三": 3, "叁": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
_ZEROS = frozenset("零〇")
_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10**4, "亿": 10**8}
_PERCENT_PREFIX = "百分之"

_ARABIC = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_COMMA_RUN = re.compile(r"[0-9,]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")

# Exact arithmetic: a Decimal context never rounds what staff typed, however long.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


@dataclass(frozen=True)
class _Token:
    kind: Literal["digit", "zero", "small", "big"]
    value: Decimal
    # A lone digit may be the colloquial tail of "一万五" (15000) or "两千三" (2300).
    single: bool = False


def parse_number(s: str) -> Decimal | None:
    """Return the exact value of one number expression, or None if `s` is not one."""
    text = s.strip().translate(FULLWIDTH_TO_ASCII)
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if text.startswith(_PERCENT_PREFIX):
        # The caller records that it is a percentage; the value is the number after it.
        text = text[len(_PERCENT_PREFIX):]
    if not text:
        return None
    digits = _drop_thousands_separators(text)
    if digits is None:
        return None
    with localcontext(_EXACT):
        value = _parse_unsigned(digits)
        if value is None:
            return None
        return _canonical(-value if negative else value)


def format_number(d: Decimal) -> str:
    """Canonical Arabic display: no exponent, no trailing zeros, no thousands separator."""
    if not d.is_finite():
        raise ValueError(f"cannot display a non-finite number: {d}")
    if d == 0:
        return "0"
    return format(_canonical(d), "f")


def _canonical(d: Decimal) -> Decimal:
    """Same value with exponent >= 0 for integers and no trailing fractional zeros.

    Done on the digit tuple because Decimal.normalize() rounds to the context precision
    and turns 12000 into 1.2E+4.
    """
    sign, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return d
    kept = list(digits)
    if exponent > 0:
        kept.extend([0] * exponent)
        exponent = 0
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))


def _drop_thousands_separators(text: str) -> str | None:
    for run in _COMMA_RUN.finditer(text):
        if "," in run.group() and not _THOUSANDS.fullmatch(run.group()):
            return None
    return text.replace(",", "")


def _parse_unsigned(text: str) -> Decimal | None:
    if _ARABIC.fullmatch(text):
        return Decimal(text)
    if "点" in text:
        return _parse_chinese_decimal(text)
    positional = _parse_positional(text)
    if positional is not None:
        return positional
    tokens = _tokenize(text)
    return None if tokens is None else _evaluate(tokens)


def _parse_chinese_decimal(text: str) -> Decimal | None:
    """``九十八点五`` = 98.5, ``一点五万`` = 15000."""
    whole, _, fraction = text.partition("点")
    multiplier = 1
    if fraction and fraction[-1] in _BIG_UNITS:
        multiplier = _BIG_UNITS[fraction[-1]]
        fraction = fraction[:-1]
    if not whole or not fraction:
        return None
    if not all(c in _CN_DIGITS and c != "两" for c in fraction):
        return None
    tokens = _tokenize(whole)
    integer = None if tokens is None else _evaluate(tokens)
    if integer is None:
        return None
    decimals = "".join(str(_CN_DIGITS[c]) for c in fraction)
    return (integer + Decimal("0." + decimals)) * multiplier


def _parse_positional(text: str) -> Decimal | None:
    """Digit-by-digit numbers such as years: ``二〇二五`` = 2025.

    Two digits without a zero ("三五") usually mean "three or five", so they are refused.
    """
    if len(text) < 2 or not all(c in _CN_DIGITS and c != "两" for c in text):
        return None
    if len(text) < 3 and not any(c in _ZEROS for c in text):
        return None
    return Decimal("".join(str(_CN_DIGITS[c]) for c in text))


def _tokenize(text: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        arabic = _ARABIC.match(text, position)
        if arabic:
            digits = arabic.group()
            tokens.append(_Token("digit", Decimal(digits), single=len(digits) == 1))
            position = arabic.end()
            continue
        char = text[position]
        if char in _ZEROS:
            tokens.append(_Token("zero", Decimal(0)))
        elif char in _CN_DIGITS:
            tokens.append(_Token("digit", Decimal(_CN_DIGITS[char]), single=True))
        elif char in _SMALL_UNITS:
            tokens.append(_Token("small", Decimal(_SMALL_UNITS[char])))
        elif char in _BIG_UNITS:
            tokens.append(_Token("big", Decimal(_BIG_UNITS[char])))
        else:
            return None
        position += 1
    return tokens


def _evaluate(tokens: list[_Token]) -> Decimal | None:
    """Evaluate digits and units, refusing malformed orders such as "十百" or "五三"."""
    if not tokens:
        return None
    total = Decimal(0)
    section = Decimal(0)
    pending: _Token | None = None
    last_small: Decimal | None = None
    last_big: Decimal | None = None
    previous_unit: Decimal | None = None
    after_zero = False
    for token in tokens:
        if token.kind == "zero":
            if pending is not None:
                return None
            after_zero = True
        elif token.kind == "digit":
            if pending is not None:
                return None
            pending = token
        elif token.kind == "small":
            if last_small is not None and token.value >= last_small:
                return None
            section += (pending.value if pending is not None else 1) * token.value
            last_small, previous_unit, pending, after_zero = token.value, token.value, None, False
        else:
            # A big unit needs a number before it: "万" alone or "亿万" is a word, not a number.
            if token.value == last_big or (pending is None and last_small is None and (
                token.value != _BIG_UNITS["亿"] or last_big is None
            )):
                return None
            if pending is not None:
                section += pending.value
            if token.value == _BIG_UNITS["亿"]:
                total = (total + section) * token.value
            else:
                total += section * token.value
            section = Decimal(0)
            last_small, last_big, previous_unit, pending, after_zero = None, token.value, token.value, None, False
    if pending is not None:
        tail = pending.value
        if pending.single and not after_zero and previous_unit is not None and previous_unit >= 100:
            # "两千三" is 2300, "一万五" is 15000: the bare tail counts in the next smaller unit.
            tail *= previous_unit // 10
        section += tail
    return total + section
