"""Read .txt/.md/.docx files into text, refusing bad input with a clear Chinese message."""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

SUPPORTED = (".txt", ".md", ".docx")
MAX_DOCX_UNPACKED = 100 * 1024 * 1024  # a zip bomb unpacks far beyond any real document
MAX_NAME_SHOWN = 60  # characters of a file name quoted in a message
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # old .doc, and password-protected Word files
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that would garble the chat or the terminal a message is shown in.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def shown_name(name: str) -> str:
    """A file name as a message may quote it: one line, no control or direction characters,
    undecodable bytes as �, and at most MAX_NAME_SHOWN characters (its start and its end, which
    holds the extension)."""
    text = _INVISIBLE.sub("", _SURROGATE.sub("\ufffd", name)).strip() or "（无名文件）"
    if len(text) <= MAX_NAME_SHOWN:
        return text
    tail = MAX_NAME_SHOWN // 3
    return text[: MAX_NAME_SHOWN - tail - 1] + "…" + text[-tail:]


class IngestError(Exception):
    """A file that cannot be indexed; ``str(err)`` is the message for the user."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{shown_name(name)}：{message}")
        self.name = name
        self.message = message


def _check_name(name: str, path: str = "") -> None:
    """A name that is not valid Unicode (bytes of another encoding, a lone surrogate) cannot be
    stored in the index or shown; the file is refused, with its likely GBK reading when there is one."""
    if not _SURROGATE.search(path or name):
        return
    try:
        guess = name.encode("utf-8", "surrogateescape").decode("gb18030")
        hint = f"（按 GBK 编码可能是“{shown_name(guess)}”）"
    except (UnicodeEncodeError, UnicodeDecodeError):
        hint = ""
    where = "文件名" if _SURROGATE.search(name) else "文件所在文件夹的名称"
    raise IngestError(name, f"{where}含有无法识别的字符{hint}，请重命名后再导入。")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; binary, undecodable and blank data are refused."""
    if not data.strip():
        raise IngestError(name, "文件为空。")
    text = _decode(data, name)
    if not text.strip():  # a BOM alone, full-width spaces
        raise IngestError(name, "文件为空。")
    return text


def _decode(data: bytes, name: str) -> str:
    binary = IngestError(name, "这不是文本文件（含二进制内容），请上传 .txt、.md 或 .docx 文件。")
    unknown = IngestError(name, "无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的文本后再上传。")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # What Windows Notepad saves as "Unicode": full of zero bytes, yet text.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise unknown from None
        if _looks_like_text(text):
            return text
        raise binary
    if b"\x00" in data[:8192]:
        raise binary
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise unknown


def _looks_like_text(text: str) -> bool:
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\r\n\t\f")
    return controls <= len(text[:20000]) * 0.01


def read_docx(data: bytes, name: str) -> str:
    import io

    import docx

    if data.startswith(OLE_MAGIC):
        raise IngestError(name, "这是旧版 Word（.doc）或加密的文件，请在 Word 中取消密码并另存为 .docx 后再上传。")
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
    _check_name(name)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(name, "不支持的文件类型，只能导入 .txt、.md 或 .docx 文件。")
    if len(data) > max_bytes:
        raise IngestError(name, f"文件过大（{len(data) / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    if not data:
        raise IngestError(name, "文件为空。")
    if suffix == ".docx":
        return read_docx(data, name)
    return decode_text(data, name)


def read_file(path: Path, max_bytes: int) -> str:
    _check_name(path.name, str(path))  # a folder's name too: the index stores the path below its root
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
