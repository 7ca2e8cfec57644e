"""Building the index: files → passages → a new snapshot, published atomically, incrementally.

Vectors live in Chroma, keyed by passage id, and are computed only when dense results can be
used: a configured ``DRAFTER_DENSE_WEIGHT`` above 0, a model that reads the corpus (its measured
``[UNK]`` share gives it weight), or a previous snapshot that has them (someone asked for
``--method dense|hybrid``, which calls ``prepare_vectors``). With the packaged MiniLM on a
Chinese corpus none of these holds, and an index run never loads the model nor touches Chroma.

A build adds the new vectors first, then swaps ``CURRENT``, then deletes vectors no snapshot
needs, so an interrupted build always leaves the previous snapshot with every vector it uses. On
a shared server a build deletes only the vectors its own previous snapshot had and the new one
dropped, never the whole collection minus its own passages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.errors import DrafterError
from bot.ingest.loaders import IngestError, discover, read_file
from bot.ingest.pipeline import (
    PIPELINE_VERSION,
    IngestReport,
    build_passages,
    documents_from_json,
    documents_of,
    documents_to_json,
)
from bot.jsondata import JsonObject
from bot.retrieval.collection import deployment_vectors
from bot.retrieval.dense import (
    INDEX_TIMEOUT,
    Embedder,
    TextEmbedder,
    VectorStore,
    VectorStoreUnavailable,
    weight_from_unknown_share,
)
from bot.retrieval.lexical import LexicalIndex
from bot.retrieval.snapshot import (
    FILES,
    LEXICAL,
    META,
    PASSAGES,
    POINTER,
    SNAPSHOTS,
    IndexUnavailable,
    current_folder,
    read_current,
)
from bot.text.model import Document, Passage

log = logging.getLogger(__name__)
UNK_SAMPLE = 300
EMBED_BATCH = 64


class IndexingError(DrafterError):
    """An index operation that failed; ``str(err)`` is the message for the user."""


@dataclass
class BuildResult:
    report: IngestReport
    errors: list[str] = field(default_factory=list)
    embedded: int = 0
    reused_vectors: int = 0
    files_reprocessed: int = 0
    files_reused: int = 0
    unknown_share: float = 0.0
    dense_weight: float = 0.0
    vectors: bool = False  # the snapshot has every passage's vector
    seconds: dict[str, float] = field(default_factory=dict)
    characters: int = 0
    changed: bool = True


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class Indexer:
    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None) -> None:
        self.settings = settings
        self.root = settings.index_dir
        self._embedder = embedder

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            self._embedder = Embedder(self.settings.embedding_model)
        return self._embedder

    def vectors(self, timeout: float = INDEX_TIMEOUT) -> VectorStore:
        return deployment_vectors(self.settings, self.embedder.fingerprint, timeout)

    def build(self, paths: list[Path], progress: Progress = _no_progress,
              with_vectors: bool | None = None) -> BuildResult:
        """Index the files under ``paths`` (the whole corpus); unchanged files cost nothing.
        ``with_vectors`` forces vectors on or off; None decides as the module docstring says."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        previous = current_folder(self.root)
        prev_files: dict[str, JsonObject] = {}
        prev_meta: JsonObject = {}
        if previous is not None:
            try:
                prev_files = json.loads((previous / FILES).read_text(encoding="utf-8"))
                prev_meta = json.loads((previous / META).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:  # a damaged snapshot: rebuild everything
                log.error("index snapshot %s cannot be read, rebuilding from scratch: %s", previous, exc)
                previous, prev_files, prev_meta = None, {}, {}
        docs, new_files, errors, counts = self._read(paths, prev_files, progress)
        timings["read_clean_split"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        passages, report = build_passages(docs)
        timings["dedup_tag"] = time.perf_counter() - t1
        result = BuildResult(report=report, errors=errors, files_reprocessed=counts[0], files_reused=counts[1],
                             characters=counts[2])

        t2 = time.perf_counter()
        share, weight, want = self._dense_plan(passages, prev_meta, with_vectors)
        result.unknown_share, result.dense_weight, result.vectors = share, weight, want
        timings["measure_model"] = time.perf_counter() - t2

        vectors = None
        have: set[str] = set()
        if want:
            # Before anything is built: a vector store that is down fails the run at once, and an
            # unchanged corpus still gets any vector its snapshot lacks (e.g. a new or reset server).
            vectors = self.vectors()
            try:
                have = vectors.existing([p.id for p in passages])
            except VectorStoreUnavailable as exc:
                raise IndexingError(_kept(exc)) from exc
        collection = vectors.name if vectors is not None else None
        if (previous is not None and new_files == prev_files and bool(prev_meta.get("vectors")) == want
                and (not want or (prev_meta.get("collection") == collection and len(have) == len({p.id for p in passages})))):
            result.changed = False
            result.reused_vectors = len(passages) if want else 0
            result.seconds = timings
            return result

        t3 = time.perf_counter()
        progress("词法索引", 0, 1)
        lexical = LexicalIndex.build(passages)
        progress("词法索引", 1, 1)
        timings["lexical"] = time.perf_counter() - t3

        if vectors is not None:
            t4 = time.perf_counter()
            result.embedded, result.reused_vectors = self._embed(vectors, passages, have, progress)
            timings["embed"] = time.perf_counter() - t4

        meta = {
            "model": self.embedder.model_name,
            "vectors": want,
            "collection": collection,
            "vector_store": self.settings.chroma_url or "embedded",
            "unknown_share": share,
            "dense_weight": weight,
            "passages": len(passages),
            "report": report.lines(),
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        t5 = time.perf_counter()
        dropped: set[str] = set()
        if vectors is not None and previous is not None and prev_meta.get("collection") == collection:
            with (previous / PASSAGES).open(encoding="utf-8") as fh:
                dropped = {json.loads(line)["id"] for line in fh if line.strip()} - {p.id for p in passages}
        write_snapshot(self.root, passages, new_files, meta, lexical)
        if vectors is not None:
            self._delete_stale(vectors, {p.id for p in passages}, dropped)
        timings["write"] = time.perf_counter() - t5
        result.seconds = timings
        return result

    def prepare_vectors(self, progress: Progress = _no_progress) -> int:
        """Give the live snapshot every passage's vector and publish it again with
        ``"vectors": true``, so later index runs keep them complete. Returns how many were computed.
        Raises IndexingError (vector store down, no index)."""
        try:
            snapshot = read_current(self.root)
        except IndexUnavailable as exc:
            raise IndexingError("还没有可用的索引，请先运行：drafter index") from exc
        vectors = self.vectors()
        try:
            have = vectors.existing([p.id for p in snapshot.passages])
        except VectorStoreUnavailable as exc:
            raise IndexingError(_kept(exc)) from exc
        embedded, _ = self._embed(vectors, snapshot.passages, have, progress)
        files = json.loads((snapshot.folder / FILES).read_text(encoding="utf-8"))
        meta = {**snapshot.meta, "vectors": True, "collection": vectors.name}
        write_snapshot(self.root, snapshot.passages, files, meta, snapshot.lexical)
        return embedded

    # -- steps ---------------------------------------------------------------------------------
    def _read(self, paths: list[Path], prev_files: dict[str, JsonObject], progress: Progress,
              ) -> tuple[list[Document], dict[str, dict[str, object]], list[str], tuple[int, int, int]]:
        files = discover(paths)
        roots = [p for p in paths if p.is_dir()]
        errors: list[str] = []
        new_files: dict[str, dict[str, object]] = {}
        docs: list[Document] = []
        reprocessed = reused = characters = 0
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        for i, path in enumerate(files):
            progress("读取与清洗", i, len(files))
            source = _source_name(path, roots)
            try:
                data_hash = _sha256(path)
                cached = prev_files.get(source)
                # A file cleaned by an older pipeline is cleaned again, even when unchanged.
                if cached and cached["sha256"] == data_hash and cached.get("pipeline") == PIPELINE_VERSION:
                    file_docs = documents_from_json(cached["documents"])  # files.json is untyped JSON
                    reused += 1
                else:
                    text = read_file(path, max_bytes)
                    characters += len(text)
                    file_docs = documents_of(source, text)
                    reprocessed += 1
                    if not file_docs:
                        raise IngestError(source, "没有可用的正文内容。")
            except IngestError as err:
                errors.append(str(err))
                if source in prev_files:  # keep what the index had for this file
                    new_files[source] = prev_files[source]
                    docs.extend(documents_from_json(prev_files[source]["documents"]))
                continue
            except OSError as err:
                errors.append(f"{source}：无法读取文件（{err.strerror}）。")
                continue
            new_files[source] = {"sha256": data_hash, "pipeline": PIPELINE_VERSION,
                                 "documents": documents_to_json(file_docs)}
            docs.extend(file_docs)
        progress("读取与清洗", len(files), len(files))
        return docs, new_files, errors, (reprocessed, reused, characters)

    def _dense_plan(self, passages: list[Passage], prev_meta: JsonObject,
                    forced: bool | None) -> tuple[float, float, bool]:
        """(model's [UNK] share on the corpus, dense weight of the default method, whether to
        compute vectors). The share is measured with the tokenizer alone: no model is loaded."""
        configured = self.settings.dense_weight
        if configured is not None and configured <= 0 and not forced:
            return float(prev_meta.get("unknown_share", 0.0)), 0.0, bool(forced)
        sample = [p.text for p in passages[:: max(1, len(passages) // UNK_SAMPLE)]][:UNK_SAMPLE]
        share = self.embedder.unknown_share(sample) if sample else 0.0
        weight = configured if configured is not None else weight_from_unknown_share(share)
        want = forced if forced is not None else (weight > 0 or bool(prev_meta.get("vectors")))
        return share, weight, want

    def _embed(self, vectors: VectorStore, passages: list[Passage], have: set[str], progress: Progress) -> tuple[int, int]:
        todo = [p for p in passages if p.id not in have]
        try:
            for start in range(0, len(todo), EMBED_BATCH):
                progress("向量化", start, len(todo))
                batch = todo[start : start + EMBED_BATCH]
                vecs = self.embedder.encode([p.text for p in batch])
                vectors.add([p.id for p in batch], vecs, [{"source": p.source, "kind": p.kind} for p in batch])
            progress("向量化", len(todo), len(todo))
        except VectorStoreUnavailable as exc:
            raise IndexingError(_kept(exc)) from exc
        except Exception as exc:
            raise IndexingError(f"写入向量库失败，原索引保持不变：{exc}") from exc
        return len(todo), len(passages) - len(todo)

    def _delete_stale(self, vectors: VectorStore, keep: set[str], dropped: set[str]) -> None:
        try:
            if self.settings.chroma_url:  # shared: only what this deployment itself dropped
                vectors.delete(sorted(dropped))
            else:
                vectors.delete_except(keep)
        except VectorStoreUnavailable as exc:  # the new snapshot is live and complete already
            # Left-over vectors cost only space: searches ignore ids outside the snapshot.
            log.warning("stale vectors not deleted: %s", exc)


def write_snapshot(index_dir: Path, passages: list[Passage], files: dict[str, dict[str, object]],
                   meta: dict[str, object], lexical: LexicalIndex) -> Path:
    """Write a complete snapshot beside the live one, then point ``CURRENT`` at it (atomic
    renames), then remove older snapshots and half-written ones left by interrupted runs."""
    snapshots = index_dir / SNAPSHOTS
    snapshots.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%d-%H%M%S-") + hashlib.sha1(os.urandom(8)).hexdigest()[:6]
    tmp = snapshots / f".tmp-{name}"
    tmp.mkdir()
    with (tmp / PASSAGES).open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
    (tmp / FILES).write_text(json.dumps(files, ensure_ascii=False), encoding="utf-8")
    (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp / LEXICAL).mkdir()
    lexical.save(tmp / LEXICAL)
    os.replace(tmp, snapshots / name)
    pointer_tmp = index_dir / f"{POINTER}.tmp"
    pointer_tmp.write_text(name, encoding="utf-8")
    os.replace(pointer_tmp, index_dir / POINTER)
    for old in snapshots.iterdir():
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return snapshots / name


def _kept(exc: Exception) -> str:
    return f"{str(exc).rstrip('。')}。原索引保持不变，检索仍可使用。"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_name(path: Path, roots: list[Path]) -> str:
    """The file's key in the index: its path under its folder; files of a second or later folder
    (e.g. ``uploads/``) carry that folder's name, so equal names in two folders never collide."""
    for n, root in enumerate(roots):
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            continue
        return f"{root.name}/{relative}" if n else relative
    return path.name
