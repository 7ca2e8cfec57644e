"""Export a rendered draft to Markdown (for chat) and .docx (for filing).

The .docx follows the layout rules of GB/T 9704-2012 《党政机关公文格式》 closely
enough that staff can print it without re-formatting: A4, standard margins,
22 lines of 28 characters (a document grid and condensed character spacing,
see `_Grid`), 方正小标宋简体 title, 仿宋_GB2312 body,
黑体 / 楷体_GB2312 / bold 仿宋 headings, 落款 and 成文日期 under the body, and
"— 1 —" page numbers right on odd pages, left on even ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
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
from docx.section import _Footer
from docx.shared import Length, Mm, Pt, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.drafting.document import RenderedDraft, heading_level, numbered_headings

__all__ = [
    "BODY_FONT",
    "CHARS_PER_LINE",
    "FONT_FALLBACKS",
    "HEADING1_FONT",
    "HEADING2_FONT",
    "HEADING3_FONT",
    "LINES_PER_PAGE",
    "PAGE_NUMBER_FONT",
    "TITLE_FONT",
    "available_cjk_fonts",
    "to_docx",
    "to_markdown",
]

# Official font names. The docx always names these: staff open it in Word on
# machines that have them, and a server lacking them must not change the file.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
HEADING3_FONT = BODY_FONT  # in bold
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

# GB/T 9704 5.2.1-5.2.3: A4, 天头 37 mm, 订口 28 mm, so a 156 × 225 mm type area
# holding 22 lines of 28 characters.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP_MARGIN, BOTTOM_MARGIN, LEFT_MARGIN, RIGHT_MARGIN = Mm(37), Mm(35), Mm(28), Mm(26)
CHARS_PER_LINE = 28
LINES_PER_PAGE = 22

# Indents, in characters (GB/T 9704 counts every horizontal distance in 字).
FIRST_LINE_CHARS = 2  # paragraphs and headings alike
DATE_RIGHT_CHARS = 4  # 7.3.5.1: 成文日期一般右空四字
ISSUER_RIGHT_CHARS = 2  # 7.3.5.2: a 署名 never closer to the margin than 右空二字
PAGE_NUMBER_CHARS = 1  # 7.5: 单页码居右空一字，双页码居左空一字

# Characters XML 1.0 cannot carry; lxml refuses them outright, and pasted user
# text occasionally contains them, so they are dropped instead of failing.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _display_width(text: str) -> int:
    """Width in half-width cells: CJK counts 2, ASCII digits and letters 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _closing(draft: RenderedDraft) -> list[tuple[str, float]]:
    """The 发文机关署名 lines and the 成文日期, each with its distance from the right
    margin in characters (GB/T 9704 7.3.5.1): the date 右空四字, each issuer
    centred over it. An issuer too wide for that keeps 右空二字 and the date moves
    left to stay centred under it, as 7.3.5.2 does for a long date."""
    issuers = [line for line in map(_one_line, draft.issuers) if line]
    date = _one_line(draft.date)
    lines = [*issuers, date] if date else issuers

    def width(line: str) -> float:
        return _display_width(line) / 2  # in characters: Arabic digits are half-width

    # The axis every line is centred on, in characters from the right margin:
    # the farthest in of the date's and the issuers' own positions.
    centres = [ISSUER_RIGHT_CHARS + width(issuer) / 2 for issuer in issuers]
    if date:
        centres.append(DATE_RIGHT_CHARS + width(date) / 2)
    axis = max(centres, default=0)
    return [(line, axis - width(line) / 2) for line in lines]


# --------------------------------------------------------------------------- #
# Markdown
# --------------------------------------------------------------------------- #

