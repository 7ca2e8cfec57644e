"""Which Chroma collection a deployment's vectors live in.

With ``DRAFTER_CHROMA_URL`` the collection lives on a shared server. Its name is
``<namespace>-<model>``: the namespace is ``DRAFTER_CHROMA_COLLECTION`` when set (deployments
that set the same one share one corpus's vectors deliberately), otherwise an id created once per
data directory (``<data>/index/VECTOR_NAMESPACE``), so deployments never touch each other's
vectors by accident. The embedded store belongs to its data directory alone.
"""

from __future__ import annotations

import os
import time

from bot.config import Settings
from bot.retrieval.dense import QUERY_TIMEOUT, VectorStore, chroma_client, collection_name


def vector_namespace(settings: Settings) -> str:
    if not settings.chroma_url:
        return "passages"  # the embedded store keeps its historical name
    if settings.chroma_collection:
        return settings.chroma_collection
    root = settings.index_dir
    path = root / "VECTOR_NAMESPACE"
    fresh = "drafter-" + os.urandom(5).hex()
    for _ in range(50):
        try:
            name = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            root.mkdir(parents=True, exist_ok=True)
            try:  # O_EXCL: of two processes starting at once, the first one's id wins
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(fresh)
            return fresh
        if name:
            return name
        time.sleep(0.01)  # its creator has not written it yet
    tmp = path.with_suffix(".tmp")  # the creator died before writing: take over
    tmp.write_text(fresh, encoding="utf-8")
    os.replace(tmp, path)
    return fresh


def deployment_vectors(settings: Settings, fingerprint: str, timeout: float = QUERY_TIMEOUT,
                       create: bool = True) -> VectorStore:
    """This deployment's collection for the model ``fingerprint``; connects on first use (never here)."""
    url, chroma_dir = settings.chroma_url, settings.chroma_dir
    return VectorStore(lambda: chroma_client(chroma_dir, url, timeout),
                       collection_name(vector_namespace(settings), fingerprint),
                       url or str(chroma_dir), create=create)
