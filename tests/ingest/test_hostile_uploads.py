"""Hostile and broken files at the loader: each is refused with a clear Chinese message, or read safely.

What staff (or an attacker) may hand the indexer: binaries renamed .txt, broken and bomb .docx,
empty and oversized files, and names no file system or chat should have to show.
"""

from __future__ import annotations

import codecs
import io
import os
import random
import re
import struct
import zipfile
from pathlib import Path

import pytest

from bot.ingest.loaders import MAX_DOCX_UNPACKED, MAX_NAME_SHOWN, IngestError, discover, read_bytes, read_file
from tests.builders import docx_bytes as a_docx
from tests.builders import zip_bomb_docx

LIMIT = 1024 * 1024
TEXT = "青禾社区2025年工作总结\n全年召开党员大会4次，走访困难家庭二十余户。"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refused(data: bytes, name: str, limit: int = LIMIT) -> str:
    with pytest.raises(IngestError) as err:
        read_bytes(data, name, limit)
    message = str(err.value)
    assert not CONTROL.search(message), "a message must be one clean line"
    assert re.search(r"[\u4e00-\u9fff]", err.value.message), "the reason is given in Chinese"
    return message


def with_document_xml(xml: bytes) -> bytes:
    """A real .docx whose word/document.xml is replaced."""
    source = zipfile.ZipFile(io.BytesIO(a_docx("占位")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            zf.writestr(info.filename, xml if info.filename == "word/document.xml" else source.read(info.filename))
    return out.getvalue()


# -- binary files named .txt -------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "不是文本文件"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(200), "不是文本文件"),
    (a_docx("一份 Word 文件"), "不是文本文件"),  # a zip: zero bytes in its headers
    (random.Random(7).randbytes(4096).replace(b"\x00", b"\x01"), "无法识别文件编码"),
    (b"\x01\x02\x03\x04\x05\x06" * 100, "无法识别文件编码"),
], ids=["png", "elf", "docx-as-txt", "random-bytes", "control-bytes"])
def test_a_binary_file_named_txt_is_refused(data: bytes, reason: str) -> None:
    assert reason in refused(data, "总结.txt")


def test_a_utf16_text_as_windows_notepad_saves_it_is_read_not_taken_for_binary() -> None:
    assert read_bytes(TEXT.encode("utf-16"), "总结.txt", LIMIT) == TEXT
    assert read_bytes(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "总结.md", LIMIT) == TEXT


# -- broken .docx -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "reason"), [
    (a_docx("社区工作总结", "一、党建工作")[:2000], "已损坏"),
    (b"PK\x03\x04" + bytes(100), "已损坏"),
    (b"just some text, not a zip", "已损坏"),
    (with_document_xml(b"<w:document"), "已损坏"),
    (with_document_xml(f"<w:document {W_NS}><w:body><w:p>".encode()), "已损坏"),
], ids=["truncated", "zip-header-only", "not-a-zip", "malformed-xml", "unclosed-xml"])
def test_a_corrupt_docx_is_refused(data: bytes, reason: str) -> None:
    assert reason in refused(data, "材料.docx")


def test_a_zip_without_a_word_document_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "不是 .docx 格式" in refused(buf.getvalue(), "材料.docx")


def test_an_old_doc_or_password_protected_file_named_docx_gets_told_to_save_as_docx() -> None:
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + b"Microsoft Word" + bytes(100)
    assert "另存为 .docx" in refused(ole, "旧文件.docx")


# -- zip bombs and XML tricks ----------------------------------------------------------------------------
def test_a_zip_bomb_docx_is_refused_before_anything_is_unpacked() -> None:
    bomb = zip_bomb_docx()
    assert len(bomb) < 200 * 1024  # a tiny upload …
    assert "解压后过大" in refused(bomb, "炸弹.docx")  # … that would unpack to over 100 MB


def test_a_zip_bomb_spread_over_many_entries_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", f"<w:document {W_NS}/>")
        part = bytes(MAX_DOCX_UNPACKED // 50 + 1)
        for i in range(50):
            zf.writestr(f"word/media/image{i}.png", part)
    assert "解压后过大" in refused(buf.getvalue(), "多文件.docx")


def test_a_docx_that_lies_about_its_unpacked_size_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        source = zipfile.ZipFile(io.BytesIO(a_docx("占位")))
        for info in source.infolist():
            if info.filename != "word/document.xml":
                zf.writestr(info.filename, source.read(info.filename))
        zf.writestr("word/document.xml", f"<w:document {W_NS}><w:body>".encode() + bytes(30 * 1024 * 1024))
    data = bytearray(buf.getvalue())
    name = b"word/document.xml"
    at = data.find(name)
    while at != -1:  # declare 1 KB in the local header and the central directory
        if data[at - 30:at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, at - 30 + 22, 1024)
        if data[at - 46:at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, at - 46 + 24, 1024)
        at = data.find(name, at + 1)
    assert "已损坏" in refused(bytes(data), "说谎.docx")


def test_billion_laughs_entities_are_not_expanded() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "哈">{entities}]>'
           f"<w:document {W_NS}><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")
    try:
        text = read_bytes(with_document_xml(xml.encode()), "笑话.docx", LIMIT)
    except IngestError as err:
        assert "已损坏" in str(err)
    else:
        assert len(text) < 1000


