"""Scripted conversations through the terminal channel, for every document kind.

Each asserts what the staff member hands in: every fact they gave is in the draft, no
number they did not give is, nothing from the examples leaks in, sections are in order.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest

from bot.channels.terminal import run_terminal
from bot.config import PROMPTS_DIR
from bot.drafting.lexicon import load_lexicon
from bot.drafting.register import formalize
from bot.drafting.skeletons import load_kinds, load_topics
from bot.ingest.indexer import Indexer
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

KINDS = load_kinds(PROMPTS_DIR)
LEXICON = load_lexicon(PROMPTS_DIR)
TOPICS = load_topics(PROMPTS_DIR)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from bot.config import Settings

    folder = tmp_path_factory.mktemp("dialogue-data")
    Indexer(Settings(_env_file=None, data_dir=folder)).build([CORPUS])
    return folder


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path):
    from bot.config import Settings

    s = Settings(_env_file=None, data_dir=data_dir)
    return s


def chat(settings, user: str, lines: list[str]) -> str:
    out = io.StringIO()
    run_terminal(settings, user_id=user, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return out.getvalue()


def count_slots(slots):
    return [s for s in slots if s.kind == "count" and s.cues]


class Script:
    """Builds a conversation for a kind and remembers every number it typed."""

    def __init__(self, kind_id: str, topics: list[str]) -> None:
        self.kind = KINDS[kind_id]
        self.topics = topics
        self.numbers: set[str] = {"2025", "12", "20"}
        self.next_number = 37
        self.narratives: list[str] = []

    def number(self) -> str:
        value = str(self.next_number)
        self.next_number += 11
        self.numbers.add(value)
        return value

    def opening(self) -> list[str]:
        lines = ["/new", self.kind.name]
        if self.kind.topics == "many":
            lines += [TOPICS[t].name for t in self.topics] + ["选好了"]
        elif self.kind.topics == "one":
            lines += [TOPICS[self.topics[0]].name]
        return [*lines, "青禾社区", "2025年", "青禾社区居民委员会", "2025年12月20日"]

    def steps(self):
        from bot.drafting.outline import outline

        return outline(self.kind, TOPICS, self.topics)

    def answer(self, step, index: int) -> list[str]:
        lines = []
        if index == 0:
            lines.append("看范例")
        for slot in count_slots(step.slots)[:2]:
            lines.append(f"{slot.cues[0]}{self.number()}{slot.unit if slot.unit not in ('', '%') else '个'}。")
        narrative = f"第{'一二三四五六七八九十'[index % 10]}部分我们坚持问题导向，工作扎实推进"
        self.narratives.append(narrative)
        lines.append(narrative + "。")
        return [*lines, "完成本节"]


def exported_markdown(output: str) -> str:
    paths = re.findall(r"文件已保存：(.+\.md)", output)
    assert paths, output[-2000:]
    return Path(paths[-1]).read_text(encoding="utf-8")


def assert_faithful(text: str, script: Script) -> None:
    body = text.split("## 待补充清单")[0]
    numbers = set(re.findall(r"\d+(?:\.\d+)?", body))
    assert numbers <= script.numbers, f"numbers not given by the user: {numbers - script.numbers}"
    for placeholder in ("__", "xx", "XX", "20xx", "___", "{{", "{%"):
        assert placeholder not in body
    corpus_text = "".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.*") if p.suffix in (".md", ".txt"))
    runs = {body[i : i + 24] for i in range(0, max(0, len(body) - 24), 6) if not re.search(r"[\s#【】]", body[i : i + 24])}
    assert not [r for r in runs if r in corpus_text], "example text leaked into the draft"


@pytest.mark.parametrize(
    ("kind_id", "topics"),
    [
        ("annual_summary", ["party_building", "social_assistance"]),
        ("halfyear_summary", ["employment", "safety"]),
        ("special_summary", ["elderly_care"]),
        ("research_report", ["self_governance"]),
        ("work_plan", ["party_building", "environment"]),
    ],
)
def test_a_whole_draft_of_every_kind_keeps_every_fact_and_invents_none(settings, kind_id: str, topics: list[str]):
    topics = [t for t in topics if t in TOPICS] or list(TOPICS)[:1]
    script = Script(kind_id, topics)
    lines = script.opening()
    for i, step in enumerate(script.steps()):
        lines += script.answer(step, i)
    lines += ["导出Markdown", "导出Word"]
    output = chat(settings, f"u-{kind_id}", lines)

    text = exported_markdown(output)
    for number in script.numbers - {"2025", "12", "20"}:
        assert number in text, f"fact {number} lost"
    for narrative in script.narratives:
        assert formalize(narrative, LEXICON) in text
    steps = script.steps()
    # A section with a single topic carries it without a subsection heading.
    headings = list(dict.fromkeys(
        (s.parent if sum(t.parent == s.parent for t in steps) == 1 else s.heading) if s.parent else s.heading
        for s in steps))
    headings = [h for h in headings if h]
    positions = [text.find(h) for h in headings]
    assert -1 not in positions and positions == sorted(positions), "skeleton sections missing or out of order"
    assert text.startswith("# ") and "青禾社区" in text.splitlines()[0]
    assert_faithful(text, script)

    docx_path = re.findall(r"文件已保存：(.+\.docx)", output)[-1]
    paragraphs = [p.text for p in docx.Document(docx_path).paragraphs]
    assert "青禾社区" in paragraphs[0]
    assert any(formalize(script.narratives[0], LEXICON) in p for p in paragraphs)


def test_a_draft_survives_a_restart_in_the_middle_and_finishes(settings):
    script = Script("annual_summary", ["party_building"])
    steps = script.steps()
    first = script.opening() + script.answer(steps[0], 0) + script.answer(steps[1], 1)[:-1]
    chat(settings, "restart", first)  # the program ends mid-section, as if the machine went down

    rest = ["完成本节"]
    for i, step in enumerate(steps[2:], start=2):
        rest += script.answer(step, i)
    output = chat(settings, "restart", [*rest, "导出Markdown"])
    text = exported_markdown(output)
    for number in script.numbers - {"2025", "12", "20"}:
        assert number in text
    assert_faithful(text, script)


def test_template_syntax_typed_by_a_user_appears_literally(settings):
    lines = ["/new", "年度工作总结", "党建", "选好了", "青禾社区", "2025年", "跳过", "跳过",
             "我们的口号是{{ 7*7 }}和{% if true %}真{% endif %}。", "完成本节", "/draft", "导出Markdown"]
    text = exported_markdown(chat(settings, "inject", lines))
    assert "{{ 7*7 }}" in text and "{% if true %}真{% endif %}" in text
    assert "49" not in text


def test_pending_sections_are_marked_and_listed(settings):
    lines = ["/new", "年度工作总结", "党建", "选好了", "青禾社区", "2025年", "跳过", "跳过"] + ["跳过"] * 8 + ["导出Markdown"]
    text = exported_markdown(chat(settings, "pending", lines))
    assert "【待补充：" in text
    assert "## 待补充清单" in text


def test_numbered_options_and_option_text_both_select(settings):
    output = chat(settings, "numbers", ["1", "5"])
    assert "年度工作计划" in output and "请选择要写入" in output


def test_free_text_outside_a_draft_shows_examples_and_offers_that_section(settings):
    output = chat(settings, "need", ["帮我写一段低保工作"])
    assert "来源：" in output
    assert "起草“" in output
    assert not re.search(r"\d{2,}", output.split("来源")[0].split("写法")[-1])


def test_drafts_can_be_listed_resumed_and_deleted(settings):
    chat(settings, "lister", ["/new", "年度工作总结", "党建", "选好了", "东风社区", "2025年", "跳过", "跳过", "保存退出"])
    output = chat(settings, "lister", ["/drafts"])
    assert "东风社区2025年工作总结" in output
    output = chat(settings, "lister", ["/drafts", "继续 1"])
    assert "继续编辑草稿" in output
    output = chat(settings, "lister", ["/drafts", "删除 1"])
    assert "草稿已删除" in output
    assert "还没有草稿" in chat(settings, "lister", ["/drafts"])


def test_one_user_never_sees_another_users_drafts(settings):
    chat(settings, "alice", ["/new", "年度工作总结", "党建", "选好了", "阳光社区", "2025年", "跳过", "跳过", "保存退出"])
    assert "阳光社区" not in chat(settings, "bob", ["/drafts"])


def test_section_command_drafts_just_that_section_and_exports_it(settings):
    output = chat(settings, "single", ["/section 禁毒宣传", "1", "南塘社区", "2025年",
                                       "全年开展禁毒宣传活动37场。", "完成本节", "导出Markdown"])
    assert "起草“" in output
    text = exported_markdown(output)
    assert "南塘社区" in text.splitlines()[0]
    assert "37" in text


def test_an_unknown_command_is_refused_and_not_recorded_as_an_answer(settings):
    lines = ["/new", "年度工作总结", "党建", "选好了", "青禾社区", "2025年", "跳过", "跳过", "/frobnicate", "/draft"]
    output = chat(settings, "unknown-cmd", lines)
    assert "没有这个命令" in output
    assert "frobnicate" not in output.split("没有这个命令")[1]


def test_a_stale_button_from_another_step_is_not_recorded_as_an_answer(settings):
    lines = ["/new", "年度工作总结", "党建", "选好了", "k:work_plan", "青禾社区", "2025年", "跳过", "跳过",
             "k:annual_summary", "/draft"]
    output = chat(settings, "stale", lines)
    assert "这个按钮已过期" in output
    preview = output.split("草稿预览")[1]
    assert "k:annual_summary" not in preview and "k:work_plan" not in preview
    assert "青禾社区2025年工作总结" in preview
