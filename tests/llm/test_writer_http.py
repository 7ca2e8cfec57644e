"""write_section through the real langchain ChatOpenAI client over HTTP to the fake endpoint.

Each test scripts what the model does and asserts what the staff member gets (the guarded text,
or None: the offline composition) and what they are told.
"""

from __future__ import annotations

import logging
import time

import pytest

from bot.llm import LlmResult
from testing.briefs import BRIEF, EXAMPLE_A, GOOD
from testing.openai_api import KEY, Answer, FakeOpenAI
from tests.llm.conftest import make_writer

STREAM = [False, True]


async def write(api: FakeOpenAI, stream: bool, timeout: float = 5.0) -> tuple[LlmResult, list[tuple[str, int]]]:
    pieces: list[tuple[str, int]] = []
    sink = (lambda piece, attempt: pieces.append((piece, attempt))) if stream else None
    result = await make_writer(api.base_url, timeout=timeout).write_section(BRIEF, sink)
    return result, pieces


@pytest.mark.parametrize("stream", STREAM)
async def test_a_good_answer_is_used_as_it_came(fake: FakeOpenAI, stream: bool) -> None:
    fake.script(Answer(GOOD))
    result, pieces = await write(fake, stream)
    assert result.text == GOOD and result.notice == "" and result.attempts == 1
    assert len(fake.requests) == 1 and bool(fake.requests[0].body.get("stream")) is stream
    if stream:
        assert len(pieces) > 3 and "".join(p for p, _ in pieces) == GOOD
    # The staff member's facts and words reach the model, with the examples masked.
    prompt = fake.requests[0].last_user_text
    for needed in ("4次", "2.3万元", "近300人", "96.8%", "红色楼栋长", "幸福里社区", "党建引领"):
        assert needed in prompt
    assert "六次" not in prompt and "金桥社区" not in prompt


@pytest.mark.parametrize("stream", STREAM)
async def test_an_invented_number_is_retried_with_its_name_then_accepted(fake: FakeOpenAI, stream: bool) -> None:
    fake.script(Answer(GOOD + "全年新发展党员3名。"), Answer(GOOD))
    result, pieces = await write(fake, stream)
    assert result.text == GOOD and result.attempts == 2 and result.notice == ""
    retry = fake.requests[1]
    assert "含有您未提供的数字“3名”" in retry.last_user_text
    assert retry.messages[-2] == {"role": "assistant", "content": GOOD + "全年新发展党员3名。"}
    if stream:  # the channel is told the second text starts over
        assert {a for _, a in pieces} == {1, 2}
        assert "".join(p for p, a in pieces if a == 2) == GOOD


@pytest.mark.parametrize("stream", STREAM)
async def test_an_invented_number_twice_falls_back_and_says_which(fake: FakeOpenAI, stream: bool) -> None:
    bad = GOOD + "全年新发展党员3名。"
    fake.script(Answer(bad), Answer(bad))
    result, _ = await write(fake, stream)
    assert result.text is None and result.failure == "guard" and result.attempts == 2
    assert result.notice == "模型生成的文字含有您未提供的数字“3名”，已改用离线撰写的版本。"


async def test_an_altered_magnitude_is_named_as_such(fake: FakeOpenAI) -> None:
    bad = GOOD.replace("2.3万元", "23万元")
    fake.script(Answer(bad), Answer(bad))
    result, _ = await write(fake, stream=True)
    assert result.text is None
    assert result.notice == "模型生成的文字把您提供的“2.3万元”写成了“23万元”，已改用离线撰写的版本。"


async def test_the_same_magnitude_in_other_words_is_accepted(fake: FakeOpenAI) -> None:
    same = (GOOD.replace("2.3万元", "23000元").replace("96.8%", "百分之九十六点八")
            .replace("4次", "四次").replace("近300名", "近三百名"))
    fake.script(Answer(same))
    result, _ = await write(fake, stream=False)
    assert result.text == same and result.attempts == 1


async def test_a_dropped_fact_falls_back(fake: FakeOpenAI) -> None:
    bad = GOOD.replace("为困难党员发放慰问金2.3万元，", "")
    fake.script(Answer(bad), Answer(bad))
    result, _ = await write(fake, stream=True)
    assert result.text is None
    assert result.notice == "模型生成的文字漏掉了您提供的困难党员慰问金“2.3万元”，已改用离线撰写的版本。"


async def test_an_example_sentence_copied_falls_back(fake: FakeOpenAI) -> None:
    run = "组织党员志愿者深入楼栋开展走访，建立了“党员联系户”制度"
    assert run in EXAMPLE_A  # the run really is the example's
    copied = GOOD + "社区" + run + "。"
    fake.script(Answer(copied), Answer(copied))
    result, _ = await write(fake, stream=False)
    assert result.text is None
    assert f"照抄了范例中的文字“{run}”" in result.notice


async def test_another_community_named_falls_back(fake: FakeOpenAI) -> None:
    bad = GOOD + "学习借鉴金桥社区的经验做法。"
    fake.script(Answer(bad), Answer(bad))
    result, _ = await write(fake, stream=True)
    assert result.text is None
    assert result.notice == "模型生成的文字出现了您没有提供的名称“金桥社区”，已改用离线撰写的版本。"


