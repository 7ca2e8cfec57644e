"""The index on disk: snapshots swapped atomically, rebuilt incrementally.

Layout under ``<data_dir>/index``::

    CURRENT                 name of the live snapshot (replaced atomically)
    snapshots/<name>/       passages.jsonl, files.json, meta.json, lexical/

Vectors live in Chroma, keyed by passage id. A build adds the new vectors first, then
swaps CURRENT, then deletes vectors no snapshot needs, so an interrupted build always
leaves the previous snapshot with every vector it uses.

With ``DRAFTER_CHROMA_URL`` the collection lives on a shared server. Its name is
``<namespace>-<model>``: the namespace is ``DRAFTER_CHROMA_COLLECTION`` when set (deployments
that set the same one share one corpus's vectors deliberately), otherwise an id created once per
data directory (``VECTOR_NAMESPACE``), so deployments never touch each other's vectors by accident.
On a server a build deletes only the vectors its own previous snapshot had and the new one
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
from bot.ingest.loaders import IngestError, discover, read_file
from bot.ingest.pipeline import (
    PIPELINE_VERSION, IngestReport, build_passages, documents_from_json, documents_of, documents_to_json,
)
from bot.retrieval.dense import (
    INDEX_TIMEOUT, QUERY_TIMEOUT, Embedder, VectorStore, VectorStoreUnavailable, chroma_client, collection_name,
    weight_from_unknown_share,
)
from bot.retrieval.lexical import LexicalIndex
from bot.text.model import Document, Passage

log = logging.getLogger(__name__)
UNK_SAMPLE = 300


class StoreError(Exception):
    """An index operation that failed; ``str(err)`` is the message for the user."""


@dataclass
class Snapshot:
    folder: Path
    passages: list[Passage]
    meta: dict[str, object]
    lexical: LexicalIndex

    @classmethod
    def load(cls, folder: Path) -> Snapshot:
        with (folder / "passages.jsonl").open(encoding="utf-8") as fh:
            passages = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return cls(folder, passages, meta, LexicalIndex.load(folder / "lexical"))


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
    seconds: dict[str, float] = field(default_factory=dict)
    characters: int = 0
    changed: bool = True


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class IndexStore:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.root = settings.index_dir
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.settings.embedding_model)
        return self._embedder

    def vectors(self, timeout: float = QUERY_TIMEOUT, create: bool = True) -> VectorStore:
        """The collection of this deployment and model; connects on first use (never here)."""
        url = self.settings.chroma_url
        chroma_dir = self.settings.chroma_dir
        return VectorStore(lambda: chroma_client(chroma_dir, url, timeout),
                           collection_name(self.vector_namespace(), self.embedder.fingerprint),
                           url or str(chroma_dir), create=create)

    def vector_namespace(self) -> str:
        """See the module docstring. The embedded store belongs to this data directory alone and
        keeps its historical name."""
        if not self.settings.chroma_url:
            return "passages"
        if self.settings.chroma_collection:
            return self.settings.chroma_collection
        path = self.root / "VECTOR_NAMESPACE"
        fresh = "drafter-" + os.urandom(5).hex()
        for _ in range(50):
            try:
                name = path.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                self.root.mkdir(parents=True, exist_ok=True)
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

    def current_folder(self) -> Path | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        folder = self.root / "snapshots" / pointer.read_text(encoding="utf-8").strip()
        return folder if folder.exists() else None

    def load(self) -> Snapshot | None:
        folder = self.current_folder()
        return Snapshot.load(folder) if folder else None

    def build(self, paths: list[Path], progress: Progress = _no_progress) -> BuildResult:
        """Index the files under ``paths`` (the whole corpus); unchanged files cost nothing."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        previous = self.current_folder()
        prev_files: dict[str, dict[str, object]] = {}
        if previous is not None:
            prev_files = json.loads((previous / "files.json").read_text(encoding="utf-8"))
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
                    file_docs = documents_from_json(cached["documents"])  # type: ignore[arg-type]
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
                    docs.extend(documents_from_json(prev_files[source]["documents"]))  # type: ignore[arg-type]
                continue
            except OSError as err:
                errors.append(f"{source}：无法读取文件（{err.strerror}）。")
                continue
            new_files[source] = {"sha256": data_hash, "pipeline": PIPELINE_VERSION, "documents": documents_to_json(file_docs)}
            docs.extend(file_docs)
        progress("读取与清洗", len(files), len(files))
        timings["read_clean_split"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        passages, report = build_passages(docs)
        timings["dedup_tag"] = time.perf_counter() - t1
        result = BuildResult(report=report, errors=errors, files_reprocessed=reprocessed,
                             files_reused=reused, characters=characters)
        # Before anything is built: a vector store that is down fails the run at once, and an
        # unchanged corpus still gets any vector its snapshot lacks (e.g. a new or reset server).
        vectors = self.vectors(INDEX_TIMEOUT)
        try:
            have = vectors.existing([p.id for p in passages])
        except VectorStoreUnavailable as exc:
            raise StoreError(_kept(exc)) from exc
        prev_meta = json.loads((previous / "meta.json").read_text(encoding="utf-8")) if previous else {}
        if (previous is not None and new_files == prev_files and prev_meta.get("collection") == vectors.name
                and len(have) == len({p.id for p in passages})):
            result.changed = False
            result.unknown_share = float(prev_meta.get("unknown_share", 0.0))
            result.dense_weight = float(prev_meta.get("dense_weight", 0.0))
            result.reused_vectors = len(passages)
            result.seconds = timings
            return result

        t2 = time.perf_counter()
        progress("词法索引", 0, 1)
        lexical = LexicalIndex.build(passages)
        progress("词法索引", 1, 1)
        timings["lexical"] = time.perf_counter() - t2

        t3 = time.perf_counter()
        try:
            todo = [p for p in passages if p.id not in have]
            result.reused_vectors = len(passages) - len(todo)
            for start in range(0, len(todo), 64):
                progress("向量化", start, len(todo))
                batch = todo[start : start + 64]
                vecs = self.embedder.encode([p.text for p in batch])
                vectors.add([p.id for p in batch], vecs,
                            [{"source": p.source, "kind": p.kind} for p in batch])
            progress("向量化", len(todo), len(todo))
            result.embedded = len(todo)
        except VectorStoreUnavailable as exc:
            raise StoreError(_kept(exc)) from exc
        except Exception as exc:
            raise StoreError(f"写入向量库失败，原索引保持不变：{exc}") from exc
        timings["embed"] = time.perf_counter() - t3

        t4 = time.perf_counter()
        sample = [p.text for p in passages[:: max(1, len(passages) // UNK_SAMPLE)]][:UNK_SAMPLE]
        result.unknown_share = self.embedder.unknown_share(sample) if sample else 0.0
        configured = self.settings.dense_weight
        result.dense_weight = configured if configured is not None else weight_from_unknown_share(result.unknown_share)
        timings["measure_model"] = time.perf_counter() - t4

        meta = {
            "model": self.embedder.model_name,
            "collection": vectors.name,
            "vector_store": self.settings.chroma_url or "embedded",
            "unknown_share": result.unknown_share,
            "dense_weight": result.dense_weight,
            "passages": len(passages),
            "report": report.lines(),
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        t5 = time.perf_counter()
        keep = {p.id for p in passages}
        dropped: set[str] = set()
        if previous is not None and prev_meta.get("collection") == vectors.name:
            with (previous / "passages.jsonl").open(encoding="utf-8") as fh:
                dropped = {json.loads(line)["id"] for line in fh if line.strip()} - keep
        self._write_snapshot(passages, new_files, meta, lexical)
        try:
            if self.settings.chroma_url:  # shared: only what this deployment itself dropped
                vectors.delete(sorted(dropped))
            else:
                vectors.delete_except(keep)
        except VectorStoreUnavailable as exc:  # the new snapshot is live and complete already
            # Left-over vectors cost only space: searches ignore ids outside the snapshot.
            log.warning("stale vectors not deleted: %s", exc)
        timings["write"] = time.perf_counter() - t5
        result.seconds = timings
        return result

    def _write_snapshot(self, passages: list[Passage], files: dict[str, dict[str, object]],
                        meta: dict[str, object], lexical: LexicalIndex) -> None:
        snapshots = self.root / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        name = time.strftime("%Y%m%d-%H%M%S-") + hashlib.sha1(os.urandom(8)).hexdigest()[:6]
        tmp = snapshots / f".tmp-{name}"
        tmp.mkdir()
        with (tmp / "passages.jsonl").open("w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        (tmp / "files.json").write_text(json.dumps(files, ensure_ascii=False), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        (tmp / "lexical").mkdir()
        lexical.save(tmp / "lexical")
        os.replace(tmp, snapshots / name)
        pointer_tmp = self.root / "CURRENT.tmp"
        pointer_tmp.write_text(name, encoding="utf-8")
        os.replace(pointer_tmp, self.root / "CURRENT")
        for old in snapshots.iterdir():
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)


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
