"""A deterministic stand-in for the sentence-transformers model (like simonw/llm's EmbedDemo):
vectors count the text's character bigrams, hashed into a few dimensions, so similar texts get
similar vectors, the same text always the same one, and nothing is loaded or downloaded."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.text.tokenize import bigrams


class HashEmbedder:
    model_name = "test-hash-embedder"
    fingerprint = "testhash01"

    def __init__(self, dim: int = 64, unknown: float = 0.0) -> None:
        self.dim = dim
        self.unknown = unknown  # the [UNK] share it reports: 0 reads everything, as a Chinese model would
        self.calls = 0  # encode calls, so a test can tell that no vector was computed

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram in bigrams(text):
                out[row, int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little") % self.dim] += 1
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        return out

    def unknown_share(self, texts: Sequence[str]) -> float:
        return self.unknown
