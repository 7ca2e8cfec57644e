"""Residents' identifiers masked at indexing: ID-card, phone, bank-card and similar numbers.

They are never useful as phrasing and must never be shown to another office, so they leave the
text (and the raw lines kept for display) before anything is stored. A spam phrase glued to a
phone number and repeated through a page ("某某保洁1380000…") goes with it.
"""

from __future__ import annotations

import re
from collections import Counter

MASK = "×××"
_D = "[0-9０-９]"
_NOT_D = "(?<![0-9０-９A-Za-z])"
_END = "(?![0-9０-９A-Za-z])"

# Order matters: the longest identifiers first, so a phone pattern never eats half an ID.
_PATTERNS = [
    # 18-digit ID-card numbers (birth date inside, X as the check digit) and the old 15-digit ones.
    rf"{_NOT_D}{_D}{{6}}(?:18|19|20|１８|１９|２０){_D}{{2}}{_D}{{4}}{_D}{{3}}[0-9０-９XxＸｘ]{_END}",
    # Bank and social-security card numbers: 12-19 digits, possibly in groups of four.
    rf"{_NOT_D}{_D}{{4}}(?:[ \-]{_D}{{4}}){{2,3}}(?:[ \-]{_D}{{1,3}})?{_END}",
    rf"{_NOT_D}{_D}{{12,19}}{_END}",
    # Mobile phones, with or without +86 and separators.
    rf"{_NOT_D}(?:\+?86[ \-]?)?[1１][3-9３-９]{_D}(?:[ \-]?{_D}{{4}}){{2}}{_END}",
    # Landlines: area code and number, "(0571)88886666", "0571-88886666".
    rf"[(（]0{_D}{{2,3}}[)）][ \-]?{_D}{{7,8}}{_END}",
    rf"{_NOT_D}0{_D}{{2,3}}[ \-－—]?{_D}{{7,8}}(?:[ \-－]{_D}{{1,4}})?{_END}",
    # Emails; car plates; passports.
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•]?(?=[A-Z]*[0-9])[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警]",
    rf"(?<![A-Za-z0-9])[EGDSP][0-9]{{8}}{_END}",
]
_IDENTIFIER = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
# Numbers named by their label: "电话：6688123", "QQ：12345678", "微信号：abc_123".
_LABELLED = re.compile(
    rf"((?:电话|手机|热线|联系方式|联系电话|Tel|TEL|tel)\s*[:：]?\s*){_D}{{7,8}}{_END}|"
    rf"((?:QQ|qq)\s*[号群]?\s*[:：]?\s*){_D}{{5,11}}{_END}|"
    r"((?:微信号?|wechat)\s*[:：]\s*)[A-Za-z][\w\-]{5,19}")
_PHONE = re.compile(rf"{_NOT_D}(?:1[3-9]{_D}{{9}}|0{_D}{{2,3}}-?{_D}{{7,8}}){_END}")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def mask_identifiers(text: str) -> str:
    """Identifiers replaced by ×××; everything else unchanged."""
    if not re.search(_D, text) and "@" not in text and not re.search(r"[A-Z]", text):
        return text
    text = _LABELLED.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + MASK, text)
    return _IDENTIFIER.sub(MASK, text)


def strip_phone_spam(text: str) -> str:
    """A phrase glued to a phone number and repeated through the text is an advertisement
    injected into the page: its words are those shared by every occurrence, just before the
    number. Both go; a number that occurs once is left to ``mask_identifiers``."""
    counts = Counter(m.group() for m in _PHONE.finditer(text))
    for number, n in counts.items():
        if n < 2:
            continue
        befores = [text[max(0, m.start() - 12): m.start()] for m in re.finditer(re.escape(number), text)]
        phrase = _common_han_suffix(befores)
        text = text.replace(phrase + number, "")
    return text


def _common_han_suffix(texts: list[str]) -> str:
    shortest = min(len(t) for t in texts)
    n = 0
    while n < shortest and len({t[-1 - n] for t in texts}) == 1 and _HAN.match(texts[0][-1 - n]):
        n += 1
    return texts[0][len(texts[0]) - n:] if n else ""
