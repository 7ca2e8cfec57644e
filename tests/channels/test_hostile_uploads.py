"""Hostile uploads through the Telegram handler, in-process: refused (or stored safely) with a clear
Chinese message, nothing written outside the data directory, the live index unchanged.

The index is built once per module with a stand-in embedder (the real model is irrelevant to what
an upload may do) and copied into each test's data directory; accepted uploads rebuild it the
same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import build_application
from bot.config import DEFAULT_CORPUS, Settings
from bot.ingest.indexer import Indexer
from bot.services import make_dialogue, open_retriever
from tests.builders import docx_bytes as a_docx
from tests.builders import zip_bomb_docx

from .recording import RecordingRequest

ADMIN, USER = 2002, 1001
LIMIT_MB = 1.0
QUERIES = ("党员大会 支委会", "低保 临时救助", "志愿服务 活动", "下一步工作打算")
GOOD_TEXT = ("# 测试上传材料\n\n"
             "本材料只用于检验上传，内容是关于航模兴趣小组器材保管的说明，与社区其他工作无关。"
             "兴趣小组每周整理器材柜，登记螺旋桨、遥控器和电池的借用情况，做到账物相符。\n")
_ids = itertools.count(1)
CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class StandInEmbedder:
    """Deterministic vectors, no model: uploads are about files, not about meaning."""

    def __init__(self, model: str = "") -> None:
        self.model_name = "stand-in"

    @property
    def fingerprint(self) -> str:
        return "standin0001"

    def encode(self, texts: Any, batch_size: int = 32) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode("utf-8", "replace")).digest(), dtype=np.uint8)[:8] for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), 8) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def unknown_share(self, texts: Any) -> float:
        return 0.6


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def stand_in_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.ingest.indexer.Embedder", StandInEmbedder)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-index") / "data"
    settings = Settings(_env_file=None, data_dir=folder, chroma_url="", dense_weight=None)
    (folder / "uploads").mkdir(parents=True)
    Indexer(settings, StandInEmbedder()).build([DEFAULT_CORPUS, folder / "uploads"])
    return folder


@pytest.fixture
def tg_settings(tmp_path: Path, built_index: Path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(built_index, data)
    return Settings(_env_file=None, data_dir=data, allowed_users=[USER], admins=[ADMIN], max_file_mb=LIMIT_MB,
                    telegram_bot_token="123:ABC", telegram_base_url="", telegram_base_file_url="",
                    chroma_url="", dense_weight=None)


@pytest.fixture
def request_() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def app(tg_settings: Settings, request_: RecordingRequest) -> AsyncIterator[Application]:
    application = build_application(tg_settings, dialogue=make_dialogue(tg_settings), request=request_)
    async with application:
        await application.start()
        yield application
        await application.stop()


# -- helpers --------------------------------------------------------------------------------------
def tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: relative path → (size, sha1); the "before" and "after" of a test."""
    out: dict[str, tuple[int, str]] = {}
    for dirpath, _, files in os.walk(os.fsencode(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            out[os.fsdecode(os.path.relpath(path, os.fsencode(root)))] = (len(data), hashlib.sha1(data).hexdigest())
    return out


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def search_results(settings: Settings) -> dict[str, list[str]]:
    retriever = open_retriever(settings, dense=False)
    assert retriever is not None
    return {q: [h.passage.id for h in retriever.search(q, k=5)] for q in QUERIES}


# Where a name such as ../../x.txt or /etc/passwd.txt would land if it were taken as a path.
def _targets(tmp_path: Path) -> list[Path]:
    names = ("x.txt", "c.txt", "passwd.txt", "报告.docx")
    folders = (tmp_path, tmp_path.parent, tmp_path / "data", Path.cwd(), Path("/etc"), Path("/"))
    return [folder / name for folder in folders for name in names]


class World:
    """What a test compares before and after an upload: the files of the whole temporary tree,
    the project's corpus, the live index and what a search answers."""

    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        self.tmp_path = tmp_path
        self.root = tmp_path.parent  # this session's temporary tree
        # Other tests' folders hold stores that settle when garbage-collected: not ours to judge.
        self.others = {p.name for p in self.root.iterdir() if p.is_dir() and p != tmp_path}
        self.settings = settings
        self.files = self._tree()
        self.corpus = tree(DEFAULT_CORPUS)
        self.existing = {p for p in _targets(tmp_path) if p.exists()}
        self.current = (settings.index_dir / "CURRENT").read_text(encoding="utf-8")
        self.answers = search_results(settings)

    def _tree(self) -> dict[str, tuple[int, str]]:
        return {p: v for p, v in tree(self.root).items() if p.split("/", 1)[0] not in self.others}

    def changes(self) -> set[str]:
        """Paths under the data directory that changed; fails on any change outside it."""
        assert tree(DEFAULT_CORPUS) == self.corpus, "the project's corpus was written to"
        appeared = {p for p in _targets(self.tmp_path) if p.exists()} - self.existing
        assert not appeared, f"a name was taken as a path: {appeared}"
        data = self.settings.data_dir.relative_to(self.root).as_posix()
        moved = changed(self.files, self._tree())
        outside = {p for p in moved if not p.startswith(data + "/")}
        assert not outside, f"written outside the data directory: {sorted(outside)}"
        return {p[len(data) + 1:] for p in moved}

    def uploads(self) -> set[str]:
        return {p[len("uploads/"):] for p in self.changes() if p.startswith("uploads/")}

    def assert_untouched(self) -> None:
        inside = self.changes()
        assert not [p for p in inside if p.startswith(("uploads/", "index/", "chroma/"))], sorted(inside)
        assert (self.settings.index_dir / "CURRENT").read_text(encoding="utf-8") == self.current
        assert search_results(self.settings) == self.answers


async def upload(app: Application, request_: RecordingRequest, name: str | None, data: bytes,
                 claimed_size: int | None = None) -> list[str]:
    """An admin sends a document; returns the texts the bot sent or edited in reply."""
    file_id = f"doc{next(_ids)}x"
    request_.files[f"documents/{file_id}.bin"] = data
    document: dict[str, Any] = {"file_id": file_id, "file_unique_id": "u" + file_id}
    if name is not None:
        document["file_name"] = name
    if claimed_size is not None:
        document["file_size"] = claimed_size
    before = len(request_.calls)
    message = {"message_id": next(_ids), "date": 0, "from": {"id": ADMIN, "is_bot": False, "first_name": "管理员"},
               "chat": {"id": ADMIN, "type": "private", "first_name": "管理员"}, "document": document}
    await app.process_update(Update.de_json({"update_id": next(_ids), "message": message}, app.bot))
    for _ in range(3000):  # a non-blocking handler finishes after process_update returns
        if _settled(request_, before):
            break
        await asyncio.sleep(0.01)
    return [str(p.get("text")) for name_, p in request_.calls[before:] if name_ in ("sendMessage", "editMessageText")]


def _settled(request_: RecordingRequest, before: int) -> bool:
    calls = request_.calls[before:]
    texts = [str(p.get("text")) for n, p in calls if n in ("sendMessage", "editMessageText")]
    if not texts:
        return False
    last = texts[-1]
    return not last.endswith("……") and "正在更新索引" not in last


def assert_clean_chinese(texts: list[str]) -> None:
    assert texts, "the admin got no answer at all"
    for text in texts:
        assert re.search(r"[\u4e00-\u9fff]", text)
        assert not CONTROL.search(text.replace("\n", "")), repr(text)



# -- refused: nothing stored, the index as it was ------------------------------------------------------
REFUSED_UPLOADS = [
    ("binary-named-txt", "bad.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "这不是文本文件"),
    ("elf-named-md", "说明.md", b"\x7fELF\x02\x01\x01" + bytes(300), "这不是文本文件"),
    ("corrupt-docx", "总结.docx", a_docx("社区工作总结", "一、党建工作")[:1500], "Word 文件已损坏"),
    ("not-a-zip-docx", "总结.docx", b"this is not a zip file at all", "Word 文件已损坏"),
    ("old-doc-as-docx", "总结.docx", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "另存为 .docx"),
    ("empty", "空.txt", b"", "文件为空"),
    ("blank", "空白.md", " \r\n\t　\n".encode(), "文件为空"),
    ("empty-docx", "空白.docx", a_docx(), "没有文字内容"),
    ("only-dots", "...", GOOD_TEXT.encode(), "不支持的文件类型"),
    ("dot-dot", "..", GOOD_TEXT.encode(), "不支持的文件类型"),
    ("hidden-extension-only", ".txt", GOOD_TEXT.encode(), "不支持的文件类型"),
    ("lone-surrogate", "\ud800报告.txt", GOOD_TEXT.encode(), "文件名含有无法识别的字符"),
    ("undecoded-byte", "报告\udcff.txt", GOOD_TEXT.encode(), "文件名含有无法识别的字符"),
]


@pytest.mark.parametrize(("name", "data", "reason"), [c[1:] for c in REFUSED_UPLOADS], ids=[c[0] for c in REFUSED_UPLOADS])
async def test_a_hostile_upload_is_refused_in_chinese_and_changes_nothing(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path,
        name: str, data: bytes, reason: str) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, name, data, claimed_size=len(data))
    assert len(texts) == 1 and reason in texts[0]
    assert_clean_chinese(texts)
    world.assert_untouched()


async def test_a_zip_bomb_docx_is_refused_and_changes_nothing(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    bomb = zip_bomb_docx()
    assert len(bomb) < 200 * 1024
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "年度总结.docx", bomb, claimed_size=len(bomb))
    assert len(texts) == 1 and "解压后过大" in texts[0]
    world.assert_untouched()


async def test_a_file_claimed_over_the_limit_is_refused_before_download(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "大文件.txt", b"x", claimed_size=int(1.5 * 1024 * 1024))
    assert len(texts) == 1 and "文件过大" in texts[0] and "上限为 1 MB" in texts[0]
    assert "getFile" not in [name for name, _ in request_.calls]
    world.assert_untouched()


async def test_a_file_larger_than_it_claims_is_refused_after_download(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    data = "社区志愿服务。\n".encode() * 100_000  # about 2.2 MB, claimed as 100 bytes
    texts = await upload(app, request_, "小文件.txt", data, claimed_size=100)
    assert len(texts) == 1 and "文件过大" in texts[0]
    world.assert_untouched()


# -- accepted: stored under a plain name inside uploads/, the index grows, old answers stay ------------
ODD_NAMES = [
    ("traversal", "../../x.txt", "x.txt"),
    ("deep-traversal", "../../../../../../etc/x.txt", "x.txt"),
    ("mixed-separators", "a/b\\c.txt", "c.txt"),
    ("absolute", "/etc/passwd.txt", "passwd.txt"),
    ("windows-absolute", "C:\\Users\\报告.docx", "报告.docx"),
    ("control-characters", "a\x00b\x1fc\n\x1b[2J.txt", "ab" + "c[2J.txt"),
    ("dots-and-extension", "...txt", "upload.txt"),
    ("no-name", None, "upload.txt"),
    ("long-chinese", "长" * 320 + ".txt", "长" * 80 + ".txt"),
]


@pytest.mark.parametrize(("name", "stored"), [c[1:] for c in ODD_NAMES], ids=[c[0] for c in ODD_NAMES])
async def test_an_odd_name_is_stored_as_a_plain_name_inside_uploads(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path,
        name: str | None, stored: str) -> None:
    data = a_docx(*GOOD_TEXT.splitlines()) if stored.endswith(".docx") else GOOD_TEXT.encode()
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, name, data)
    assert_clean_chinese(texts)
    assert f"《{stored}》" in texts[0]
    assert texts[-1].startswith("索引已更新")
    assert world.uploads() == {stored}
    assert (tg_settings.data_dir / "uploads" / stored).read_bytes() == data
    # The old answers are still given, and the new material can be found under its plain name.
    assert search_results(tg_settings) == world.answers
    retriever = open_retriever(tg_settings, dense=False)
    assert retriever is not None
    hits = retriever.search("航模兴趣小组 器材", k=3)
    assert hits and hits[0].passage.source == f"uploads/{stored}"  # uploads are keyed apart from corpus/


async def test_an_upload_with_nothing_to_index_is_reported_as_skipped_and_the_index_keeps_its_answers(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "网页残留.txt", "下载此文档\n全文阅读已结束\n当前位置：首页\n".encode())
    assert_clean_chinese(texts)
    assert "跳过" in texts[-1] and "没有可用的正文内容" in texts[-1]
    world.changes()
    assert search_results(tg_settings) == world.answers


async def test_a_second_upload_with_the_same_name_does_not_silently_discard_the_first(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    first = GOOD_TEXT.encode()
    second = "# 另一份材料\n\n本材料记录社区棋牌室的开放时间和桌椅维修情况，每周三下午由楼组长负责检查并登记。\n".encode()
    await upload(app, request_, "材料.txt", first)
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "材料.txt", second)
    assert_clean_chinese(texts)
    stored = {p.read_bytes() for p in (tg_settings.data_dir / "uploads").iterdir() if not p.name.startswith(".")}
    kept_both = {first, second} <= stored
    told = any("替换" in t or "同名" in t for t in texts)
    assert kept_both or told, f"the earlier 材料.txt was overwritten without a word: {texts}"
    world.changes()


async def test_an_upload_named_like_a_corpus_file_leaves_both_findable(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "annual_summary_donghu_2024.md", GOOD_TEXT.encode())
    assert texts[-1].startswith("索引已更新")
    assert world.uploads() == {"annual_summary_donghu_2024.md"}
    assert search_results(tg_settings) == world.answers  # the corpus file is still what answers
    retriever = open_retriever(tg_settings, dense=False)
    assert retriever is not None and retriever.search("航模兴趣小组 器材", k=1)


# -- what the handler itself says about a name (bot/channels/telegram.py) ----------------------------
async def test_the_handlers_own_refusals_quote_a_clean_short_name(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "\x1b[31m报表\n" + "长" * 300 + ".xlsx", b"PK\x03\x04")
    assert len(texts) == 1 and "不支持的文件类型" in texts[0]
    assert_clean_chinese(texts)
    assert len(texts[0]) < 120
    world.assert_untouched()


async def test_a_long_name_of_wide_characters_is_stored_under_a_name_the_file_system_takes(
        app: Application, request_: RecordingRequest, tg_settings: Settings, tmp_path: Path) -> None:
    world = World(tmp_path, tg_settings)
    texts = await upload(app, request_, "😀" * 300 + ".txt", GOOD_TEXT.encode())
    assert_clean_chinese(texts)
    assert texts[-1].startswith("索引已更新")
    [stored] = world.uploads()
    assert stored.endswith(".txt") and len(stored.encode()) <= 255
