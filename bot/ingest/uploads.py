"""Files an admin adds to the corpus: checked, saved under ``<data>/uploads/`` and indexed.

Channel-independent: the Telegram adapter calls these steps for a document an admin sends, and
any other entry point (a command line) can call them the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bot.config import DEFAULT_CORPUS, Settings
from bot.filenames import safe_filename, shown_name
from bot.ingest.indexer import BuildResult, Indexer
from bot.ingest.loaders import SUPPORTED, read_bytes, unsupported_message

DISK_FULL = "存储空间已满，文件没能保存，请清理空间后再发送。索引保持不变。"


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def limit_bytes(settings: Settings, channel_limit: int | None = None) -> int:
    """The largest file accepted: the configured limit, or the channel's if smaller."""
    limit = int(settings.max_file_mb * 1024 * 1024)
    return min(limit, channel_limit) if channel_limit else limit


def refusal(name: str, size: int, limit: int) -> str | None:
    """Why a file is refused before it is even downloaded (its type, its claimed size), or None."""
    if Path(name).suffix.lower() not in SUPPORTED:
        return unsupported_message(name)
    if size > limit:
        return f"{shown_name(name)}：文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。"
    return None


def check(data: bytes, name: str, limit: int) -> None:
    """Reads the file as the indexer will; raises ``IngestError`` (a Chinese message) if it cannot."""
    read_bytes(data, name, limit)


def save(folder: Path, name: str, data: bytes) -> tuple[Path, str]:
    """Writes the upload under ``folder`` with a plain name; never over a different file of the
    same name. Returns the path and a note for the admin when the name was taken. A failed
    write (a full disk) leaves no partial file behind and raises ``OSError``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_filename(name)
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"unsafe upload path: {path}")
    note = ""
    if path.exists():
        if path.read_bytes() == data:
            return path, "（与已有的同名文件内容相同）"
        for n in range(2, 1000):
            candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
            if not candidate.exists():
                note = f"（已有同名文件，新文件另存为《{candidate.name}》，原文件保留）"
                path = candidate
                break
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return path, note


def rebuild(settings: Settings, progress: Callable[[str, int, int], None] | None = None) -> BuildResult:
    """Indexes the corpus and the uploads (incremental; the live index changes only on success)."""
    uploads_dir(settings).mkdir(parents=True, exist_ok=True)
    indexer = Indexer(settings)
    paths = [DEFAULT_CORPUS, uploads_dir(settings)]
    return indexer.build(paths, progress) if progress is not None else indexer.build(paths)


def report(result: BuildResult) -> list[str]:
    """The lines an admin reads after a rebuild."""
    return ["索引已更新：" if result.changed else "语料未变化，索引无需更新：", *result.report.lines(),
            *(f"跳过：{err}" for err in result.errors)]
