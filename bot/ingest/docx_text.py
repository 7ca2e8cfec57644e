"""The text of a .docx in reading order: paragraphs, tables (nested ones too), content controls
(w:sdt), text boxes, then headers, footers, footnotes and endnotes.

python-docx's ``document.paragraphs`` sees only top-level paragraphs and ``tables`` only
top-level tables; a template filled in through content controls, or a report laid out in a
table or in text boxes, would lose its text. So the body XML is walked here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lxml import etree

from bot.text.clean import CELL_SEPARATOR

if TYPE_CHECKING:
    from docx.document import Document

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (f"{{{W}}}{t}" for t in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_T, _TAB, _BR, _CR, _TXBX = (f"{{{W}}}{t}" for t in ("t", "tab", "br", "cr", "txbxContent"))
_FALLBACK = f"{{{MC}}}Fallback"  # the VML copy of a text box drawn as DrawingML: read once
_NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")
# Separator and continuation notes hold no text; real notes have ids from 1.
_NOTE_ID = f"{{{W}}}id"
LAYOUT_CELL_HAN = 100  # a cell holding this much is a page laid out in a table, not a data cell


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def block_lines(element: etree._Element) -> Iterator[str]:
    """Lines of a body-like element (body, cell, text box, header, note), in order."""
    for child in element:
        tag = child.tag
        if tag == _P:
            yield from _paragraph_lines(child)
        elif tag == _TBL:
            yield from _table_lines(child)
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from block_lines(content)
        elif isinstance(tag, str) and tag != _FALLBACK:
            # customXml, smartTag, ins, AlternateContent wrappers: their children are blocks too.
            yield from block_lines(child)


def _paragraph_lines(p: etree._Element) -> Iterator[str]:
    """A paragraph's text (soft line breaks kept as lines), then the text boxes anchored in it."""
    parts: list[str] = []
    boxes: list[etree._Element] = []

    def walk(node: etree._Element) -> None:
        for child in node:
            tag = child.tag
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _TXBX:
                boxes.append(child)
            elif tag in (_FALLBACK, _P):
                continue
            elif isinstance(tag, str):
                walk(child)

    walk(p)
    yield from "".join(parts).split("\n")
    for box in boxes:
        yield from block_lines(box)


def _table_lines(tbl: etree._Element) -> Iterator[str]:
    """A data row as one line (cells apart by `` | ``); a row whose cells hold
    whole paragraphs of text (a layout table) or tables of their own line by line."""
    for row in tbl.iter(_TR):
        if row.getparent() is not None and _owning_table(row) is not tbl:
            continue  # a row of a nested table: read with its own table, inside its cell
        cells = [list(block_lines(tc)) for tc in _cells(row)]
        texts = [[line for line in cell if line.strip()] for cell in cells]
        filled = [cell for cell in texts if cell]
        long = any(len(cell) > 1 or sum(len(line) for line in cell) > LAYOUT_CELL_HAN for cell in filled)
        if len(filled) <= 1 or long:
            for cell in filled:
                yield from cell
        else:
            yield CELL_SEPARATOR.join(" ".join(cell) for cell in filled)


def _owning_table(row: etree._Element) -> etree._Element | None:
    node = row.getparent()
    while node is not None and node.tag != _TBL:
        node = node.getparent()
    return node


def _cells(row: etree._Element) -> Iterator[etree._Element]:
    for child in row:
        if child.tag == _TC:
            yield child
        elif child.tag == _SDT:  # a content control around cells
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from (c for c in content if c.tag == _TC)


def docx_lines(document: Document) -> list[str]:
    """All text of an opened python-docx ``Document``: body, then headers and footers (each
    distinct one once), then footnotes and endnotes."""
    lines = list(block_lines(document.element.body))
    seen: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if part.is_linked_to_previous:
                continue
            text = "\n".join(block_lines(part._element))
            if text.strip() and text not in seen:
                seen.add(text)
                lines.extend(text.split("\n"))
    return lines


def note_lines(data: bytes) -> list[str]:
    """Footnotes and endnotes, read from their parts (python-docx does not expose them)."""
    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        for part in _NOTE_PARTS:
            if part not in names:
                continue
            root = etree.fromstring(zf.read(part), _safe_parser())
            for note in root:
                try:
                    if int(note.get(_NOTE_ID, "0")) < 1:
                        continue
                except ValueError:
                    continue
                out.extend(block_lines(note))
    return out
