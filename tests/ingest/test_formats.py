"""Every format the loaders read, from real files made here: .doc (LibreOffice), .pdf with and
without a text layer, saved web pages, .docx with tables, text boxes, content controls, headers
and footnotes, and text in each encoding Windows tools write."""

from __future__ import annotations

import codecs
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from bot.ingest.loaders import ADVISED, SUPPORTED, IngestError, discover, read_bytes, read_file, unsupported_message
from bot.ingest.pipeline import documents_of
from tests.builders import docx_bytes

LIMIT = 5 * 1024 * 1024
TITLE = "青禾社区2025年工作总结"
BODY = ["一、党建引领", "社区党委全年召开党员大会四次，组织主题党日活动十二次，发展党员两名。",
        "二、民生服务", "为辖区八十岁以上老人发放高龄津贴，帮助十五名居民实现再就业。"]
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HAVE_SOFFICE = shutil.which("soffice") is not None


def refused(data: bytes, name: str) -> str:
    with pytest.raises(IngestError) as err:
        read_bytes(data, name, LIMIT)
    return str(err.value)


# -- PDF -------------------------------------------------------------------------------------------
def pdf_bytes(pages: list[list[str]], encrypt: object = None, image_only: bool = False) -> bytes:
    """A real PDF: each page's lines drawn in a CJK font (a text layer), or only a picture."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    for number, lines in enumerate(pages, 1):
        if image_only:
            c.drawImage(ImageReader(Image.new("RGB", (400, 200), "white")), 72, 500)
        else:
            c.setFont("STSong-Light", 12)
            y = 800
            for line in lines:
                c.drawString(72, y, line)
                y -= 20
            c.drawString(280, 40, f"— {number} —")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_a_pdf_with_a_text_layer_is_read_wrapped_lines_joined_and_page_numbers_gone() -> None:
    long = "社区党委全年召开党员大会四次、支委会十二次，组织主题党日活动十二次，走访困难党员二十户，发展党员两名。"
    pages = [[TITLE, BODY[0], long[:36], long[36:]], BODY[2:]]  # a line as wide as the page, wrapped
    text = read_bytes(pdf_bytes(pages), "总结.pdf", LIMIT)
    [doc] = documents_of("总结.pdf", text)
    assert doc.title == TITLE
    paragraphs = [p.text for p in doc.paragraphs]
    assert long in paragraphs and BODY[3] in paragraphs
    assert not any("—" in p for p in paragraphs)


def test_a_scanned_pdf_without_text_is_refused_in_chinese() -> None:
    message = refused(pdf_bytes([[""], [""]], image_only=True), "扫描件.pdf")
    assert "没有文字层" in message and "扫描件" in message


@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "已损坏"),
    (b"this is not a pdf at all", "不是 PDF"),
], ids=["broken", "not-a-pdf"])
def test_a_broken_pdf_is_refused(data: bytes, reason: str) -> None:
    assert reason in refused(data, "材料.pdf")


def test_a_pdf_that_needs_a_password_is_refused_and_one_with_an_empty_password_is_read() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    assert "密码" in refused(pdf_bytes([BODY], encrypt="mima123"), "加密.pdf")
    no_copy = StandardEncryption("", ownerPassword="owner-only", canCopy=0)  # opens without a password
    assert BODY[1] in read_bytes(pdf_bytes([BODY], encrypt=no_copy), "限制复制.pdf", LIMIT)


# -- .doc ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc_file(tmp_path_factory: pytest.TempPathFactory) -> bytes | None:
    """A Word 97-2003 file with a table, written by LibreOffice (None without it). Made from
    HTML: LibreOffice drops the tables of python-docx's .docx when it saves them as .doc."""
    if not HAVE_SOFFICE:
        return None
    folder = tmp_path_factory.mktemp("doc")
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in [("走访困难家庭", "36户"), ("慰问老人", "52人")])
    body = "".join(f"<p>{line}</p>" for line in [TITLE, *BODY])
    (folder / "source.html").write_text(f'<html><head><meta charset="utf-8"></head><body>{body}'
                                        f'<table border="1">{rows}</table></body></html>', encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc:MS Word 97", "--outdir", str(folder), str(folder / "source.html")],
                   check=True, capture_output=True, timeout=120)
    return (folder / "source.doc").read_bytes()


def test_an_old_word_doc_is_read_through_libreoffice(doc_file: bytes | None) -> None:
    if doc_file is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer)")
    assert doc_file.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
    lines = read_bytes(doc_file, "旧总结.doc", LIMIT).splitlines()
    assert [TITLE, *BODY] == [line for line in lines if line in (TITLE, *BODY)]
    assert "走访困难家庭 | 36户" in lines


def test_without_libreoffice_a_doc_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_SOFFICE", "")
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    message = refused(ole, "旧总结.doc")
    assert "LibreOffice" in message and "另存为" in message and ".docx" in message