# Issuers and date are pushed towards this column so they read as right-
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
            # The title is "#", so level 1 is "##", level 3 "####".
            blocks.append(f"{'#' * (heading_level(section) + 1)} {_one_line(numbered)}")
        blocks.extend(_literal(p.strip()) for p in map(_clean, section.paragraphs) if p.strip())

    closing = _closing(draft)
    if closing:
        # The docx layout without its distance from the margin: the line nearest the
        # margin ends at the column, the others are centred on the same axis.
        nearest = min(gap for _, gap in closing)
        for line, gap in closing:
            start = _MARKDOWN_SIGNATURE_COLUMN - 2 * (gap - nearest) - _display_width(line)
            # Full-width spaces survive Markdown rendering (ASCII indentation
            # would be stripped or turn into a code block).
            blocks.append("\u3000" * max(0, round(start / 2)) + _literal(line))

    pending = [_one_line(item) for item in draft.pending if item.strip()]
    if pending:
        blocks.append("## 待补充清单")
        blocks.append("\n".join(f"- [ ] {item}" for item in pending))
    return "\n\n".join(blocks) + "\n"


# --------------------------------------------------------------------------- #
# docx
# --------------------------------------------------------------------------- #

# Heading font and weight per level (GB/T 9704 7.3.3: 黑体, 楷体, then 仿宋; the
# third level in bold so that it still stands out from the body).
_HEADING_FONTS: dict[int, tuple[str, bool]] = {
    1: (HEADING1_FONT, False),
    2: (HEADING2_FONT, False),
    3: (HEADING3_FONT, True),
}


@dataclass(frozen=True)
class _Grid:
    """How the type area becomes 22 lines of 28 characters.

    28 characters of 16 pt (448 pt) are wider than the 156 mm (442.2 pt)
    line, so line spacing alone fits 27. Word narrows the characters through a
    negative w:docGrid charSpace, but LibreOffice cannot: a negative charSpace
    leaves it 1 to 14 characters a line (measured with 7.4). So the narrowing
    is a condensed character spacing on the Normal style, which both apply,
    and charSpace only ever widens (a page with room to spare).
    """

    line_pitch: int  # twips from one line to the next (w:docGrid w:linePitch)
    spacing: int  # twentieths of a point added to every character, ≤ 0 (w:spacing)
    char_space: int  # 1/4096 pt added to every character by the grid, ≥ 0 (w:charSpace)

    @classmethod
    def of(cls, width_twips: int, height_twips: int) -> _Grid:
        # All rounded down: a cell or a line a fraction too big pushes the
        # 28th character or the 22nd line off the type area.
        room_pt = width_twips / 20 / CHARS_PER_LINE - BODY_SIZE.pt
        return cls(
            line_pitch=height_twips // LINES_PER_PAGE,
            spacing=min(0, math.floor(room_pt * 20)),
            char_space=max(0, math.floor(room_pt * 4096)),
        )

    @property
    def cell_pt(self) -> float:
        """The advance of one body character."""
        return float(BODY_SIZE.pt) + self.spacing / 20 + self.char_space / 4096

    def chars(self, n: float) -> Length:
        """The width of `n` body characters."""
        return Twips(math.floor(n * self.cell_pt * 20))


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


def _style_run(run: Run, font: str, size: Length, *, bold: bool = False) -> None:
    run.font.size = size
    if bold:
        run.font.bold = True
    _set_rfonts(run._r.get_or_add_rPr(), font)


def _indent(paragraph: Paragraph, grid: _Grid, *, first_line: float = 0, right: float = 0) -> None:
    """Indent by body characters: w:firstLineChars / w:rightChars, which Word and
    WPS show as 字符 in their paragraph dialog, and the same in twips for
    LibreOffice, which reads only those."""
    fmt = paragraph.paragraph_format
    if first_line:
        fmt.first_line_indent = grid.chars(first_line)
    if right:
        fmt.right_indent = grid.chars(right)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    for attr, chars in (("w:firstLineChars", first_line), ("w:rightChars", right)):
        if chars:
            ind.set(qn(attr), str(round(chars * 100)))