async def test_a_placeholder_falls_back(fake: FakeOpenAI) -> None:
    bad = GOOD.replace("幸福里社区", "XX社区")
    fake.script(Answer(bad), Answer(bad))
    result, _ = await write(fake, stream=False)
    assert result.text is None and "含有占位符“XX”" in result.notice


async def test_a_stalled_model_falls_back_within_the_timeout(fake: FakeOpenAI) -> None:
    fake.script(Answer(GOOD, stall=10), Answer(GOOD, stall=10))
    started = time.perf_counter()
    result, _ = await write(fake, stream=True, timeout=1.0)
    elapsed = time.perf_counter() - started
    assert result.text is None and result.failure == "timeout"
    assert result.notice == "模型在1秒内没有写完，已改用离线撰写的版本。"
    assert elapsed < 2.0  # a timeout is not retried: one timeout's wait, not two


async def test_a_trickling_stream_is_cut_at_the_timeout(fake: FakeOpenAI) -> None:
    # Every chunk arrives in time for the read timeout, but the whole answer would take 6 s.
    fake.script(Answer(GOOD, chunk_delay=0.2, chunk_chars=3))
    started = time.perf_counter()
    result, pieces = await write(fake, stream=True, timeout=1.0)
    assert result.text is None and result.failure == "timeout"
    assert pieces and time.perf_counter() - started < 2.0


async def test_a_500_is_tried_once_more(fake: FakeOpenAI) -> None:
    fake.script(Answer(status=500), Answer(GOOD))
    result, _ = await write(fake, stream=True)
    assert result.text == GOOD and result.attempts == 2


@pytest.mark.parametrize("stream", STREAM)
async def test_two_500s_fall_back(fake: FakeOpenAI, stream: bool) -> None:
    fake.script(Answer(status=500), Answer(status=500))
    result, _ = await write(fake, stream)
    assert result.text is None and result.failure == "server" and len(fake.requests) == 2
    assert result.notice == "模型服务出错（HTTP 500），已改用离线撰写的版本。"


@pytest.mark.parametrize("stream", STREAM)
async def test_a_429_falls_back_at_once(fake: FakeOpenAI, stream: bool) -> None:
    fake.script(Answer(status=429), Answer(GOOD))
    result, _ = await write(fake, stream)
    assert result.text is None and result.failure == "rate_limited" and len(fake.requests) == 1
    assert result.notice == "模型服务繁忙（请求过于频繁），已改用离线撰写的版本，稍后可以再试。"


@pytest.mark.parametrize("stream", STREAM)
async def test_a_refused_key_falls_back_and_is_never_repeated(
    fake: FakeOpenAI, stream: bool, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "sk-wrong-5f3a9c1d7e"
    caplog.set_level(logging.DEBUG)
    fake.script(Answer(GOOD))
    writer = make_writer(fake.base_url, key=wrong)
    result = await writer.write_section(BRIEF, (lambda p, a: None) if stream else None)
    assert result.text is None and result.failure == "auth" and len(fake.requests) == 1
    assert result.notice == "模型服务拒绝了访问密钥，已改用离线撰写的版本；请管理员检查 DRAFTER_LLM_API_KEY。"
    assert fake.requests[0].authorization == f"Bearer {wrong}"  # it was sent, and the server quoted it back
    for shown in (result.notice, repr(result), repr(writer), repr(writer.client), repr(writer.config), caplog.text):
        assert wrong not in shown


@pytest.mark.parametrize("stream", STREAM)
async def test_a_non_json_body_falls_back(fake: FakeOpenAI, stream: bool) -> None:
    fake.script(Answer(raw_body="<html><body>502 Bad Gateway</body></html>"))
    result, _ = await write(fake, stream)
    assert result.text is None and result.failure == "malformed"
    assert result.notice == "模型服务的答复无法识别，已改用离线撰写的版本。"


async def test_an_unknown_model_falls_back_naming_it(fake: FakeOpenAI) -> None:
    writer = make_writer(fake.base_url, model="qwen-nonexistent")
    result = await writer.write_section(BRIEF)
    assert result.text is None and result.failure == "not_found"
    assert "找不到模型“qwen-nonexistent”" in result.notice


async def test_an_unreachable_endpoint_falls_back(fake: FakeOpenAI) -> None:
    closed = FakeOpenAI()
    closed.start()
    base_url = closed.base_url
    closed.stop()  # the port is now closed: connection refused
    started = time.perf_counter()
    result = await make_writer(base_url, timeout=2.0).write_section(BRIEF)
    assert result.text is None and result.failure == "unreachable"
    assert result.notice == "无法连接模型服务，已改用离线撰写的版本。"
    assert time.perf_counter() - started < 2 * 2.0  # tried twice (a dropped connection may be brief), never more


async def test_a_markdown_heading_repeated_by_the_model_is_dropped(fake: FakeOpenAI) -> None:
    fake.script(Answer("## 党建引领\n\n" + GOOD))
    result, _ = await write(fake, stream=False)
    assert result.text == GOOD


async def test_an_empty_key_sends_no_key_of_the_environment(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator-own-key")
    fake.key = ""  # a local Ollama takes any key
    try:
        fake.script(Answer(GOOD))
        result = await make_writer(fake.base_url, key="").write_section(BRIEF)
    finally:
        fake.key = KEY
    assert result.text == GOOD
    assert "sk-operator-own-key" not in fake.requests[0].authorization
