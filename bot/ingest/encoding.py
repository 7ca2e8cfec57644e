"""Bytes of a text file → str: UTF-8 (with or without BOM), UTF-16/32, GB18030/GBK, Big5.

Windows tools save Chinese text as GBK ("ANSI" on a Simplified system), Big5 (on a Traditional
one) or UTF-16 ("Unicode" in Notepad). GB18030 decodes almost any byte sequence, Big5 included,
so "it decodes" proves nothing: when both readings decode, the one whose characters are common
Chinese wins (traditional characters are judged after conversion to simplified).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from bot.errors import DrafterError


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


class EncodingError(DrafterError):
    """``kind`` is "binary" (not a text file) or "unknown" (text in an encoding we cannot tell)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
MIN_COMMON_SHARE = 0.6  # of the Han characters of a GB18030 or Big5 reading, common ones at least


def decode(data: bytes) -> Decoded:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data, encoding, binary_if_controls=True)
    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise EncodingError("binary")
    utf8 = _utf8(data)
    if utf8 is not None:
        return utf8
    readings = []
    for encoding in ("gb18030", "cp950", "big5hkscs"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            readings.append((common_share(text), encoding, text))
    if readings:
        share, encoding, text = max(readings, key=lambda r: r[0])
        if share >= MIN_COMMON_SHARE:
            return Decoded(text, "big5" if encoding in ("cp950", "big5hkscs") else encoding)
    return _by_charset_normalizer(data)


def _checked(data: bytes, encoding: str, binary_if_controls: bool = False) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise EncodingError("unknown") from None
    if not _looks_like_text(text):
        raise EncodingError("binary" if binary_if_controls else "unknown")
    return Decoded(text, encoding)


def _utf8(data: bytes) -> Decoded | None:
    """UTF-8, also when a tool cut a few characters in half (a page saved mid-character):
    those become U+FFFD, which cleaning drops, instead of the whole file turning to mojibake."""
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > len(text) // 1000 + 1 or not _looks_like_text(text):
        return None
    return Decoded(text, "utf-8")


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 without a BOM: the zero bytes of ASCII characters sit on one side of each pair."""
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) < 16 or max(even, odd) < 2 or min(even, odd) * 4 > max(even, odd):
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    if not _looks_like_text(text) or common_share(text) < MIN_COMMON_SHARE:
        return None  # pairs of bytes that happen to be characters, not Chinese text
    return Decoded(text, encoding)


def _by_charset_normalizer(data: bytes) -> Decoded:
    """Last resort for what is neither UTF nor a Chinese legacy encoding that reads as Chinese."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise EncodingError("unknown")
    text = str(best)
    if not _looks_like_text(text) or (_han_share(text) and common_share(text) < MIN_COMMON_SHARE):
        raise EncodingError("unknown")
    return Decoded(text, best.encoding)


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    # Escape sequences colour a log or a pasted terminal; cleaning strips them. NULs and the
    # rest of the control range are what binary data is full of.
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\x1b")
    return controls <= len(sample) * 0.01


def _han_share(text: str) -> float:
    sample = [ch for ch in text[:20000] if not ch.isspace()]
    return sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff") / len(sample) if sample else 0.0


def common_share(text: str) -> float:
    """Share of the text's non-ASCII characters that are common Chinese characters or Chinese
    punctuation: GB2312's first level (the 3,755 most used), after traditional → simplified."""
    from bot.text.normalize import to_simplified

    sample = to_simplified(text[:20000])
    wide = [ch for ch in sample if ord(ch) > 0x7F and not ch.isspace()]
    if not wide:
        return 1.0
    return sum(1 for ch in wide if _common(ch)) / len(wide)


def _common(ch: str) -> bool:
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    # Row 0xA1-0xA9: punctuation and symbols; 0xB0-0xD7: first-level characters.
    return len(encoded) == 2 and (0xA1 <= encoded[0] <= 0xA9 or 0xB0 <= encoded[0] <= 0xD7)