def _add_paragraph(
    doc: DocxDocument,
    text: str,
    grid: _Grid,
    font: str = BODY_FONT,
    size: Length = BODY_SIZE,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line: float = FIRST_LINE_CHARS,
    bold: bool = False,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    _indent(paragraph, grid, first_line=first_line)
    if text:
        # add_run stores the text verbatim (escaped by lxml); user data is
        # never parsed as markup.
        _style_run(paragraph.add_run(_clean(text)), font, size, bold=bold)
    return paragraph


# Child order of w:pPr and w:rPr in the schema: Word rejects a file whose
# children are out of order, and python-docx only orders the ones it knows.
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)


def _insert(parent: BaseOxmlElement, tag: str, order: tuple[str, ...], val: str) -> None:
    """Add <tag w:val=val/> to a w:pPr or w:rPr at its place in the schema order."""
    element = OxmlElement(tag)
    element.set(qn("w:val"), val)
    parent.insert_element_before(element, *order[order.index(tag) + 1:])


def _set_outline_level(paragraph: Paragraph, level: int) -> None:
    # Lets Word's navigation pane list the headings without using the
    # built-in Heading styles, which carry colours and theme fonts.
    _insert(paragraph._p.get_or_add_pPr(), "w:outlineLvl", _PPR_ORDER, str(level))


def _setup_page(doc: DocxDocument) -> _Grid:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP_MARGIN, BOTTOM_MARGIN
    section.left_margin, section.right_margin = LEFT_MARGIN, RIGHT_MARGIN
    # GB/T 9704 7.5 puts the page number's 一字线 7 mm below the type area;
    # measured on the LibreOffice rendering, 25 mm from the page edge does.
    section.footer_distance = Mm(25)
    # From the twips actually written, so rounding cannot cost a character.
    grid = _Grid.of(
        section.page_width.twips - section.left_margin.twips - section.right_margin.twips,
        section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips,
    )
    doc_grid = section._sectPr.find(qn("w:docGrid"))
    if doc_grid is None:  # the default template has one; sectPr ends with it
        doc_grid = OxmlElement("w:docGrid")
        section._sectPr.append(doc_grid)
    doc_grid.set(qn("w:type"), "linesAndChars")
    doc_grid.set(qn("w:linePitch"), str(grid.line_pitch))
    doc_grid.set(qn("w:charSpace"), str(grid.char_space))
    return grid


def _setup_defaults(doc: DocxDocument, grid: _Grid) -> None:
    """Make 仿宋_GB2312 三号 on the line grid the default for every paragraph."""
    styles = doc.styles.element
    defaults_rpr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if defaults_rpr is not None:
        _set_rfonts(defaults_rpr, BODY_FONT)
        lang = defaults_rpr.find(qn("w:lang"))
        if lang is not None:
            # Chinese line-breaking and punctuation rules key off this.
            lang.set(qn("w:eastAsia"), "zh-CN")
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        # The template says ja-JP, which picks Japanese glyph forms in theme fonts.
        theme_lang.set(qn("w:eastAsia"), "zh-CN")

    # The grid's cell is counted from the Normal style's size (Word and
    # LibreOffice both read it there), so it must be the body size.
    normal = doc.styles["Normal"]
    normal.font.size = BODY_SIZE
    rpr = normal.element.get_or_add_rPr()
    _set_rfonts(rpr, BODY_FONT)
    if grid.spacing:
        # In the style, so that text staff add in Word keeps 28 to the line.
        _insert(rpr, "w:spacing", _RPR_ORDER, str(grid.spacing))
    ppr = normal.element.get_or_add_pPr()
    # Word's default, written out because LibreOffice reads its absence as
    # "hang punctuation in the margin", and then loses a comma that falls just
    # after a full line. With it, LibreOffice moves the comma's character down.
    _insert(ppr, "w:overflowPunct", _PPR_ORDER, "1")
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        # No extra space between Chinese and Latin letters or digits, which both
        # Word and LibreOffice add by default: "2025年12月20日" is set solid in
        # GB/T 9704, and the 落款 is centred on widths counted without it.
        _insert(ppr, tag, _PPR_ORDER, "0")
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    # Exactly one grid line, also for the larger title and for any reader
    # that ignores the grid.
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(grid.line_pitch)


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


