"""Whole drafts of every kind through the terminal channel, typed the way staff really write
(tests/drafting/conversations.yaml: colloquial notes, remarks about the conversation, natural
corrections, numbers in words, one section in traditional characters). Each is judged on the
exported .docx a staff member would hand in."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import docx
import opencc
import pytest
import yaml

from bot.channels.terminal import run_terminal
from bot.config import Settings

CONVERSATIONS = yaml.safe_load((Path(__file__).parent / "conversations.yaml").read_text(encoding="utf-8"))
TRADITIONAL_ONLY = re.compile(r"[們區黨員會議發務總結戶應該寫錯這個為實裡]")


def exported(tmp_path: Path, name: str) -> tuple[list[str], str]:
    """The .docx paragraphs and the whole chat of one conversation."""
    out = io.StringIO()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    lines = CONVERSATIONS[name]["lines"]
    run_terminal(settings, user_id=name, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    chat = out.getvalue()
    paths = re.findall(r"文件已保存：(.+\.docx)", chat)
    assert paths, chat[-1500:]
    return [p.text for p in docx.Document(paths[-1]).paragraphs if p.text.strip()], chat


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_a_draft_typed_as_staff_chat_reads_as_a_document(tmp_path: Path, name: str) -> None:
    paragraphs, _ = exported(tmp_path, name)
    text = "\n".join(paragraphs)
    year = datetime.date.today().year
    expect = {key: [str(v).replace("{year}", str(year)).replace("{next_year}", str(year + 1)) for v in values]
              for key, values in CONVERSATIONS[name]["expect"].items()}
    assert [f for f in expect["facts"] if f not in text] == [], "facts missing or at the wrong magnitude"
    assert [a for a in expect["absent"] if a in text] == [], "remarks, stale figures or colloquial words printed"
    assert [lead for lead in expect["leads"] if lead not in text] == [], "standard leads missing"
    assert not TRADITIONAL_ONLY.search(text), "traditional characters reached the draft"
    assert opencc.OpenCC("t2s").convert(text) == text
    body = paragraphs[1:]
    assert not [p for p in body if " " in p.strip("\u3000")], "ASCII spaces between sentences"
    assert "【待补充" not in text or "跳过" in " ".join(CONVERSATIONS[name]["lines"])


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_headings_come_in_the_kinds_order_and_no_lone_subsection(tmp_path: Path, name: str) -> None:
    paragraphs, _ = exported(tmp_path, name)
    level1 = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]+、", p)]
    numbers = [p.split("、")[0] for p in level1]
    assert numbers == list("一二三四五六七八九十")[: len(numbers)]
    level2 = [p for p in paragraphs if re.match(r"^（[一二三四五六七八九十]+）", p)]
    assert len(level2) != 1, "a section with a single （一）"


def test_a_correction_changes_the_value_everywhere_and_the_echo_says_what_changed(tmp_path: Path) -> None:
    paragraphs, chat = exported(tmp_path, "annual_summary")
    assert "已更正：计划新发展志愿者人数 150名 → 120名" in chat
    assert "150名" not in "\n".join(paragraphs)


def test_remarks_and_skips_in_words_are_acknowledged_not_printed(tmp_path: Path) -> None:
    paragraphs, chat = exported(tmp_path, "halfyear_summary")
    assert "不会写进文稿" in chat
    assert "已更正：上门服务人次 210人次 → 230人次" in chat
    assert "230人次" in "\n".join(paragraphs) and "210人次" not in "\n".join(paragraphs)
