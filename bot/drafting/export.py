"""Export a rendered draft to Markdown (for chat) and .docx (for filing).

The .docx follows the layout rules of GB/T 9704-2012 《党政机关公文格式》 closely
enough that staff can print it without re-formatting: A4, standard margins,
方正小标宋简体 title, 仿宋_GB2312 body, 黑体 / 楷体_GB2312 headings, fixed line
pitch and a "— 1 —" page number.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length, Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.drafting.document import RenderedDraft, numbered_headings

__all__ = [
    "TITLE_FONT",
    "BODY_FONT",
    "HEADING1_FONT",
    "HEADING2_FONT",
    "PAGE_NUMBER_FONT",
    "FONT_FALLBACKS",
    "to_markdown",
    "to_docx",
    "available_cjk_fonts",
]

# Official font names. The docx always names these: staff open it in Word on
# machines that have them, and a server lacking them must not change the file.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

# Ordered substitutes per official font. The first entry is written into the
# font table as w:altName, which Word uses when the official font is missing
# (e.g. stock Windows 10 has 仿宋 but not 仿宋_GB2312); the rest only serve the
# preview script's report of what a server will render with.
FONT_FALLBACKS: dict[str, tuple[str, ...]] = {
    TITLE_FONT: ("宋体", "华文中宋", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    BODY_FONT: ("仿宋", "FangSong", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    HEADING1_FONT: ("SimHei", "Noto Sans CJK SC"),
    HEADING2_FONT: ("楷体", "KaiTi", "Noto Serif CJK SC", "Noto Sans CJK SC"),
    PAGE_NUMBER_FONT: ("SimSun", "Noto Serif CJK SC", "Noto Sans CJK SC"),
}

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
# 2 characters of the body size, so headings and body share one indent.
FIRST_LINE_INDENT = Pt(32)
# 22 lines in the 225 mm type area (297 − 37 − 35) gives 28.95 pt per line.
LINE_PITCH = Pt(28.95)

# Characters XML 1.0 cannot carry; lxml refuses them outright, and pasted user
# text occasionally contains them, so they are dropped instead of failing.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _display_width(text: str) -> int:
    """Width in half-width cells: CJK counts 2, ASCII digits and letters 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --------------------------------------------------------------------------- #
# Markdown
# --------------------------------------------------------------------------- #

# Signature and date are pushed towards this column so they read as right-
# aligned in a chat bubble; 40 cells (20 Chinese characters) fits a phone.
_MARKDOWN_SIGNATURE_COLUMN = 40


def _one_line(text: str) -> str:
    # A newline inside a Markdown heading would end the heading early.
    return " ".join(_clean(text).split())


# What, at the start of a line, would reach beyond its paragraph in Markdown: a heading, a
# heading's underline or a rule, a code fence (swallowing what follows), raw HTML. Lists and
# quotes stay as typed: they only shape the paragraph itself.
_BLOCK_START = re.compile(r"(?:#{1,6}(?:\s|$)|`{3,}|~{3,}|(?:[-_*]\s*){3,}$|[=-]+\s*$|<)")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _literal(paragraph: str) -> str:
    """A paragraph whose lines cannot change the document around them: user text that starts
    with "## " or "```" stays text of its paragraph (escaped), never a heading or a code block."""
    lines = [line.lstrip(" \t") for line in _LINE_BREAK.split(paragraph)]
    return "\n".join("\\" + line if _BLOCK_START.match(line) else line for line in lines)


