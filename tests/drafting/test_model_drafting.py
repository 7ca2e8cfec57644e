"""A whole draft through ``drafter chat``'s terminal with a model configured: the real langchain
client over HTTP to the loopback OpenAI-compatible endpoint. What the model writes goes into the
exported .docx only when the guard passes it; otherwise the offline composition does, and the
staff member is told why."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from bot.channels.terminal import run_terminal
from bot.config import Settings
from testing.openai_api import KEY, MODEL, Answer, FakeOpenAI

OPENING = ["写一份养老服务的专项工作总结", "东湖社区", "2025年", "跳过", "跳过",
           "这项工作是在区民政局指导下搞的。", "投入资金28.5万元。", "一共搞了活动四十二场。", "完成本节"]
MODEL_OPENING = ("2025年，东湖社区在区民政局的指导下，把养老服务作为民生工作的重点，"
                 "统筹投入资金28.5万元，组织开展各类为老服务活动42场，老年居民的获得感不断增强。")
PRACTICES = ["社区60岁以上老人有2150人，其中独居老人是186人。上门探访了1300人次。", "完成本节"]
INVENTED = "社区现有老年人口2150人，其中独居老人186人，上门探访1300人次，新建助老食堂3个。"


@pytest.fixture
def api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def chat(api: FakeOpenAI, tmp_path: Path, lines: list[str]) -> tuple[str, list[str]]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", llm_base_url=api.base_url, llm_model=MODEL,
                        llm_api_key=KEY, llm_timeout=5)
    out = io.StringIO()
    run_terminal(settings, user_id="model", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    text = out.getvalue()
    paths = re.findall(r"文件已保存：(.+\.docx)", text)
    paragraphs = [p.text for p in docx.Document(paths[-1]).paragraphs] if paths else []
    return text, paragraphs


def test_guarded_model_text_is_used_and_an_invented_figure_falls_back_to_the_offline_section(
        api: FakeOpenAI, tmp_path: Path) -> None:
    api.script(Answer(MODEL_OPENING, chunk_chars=8), Answer(INVENTED), Answer(INVENTED))
    output, paragraphs = chat(api, tmp_path, OPENING + PRACTICES + ["跳过", "跳过", "导出Word"])
    body = "\n".join(paragraphs)
    # The opening: the model's words, streamed to the terminal, with the kind's own closing formula.
    assert MODEL_OPENING in body and "现将2025年养老服务工作情况总结如下：" in body
    assert MODEL_OPENING[:20] in output
    # The practices: the model twice invented "3个" → the offline composition, and the staff member is told.
    assert "新建助老食堂" not in body and "3个" not in body
    assert "186人" in body and "1300人次" in body
    assert "未提供的数字" in output and "离线" in output
    # The prompt carried the staff member's facts and words, never a remark.
    prompt = api.requests[0].last_user_text
    assert "28.5万元" in prompt and "42场" in prompt and "区民政局" in prompt


def test_polish_offers_a_rewrite_and_the_staff_member_keeps_whichever_they_prefer(
        api: FakeOpenAI, tmp_path: Path) -> None:
    rewrite = MODEL_OPENING.replace("老年居民的获得感不断增强", "为老服务水平稳步提升")
    api.script(Answer(MODEL_OPENING), Answer(rewrite))
    lines = [*OPENING, "跳过", "跳过", "跳过", "润色", "1. 开头概述", "采用新版本", "导出Word"]
    output, paragraphs = chat(api, tmp_path, lines)
    body = "\n".join(paragraphs)
    assert rewrite in body and MODEL_OPENING not in body
    assert "请选择保留哪一版" in output and "已采用新版本" in output


def test_an_unreachable_model_leaves_the_offline_draft_and_says_so(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", llm_base_url="http://127.0.0.1:9/v1",
                        llm_model=MODEL, llm_api_key=KEY, llm_timeout=2)
    out = io.StringIO()
    run_terminal(settings, user_id="down", stdin=io.StringIO("\n".join([*OPENING, "跳过", "跳过", "跳过", "导出Word"]) + "\n"),
                 stdout=out)
    output = out.getvalue()
    paragraphs = [p.text for p in docx.Document(re.findall(r"文件已保存：(.+\.docx)", output)[-1]).paragraphs]
    assert "投入资金28.5万元" in "\n".join(paragraphs)  # the offline template's words
    assert "离线" in output and KEY not in output
