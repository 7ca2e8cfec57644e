"""The fake OpenAI endpoint (one per session) and a writer pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.llm import SectionWriter
from bot.llm.client import LlmClient, LlmConfig
from testing.openai_api import KEY, MODEL, FakeOpenAI


@pytest.fixture(scope="session")
def api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake(api: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The shared server with an empty script and no recorded requests."""
    api.reset()
    yield api
    api.reset()


def make_writer(base_url: str, *, key: str = KEY, model: str = MODEL, timeout: float = 5.0) -> SectionWriter:
    config = LlmConfig(base_url=base_url, model=model, api_key=SecretStr(key), timeout=timeout)
    return SectionWriter(LlmClient.from_config(config), config)
