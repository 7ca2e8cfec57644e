"""What staff notice in an exported draft, checked by reading the files back."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import TypeVar

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph

from bot.drafting.document import (
    RenderedDraft,
    Section,
    chinese_numeral,
    numbered_headings,
    official_date,
)
from bot.drafting.export import available_cjk_fonts, to_docx, to_markdown

T = TypeVar("T")

TRICKY = "原文照录：{{ x }} <w:t> & </w:t></w:r> 【待补充：经费金额】"


def present(value: T | None) -> T:
    """A property python-docx types as optional that this document sets."""
    assert value is not None
    return value


@pytest.fixture
def draft() -> RenderedDraft:
    return RenderedDraft(
        title="幸福里社区2025年工作总结",
        sections=(
            Section("", 1, ("2025年，幸福里社区在街道党工委的领导下，扎实推进各项工作。",)),
            Section("主要工作及成效", 1, ()),
            Section("坚持党建引领", 2, ("全年开展主题党日活动12次。",)),
            Section("聚焦民生服务", 2, ("日均供餐120余份。", "暑期服务学生2600余人次。")),
            Section("存在的问题", 1, (TRICKY,)),
            Section("下一步打算", 1, ("重点做好以下工作。" * 80,)),
            Section("工作措施", 2, ()),
        ),
        signature="幸福里社区居民委员会",
        date="2025年12月20日",
        pending=("党委会议次数", "经费金额"),
    )


@pytest.fixture
def docx_file(draft: RenderedDraft, tmp_path: Path) -> DocxDocument:
    path = to_docx(draft, tmp_path / "out" / "总结.docx")
    assert path.exists()
    return Document(str(path))


def east_asia_font(paragraph: Paragraph) -> set[str | None]:
    fonts = set()
    for run in paragraph.runs:
        rfonts = present(run._r.rPr).find(qn("w:rFonts"))
        fonts.add(None if rfonts is None else rfonts.get(qn("w:eastAsia")))
    return fonts


def sizes(paragraph: Paragraph) -> set[Length | None]:
    return {run.font.size for run in paragraph.runs}


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_page_is_a4_with_official_margins(docx_file: DocxDocument) -> None:
    section = docx_file.sections[0]
    assert (round(present(section.page_width).mm), round(present(section.page_height).mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(present(m).mm) for m in margins] == [37, 35, 28, 26]


def test_title_is_first_centred_22pt_xiaobiaosong(docx_file: DocxDocument) -> None:
    title = docx_file.paragraphs[0]
    assert title.text == "幸福里社区2025年工作总结"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert sizes(title) == {Pt(22)}
    assert east_asia_font(title) == {"方正小标宋简体"}
    # One blank line separates the title from the body.
    assert docx_file.paragraphs[1].text == ""


def char_advance_pt(doc: DocxDocument) -> float:
    """What one body character takes on a line: the Normal style's size, its
    character spacing (w:spacing, 1/20 pt) and the grid's w:charSpace (1/4096 pt)."""
    normal = doc.styles["Normal"]
    spacing = normal.element.rPr.find(qn("w:spacing"))
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    return (
        normal.font.size.pt
        + (int(spacing.get(qn("w:val"))) / 20 if spacing is not None else 0)
        + int(grid.get(qn("w:charSpace"), "0")) / 4096
    )


def type_area_pt(doc: DocxDocument) -> tuple[float, float]:
    s = doc.sections[0]
    return (
        present(s.page_width).pt - present(s.left_margin).pt - present(s.right_margin).pt,
        present(s.page_height).pt - present(s.top_margin).pt - present(s.bottom_margin).pt,
    )


def test_body_is_16pt_fangsong_indented_two_characters(docx_file: DocxDocument) -> None:
    body = next(p for p in docx_file.paragraphs if p.text.startswith("全年开展"))
    assert sizes(body) == {Pt(16)}
    assert east_asia_font(body) == {"仿宋_GB2312"}
    # Two characters as they are set on the line, so the indented first line still holds 26.
    first_line = present(body.paragraph_format.first_line_indent)
    assert first_line.pt == pytest.approx(2 * char_advance_pt(docx_file), abs=0.05)
    assert present(present(body._p.pPr).ind).get(qn("w:firstLineChars")) == "200"  # shown as 2 字符 in Word


def test_lines_and_characters_fit_28_by_22(docx_file: DocxDocument) -> None:
    grid = docx_file.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    width, height = type_area_pt(docx_file)
    pitch = int(grid.get(qn("w:linePitch"))) / 20
    assert 22 * pitch <= height < 23 * pitch
    normal = docx_file.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.line_spacing.pt == pitch
    advance = char_advance_pt(docx_file)
    assert 28 * advance <= width < 29 * advance
    # The 16 pt body itself does not fit 28 (448 pt on a 442 pt line): the grid must narrow it.
    assert width < 28 * 16