def to_markdown(draft: RenderedDraft) -> str:
    """Render the draft as Markdown for display in the chat window."""
    blocks: list[str] = [f"# {_one_line(draft.title)}"]
    for numbered, section in numbered_headings(draft):
        if numbered:
            marks = "##" if section.level <= 1 else "###"
            blocks.append(f"{marks} {_one_line(numbered)}")
        blocks.extend(_literal(p.strip()) for p in map(_clean, section.paragraphs) if p.strip())

    closing = [_one_line(line) for line in (draft.signature, draft.date) if line.strip()]
    if closing:
        widest = max(_display_width(line) for line in closing)
        pad_cells = max(0, _MARKDOWN_SIGNATURE_COLUMN - widest)
        for line in closing:
            # Full-width spaces survive Markdown rendering (ASCII indentation
            # would be stripped or turn into a code block).
            extra = pad_cells + (widest - _display_width(line))
            blocks.append("\u3000" * (extra // 2) + _literal(line))

    pending = [_one_line(item) for item in draft.pending if item.strip()]
    if pending:
        blocks.append("## 待补充清单")
        blocks.append("\n".join(f"- [ ] {item}" for item in pending))
    return "\n\n".join(blocks) + "\n"


# --------------------------------------------------------------------------- #
# docx
# --------------------------------------------------------------------------- #


def _set_rfonts(rpr: CT_RPr, font: str) -> None:
    """Name `font` for every script slot of a w:rPr.

    Theme attributes (w:asciiTheme …) take precedence over explicit names, so
    they are removed; otherwise the template's theme font would win.
    """
    rfonts = rpr.get_or_add_rFonts()  # keeps schema order inside w:rPr
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _style_run(run: Run, font: str, size: Length) -> None:
    run.font.size = size
    _set_rfonts(run._r.get_or_add_rPr(), font)


def _add_paragraph(
    doc: DocxDocument,
    text: str,
    font: str,
    size: Length,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: Length | None = FIRST_LINE_INDENT,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = indent
    if text:
        # add_run stores the text verbatim (escaped by lxml); user data is
        # never parsed as markup.
        _style_run(paragraph.add_run(_clean(text)), font, size)
    return paragraph


def _set_outline_level(paragraph: Paragraph, level: int) -> None:
    # Lets Word's navigation pane list the headings without using the
    # built-in Heading styles, which carry colours and theme fonts.
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    # Word rejects a w:pPr whose children are out of schema order.
    paragraph._p.get_or_add_pPr().insert_element_before(
        outline, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"
    )


def _setup_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # Keeps the page number about 7 mm below the type area, as GB/T 9704 asks.
    section.footer_distance = Mm(22)


def _setup_defaults(doc: DocxDocument) -> None:
    """Make 仿宋_GB2312 三号 at fixed pitch the default for every paragraph."""
    styles = doc.styles.element
    defaults_rpr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if defaults_rpr is not None:
        _set_rfonts(defaults_rpr, BODY_FONT)
        lang = defaults_rpr.find(qn("w:lang"))
        if lang is not None:
            # Chinese line-breaking and punctuation rules key off this.
            lang.set(qn("w:eastAsia"), "zh-CN")

    normal = doc.styles["Normal"]
    normal.font.size = BODY_SIZE
    _set_rfonts(normal.element.get_or_add_rPr(), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH


def _add_font_alternatives(doc: DocxDocument) -> None:
    """Declare the official fonts in the font table with GB2312 charset and an
    alternative name, so Word substitutes a Chinese face rather than a Latin
    default on a machine that lacks the official font."""
    part = doc.part
    rid = next((r for r, rel in part.rels.items() if rel.reltype == RT.FONT_TABLE), None)
    if rid is None:
        return
    old = part.rels[rid].target_part
    # The template's font table loads as an opaque Part; re-load it as an XML
    # part so it can be edited through public API.
    new = XmlPart.load(old.partname, old.content_type, old.blob, old.package)
    for name, fallbacks in FONT_FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, val in (("w:altName", fallbacks[0]), ("w:charset", "86"), ("w:family", "auto")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), val)
            font.append(child)
        new.element.append(font)
    part.drop_rel(rid)
    part.relate_to(new, RT.FONT_TABLE)


def _add_page_number(doc: DocxDocument) -> None:
    """Centre "— N —" in the footer, N being a live PAGE field."""
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(0)
    # The footer would otherwise inherit the body's exact 28.95 pt pitch.
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE

    def run_with(*children: BaseOxmlElement, text: str = "") -> None:
        run = paragraph.add_run(text)
        _style_run(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        for child in children:
            run._r.append(child)

    def fld_char(kind: str) -> BaseOxmlElement:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    cached = OxmlElement("w:t")
    cached.text = "1"  # shown until the viewer updates the field

    run_with(text="— ")
    run_with(fld_char("begin"))
    run_with(instr)
    run_with(fld_char("separate"))
    run_with(cached)
    run_with(fld_char("end"))
    run_with(text=" —")


def _add_closing(doc: DocxDocument, signature: str, date: str) -> None:
    """Signature right-aligned two characters in from the margin, with the
    date centred under it (or the other way round if the date is wider),
    per GB/T 9704 for documents without a seal."""
    lines = [_clean(line).strip() for line in (signature, date)]
    if not any(lines):
        return
    _add_paragraph(doc, "", BODY_FONT, BODY_SIZE)  # the blank line before it
    widest = max(_display_width(line) for line in lines)
    for line in lines:
        if not line:
            continue
        # Half a cell of a 16 pt character is 8 pt; centring needs half the
        # difference, hence 4 pt per cell.
        indent = FIRST_LINE_INDENT + Pt(4 * (widest - _display_width(line)))
        paragraph = _add_paragraph(
            doc, line, BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=None
        )
        paragraph.paragraph_format.right_indent = indent


def to_docx(draft: RenderedDraft, path: Path) -> Path:
    """Write the draft as an official-style .docx at `path` and return it.

    Never fails for missing fonts: the file only names them.
    """
    doc = Document()
    _setup_page(doc)
    _setup_defaults(doc)
    _add_font_alternatives(doc)
    doc.core_properties.title = _one_line(draft.title)
    doc.core_properties.language = "zh-CN"

    _add_paragraph(
        doc, draft.title.strip(), TITLE_FONT, TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER, indent=None,
    )
    _add_paragraph(doc, "", BODY_FONT, BODY_SIZE, indent=None)  # blank line after the title

    for numbered, section in numbered_headings(draft):
        if numbered:
            level1 = section.level <= 1
            heading = _add_paragraph(
                doc, numbered, HEADING1_FONT if level1 else HEADING2_FONT, BODY_SIZE
            )
            heading.paragraph_format.keep_with_next = True
            _set_outline_level(heading, 0 if level1 else 1)
        for text in section.paragraphs:
            # Staff often paste paragraphs with their own full-width indent;
            # the first-line indent already provides it.
            if text.strip():
                _add_paragraph(doc, text.strip(), BODY_FONT, BODY_SIZE)

    _add_closing(doc, draft.signature, draft.date)
    _add_page_number(doc)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


# --------------------------------------------------------------------------- #
# Font availability (for the preview script only)
# --------------------------------------------------------------------------- #


def available_cjk_fonts() -> set[str]:
    """Family names of installed fonts covering Chinese, per fontconfig.

    Used only to report what a server preview substitutes; the docx never
    depends on it. Empty when fc-list is absent or fails.
    """
    # A copy, so a caller editing the result cannot corrupt the cache.
    return set(_cjk_font_families())


@functools.cache
def _cjk_font_families() -> frozenset[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"],
            capture_output=True, text=True, timeout=15, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    families: set[str] = set()
    for line in result.stdout.splitlines():
        # One line per font; localized aliases are comma-separated.
        families.update(name.strip() for name in line.split(",") if name.strip())
    return frozenset(families)
