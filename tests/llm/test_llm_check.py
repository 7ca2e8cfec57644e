"""drafter llm-check against the fake endpoint: what an operator reads."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import Settings
from testing.openai_api import KEY, MODEL, Answer, FakeOpenAI


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout

    def apply(base_url: str = "", model: str = MODEL, key: str = KEY, timeout: str = "10") -> None:
        for name, value in (("BASE_URL", base_url), ("MODEL", model), ("API_KEY", key), ("TIMEOUT", timeout)):
            monkeypatch.setenv(f"DRAFTER_LLM_{name}", value)
    return apply


def test_a_working_endpoint(fake: FakeOpenAI, configure, capsys: pytest.CaptureFixture[str]) -> None:
    configure(fake.base_url)
    fake.script(Answer("好"))
    assert main(["llm-check"]) == 0
    out = capsys.readouterr().out
    assert f"模型接口可用：{fake.base_url}" in out and f"模型：{MODEL}" in out and "往返时间：" in out
    body = fake.requests[0].body
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    assert limit is not None and limit <= 16  # one tiny request


def test_nothing_configured(configure, capsys: pytest.CaptureFixture[str]) -> None:
    configure("", model="")
    assert main(["llm-check"]) == 1
    assert "未配置大模型" in capsys.readouterr().err


@pytest.mark.parametrize(("setup", "expected"), [
    ({"key": "sk-wrong-77aa"}, "拒绝了访问密钥（HTTP 401）"),
    ({"model": "no-such-model"}, "找不到模型“no-such-model”（HTTP 404）"),
])
def test_what_is_wrong_is_said(fake: FakeOpenAI, configure, capsys, setup, expected) -> None:
    configure(fake.base_url, **setup)
    assert main(["llm-check"]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "sk-wrong-77aa" not in captured.err + captured.out


def test_a_stalled_endpoint_times_out(fake: FakeOpenAI, configure, capsys) -> None:
    configure(fake.base_url, timeout="1")
    fake.script(Answer("好", stall=10))
    assert main(["llm-check"]) == 1
    assert "在 1 秒内没有答复" in capsys.readouterr().err


def test_an_unreachable_endpoint(configure, capsys) -> None:
    closed = FakeOpenAI()
    closed.start()
    url = closed.base_url
    closed.stop()
    configure(url)
    assert main(["llm-check"]) == 1
    assert f"无法连接模型接口：{url}" in capsys.readouterr().err


def test_the_key_stays_out_of_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_LLM_API_KEY", "sk-secret-zz9")
    settings = Settings(_env_file=None)
    assert settings.llm_api_key.get_secret_value() == "sk-secret-zz9"
    assert "sk-secret-zz9" not in repr(settings) and "sk-secret-zz9" not in str(settings.model_dump())
