"""The exported .docx as LibreOffice lays it out (through scripts/preview_docx.sh):
28 characters a line, 22 lines a page, page numbers right on odd pages and left on even ones.

Skipped where LibreOffice, poppler or a Chinese font is missing (CI machines usually).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.drafting.document import RenderedDraft, Section
from bot.drafting.export import available_cjk_fonts, to_docx

PREVIEW = Path(__file__).resolve().parents[2] / "scripts" / "preview_docx.sh"
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 595.3, 841.9  # A4
LEFT_PT, RIGHT_PT, BOTTOM_PT = 28 / 25.4 * 72, 26 / 25.4 * 72, 35 / 25.4 * 72  # GB/T 9704 margins


def _missing() -> str:
    for tool in ("libreoffice", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            return tool
    # Without one the script would install packages; a test never does.
    return "" if available_cjk_fonts() else "a Chinese font (fonts-noto-cjk)"


MISSING = _missing()
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs {MISSING} to render the .docx")

# No punctuation, so every line break is free to fall after any character.
HAN = "社区党建引领基层治理居民自治便民服务平安建设志愿服务养老助餐环境整治"
# A comma just after a full first, second and third line (26, 26 + 28, 26 + 2 × 28 characters).
COMMA_AT_LINE_END = tuple((HAN * 3)[:k] + "，" + HAN[:20] + "。" for k in (26, 54, 82))


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("render")
    draft = RenderedDraft(
        title="幸福里社区2025年工作总结",
        sections=(
            Section("", 1, ((HAN * 60)[:1500],)),  # a paragraph over three pages
            Section("", 1, COMMA_AT_LINE_END),
        ),
        signature="幸福里社区居民委员会",
        date="2025年12月20日",
    )
    docx_path = to_docx(draft, folder / "draft.docx")
    result = subprocess.run(
        ["bash", str(PREVIEW), str(docx_path), str(folder)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PAGES": "1", "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "draft.pdf"


def page_lines(pdf: Path) -> list[list[str]]:
    """Each page's non-empty text lines, spaces removed, the page number dropped."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [[line.replace(" ", "") for line in page.splitlines() if line.strip()] for page in text.split("\f")]
    return [lines[:-1] for lines in pages if lines]


def test_full_page_has_22_lines_of_28_characters(pdf: Path) -> None:
    first, second, *_ = page_lines(pdf)
    # Page 2 lies wholly inside the paragraph: every line of it is a full line.
    assert [len(line) for line in second] == [28] * 22
    # Page 1: title, a blank line, then 20 lines, the first indented by two characters.
    assert first[0] == "幸福里社区2025年工作总结"
    assert [len(line) for line in first[1:]] == [26] + [28] * 19
    assert "".join(first[1:] + second) == (HAN * 60)[: 26 + 19 * 28 + 22 * 28]


def footer_words(pdf: Path) -> dict[int, tuple[float, float, float]]:
    """Per page: left and right edge of what is printed below the type area, and its top."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    footers: dict[int, tuple[float, float, float]] = {}
    for number, page in enumerate(xml.split("<page ")[1:], 1):
        boxes = [
            tuple(map(float, m.groups()))
            for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+"', page)
        ]
        below = [(x0, y0, x1) for x0, y0, x1 in boxes if y0 > PAGE_HEIGHT_PT - BOTTOM_PT]
        footers[number] = (min(b[0] for b in below), max(b[2] for b in below), min(b[1] for b in below))
    return footers


def test_page_numbers_sit_right_on_odd_pages_and_left_on_even_pages(pdf: Path) -> None:
    footers = footer_words(pdf)
    assert len(footers) >= 3
    one_char = 15.75  # a body character as set on the line
    for number, (left, right, top) in footers.items():
        if number % 2:  # 右空一字
            assert right == pytest.approx(PAGE_WIDTH_PT - RIGHT_PT - one_char, abs=3)
        else:  # 左空一字
            assert left == pytest.approx(LEFT_PT + one_char, abs=3)
        # Below the type area, not in it.
        assert top > PAGE_HEIGHT_PT - BOTTOM_PT


def test_punctuation_after_a_full_line_is_printed(pdf: Path) -> None:
    # LibreOffice used to hang such a comma in the margin and print nothing there.
    text = "".join("".join(lines) for lines in page_lines(pdf))
    assert text.count("，") == len(COMMA_AT_LINE_END)
    assert text.count("。") == len(COMMA_AT_LINE_END)
    assert not any(line.startswith(("，", "。")) for lines in page_lines(pdf) for line in lines)
