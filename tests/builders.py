"""Files the tests build: real .docx bytes, and a .docx-shaped zip bomb."""

from __future__ import annotations

import io
import zipfile

import docx

from bot.ingest.loaders import MAX_DOCX_UNPACKED


def docx_bytes(*paragraphs: str) -> bytes:
    """A real Word document with one paragraph per argument."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def zip_bomb_docx() -> bytes:
    """A small upload whose word/document.xml unpacks to just over the loader's limit (streamed,
    so building it never holds the unpacked bytes)."""
    buf = io.BytesIO()
    with (zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
          zf.open("word/document.xml", "w", force_zip64=True) as entry):
            chunk = bytes(1024 * 1024)
            for _ in range(MAX_DOCX_UNPACKED // len(chunk) + 1):
                entry.write(chunk)
    return buf.getvalue()