def test_normal_style_names_the_body_font_for_chinese(docx_file: DocxDocument) -> None:
    rfonts = docx_file.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert rfonts.get(qn("w:ascii")) == "仿宋_GB2312"


def test_headings_numbered_in_order_with_heiti_and_kaiti(docx_file: DocxDocument) -> None:
    headings = [
        (p.text, east_asia_font(p))
        for p in docx_file.paragraphs
        if p.text.startswith(("一、", "二、", "三、", "（"))
    ]
    assert headings == [
        ("一、主要工作及成效", {"黑体"}),
        ("（一）坚持党建引领", {"楷体_GB2312"}),
        ("（二）聚焦民生服务", {"楷体_GB2312"}),
        ("二、存在的问题", {"黑体"}),
        ("三、下一步打算", {"黑体"}),
    ]
    # A lone subsection ("（一）" with no "（二）") keeps its heading and style, without a number.
    lone = [(p.text, east_asia_font(p)) for p in docx_file.paragraphs if p.text == "工作措施"]
    assert lone == [("工作措施", {"楷体_GB2312"})]


def test_untitled_opening_has_no_heading(docx_file: DocxDocument) -> None:
    assert texts(docx_file)[2].startswith("2025年，幸福里社区")


def test_signature_and_date_right_aligned_at_end(docx_file: DocxDocument) -> None:
    *_, blank, signature, date = docx_file.paragraphs
    assert (blank.text, signature.text, date.text) == ("", "幸福里社区居民委员会", "2025年12月20日")
    assert signature.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def right_chars(paragraph: Paragraph) -> float:
    return int(present(present(paragraph._p.pPr).ind).get(qn("w:rightChars"))) / 100


def width_chars(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def closing(doc: DocxDocument, n: int) -> list[Paragraph]:
    return doc.paragraphs[-n:]


def test_two_issuers_each_on_a_line_centred_over_the_date(tmp_path: Path) -> None:
    draft = RenderedDraft(
        title="t", sections=(Section("", 1, ("正文。",)),),
        issuers=("中共幸福里社区委员会", "幸福里社区居民委员会"), date="2025年12月20日",
    )
    doc = Document(str(to_docx(draft, tmp_path / "joint.docx")))
    first, second, date = closing(doc, 3)
    assert [p.text for p in (first, second, date)] == ["中共幸福里社区委员会", "幸福里社区居民委员会", "2025年12月20日"]
    assert {p.alignment for p in (first, second, date)} == {WD_ALIGN_PARAGRAPH.RIGHT}
    # GB/T 9704 7.3.5.1: the date 右空四字, the issuers centred over it.
    assert right_chars(date) == 4
    centre = right_chars(date) + width_chars(date.text) / 2
    for issuer in (first, second):
        assert right_chars(issuer) + width_chars(issuer.text) / 2 == pytest.approx(centre, abs=0.01)
        assert issuer.paragraph_format.right_indent.pt == pytest.approx(right_chars(issuer) * char_advance_pt(doc), abs=0.05)
    # The 落款 is never left at the foot of a page without its date.
    assert first.paragraph_format.keep_with_next and second.paragraph_format.keep_with_next


def test_issuer_wider_than_the_date_keeps_two_characters_from_the_margin(tmp_path: Path) -> None:
    draft = RenderedDraft(title="t", sections=(), issuers=("幸福里社区居民委员会幸福里社区服务中心",), date="2025年1月5日")
    issuer, date = closing(Document(str(to_docx(draft, tmp_path / "long.docx"))), 2)
    assert right_chars(issuer) == 2
    assert right_chars(issuer) + width_chars(issuer.text) / 2 == right_chars(date) + width_chars(date.text) / 2
    assert right_chars(date) > 4


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("2025年12月20日", "2025年12月20日"),
        ("二〇二五年十二月二十日", "2025年12月20日"),
        ("2025-01-05", "2025年1月5日"),
        ("2025/1/5", "2025年1月5日"),
        (" 2025 年 01 月 05 日 ", "2025年1月5日"),
        (dt.date(2025, 3, 8), "2025年3月8日"),
        ("2025年2月30日", "2025年2月30日"),  # not a date: kept for the staff member to see
        ("年底前", "年底前"),
    ],
)
def test_date_is_written_in_arabic_numerals_without_padding(typed: str | dt.date, printed: str) -> None:
    assert official_date(typed) == printed
    assert RenderedDraft(title="t", sections=(), date=typed).date == printed


