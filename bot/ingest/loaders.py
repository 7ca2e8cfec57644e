"""Read .txt/.md/.docx files into text, refusing bad input with a clear Chinese message."""

from __future__ import annotations

import zipfile
from pathlib import Path

SUPPORTED = (".txt", ".md", ".docx")
MAX_DOCX_UNPACKED = 100 * 1024 * 1024  # a zip bomb unpacks far beyond any real document


class IngestError(Exception):
    """A file that cannot be indexed; ``str(err)`` is the message for the user."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}：{message}")
        self.name = name
        self.message = message


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030; binary and undecodable data are refused."""
    if not data.strip():
        raise IngestError(name, "文件为空。")
    if b"\x00" in data[:8192]:
        raise IngestError(name, "这不是文本文件（含二进制内容），请上传 .txt、.md 或 .docx 文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise IngestError(name, "无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的文本后再上传。")


def _looks_like_text(text: str) -> bool:
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\r\n\t\f")
    return controls <= len(text[:20000]) * 0.01


def read_docx(data: bytes, name: str) -> str:
    import io

    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(info.file_size for info in zf.infolist()) > MAX_DOCX_UNPACKED:
                raise IngestError(name, "Word 文件解压后过大，疑似异常文件，已拒绝。")
            if "word/document.xml" not in zf.namelist():
                raise IngestError(name, "Word 文件已损坏或不是 .docx 格式。")
        document = docx.Document(io.BytesIO(data))
    except IngestError:
        raise
    except Exception as exc:  # python-docx raises many kinds on corrupt files
        raise IngestError(name, "Word 文件已损坏或不是 .docx 格式，无法读取。") from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("　".join(cell.text for cell in row.cells))
    text = "\n".join(paragraphs)
    if not text.strip():
        raise IngestError(name, "Word 文件中没有文字内容。")
    return text


def read_bytes(data: bytes, name: str, max_bytes: int) -> str:
    """Text of an uploaded or stored file, by its extension."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(name, "不支持的文件类型，只能导入 .txt、.md 或 .docx 文件。")
    if len(data) > max_bytes:
        raise IngestError(name, f"文件过大（{len(data) / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    if suffix == ".docx":
        return read_docx(data, name)
    return decode_text(data, name)


def read_file(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(path.name, f"文件过大（{size / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    return read_bytes(path.read_bytes(), path.name, max_bytes)


def discover(paths: list[Path]) -> list[Path]:
    """Supported files under the given files/folders, sorted for a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
        elif path.exists():
            found.append(path)
        else:
            raise IngestError(str(path), "找不到该文件或文件夹。")
    return sorted(dict.fromkeys(found))
