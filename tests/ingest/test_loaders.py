from pathlib import Path

import pytest

from bot.ingest.loaders import IngestError, read_bytes
from tests.builders import docx_bytes, zip_bomb_docx

LIMIT = 20 * 1024 * 1024
TEXT = "幸福里社区2025年工作总结\n全年召开党员大会4次。"


def test_utf8_and_gb18030_text_both_read():
    assert read_bytes(TEXT.encode("utf-8"), "a.txt", LIMIT) == TEXT
    assert read_bytes(TEXT.encode("gb18030"), "a.txt", LIMIT) == TEXT
    assert read_bytes(TEXT.encode("utf-8-sig"), "a.md", LIMIT) == TEXT


def test_docx_paragraphs_are_read(tmp_path: Path):
    assert read_bytes(docx_bytes("东湖社区工作总结", "一、党建工作"), "x.docx", LIMIT).splitlines() == ["东湖社区工作总结", "一、党建工作"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "文件为空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "picture.txt", "不是文本文件"),
        (bytes([0x81, 0x30, 0xFF, 0xFE, 0x80]) * 50, "weird.txt", "无法识别文件编码"),
        (b"not a zip at all", "broken.docx", "Word 文件已损坏"),
        (b"hello", "script.exe", "不支持的文件类型"),
    ],
)
def test_bad_files_are_refused_with_a_clear_chinese_message(data: bytes, name: str, message: str):
    with pytest.raises(IngestError) as err:
        read_bytes(data, name, LIMIT)
    assert message in str(err.value)


def test_a_zip_bomb_docx_is_refused():
    with pytest.raises(IngestError, match="解压后过大"):
        read_bytes(zip_bomb_docx(), "bomb.docx", LIMIT)


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(IngestError, match="文件过大"):
        read_bytes(b"a" * (LIMIT + 1), "big.txt", LIMIT)
