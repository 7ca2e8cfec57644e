"""SQLite as the adapters here use it (drafts, the Telegram inbox): WAL, an fsync on every
commit unless a write says otherwise, explicit transactions, numbered migrations, and the two
faults an operator must hear about in words: a full disk and a damaged file."""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.errors import DrafterError

log = logging.getLogger(__name__)

Migration = Callable[[sqlite3.Connection], None]

# The result codes of a write the disk had no room for: SQLite reports a full disk as SQLITE_FULL,
# or as an I/O error while it grows the WAL or its index.
_FULL_NAMES = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE"})


class DiskFull(DrafterError, OSError):
    """A write failed for want of disk space; the transaction was rolled back, nothing changed."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ENOSPC, "No space left on device", str(path))
        self.path = path


class DamagedDatabase(DrafterError):
    """The file is not a readable SQLite database (truncated, overwritten, not a database)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def is_disk_full(err: BaseException) -> bool:
    if isinstance(err, sqlite3.OperationalError):
        return getattr(err, "sqlite_errorname", "") in _FULL_NAMES
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def connect(path: Path, check: bool = True) -> sqlite3.Connection:
    """A connection shared by threads (callers hold their own lock around writes).

    On a full disk a database whose WAL index (``-shm``) is gone cannot be opened the usual way;
    it is then opened in exclusive locking mode, which keeps that index in memory: the process
    reads, and writes again once there is room (other processes cannot read it meanwhile).
    ``check`` runs SQLite's quick check, so a truncated or overwritten file is reported now,
    with its name, rather than as a traceback in the middle of a user's message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = _open(path, exclusive=False)
    except sqlite3.OperationalError as err:
        if not is_disk_full(err):
            raise
        log.warning("%s opened in exclusive mode: the disk is full (%s)", path, err)
        db = _open(path, exclusive=True)
    if check:
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as err:
            db.close()
            raise DamagedDatabase(path, str(err)) from None
        if verdict != "ok":
            db.close()
            raise DamagedDatabase(path, str(verdict))
    return db


def _open(path: Path, exclusive: bool) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        if exclusive:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
    except sqlite3.OperationalError:
        db.close()
        raise
    except sqlite3.DatabaseError as err:  # "file is not a database"
        db.close()
        raise DamagedDatabase(path, str(err)) from None
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """All the writes inside, or none of them (a COMMIT that fails, e.g. on a full disk, is
    rolled back too: SQLite would otherwise keep the transaction open and refuse every later one)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


@contextmanager
def unsynced(db: sqlite3.Connection) -> Iterator[None]:
    """Writes inside are not fsync'd on their own. In WAL mode they still survive a killed
    process; only a power cut can lose them, until the next fsync'd commit carries them to disk."""
    db.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous=FULL")


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration]) -> None:
    """Runs the migrations after the file's ``user_version``, each in its own transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(migrations[version:], start=version + 1):
        with transaction(db):
            step(db)
            db.execute(f"PRAGMA user_version={number}")


class _FullDisk:
    """Which files could not be written for want of space: the operator hears it once when the
    disk fills up and once when writing works again, not once per message or per file."""

    def __init__(self) -> None:
        self._full: set[Path] = set()
        self._lock = threading.Lock()

    def failed(self, path: Path) -> None:
        with self._lock:
            first = not self._full
            self._full.add(path)
        if first:
            log.error("磁盘已满：无法写入 %s。机器人继续运行并回答查询，但新消息不会被保存，用户会收到"
                      "“存储空间已满”的提示；请清理磁盘空间，腾出空间后会自动恢复保存，无需重启。", path)

    def succeeded(self, path: Path) -> None:
        if path not in self._full:  # the common case: no lock, no log
            return
        with self._lock:
            self._full.discard(path)
            last = not self._full
        if last:
            log.warning("磁盘空间已恢复：%s 又可以写入了，新消息照常保存。", path)

    def any(self) -> bool:
        return bool(self._full)


FULL_DISK = _FullDisk()


@contextmanager
def writing(path: Path, recovers: bool = True) -> Iterator[None]:
    """A write to ``path``: a full disk becomes ``DiskFull`` (reported once). Success after it
    is reported as recovery unless ``recovers`` is false: bookkeeping (a mark, a delete of nothing)
    can succeed on a full disk, so only writes of new data tell that space is back."""
    try:
        yield
    except (sqlite3.OperationalError, OSError) as err:
        if not is_disk_full(err):
            raise
        FULL_DISK.failed(path)
        raise DiskFull(path) from err
    if recovers:
        FULL_DISK.succeeded(path)