def test_a_doc_that_is_no_word_file_is_refused() -> None:
    assert "不是 Word 文档" in refused(b"plain text pretending", "假的.doc")


def test_a_wps_file_is_refused_with_what_to_do_and_found_in_a_folder(tmp_path: Path) -> None:
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    message = refused(ole, "总结.wps")
    assert "WPS" in message and "另存为" in message and ".docx" in message
    (tmp_path / "总结.wps").write_bytes(ole)
    (tmp_path / "表格.xlsx").write_bytes(b"PK")
    [found] = discover([tmp_path])
    assert found.name == "总结.wps"
    with pytest.raises(IngestError, match="另存为"):
        read_file(found, LIMIT)
    assert unsupported_message("总结.wps") == message


# -- HTML ------------------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_某某范文网</title></head><body>
<div class="top"><a href="/">网站首页</a> &gt;&gt; <a href="/zj/">工作总结</a> &gt;&gt; 社区工作总结</div>
<ul class="menu"><li><a href="/a">范文大全</a></li><li><a href="/b">心得体会</a></li><li><a href="/c">工作计划</a></li></ul>
<div class="article"><h1>{title}</h1><div class="info">发布时间：2025-01-06 10:20 作者：佚名 阅读：1024</div>
<p>{b0}</p><p>{b1}</p><p>{b2}</p><p>{b3}</p>
<table><tr><td>项目</td><td>数量</td></tr><tr><td>走访困难家庭</td><td>36户</td></tr></table></div>
<div class="related"><h3>相关推荐</h3><ul><li><a href="/x1">社区党建工作总结范文</a></li><li><a href="/x2">社区工作计划</a></li></ul></div>
<div class="footer">上一篇：社区工作计划 下一篇：社区述职报告<br>版权所有 某某范文网 客服QQ：12345678</div>
</body></html>"""


def page(charset: str = "utf-8") -> str:
    return PAGE.format(charset=charset, title=TITLE, b0=BODY[0], b1=BODY[1], b2=BODY[2], b3=BODY[3])


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_a_saved_web_page_gives_its_article_without_the_site(charset: str) -> None:
    data = page(charset).encode("gb18030" if charset == "gbk" else "utf-8")
    text = read_bytes(data, "总结.html", LIMIT)
    [doc] = documents_of("总结.html", text)
    assert doc.title == TITLE
    paragraphs = [p.text for p in doc.paragraphs]
    assert BODY[1] in paragraphs and BODY[3] in paragraphs
    assert "走访困难家庭 | 36户" in paragraphs
    everything = "\n".join([doc.title, *paragraphs, *(s for p in doc.paragraphs for s in p.section)])
    for furniture in ("首页", "范文大全", "相关推荐", "上一篇", "版权", "QQ", "发布时间", "阅读"):
        assert furniture not in everything


def test_a_page_without_an_article_is_read_whole_and_one_without_text_is_refused() -> None:
    short = f"<html><body><div>{BODY[1]}</div></body></html>".encode()
    assert BODY[1] in read_bytes(short, "片段.htm", LIMIT)
    assert "没有找到正文" in refused(b"<html><body><script>var a=1;</script></body></html>", "空页.htm")
    assert "不是网页" in refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "图片.html")


# -- .docx beyond top-level paragraphs ---------------------------------------------------------------
def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _table(*rows: list[str]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc>{c}</w:tc>" for c in row) + "</w:tr>" for row in rows)
    return f"<w:tbl>{cells}</w:tbl>"


def docx_with_body(body_xml: str, footnote: str = "") -> bytes:
    """A real .docx (python-docx's template) whose body is replaced, plus a footnotes part."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes("占位")))
    ns = (f'xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    document = f"<w:document {ns}><w:body>{body_xml}<w:sectPr/></w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            zf.writestr(info.filename, document if info.filename == "word/document.xml" else source.read(info.filename))
        if footnote:
            zf.writestr("word/footnotes.xml", f'<w:footnotes xmlns:w="{W_NS}">'
                        f'<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                        f'<w:footnote w:id="1">{_p(footnote)}</w:footnote></w:footnotes>')
    return out.getvalue()


def test_docx_text_in_nested_tables_content_controls_text_boxes_and_footnotes_is_read_in_order() -> None:
    box = ("<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx><w:txbxContent>"
           f"{_p('文本框：志愿服务队现有队员一百二十人。')}</w:txbxContent></wps:txbx></w:drawing></mc:Choice>"
           f"<mc:Fallback><w:pict><v:textbox><w:txbxContent>{_p('文本框：志愿服务队现有队员一百二十人。')}"
           "</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    control = f"<w:sdt><w:sdtPr/><w:sdtContent>{_p('内容控件：全年调解邻里纠纷十一起。')}</w:sdtContent></w:sdt>"
    nested = _table([_p("项目"), _p("数量")], [_p("慰问"), _table([_p("老人"), _p("52人")], [_p("困难家庭"), _p("36户")])])
    inline = ("<w:p><w:r><w:t>正文开头，</w:t></w:r><w:sdt><w:sdtContent><w:r><w:t>行内控件的文字</w:t></w:r>"
              "</w:sdtContent></w:sdt><w:r><w:t>，正文结尾。</w:t></w:r><w:r><w:delText>删除的字</w:delText></w:r></w:p>")
    data = docx_with_body(_p(TITLE) + control + box + nested + inline, footnote="脚注：数据来自社区台账。")
    lines = [line for line in read_bytes(data, "模板.docx", LIMIT).splitlines() if line.strip()]
    assert lines == [TITLE, "内容控件：全年调解邻里纠纷十一起。", "文本框：志愿服务队现有队员一百二十人。",
                     "项目 | 数量", "慰问", "老人 | 52人", "困难家庭 | 36户",
                     "正文开头，行内控件的文字，正文结尾。", "脚注：数据来自社区台账。"]


def test_docx_headers_and_footers_are_read_once_after_the_body() -> None:
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(BODY[1])
    section = document.sections[0]
    section.header.paragraphs[0].text = "青禾社区居民委员会"
    section.footer.paragraphs[0].text = "联系人：社区办公室"
    document.add_section()  # its header is linked to the first one: not read twice
    buf = io.BytesIO()
    document.save(buf)
    lines = [line for line in read_bytes(buf.getvalue(), "页眉.docx", LIMIT).splitlines() if line.strip()]
    assert lines == [TITLE, BODY[1], "青禾社区居民委员会", "联系人：社区办公室"]


def test_a_layout_table_holding_the_whole_report_is_read_paragraph_by_paragraph() -> None:
    cell = "".join(_p(line) for line in [TITLE, *BODY])
    lines = [line for line in read_bytes(docx_with_body(_table([cell])), "版式.docx", LIMIT).splitlines() if line]
    assert lines == [TITLE, *BODY]


# -- text encodings --------------------------------------------------------------------------------
TEXT = f"{TITLE}\n" + "\n".join(BODY)
TRADITIONAL = "青禾社區2025年工作總結\n社區黨委全年召開黨員大會四次，組織主題黨日活動十二次。"


@pytest.mark.parametrize(("data", "expected"), [
    (TEXT.encode("utf-8"), TEXT),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT),
    (TEXT.encode("gbk"), TEXT),
    (TEXT.encode("gb18030"), TEXT),
    (TEXT.encode("utf-16"), TEXT),
    (TEXT.encode("utf-16-le"), TEXT),
    (TEXT.encode("utf-16-be"), TEXT),
    (TEXT.encode("utf-32"), TEXT),
    (TRADITIONAL.encode("big5"), TRADITIONAL),
    (TRADITIONAL.encode("gb18030"), TRADITIONAL),
], ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom", "utf16le", "utf16be", "utf32", "big5", "traditional-gb18030"])
def test_text_in_each_encoding_windows_tools_write_is_read(data: bytes, expected: str) -> None:
    assert read_bytes(data, "总结.txt", LIMIT) == expected


def test_a_big5_file_is_indexed_as_simplified_text_not_mojibake() -> None:
    [doc] = documents_of("繁体.txt", read_bytes(TRADITIONAL.encode("big5"), "繁体.txt", LIMIT))
    assert doc.title == "青禾社区2025年工作总结"
    assert doc.paragraphs[0].text == "社区党委全年召开党员大会四次，组织主题党日活动十二次。"


def test_a_utf8_file_cut_in_the_middle_of_a_character_stays_utf8() -> None:
    data = TEXT.encode("utf-8")[:-1]
    assert read_bytes(data, "截断.txt", LIMIT).startswith(TITLE)


def test_text_in_an_encoding_we_cannot_tell_is_refused() -> None:
    message = refused("社區工作總結，鄰里糾紛調解".encode("shift_jis", errors="ignore") * 3 + bytes([0x81, 0xFF]) * 40, "日文.txt")
    assert "无法识别文件编码" in message


# -- SUPPORTED is what the loaders read --------------------------------------------------------------
def test_every_supported_extension_is_read_from_a_real_file(doc_file: bytes | None) -> None:
    made: dict[str, bytes | None] = {
        ".txt": TEXT.encode("gbk"), ".md": f"# {TITLE}\n\n{BODY[1]}".encode(), ".docx": docx_bytes(TITLE, BODY[1]),
        ".doc": doc_file, ".pdf": pdf_bytes([[TITLE, BODY[1]]]), ".html": page().encode(), ".htm": page("gbk").encode("gbk"),
    }
    assert set(made) == set(SUPPORTED)
    for suffix, data in made.items():
        if data is None:
            continue  # .doc without LibreOffice: its refusal is tested above
        assert BODY[1] in read_bytes(data, f"样例{suffix}", LIMIT), suffix
    assert not set(ADVISED) & set(SUPPORTED)
