"""Reading the live index: the snapshot ``CURRENT`` names (built by ``bot/ingest/indexer.py``).

Layout under ``<data_dir>/index``::

    CURRENT                 name of the live snapshot (replaced atomically)
    snapshots/<name>/       passages.jsonl, files.json, meta.json, lexical/

A snapshot is immutable once ``CURRENT`` names it. ``meta.json`` says, among other things,
whether every passage has its vector in the collection it names (``"vectors": true``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DrafterError
from bot.jsondata import JsonObject
from bot.retrieval.lexical import LexicalIndex
from bot.text.model import Passage

log = logging.getLogger(__name__)

POINTER = "CURRENT"
SNAPSHOTS = "snapshots"
PASSAGES = "passages.jsonl"
FILES = "files.json"
META = "meta.json"
LEXICAL = "lexical"


class IndexUnavailable(DrafterError):
    """There is no usable index; ``str(err)`` says why, for the operator's log."""


class IndexMissing(IndexUnavailable):
    """Nothing has been indexed yet (no ``CURRENT``)."""


class IndexDamaged(IndexUnavailable):
    """``CURRENT`` names a snapshot that is missing or cannot be read."""


@dataclass
class Snapshot:
    folder: Path
    passages: list[Passage]
    meta: JsonObject
    lexical: LexicalIndex

    @property
    def has_vectors(self) -> bool:
        return bool(self.meta.get("vectors"))

    @classmethod
    def load(cls, folder: Path) -> Snapshot:
        """Raises IndexDamaged naming the file that could not be read."""
        try:
            with (folder / PASSAGES).open(encoding="utf-8") as fh:
                passages = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
            lexical = LexicalIndex.load(folder / LEXICAL)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"index snapshot {folder} cannot be read: {type(exc).__name__}: {exc}") from exc
        if lexical.size != len(passages):
            raise IndexDamaged(f"index snapshot {folder} is inconsistent: {len(passages)} passages, "
                               f"lexical index of {lexical.size}")
        return cls(folder, passages, meta, lexical)


def current_name(index_dir: Path) -> str | None:
    """The name ``CURRENT`` holds, or None when nothing was indexed yet."""
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def current_folder(index_dir: Path) -> Path | None:
    """The live snapshot's folder; None when nothing was indexed or ``CURRENT`` dangles."""
    name = current_name(index_dir)
    if name is None:
        return None
    folder = index_dir / SNAPSHOTS / name
    return folder if folder.is_dir() else None


def read_current(index_dir: Path) -> Snapshot:
    """The live snapshot. Raises IndexMissing or IndexDamaged."""
    name = current_name(index_dir)
    if name is None:
        raise IndexMissing(f"no index in {index_dir} (no {POINTER}): run drafter index")
    folder = index_dir / SNAPSHOTS / name
    if not folder.is_dir():
        raise IndexDamaged(f"{index_dir / POINTER} names snapshot {name!r}, which does not exist: run drafter index")
    return Snapshot.load(folder)


def load_current(index_dir: Path) -> Snapshot | None:
    """``read_current``, None when there is no usable index; a damaged one is logged."""
    try:
        return read_current(index_dir)
    except IndexMissing:
        return None
    except IndexDamaged as err:
        log.error("%s", err)
        return None