def test_date_typed_in_chinese_is_exported_in_arabic(tmp_path: Path) -> None:
    draft = RenderedDraft(title="t", sections=(), signature="幸福里社区居民委员会", date="二〇二五年十二月二十日")
    assert [p.text for p in closing(Document(str(to_docx(draft, tmp_path / "d.docx"))), 2)] == [
        "幸福里社区居民委员会", "2025年12月20日",
    ]
    assert to_markdown(draft).rstrip().endswith("2025年12月20日")


def test_signature_keyword_still_builds_issuers() -> None:
    draft = RenderedDraft(title="t", sections=(), signature="中共幸福里社区委员会\n幸福里社区居民委员会")
    assert draft.issuers == ("中共幸福里社区委员会", "幸福里社区居民委员会")
    assert draft.signature == "中共幸福里社区委员会\n幸福里社区居民委员会"
    assert RenderedDraft(title="t", sections=(), issuers="幸福里社区居民委员会").issuers == ("幸福里社区居民委员会",)


def page_number_field(footer) -> bool:
    instructions = [el.text for el in footer._element.iter(qn("w:instrText"))]
    return any("PAGE" in (i or "") for i in instructions)


def test_page_numbers_right_on_odd_pages_left_on_even_pages(docx_file: DocxDocument) -> None:
    section = docx_file.sections[0]
    assert docx_file.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    assert not section.even_page_footer.is_linked_to_previous
    one_char = char_advance_pt(docx_file)
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert odd.paragraph_format.right_indent.pt == pytest.approx(one_char, abs=0.05)  # 右空一字
    assert even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert even.paragraph_format.left_indent.pt == pytest.approx(one_char, abs=0.05)  # 左空一字
    for paragraph, footer in ((odd, section.footer), (even, section.even_page_footer)):
        assert page_number_field(footer)
        assert re.fullmatch(r"— \d —", paragraph.text)
        assert sizes(paragraph) == {Pt(14)}  # 4号
        assert east_asia_font(paragraph) == {"宋体"}


def test_level3_headings_numbered_1_in_bold_fangsong(tmp_path: Path) -> None:
    draft = RenderedDraft(
        title="t",
        sections=(
            Section("主要做法", 1, ()),
            Section("强化组织", 2, ()),
            Section("建立联席会议", 3, ("每月召开一次。",)),
            Section("完善议事规则", 3, ()),
            Section("服务民生", 2, ()),
            Section("开设助餐点", 3, ()),
            Section("开展上门服务", 3, ()),
            Section("存在问题", 1, ()),
        ),
    )
    doc = Document(str(to_docx(draft, tmp_path / "l3.docx")))
    level3 = [p for p in doc.paragraphs if re.match(r"\d\.", p.text)]
    assert [p.text for p in level3] == ["1.建立联席会议", "2.完善议事规则", "1.开设助餐点", "2.开展上门服务"]
    for heading in level3:
        assert east_asia_font(heading) == {"仿宋_GB2312"}
        assert all(run.font.bold for run in heading.runs)
        assert sizes(heading) == {Pt(16)}
        assert present(present(heading._p.pPr).find(qn("w:outlineLvl"))).get(qn("w:val")) == "2"
    # Levels 1 and 2 stay regular.
    assert not any(run.font.bold for p in doc.paragraphs if p.text.startswith(("一、", "（")) for run in p.runs)
    markdown = to_markdown(draft)
    assert "#### 1.建立联席会议" in markdown and "#### 1.开设助餐点" in markdown


def test_markdown_numbers_headings_and_closes_like_the_docx(tmp_path: Path) -> None:
    draft = RenderedDraft(
        title="t",
        sections=(Section("", 1, ("开头。",)), Section("甲", 1, ()), Section("子", 2, ()), Section("细", 3, ("正文。",)),
                  Section("末", 3, ()), Section("丑", 2, ()), Section("乙", 1, ())),
        issuers=("中共幸福里社区委员会", "幸福里社区居民委员会"), date="2025-12-20",
    )
    doc = Document(str(to_docx(draft, tmp_path / "same.docx")))
    markdown = to_markdown(draft)
    md_headings = [line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("##")]
    docx_headings = [p.text for p in doc.paragraphs if re.match(r"([一二]、|（[一二]）|[12]\.)", p.text)]
    assert md_headings == docx_headings == ["一、甲", "（一）子", "1.细", "2.末", "（二）丑", "二、乙"]
    tail = [line.strip("\u3000") for line in markdown.strip().split("\n\n")[-3:]]
    assert tail == ["中共幸福里社区委员会", "幸福里社区居民委员会", "2025年12月20日"]
    assert markdown.index("正文。") < markdown.index("中共幸福里社区委员会")