def test_an_external_entity_in_a_docx_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密口令XYZ", encoding="utf-8")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
           f"<w:document {W_NS}><w:body><w:p><w:r><w:t>社区工作&x;</w:t></w:r></w:p></w:body></w:document>")
    try:
        text = read_bytes(with_document_xml(xml.encode()), "外部实体.docx", LIMIT)
    except IngestError:
        return
    assert "机密口令" not in text


# -- empty and oversized -----------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "name", "reason"), [
    (b"", "空.txt", "文件为空"),
    (b" \n\t\r\n\xe3\x80\x80\n", "空白.md", "文件为空"),
    (codecs.BOM_UTF8, "只有BOM.txt", "文件为空"),
    (codecs.BOM_UTF16_LE, "只有BOM.txt", "文件为空"),
    (b"", "空.docx", "文件为空"),
    (a_docx(), "空白文档.docx", "没有文字内容"),
    (a_docx("   ", "\u3000"), "空格文档.docx", "没有文字内容"),
], ids=["empty", "whitespace", "utf8-bom", "utf16-bom", "empty-docx-bytes", "docx-no-text", "docx-blank"])
def test_an_empty_file_is_refused(data: bytes, name: str, reason: str) -> None:
    assert reason in refused(data, name)


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path: Path) -> None:
    line = "社区开展志愿服务活动。\n".encode()
    at_limit = (line * (LIMIT // len(line) + 1))[:LIMIT]
    at_limit = at_limit[: at_limit.rfind(b"\n") + 1].ljust(LIMIT, b" ")
    assert read_bytes(at_limit, "刚好.txt", LIMIT).startswith("社区开展")
    message = refused(at_limit + b" ", "超限.txt")
    assert "文件过大" in message and "上限为 1 MB" in message
    big = tmp_path / "超限.md"
    big.write_bytes(at_limit + b"\n")
    with pytest.raises(IngestError, match="文件过大"):
        read_file(big, LIMIT)


# -- names --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "../../x.txt", "a/b\\c.txt", "/etc/cron.d/x.txt", "C:\\Windows\\x.txt", "..\\..\\x.md",
    "长" * 320 + ".txt", "a\x00b\x1b[31m\n\r\t.txt", "\u202egnp.txt", "...txt", " 前后空格 .md",
])
def test_an_odd_name_is_only_a_label_the_loader_never_opens_it(name: str) -> None:
    # The loader reads the bytes it is given; the name only picks the format and labels messages.
    assert read_bytes(TEXT.encode(), name, LIMIT) == TEXT
    message = refused(b"\x00binary", name)
    label = message.split("：", 1)[0]
    assert len(label) <= MAX_NAME_SHOWN
    assert "\n" not in message and "\x1b" not in message


@pytest.mark.parametrize("name", ["...", "..", ".", ".txt", "", "x.txt\x00.exe", "x.txt "])
def test_a_name_that_is_only_dots_or_has_no_usable_extension_is_refused(name: str) -> None:
    assert "不支持的文件类型" in refused(TEXT.encode(), name)


@pytest.mark.parametrize("name", ["\ud800.txt", "报告\udcff.txt", "\udfff\ud800.md", "a\ud83d.docx"])
def test_a_name_with_lone_surrogates_is_refused_with_a_readable_message(name: str) -> None:
    message = refused(TEXT.encode(), name)
    assert "文件名含有无法识别的字符" in message
    message.encode("utf-8")  # can be sent and printed


def test_a_gbk_name_from_a_windows_zip_is_refused_with_its_likely_reading(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/" + "党建总结.txt".encode("gbk")
    with open(raw, "wb") as fh:
        fh.write(TEXT.encode())
    [path] = discover([tmp_path])
    with pytest.raises(IngestError) as err:
        read_file(path, LIMIT)
    assert "党建总结.txt" in str(err.value) and "重命名" in str(err.value)
    str(err.value).encode("utf-8")


def test_discover_takes_odd_names_skips_folders_and_links_and_stays_inside(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "正常.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "换行\n名字.md").write_text(TEXT, encoding="utf-8")
    (corpus / "看起来是文件.txt").mkdir()  # a folder with a file's extension
    (corpus / "循环").symlink_to(corpus)  # a link back to its own folder
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "外面.txt").write_text(TEXT, encoding="utf-8")
    (corpus / "通往外面").symlink_to(outside)
    (corpus / ".正常.txt.part").write_bytes(b"half")
    found = discover([corpus])
    assert {p.name for p in found} == {"正常.txt", "换行\n名字.md"}
    assert all(p.is_file() for p in found)
    for path in found:
        assert read_file(path, LIMIT) == TEXT


def test_discover_refuses_a_path_that_does_not_exist_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="找不到该文件或文件夹"):
        discover([tmp_path / "没有这个文件夹"])
