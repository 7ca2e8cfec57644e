"""Several deployments on one `chroma run` server (DRAFTER_CHROMA_URL): index, search, stats and
eval through the command line, and what users get while the server is down and after it returns."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")
FILES = ("special_dibao_assistance_2024.md", "special_employment_2024.md", "workplan_xingfuli_2026.md")
QUERY = "低保申请 入户调查 民主评议"
NOTICE = "向量库暂时不可用"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """``chroma run`` on 127.0.0.1 as a child process, its log in a file, stopped by its PID."""

    def __init__(self, folder: Path, log_path: Path) -> None:
        self.folder = folder
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.folder), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(300):  # about 30 s at most; it answers in 1-2 s
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"chroma run did not answer on {self.url}:\n{tail}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path):
    srv = ChromaServer(tmp_path / "chroma-server", tmp_path / "chroma-server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in FILES:
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_models):
    """Runs ``drafter …`` in this process as the deployment whose data directory is ``name``,
    with a dense weight (as with a Chinese model) so that vectors are computed and used; every
    deployment uses the deterministic stand-in embedder (the server, not dense quality, is the point)."""
    for var in ("TELEGRAM_BOT_TOKEN", "DRAFTER_EMBEDDING_MODEL", "DRAFTER_CHROMA_COLLECTION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DRAFTER_DENSE_WEIGHT", "0.5")

    def run(name: str, url: str, *argv: str, namespace: str = "") -> tuple[int, str, str]:
        monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / name))
        monkeypatch.setenv("DRAFTER_CHROMA_URL", url)
        if namespace:
            monkeypatch.setenv("DRAFTER_CHROMA_COLLECTION", namespace)
        else:
            monkeypatch.delenv("DRAFTER_CHROMA_COLLECTION", raising=False)
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _vectors_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("向量库："))


def _dense_ids(bot, name: str, url: str, namespace: str = "") -> list[str]:
    code, out, err = bot(name, url, "search", QUERY, "--method", "dense", "--k", "5", "--json", namespace=namespace)
    assert code == 0 and NOTICE not in err
    return [hit["id"] for hit in json.loads(out)]


def test_index_search_stats_and_eval_use_the_server(bot, server: ChromaServer, corpus: Path, tmp_path: Path):
    code, out, err = bot("a", server.url, "index", str(corpus))
    assert code == 0, err
    embedded = int(out.split("新向量 ")[1].split(" 个")[0])
    assert embedded > 0
    assert not (tmp_path / "a" / "chroma").exists()  # nothing went to the embedded store

    code, out, _ = bot("a", server.url, "stats")
    assert code == 0
    assert server.url in _vectors_line(out) and f"向量 {embedded} 个" in _vectors_line(out)

    for method in ("dense", "hybrid"):
        code, out, err = bot("a", server.url, "search", QUERY, "--method", method)
        assert code == 0 and NOTICE not in out + err
        assert "【1】" in out

    queries = tmp_path / "queries.jsonl"
    queries.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in (
        {"id": "t1", "query": "低保申请审核的程序", "relevant": ["个人申请、入户调查、民主评议、张榜公示、街道审核"]},
        {"id": "t2", "query": "年初登记的失业人员", "relevant": ["年初登记失业人员96人"]},
    )), encoding="utf-8")
    collections_before = sorted(c.name for c in _client(server).list_collections())
    code, out, err = bot("a", server.url, "eval", str(queries), "--corpus", str(corpus), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result["methods"]) == {"lexical", "dense", "hybrid", "default"}
    assert result["methods"]["lexical"]["hit@10"] == 1.0
    # The temporary index had a collection of its own on the server and removed it.
    assert sorted(c.name for c in _client(server).list_collections()) == collections_before


def _client(server: ChromaServer):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(host="127.0.0.1", port=server.port, settings=ChromaSettings(anonymized_telemetry=False))


def test_deployments_sharing_a_namespace_share_vectors_and_others_keep_their_own(
        bot, server: ChromaServer, corpus: Path, tmp_path: Path):
    code, out, _ = bot("jiedao-a", server.url, "index", str(corpus), namespace="jiedao")
    assert code == 0
    embedded = int(out.split("新向量 ")[1].split(" 个")[0])
    code, out, _ = bot("jiedao-b", server.url, "index", str(corpus), namespace="jiedao")
    assert code == 0
    assert f"新向量 0 个，复用 {embedded} 个" in out  # the second bot computed nothing
    ids_a = _dense_ids(bot, "jiedao-a", server.url, namespace="jiedao")
    assert ids_a and _dense_ids(bot, "jiedao-b", server.url, namespace="jiedao") == ids_a

    # A deployment that names no namespace gets a collection of its own: indexing a smaller
    # corpus there neither reuses nor deletes the shared vectors.
    other = tmp_path / "other-corpus"
    other.mkdir()
    shutil.copy(corpus / FILES[0], other / FILES[0])
    code, out, _ = bot("other", server.url, "index", str(other))
    assert code == 0 and "新向量 0 个" not in out
    code, out, _ = bot("jiedao-a", server.url, "stats", namespace="jiedao")
    assert f"向量 {embedded} 个" in _vectors_line(out)
    assert _dense_ids(bot, "jiedao-a", server.url, namespace="jiedao") == ids_a


def test_server_down_search_answers_lexically_index_fails_and_both_recover(
        bot, server: ChromaServer, corpus: Path, tmp_path: Path, monkeypatch, fake_models, caplog):
    from bot.config import Settings
    from bot.ingest.indexer import Indexer
    from bot.retrieval.snapshot import read_current
    from bot.services import CorpusLibrary, open_retriever

    assert bot("a", server.url, "index", str(corpus))[0] == 0
    # A long-running bot (chat/serve) opened while the server was up; the dense weight makes its
    # default searches use the server, as a deployment with a Chinese model does.
    settings = Settings(_env_file=None)
    library = CorpusLibrary(settings)
    shown, notice = library.search(QUERY)
    assert shown and notice == ""
    retriever = open_retriever(settings, dense=True, embedder=fake_models)
    assert retriever is not None
    dense_before = [h.passage.id for h in retriever.search(QUERY, method="dense")]
    found = retriever.search(QUERY, method="lexical")
    lexical = [h.passage.id for h in found]
    assert found.degraded == "" and dense_before != lexical
    current = (tmp_path / "a" / "index" / "CURRENT").read_text(encoding="utf-8")

    server.stop()

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.retrieval.dense"):
        for _ in range(3):
            found = retriever.search(QUERY, method="dense")
            assert [h.passage.id for h in found] == lexical
            assert found.degraded.startswith(NOTICE)
    assert len([r for r in caplog.records if "vector store unavailable" in r.getMessage()]) == 1
    shown, notice = library.search(QUERY)
    assert shown and notice.startswith(NOTICE)

    for method in ("dense", "hybrid"):
        code, out, _ = bot("a", server.url, "search", QUERY, "--method", method)
        assert code == 0
        assert f"提示：{NOTICE}" in out and "【1】" in out

    (corpus / "fire.md").write_text(
        "# 消防安全专项检查\n\n社区开展消防安全检查十二次，排查整改隐患三十处，更换老旧灭火器四十余具，"
        "组织居民消防疏散演练两场，群众安全意识明显增强。\n", encoding="utf-8")
    code, out, err = bot("a", server.url, "index", str(corpus))
    assert code == 1
    assert "索引失败" in err and server.url in err and "chroma run" in err
    assert (tmp_path / "a" / "index" / "CURRENT").read_text(encoding="utf-8") == current
    assert not [p for p in (tmp_path / "a" / "index" / "snapshots").iterdir() if p.name.startswith(".tmp")]
    code, out, _ = bot("a", server.url, "search", QUERY, "--method", "lexical", "--json")
    assert code == 0 and [h["id"] for h in json.loads(out)] == lexical[:5]

    server.start()  # same port, same folder

    assert retriever.vectors is not None
    retriever.vectors.retry_after = 3600  # still cooling down: no attempt yet, still lexical
    assert retriever.search(QUERY, method="dense").degraded.startswith(NOTICE)
    retriever.vectors.retry_after = 0  # cool-down over: the next search reconnects
    found = retriever.search(QUERY, method="dense")
    assert [h.passage.id for h in found] == dense_before
    assert found.degraded == ""
    shared = library.retriever()
    assert shared is not None and shared.vectors is not None
    shared.vectors.retry_after = 0
    shown, notice = library.search(QUERY)
    assert shown and notice == ""

    code, out, err = bot("a", server.url, "index", str(corpus))
    assert code == 0, err
    code, out, _ = bot("a", server.url, "search", "消防安全检查 整改隐患", "--json")
    assert json.loads(out)[0]["source"] == "fire.md"
    assert Indexer(settings).vectors().count() == len(read_current(settings.index_dir).passages)
