"""Turning replies into what Telegram takes: message chunks, inline keyboards, the text meant for
the bot, clean names. Pure functions over strings and PTB objects."""

from __future__ import annotations

import re
from collections.abc import Sequence

import regex
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatType

from bot.drafting.replies import Option
from bot.filenames import safe_filename, shown_name, visible

__all__ = ["MAX_TEXT", "addressed_text", "clean_text", "keyboard", "safe_filename", "shown_name", "split_text",
           "visible"]

MAX_TEXT = 4096  # Telegram's limit, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?")

# Where a long message may be cut, best first: between paragraphs, between lines (the line break
# is dropped), after a sentence, after a clause (the punctuation and any closing quote stay with
# the text before), then between any two characters outside a number and a grapheme cluster.
_BREAKS = (re.compile(r"\n\n+"), re.compile(r"\n"))
_ENDS = (re.compile(r"[。！？；!?;…]+[”’」』）》】)\"']*"), re.compile(r"[，,、：:]+[”’」』）》】)\"']*"))
_NUMBER = regex.compile(r"\d+(?:[.,．:：/-]\d+)*[%％]?")
_GRAPHEME = regex.compile(r"\X")
# Never in a message: controls other than line breaks and tabs, direction overrides and isolates,
# lone surrogates (which UTF-8, hence Telegram, cannot carry).
_UNSENDABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a lone surrogate counts as one)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean_text(text: str) -> str:
    """Text as it can be sent: lone surrogates as U+FFFD, no controls or direction overrides."""
    return _UNSENDABLE.sub("", text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of at most ``limit`` UTF-16 units, cut at the best place that fits (see _BREAKS);
    never inside a number ("123|456") or a grapheme cluster (an emoji sequence, a letter and its
    accents). Blank chunks are dropped; only the line breaks at a cut are lost."""
    chunks = []
    rest = text
    while units(rest) > limit:
        cut, skip = _cut(rest, _fit(rest, limit))
        if rest[:cut].strip():
            chunks.append(rest[:cut])
        rest = rest[cut + skip:]
    if rest.strip():
        chunks.append(rest)
    return chunks


def _fit(text: str, limit: int) -> int:
    """The length of the longest prefix of ``text`` within ``limit`` UTF-16 units."""
    size = 0
    for i, ch in enumerate(text):
        size += 2 if ord(ch) > 0xFFFF else 1
        if size > limit:
            return i
    return len(text)


def _cut(text: str, end: int) -> tuple[int, int]:
    """(where to cut, how many separator characters to drop there) for a chunk of at most ``end``
    characters."""
    numbers = [(m.start(), m.end()) for m in _NUMBER.finditer(text, 0, min(len(text), end + 64))]

    def outside_numbers(at: int) -> bool:
        return not any(start < at < stop for start, stop in numbers)

    for pattern in _BREAKS:  # a break may begin right at the end of what fits
        breaks = [m for m in pattern.finditer(text, 0, min(len(text), end + 2)) if m.start() <= end and m.end() > 0]
        if breaks:
            return breaks[-1].start(), breaks[-1].end() - breaks[-1].start()
    for pattern in _ENDS:
        ends = [m.end() for m in pattern.finditer(text, 0, end) if 0 < m.end() <= end and outside_numbers(m.end())]
        if ends:
            return ends[-1], 0
    boundaries = [m.end() for m in _GRAPHEME.finditer(text, 0, min(len(text), end + 16)) if m.end() <= end]
    for at in reversed(boundaries):
        if at > 0 and outside_numbers(at):
            return at, 0
    if boundaries and boundaries[-1] > 0:  # a number longer than a message: cut it, between clusters
        return boundaries[-1], 0
    return max(end, 1), 0  # one grapheme cluster longer than a message


def keyboard(options: Sequence[Option]) -> InlineKeyboardMarkup | None:
    """Inline buttons, three to a row when labels are short, else two."""
    buttons = [InlineKeyboardButton(clean_text(o.label), callback_data=o.data) for o in options
               if len(o.data.encode()) <= MAX_CALLBACK_DATA]
    if not buttons:
        return None
    per_row = 3 if max(len(o.label) for o in options) <= 6 else 2
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The text meant for the bot (mention and ``@bot`` suffix removed), or None if not addressed.

    Private chats are always addressed; in groups only commands for this bot, mentions of it
    and replies to its messages are."""
    text = message.text or message.caption or ""
    command = COMMAND.match(text)
    if command and command.group(2):
        if command.group(2).lower() != bot_username.lower():
            return None
        text = f"/{command.group(1)}{text[command.end():]}"
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE)
    mentioned = bool(mention.search(text))
    text = mention.sub("", text).strip()
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None \
        and message.reply_to_message.from_user.id == bot_id
    if message.chat.type == ChatType.PRIVATE or command or mentioned or replied:
        return text
    return None


def command_of(text: str) -> str | None:
    """The command a text starts with (``/draft@bot x`` → ``draft``), lower case, or None."""
    found = COMMAND.match(text)
    return found.group(1).lower() if found else None