def test_document_properties_name_the_issuers_and_today(tmp_path: Path) -> None:
    draft = RenderedDraft(
        title="幸福里社区2025年工作总结", sections=(),
        issuers=("中共幸福里社区委员会", "幸福里社区居民委员会"), date="2025年12月20日",
    )
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = to_docx(draft, tmp_path / "props.docx")
    after = dt.datetime.now(dt.UTC)
    props = Document(str(path)).core_properties
    assert props.author == props.last_modified_by == "中共幸福里社区委员会、幸福里社区居民委员会"
    assert props.title == "幸福里社区2025年工作总结"
    for stamp in (props.created, props.modified):
        assert before <= stamp.replace(tzinfo=dt.UTC) <= after
    with zipfile.ZipFile(path) as package:
        doc_props = [name for name in package.namelist() if name.startswith("docProps/")]
        assert doc_props
        for name in doc_props:
            assert b"python-docx" not in package.read(name), name


def test_user_text_appears_literally(docx_file: DocxDocument) -> None:
    assert TRICKY in texts(docx_file)


def test_long_paragraph_is_kept_whole(docx_file: DocxDocument) -> None:
    assert "重点做好以下工作。" * 80 in texts(docx_file)


def test_pending_list_is_not_in_docx(docx_file: DocxDocument) -> None:
    assert not any("待补充清单" in t for t in texts(docx_file))


def test_awkward_input_still_exports(tmp_path: Path) -> None:
    # Control characters cannot be stored in XML; they must not break export.
    awkward = RenderedDraft(
        title="",
        sections=(Section("", 1, ()), Section("空章节", 1, ("", "  ")), Section("x", 2, ("a\x00b\x1fc",))),
    )
    doc = Document(str(to_docx(awkward, tmp_path / "awkward.docx")))
    assert "abc" in texts(doc)
    assert "一、空章节" in texts(doc)


def test_markdown_has_headings_in_order_and_pending_checklist(draft: RenderedDraft) -> None:
    md = to_markdown(draft)
    lines = md.splitlines()
    assert lines[0] == "# 幸福里社区2025年工作总结"
    expected = [
        "## 一、主要工作及成效",
        "### （一）坚持党建引领",
        "### （二）聚焦民生服务",
        "## 二、存在的问题",
        "## 三、下一步打算",
        "### 工作措施",
        "## 待补充清单",
    ]
    positions = [lines.index(h) for h in expected]
    assert positions == sorted(positions)
    assert lines[-2:] == ["- [ ] 党委会议次数", "- [ ] 经费金额"]
    assert TRICKY in md
    # Signature and date come after the body and before the checklist.
    assert md.index("幸福里社区居民委员会") < md.index("2025年12月20日") < md.index("## 待补充清单")


def test_markdown_without_pending_has_no_checklist() -> None:
    md = to_markdown(RenderedDraft(title="调研报告", sections=(Section("基本情况", 1, ("正文",)),)))
    assert "待补充清单" not in md
    assert "## 一、基本情况" in md


def test_twelve_level1_sections_end_with_shier() -> None:
    draft = RenderedDraft(title="t", sections=tuple(Section(f"第{i}部分", 1, ()) for i in range(12)))
    numbered = [text for text, _ in numbered_headings(draft)]
    assert numbered[9:] == ["十、第9部分", "十一、第10部分", "十二、第11部分"]


def test_level2_numbering_restarts_and_untitled_is_blank() -> None:
    draft = RenderedDraft(
        title="t",
        sections=(
            Section("", 1, ("开头",)),
            Section("甲", 1, ()),
            Section("子", 2, ()),
            Section("乙", 1, ()),
            Section("丑", 2, ()),
            Section("寅", 2, ()),
        ),
    )
    assert [text for text, _ in numbered_headings(draft)] == [
        "", "一、甲", "子", "二、乙", "（一）丑", "（二）寅",  # a lone （一） is printed without its number
    ]


def test_level3_numbering_restarts_under_each_higher_heading() -> None:
    draft = RenderedDraft(
        title="t",
        sections=(
            Section("甲", 1, ()),
            Section("a", 3, ()),
            Section("b", 3, ()),
            Section("子", 2, ()),
            Section("c", 3, ()),
            Section("乙", 1, ()),
            Section("d", 4, ()),  # deeper than the standard's levels prints as level 3
        ),
    )
    assert [text for text, _ in numbered_headings(draft)] == [
        "一、甲", "1.a", "2.b", "子", "c", "二、乙", "d",  # lone subsections keep no number
    ]


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九"), (105, "一百零五")],
)
def test_chinese_numeral(n: int, expected: str) -> None:
    assert chinese_numeral(n) == expected


def test_available_cjk_fonts_is_a_set() -> None:
    fonts = available_cjk_fonts()
    assert isinstance(fonts, set)
    fonts.add("不存在的字体")  # a caller's copy must not leak into the cache
    assert "不存在的字体" not in available_cjk_fonts()
