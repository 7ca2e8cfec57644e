"""The prompts in prompts/llm/: what the model is told, in Chinese, from data staff cannot inject into."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.config import PROMPTS_DIR
from bot.llm import Violation
from bot.llm.prompts import load_prompt_book
from testing.briefs import BRIEF

BOOK = load_prompt_book()


def test_prompt_files_hold_no_figures_of_their_own() -> None:
    for name in ("system.j2", "section.j2", "retry.j2"):
        assert not re.search(r"[0-9]", (PROMPTS_DIR / "llm" / name).read_text(encoding="utf-8")), name


def test_the_section_prompt_carries_facts_words_and_masked_examples() -> None:
    system, human = BOOK.first(BRIEF)
    assert "只写工作人员提供的事实" in system.content and "年度工作总结" in system.content
    text = str(human.content)
    assert "· 困难党员慰问金：2.3万元" in text and "· 社区名称：幸福里社区" in text
    assert "红色楼栋长" in text and "“党建引领”一节" in text
    assert "【范例甲】" in text and "【范例乙】" in text
    assert "金桥社区" not in text and "六次" not in text  # other communities' facts are masked


def test_an_untitled_opening_is_asked_for_as_such() -> None:
    text = str(BOOK.first(replace(BRIEF, heading=""))[1].content)
    assert "开头的概述部分" in text


def test_staff_text_is_data_not_template_code() -> None:
    brief = replace(BRIEF, statements=("{{ 7*7 }}{% for x in range(3) %}x{% endfor %}",))
    text = str(BOOK.first(brief)[1].content)
    assert "{{ 7*7 }}{% for x in range(3) %}x{% endfor %}" in text and "49" not in text


def test_the_retry_names_each_violation() -> None:
    violations = [Violation("invented_number", "3名", "含有您未提供的数字“3名”"),
                  Violation("copied", "…", "照抄了范例中的文字“…”")]
    messages = BOOK.retry(BRIEF, "上一稿", violations)
    assert [m.type for m in messages] == ["system", "human", "ai", "human"]
    assert messages[2].content == "上一稿"
    assert "· 含有您未提供的数字“3名”" in messages[3].content and "· 照抄了范例中的文字“…”" in messages[3].content


def test_the_notice_names_at_most_two_reasons() -> None:
    violations = [Violation(k, "", m) for k, m in (("a", "问题甲"), ("b", "问题乙"), ("c", "问题丙"))]
    assert BOOK.guard_notice(violations) == "模型生成的文字问题甲；问题乙，已改用离线撰写的版本。"
