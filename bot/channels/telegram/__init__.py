"""``drafter serve``: the dialogue over Telegram (python-telegram-bot).

- ``formatting``: message chunks, keyboards, the text addressed to the bot, clean names;
- ``handlers``: thin handlers, an update → one dialogue input (or an upload, a refusal);
- ``delivery``: sending with retries, the outbox for replies Telegram could not take;
- ``ratelimit``: Telegram's flood limits with a 429 paused per chat, the refusal throttle;
- ``app``: the PTB Application; ``serving``: the lock, polling / webhook through the inbox;
- ``messages``: what the adapter says (Chinese).

Run it with ``TELEGRAM_BOT_TOKEN=... DRAFTER_ALLOWED_USERS=123,456 drafter serve``.
"""

from bot.channels.telegram.app import build_application
from bot.channels.telegram.formatting import keyboard, safe_filename, split_text
from bot.channels.telegram.messages import (
    EDITED,
    FAILED,
    NOT_TEXT,
    REFUSED,
    STALE_BUTTON,
)
from bot.channels.telegram.serving import run_telegram, serve

__all__ = ["EDITED", "FAILED", "NOT_TEXT", "REFUSED", "STALE_BUTTON", "build_application", "keyboard",
           "run_telegram", "safe_filename", "serve", "split_text"]
