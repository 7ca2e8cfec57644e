"""Incremental and atomic index builds on a small corpus of our own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.retrieval.store import IndexStore, StoreError
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("special_dibao_assistance_2024.md", "special_employment_2024.md", "workplan_xingfuli_2026.md"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def test_a_changed_added_or_removed_file_updates_only_its_passages(settings, embedder, corpus: Path):
    store = IndexStore(settings, embedder)
    first = store.build([corpus])
    assert first.embedded > 0 and first.files_reprocessed == 3
    before = {p.id: p for p in store.load().passages}

    edited = corpus / "special_employment_2024.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n社区新增就业见习基地两处，吸纳青年见习人员十六名。\n", encoding="utf-8")
    (corpus / "workplan_xingfuli_2026.md").unlink()
    second = store.build([corpus])
    after = {p.id: p for p in store.load().passages}

    assert second.files_reprocessed == 1 and second.files_reused == 1
    assert 0 < second.embedded <= 3
    assert not any(p.source == "workplan_xingfuli_2026.md" for p in after.values())
    dibao_before = {i for i, p in before.items() if p.source.startswith("special_dibao")}
    dibao_after = {i for i, p in after.items() if p.source.startswith("special_dibao")}
    assert dibao_before == dibao_after
    assert store.vectors().count() == len(after)


def test_an_interrupted_build_leaves_the_previous_index_usable(settings, embedder, corpus: Path, monkeypatch):
    store = IndexStore(settings, embedder)
    store.build([corpus])
    before = [p.id for p in store.load().passages]
    (corpus / "new.md").write_text("# 新文件\n\n社区开展消防安全检查十二次，排查整改隐患三十处，群众安全意识明显增强。\n", encoding="utf-8")

    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(embedder, "encode", boom)
    with pytest.raises(StoreError):
        store.build([corpus])
    assert [p.id for p in store.load().passages] == before


def test_a_bad_file_is_reported_and_the_index_keeps_the_rest(settings, embedder, corpus: Path):
    store = IndexStore(settings, embedder)
    store.build([corpus])
    count = len(store.load().passages)
    (corpus / "broken.docx").write_bytes(b"not a docx")
    (corpus / "empty.txt").write_bytes(b"")
    result = store.build([corpus])
    assert len(result.errors) == 2
    assert any("Word 文件已损坏" in e for e in result.errors)
    assert len(store.load().passages) == count


def test_a_file_named_like_one_in_another_folder_is_indexed_beside_it(settings, embedder, corpus: Path, tmp_path: Path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "special_employment_2024.md").write_text(
        "# 上传的同名文件\n\n社区开设家政技能培训班三期，帮助四十名居民取得证书后上岗就业。\n" * 3, encoding="utf-8")
    store = IndexStore(settings, embedder)
    store.build([corpus, uploads])
    sources = {p.source for p in store.load().passages}
    assert {"special_employment_2024.md", "uploads/special_employment_2024.md"} <= sources
    again = store.build([corpus, uploads])
    assert not again.changed
