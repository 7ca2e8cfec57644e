"""Read the files offices keep into text, refusing bad input with a clear Chinese message.

.txt/.md in any of the encodings Windows tools write, .docx (tables, text boxes, content
controls, headers, footnotes), .doc through LibreOffice, .pdf with a text layer, saved web
pages (.html/.htm). Every check happens here, before anything is written: size, emptiness,
binary content, zip bombs, scans without text.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from bot.errors import DrafterError
from bot.ingest.encoding import EncodingError, decode

SUPPORTED = (".txt", ".md", ".docx", ".doc", ".pdf", ".html", ".htm")
# A format staff keep that we cannot read: found in a folder it is named, with what to do.
ADVISED = {".wps": "这是 WPS 文字格式（.wps），无法直接读取。请在 WPS 中“另存为”Word 文档（.docx）后再上传。"}
FORMATS_SHOWN = ".txt、.md、.docx、.doc、.pdf 或 .html"
MAX_DOCX_UNPACKED = 100 * 1024 * 1024  # a zip bomb unpacks far beyond any real document
MAX_NAME_SHOWN = 60  # characters of a file name quoted in a message
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # old .doc and .wps, and password-protected Word files
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


class IngestError(DrafterError):
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
    """UTF-8 (with or without BOM), UTF-16/32, GB18030/GBK or Big5; binary, undecodable and blank data are refused."""
    if not data.strip():
        raise IngestError(name, "文件为空。")
    try:
        text = decode(data).text
    except EncodingError as err:
        if err.kind == "binary":
            raise IngestError(name, f"这不是文本文件（含二进制内容），请上传 {FORMATS_SHOWN} 文件。") from None
        raise IngestError(name, "无法识别文件编码，请另存为 UTF-8 编码的文本后再上传。") from None
    if not text.strip():  # a BOM alone, full-width spaces
        raise IngestError(name, "文件为空。")
    return text


def _unsupported(name: str) -> str:
    return ADVISED.get(Path(name).suffix.lower()) or f"不支持的文件类型，只能导入 {FORMATS_SHOWN} 文件。"


def unsupported_message(name: str) -> str:
    """Why a file of this type is not read, and what to do instead (for a channel's own check)."""
    return str(IngestError(name, _unsupported(name)))


def read_docx(data: bytes, name: str) -> str:
    import docx

    from bot.ingest.docx_text import docx_lines, note_lines

    if data.startswith(OLE_MAGIC):
        raise IngestError(name, "这是旧版 Word（.doc）或加密的文件，请在 Word 中取消密码并另存为 .docx 后再上传。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(info.file_size for info in zf.infolist()) > MAX_DOCX_UNPACKED:
                raise IngestError(name, "Word 文件解压后过大，疑似异常文件，已拒绝。")
            if "word/document.xml" not in zf.namelist():
                raise IngestError(name, "Word 文件已损坏或不是 .docx 格式。")
        document = docx.Document(io.BytesIO(data))
        lines = docx_lines(document) + note_lines(data)
    except IngestError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on corrupt files
        raise IngestError(name, "Word 文件已损坏或不是 .docx 格式，无法读取。") from exc
    text = "\n".join(lines)
    if not text.strip():
        raise IngestError(name, "Word 文件中没有文字内容。")
    return text


def read_doc(data: bytes, name: str) -> str:
    """A Word 97-2003 file, converted to .docx by LibreOffice when it is installed."""
    from bot.ingest.office import ConversionError, doc_to_docx

    if data.startswith(b"PK\x03\x04"):
        return read_docx(data, name)  # a .docx saved with the old extension
    if not data.startswith(OLE_MAGIC):
        raise IngestError(name, "文件已损坏或不是 Word 文档（.doc）。")
    try:
        converted = doc_to_docx(data)
    except ConversionError as err:
        if err.reason == "missing":
            raise IngestError(name, "读取旧版 Word（.doc）文件需要 LibreOffice，本机未安装。请在 Word 或 WPS 中"
                                    "“另存为”.docx 后再上传，或请管理员安装 LibreOffice（apt-get install libreoffice-writer）。") from None
        if err.reason == "timeout":
            raise IngestError(name, "旧版 Word（.doc）文件转换超时，请在 Word 或 WPS 中“另存为”.docx 后再上传。") from None
        raise IngestError(name, "无法读取这个 .doc 文件（可能已损坏或设有密码），请在 Word 或 WPS 中打开，"
                                "取消密码后“另存为”.docx 再上传。") from None
    return read_docx(converted, name)


def read_pdf(data: bytes, name: str) -> str:
    from bot.ingest.pdf_text import MAX_PAGES, PdfError, pdf_text

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise IngestError(name, "PDF 文件已损坏或不是 PDF 格式。")
    try:
        return pdf_text(data)
    except PdfError as err:
        messages = {
            "no_text": "这个 PDF 没有文字层（可能是扫描件或图片），无法提取文字。请提供可以复制文字的 PDF 或 Word 文件，"
                       "或先用 OCR 软件识别成文字。",
            "encrypted": "这个 PDF 设有打开密码，无法读取。请取消密码后再上传。",
            "too_many_pages": f"PDF 页数超过 {MAX_PAGES} 页，已拒绝。",
        }
        raise IngestError(name, messages.get(err.reason, "PDF 文件已损坏，无法读取。")) from None


def read_html(data: bytes, name: str) -> str:
    from bot.ingest.html_text import html_text

    try:
        text = html_text(data)
    except EncodingError as err:
        if err.kind == "binary":
            raise IngestError(name, "这不是网页文件（含二进制内容）。") from None
        raise IngestError(name, "无法识别网页的编码，请在浏览器中另存为 UTF-8 编码的网页后再上传。") from None
    if not text.strip():
        raise IngestError(name, "网页中没有找到正文文字。")
    return text


_READERS = {".docx": read_docx, ".doc": read_doc, ".pdf": read_pdf, ".html": read_html, ".htm": read_html}


def read_bytes(data: bytes, name: str, max_bytes: int) -> str:
    """Text of an uploaded or stored file, by its extension."""
    _check_name(name)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(name, _unsupported(name))
    if len(data) > max_bytes:
        raise IngestError(name, f"文件过大（{len(data) / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    if not data:
        raise IngestError(name, "文件为空。")
    reader = _READERS.get(suffix)
    return reader(data, name) if reader else decode_text(data, name)


def read_file(path: Path, max_bytes: int) -> str:
    _check_name(path.name, str(path))  # a folder's name too: the index stores the path below its root
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(path.name, f"文件过大（{size / 1048576:.1f} MB），上限为 {max_bytes / 1048576:.0f} MB。")
    return read_bytes(path.read_bytes(), path.name, max_bytes)


def discover(paths: list[Path]) -> list[Path]:
    """Files under the given files/folders that we read, or refuse with advice (.wps), sorted
    for a stable order."""
    found: list[Path] = []
    wanted = set(SUPPORTED) | set(ADVISED)
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in wanted)
        elif path.exists():
            found.append(path)
        else:
            raise IngestError(str(path), "找不到该文件或文件夹。")
    return sorted(dict.fromkeys(found))