def _fill_page_number(footer: _Footer, grid: _Grid, *, odd: bool) -> None:
    """"— N —" with N a live PAGE field: 右空一字 on odd pages, 左空一字 on even ones."""
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(0)
    if odd:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = grid.chars(PAGE_NUMBER_CHARS)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.left_indent = grid.chars(PAGE_NUMBER_CHARS)
    # The footer would otherwise inherit the body's exact line pitch.
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
    cached.text = "1" if odd else "2"  # shown until the viewer updates the field

    run_with(text="— ")
    run_with(fld_char("begin"))
    run_with(instr)
    run_with(fld_char("separate"))
    run_with(cached)
    run_with(fld_char("end"))
    run_with(text=" —")


def _add_page_numbers(doc: DocxDocument, grid: _Grid) -> None:
    # w:evenAndOddHeaders in settings makes Word use the even footer on even pages.
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.even_page_footer.is_linked_to_previous = False  # gives it a footer part
    _fill_page_number(section.footer, grid, odd=True)
    _fill_page_number(section.even_page_footer, grid, odd=False)


def _add_closing(doc: DocxDocument, draft: RenderedDraft, grid: _Grid) -> None:
    closing = _closing(draft)
    if not closing:
        return
    blank = _add_paragraph(doc, "", grid)  # 正文下空一行
    blank.paragraph_format.keep_with_next = True
    for i, (line, gap) in enumerate(closing):
        paragraph = _add_paragraph(doc, line, grid, align=WD_ALIGN_PARAGRAPH.RIGHT, first_line=0)
        _indent(paragraph, grid, right=gap)
        # The 落款 never starts a page without its date.
        paragraph.paragraph_format.keep_with_next = i < len(closing) - 1


def _set_properties(doc: DocxDocument, draft: RenderedDraft) -> None:
    """Title, the issuers as author and today's date, replacing the template's
    "python-docx" author and description and its 2013 dates."""
    props = doc.core_properties
    props.title = _one_line(draft.title)
    props.author = props.last_modified_by = "、".join(map(_one_line, draft.issuers))
    props.comments = ""
    props.language = "zh-CN"
    props.revision = 1
    # python-docx writes the value with a Z, so it must be UTC.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now


def to_docx(draft: RenderedDraft, path: Path) -> Path:
    """Write the draft as an official-style .docx at `path` and return it.

    Never fails for missing fonts: the file only names them.
    """
    doc = Document()
    grid = _setup_page(doc)
    _setup_defaults(doc, grid)
    _add_font_alternatives(doc)
    _set_properties(doc, draft)

    title = _add_paragraph(
        doc, draft.title.strip(), grid, TITLE_FONT, TITLE_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER, first_line=0,
    )
    # A 22 pt line is taller than a grid line: on the grid LibreOffice gives it
    # two, which pushes the 22nd line of the first page to the next one. Off
    # the grid it keeps the exact one-line pitch of the Normal style.
    _insert(title._p.get_or_add_pPr(), "w:snapToGrid", _PPR_ORDER, "0")
    _add_paragraph(doc, "", grid, first_line=0)  # blank line after the title

    for numbered, section in numbered_headings(draft):
        if numbered:
            level = heading_level(section)
            font, bold = _HEADING_FONTS[level]
            heading = _add_paragraph(doc, numbered, grid, font, bold=bold)
            heading.paragraph_format.keep_with_next = True
            _set_outline_level(heading, level - 1)
        for text in section.paragraphs:
            # Staff often paste paragraphs with their own full-width indent;
            # the first-line indent already provides it.
            if text.strip():
                _add_paragraph(doc, text.strip(), grid)

    _add_closing(doc, draft, grid)
    _add_page_numbers(doc, grid)

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
