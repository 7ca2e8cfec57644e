"""The vector store's failures, told to the operator in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.retrieval.dense import VectorStore, VectorStoreUnavailable, chroma_client


def test_a_collection_that_is_not_there_says_so_and_what_to_run(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    store = VectorStore(lambda: chroma_client(folder), "absent-0123456789", str(folder), create=False)
    with pytest.raises(VectorStoreUnavailable, match="中没有集合 absent-0123456789，请重新运行 drafter index"):
        store.count()
    assert not store.available  # and it does not ask again at once
