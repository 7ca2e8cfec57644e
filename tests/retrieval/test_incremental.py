"""Incremental and atomic index builds on a small corpus of our own; vectors only when dense
results can be used (the deterministic stand-in embedder: dense quality is not the point here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.ingest.indexer import Indexer, IndexingError
from bot.retrieval.snapshot import read_current
from bot.services import open_retriever
from tests.conftest import CORPUS


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("special_dibao_assistance_2024.md", "special_employment_2024.md", "workplan_xingfuli_2026.md"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture
def dense_settings(settings):
    settings.dense_weight = 0.5  # as with a Chinese model: vectors are used, so they are computed
    return settings


def test_a_changed_added_or_removed_file_updates_only_its_passages(dense_settings, fake_embedder, corpus: Path):
    indexer = Indexer(dense_settings, fake_embedder)
    first = indexer.build([corpus])
    assert first.vectors and first.embedded > 0 and first.files_reprocessed == 3
    before = {p.id: p for p in read_current(dense_settings.index_dir).passages}

    edited = corpus / "special_employment_2024.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n社区新增就业见习基地两处，吸纳青年见习人员十六名。\n", encoding="utf-8")
    (corpus / "workplan_xingfuli_2026.md").unlink()
    second = indexer.build([corpus])
    after = {p.id: p for p in read_current(dense_settings.index_dir).passages}

    assert second.files_reprocessed == 1 and second.files_reused == 1
    assert 0 < second.embedded <= 3
    assert not any(p.source == "workplan_xingfuli_2026.md" for p in after.values())
    dibao_before = {i for i, p in before.items() if p.source.startswith("special_dibao")}
    dibao_after = {i for i, p in after.items() if p.source.startswith("special_dibao")}
    assert dibao_before == dibao_after
    assert indexer.vectors().count() == len(after)


def test_at_dense_weight_zero_nothing_is_embedded_until_a_dense_search_asks(settings, fake_embedder, corpus: Path):
    fake_embedder.unknown = 0.6  # reads Chinese as badly as the packaged MiniLM
    indexer = Indexer(settings, fake_embedder)
    first = indexer.build([corpus])
    assert (first.dense_weight, first.vectors, first.embedded, fake_embedder.calls) == (0.0, False, 0, 0)
    assert not (settings.data_dir / "chroma").exists(), "the vector store is never opened"
    assert indexer.build([corpus]).changed is False

    computed = indexer.prepare_vectors()  # what the first --method dense search does
    snapshot = read_current(settings.index_dir)
    assert computed == len(snapshot.passages) and snapshot.has_vectors
    retriever = open_retriever(settings, dense=True, embedder=fake_embedder)
    assert retriever is not None
    found = retriever.search("低保 入户核查", k=3, method="dense")
    assert len(found) == 3 and not found.degraded

    # From now on index runs keep the vectors complete, incrementally.
    (corpus / "fire.md").write_text("# 消防安全\n\n社区开展消防安全检查十二次，排查整改隐患三十处，群众安全意识明显增强。\n",
                                    encoding="utf-8")
    again = indexer.build([corpus])
    assert again.vectors and again.embedded == 1
    assert indexer.vectors().count() == len(read_current(settings.index_dir).passages)


def test_an_interrupted_build_leaves_the_previous_index_usable(dense_settings, fake_embedder, corpus: Path, monkeypatch):
    indexer = Indexer(dense_settings, fake_embedder)
    indexer.build([corpus])
    before = [p.id for p in read_current(dense_settings.index_dir).passages]
    (corpus / "new.md").write_text("# 新文件\n\n社区开展消防安全检查十二次，排查整改隐患三十处，群众安全意识明显增强。\n", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(fake_embedder, "encode", boom)
    with pytest.raises(IndexingError):
        indexer.build([corpus])
    assert [p.id for p in read_current(dense_settings.index_dir).passages] == before


def test_a_bad_file_is_reported_and_the_index_keeps_the_rest(settings, fake_embedder, corpus: Path):
    indexer = Indexer(settings, fake_embedder)
    indexer.build([corpus])
    count = len(read_current(settings.index_dir).passages)
    (corpus / "broken.docx").write_bytes(b"not a docx")
    (corpus / "empty.txt").write_bytes(b"")
    result = indexer.build([corpus])
    assert len(result.errors) == 2
    assert any("Word 文件已损坏" in e for e in result.errors)
    assert len(read_current(settings.index_dir).passages) == count


def test_a_file_named_like_one_in_another_folder_is_indexed_beside_it(settings, fake_embedder, corpus: Path, tmp_path: Path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "special_employment_2024.md").write_text(
        "# 上传的同名文件\n\n社区开设家政技能培训班三期，帮助四十名居民取得证书后上岗就业。\n" * 3, encoding="utf-8")
    indexer = Indexer(settings, fake_embedder)
    indexer.build([corpus, uploads])
    sources = {p.source for p in read_current(settings.index_dir).passages}
    assert {"special_employment_2024.md", "uploads/special_employment_2024.md"} <= sources
    again = indexer.build([corpus, uploads])
    assert not again.changed
