"""What staff notice in an exported draft, checked by reading the files back."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph

from bot.drafting.document import RenderedDraft, Section, chinese_numeral, numbered_headings
from bot.drafting.export import available_cjk_fonts, to_docx, to_markdown

TRICKY = "原文照录：{{ x }} <w:t> & </w:t></w:r> 【待补充：经费金额】"


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
        rfonts = run._r.rPr.find(qn("w:rFonts"))
        fonts.add(None if rfonts is None else rfonts.get(qn("w:eastAsia")))
    return fonts


def sizes(paragraph: Paragraph) -> set[Length | None]:
    return {run.font.size for run in paragraph.runs}


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_page_is_a4_with_official_margins(docx_file: DocxDocument) -> None:
    section = docx_file.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]


def test_title_is_first_centred_22pt_xiaobiaosong(docx_file: DocxDocument) -> None:
    title = docx_file.paragraphs[0]
    assert title.text == "幸福里社区2025年工作总结"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert sizes(title) == {Pt(22)}
    assert east_asia_font(title) == {"方正小标宋简体"}
    # One blank line separates the title from the body.
    assert docx_file.paragraphs[1].text == ""


def test_body_is_16pt_fangsong_with_indent_and_fixed_pitch(docx_file: DocxDocument) -> None:
    body = next(p for p in docx_file.paragraphs if p.text.startswith("全年开展"))
    assert sizes(body) == {Pt(16)}
    assert east_asia_font(body) == {"仿宋_GB2312"}
    assert body.paragraph_format.first_line_indent == Pt(32)
    normal = docx_file.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(28) <= normal.line_spacing <= Pt(29)


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
        ("（一）工作措施", {"楷体_GB2312"}),
    ]


def test_untitled_opening_has_no_heading(docx_file: DocxDocument) -> None:
    assert texts(docx_file)[2].startswith("2025年，幸福里社区")


def test_signature_and_date_right_aligned_at_end(docx_file: DocxDocument) -> None:
    *_, signature, date = docx_file.paragraphs
    assert (signature.text, date.text) == ("幸福里社区居民委员会", "2025年12月20日")
    assert signature.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_footer_has_centred_page_field(docx_file: DocxDocument) -> None:
    footer = docx_file.sections[0].footer
    paragraph = footer.paragraphs[0]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instructions = [el.text for el in footer._element.iter(qn("w:instrText"))]
    simple = [el.get(qn("w:instr")) for el in footer._element.iter(qn("w:fldSimple"))]
    assert any("PAGE" in (i or "") for i in instructions + simple)
    assert paragraph.text.startswith("—") and paragraph.text.endswith("—")


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
        "### （一）工作措施",
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
        "", "一、甲", "（一）子", "二、乙", "（一）丑", "（二）寅",
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
