"""The errors drafter raises on purpose, and who catches them.

Each is defined beside the code that raises it (the module after its name), so an adapter's
failures stay with the adapter; all derive from ``DrafterError``, and callers tell them apart by
type, never by class name or message text::

    DrafterError
    ├── SettingsError              bot.config                   a setting that cannot be used
    ├── IngestError                bot.ingest.loaders           a file refused for indexing
    ├── EncodingError              bot.ingest.encoding          bytes that are no text we can read
    ├── PdfError                   bot.ingest.pdf_text          a PDF without a readable text layer
    ├── ConversionError            bot.ingest.office            LibreOffice missing, failed or too slow
    ├── IndexingError              bot.ingest.indexer           an index run that published nothing
    ├── IndexUnavailable           bot.retrieval.snapshot       no live index to search
    │   ├── IndexMissing           bot.retrieval.snapshot       nothing indexed yet
    │   └── IndexDamaged           bot.retrieval.snapshot       a snapshot gone or unreadable
    ├── VectorStoreUnavailable     bot.retrieval.dense          Chroma down, refusing, or misconfigured
    ├── DiskFull                   bot.sqlite                   a write with no room (also an OSError)
    ├── DamagedDatabase            bot.sqlite                   a file that is no readable SQLite database
    │   ├── DamagedStore           bot.drafting.store           ... the drafts database
    │   └── DamagedInbox           bot.channels.inbox           ... the Telegram inbox
    ├── LlmError                   bot.llm.client               the model endpoint failed (``failure`` says how)
    ├── AlreadyServing             bot.channels.telegram.serving  another bot holds this data directory
    └── Undelivered                bot.channels.telegram.delivery Telegram unreachable through every retry

Where ``str(err)`` reaches a person it is Chinese and says what to do: SettingsError,
IngestError, IndexingError, VectorStoreUnavailable, DamagedStore, DamagedInbox and AlreadyServing
(the CLI prints them, the bot answers with them). EncodingError, PdfError and ConversionError carry
a ``reason`` (``kind``) that ``bot.ingest.loaders`` turns into an IngestError's message; the
others are logged for the operator, and staff are told in words of their own where they are
caught (``prompts/``, ``bot/channels/telegram/messages.py``).
``tests/test_errors.py`` keeps this tree true.
"""

from __future__ import annotations


class DrafterError(Exception):
    """The base of every error drafter raises on purpose (the tree above)."""
