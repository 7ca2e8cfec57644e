"""When the vector store is down, staff still get lexical results, told so in Chinese."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import Settings
from bot.ingest.indexer import Indexer
from bot.services import make_dialogue
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_search_and_examples_say_when_results_are_lexical_only(tmp_path: Path, fake_models: object) -> None:
    # Built with vectors, as with a Chinese model; the server those searches need is down.
    Indexer(Settings(_env_file=None, data_dir=tmp_path, dense_weight=0.5)).build([CORPUS])
    down = Settings(_env_file=None, data_dir=tmp_path, dense_weight=0.5,
                    chroma_url=f"http://127.0.0.1:{_dead_port()}")
    dialogue = make_dialogue(down)
    found = dialogue.handle("u1", "/search 低保救助")[0].text
    assert found.startswith("提示：向量库暂时不可用")
    assert "来源" in found
    examples = dialogue.handle("u1", "/section 低保救助")[0].text
    assert examples.startswith("提示：向量库暂时不可用")

    healthy = make_dialogue(Settings(_env_file=None, data_dir=tmp_path, dense_weight=0.0))
    assert not healthy.handle("u2", "/search 低保救助")[0].text.startswith("提示")
