"""Each search carries its own status: concurrent users never see each other's notices; a missing
or damaged index is told to staff in Chinese and to the operator in the log."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import cast

import pytest

from bot.config import Settings
from bot.ingest.indexer import Indexer
from bot.retrieval.dense import VectorStore, VectorStoreUnavailable
from bot.retrieval.retriever import DEGRADED_NOTICE, Hit, Retriever, SearchResult
from bot.retrieval.snapshot import read_current
from bot.services import NO_INDEX_NOTICE, CorpusLibrary, make_dialogue
from tests.conftest import CORPUS

QUERY = "低保 入户核查"


class StallingVectorStore:
    """A vector store that fails, but only once the test lets it: the failing search is still
    running while another user's search starts and ends."""

    available = True

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def query(self, vector: object, n: int) -> list[str]:
        self.entered.set()
        assert self.release.wait(10)
        raise VectorStoreUnavailable("向量库服务器无响应")


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory):
    from bot.config import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("status"), chroma_url="", dense_weight=0.0)
    Indexer(settings).build([CORPUS])
    return settings


def test_concurrent_searches_each_get_their_own_status(corpus_index, fake_embedder) -> None:
    store = StallingVectorStore()
    retriever = Retriever(read_current(corpus_index.index_dir), fake_embedder, cast(VectorStore, store), dense_weight=1.0)
    results: dict[str, SearchResult[Hit]] = {}
    failing = threading.Thread(target=lambda: results.setdefault("a", retriever.search(QUERY, method="hybrid")))
    failing.start()
    assert store.entered.wait(10)
    results["b"] = retriever.search(QUERY, method="lexical")  # another user, meanwhile
    store.release.set()
    failing.join(10)
    results["c"] = retriever.search(QUERY, method="lexical")  # and one after it
    a, b, c = results["a"], results["b"], results["c"]
    assert a.degraded == DEGRADED_NOTICE and a.hits
    assert b.degraded == "" and c.degraded == "" and b.hits


def _dangling(settings: Settings) -> None:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    (settings.index_dir / "CURRENT").write_text("20240101-000000-gone", encoding="utf-8")


def test_a_dangling_current_tells_staff_and_the_operator(settings, caplog) -> None:
    _dangling(settings)
    with caplog.at_level(logging.ERROR):
        found, notice = CorpusLibrary(settings).search("低保")
    assert found == [] and notice == NO_INDEX_NOTICE
    assert any("does not exist" in r.getMessage() and "CURRENT" in r.getMessage() for r in caplog.records)
    reply = make_dialogue(settings).handle("u1", "/search 低保救助")[0].text
    assert "资料库尚未建立或已损坏，请联系管理员" in reply
    examples = make_dialogue(settings).handle("u1", "/section 低保救助")[0].text
    assert "资料库尚未建立或已损坏，请联系管理员" in examples


def test_no_index_at_all_tells_staff_too(settings, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        assert CorpusLibrary(settings).phrases("低保") == ([], NO_INDEX_NOTICE)
    assert any("no usable index" in r.getMessage() for r in caplog.records)


def test_a_damaged_snapshot_is_reported_in_the_log(corpus_index, tmp_path: Path, caplog) -> None:
    import shutil

    settings = corpus_index.model_copy(update={"data_dir": tmp_path / "data"})
    shutil.copytree(corpus_index.index_dir, settings.index_dir)
    folder = read_current(settings.index_dir).folder
    (folder / "passages.jsonl").write_text('{"id": "cut off', encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        found, notice = CorpusLibrary(settings).search("低保")
    assert (found, notice) == ([], NO_INDEX_NOTICE)
    assert any(str(folder) in r.getMessage() and "cannot be read" in r.getMessage() for r in caplog.records)


def test_the_cli_says_the_index_is_damaged(settings, capsys, caplog) -> None:
    from bot.cli import main

    _dangling(settings)
    with caplog.at_level(logging.ERROR):
        assert main(["search", "低保"]) == 1
    assert "索引已损坏" in capsys.readouterr().err
    assert any("does not exist" in r.getMessage() for r in caplog.records)
