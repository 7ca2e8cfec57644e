"""``drafter``: the command line. A thin layer: parse, call the core, print."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import DEFAULT_CORPUS, Settings, SettingsError, load_settings
from bot.offline import keep_caches_under, set_offline_environment

if TYPE_CHECKING:
    from bot.ingest.indexer import Progress
    from bot.retrieval.retriever import Retriever
    from bot.retrieval.snapshot import Snapshot

log = logging.getLogger("bot")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "data_dir", None):
        settings.data_dir = Path(args.data_dir)
    return settings


def _progress_bar() -> Progress:
    """A tqdm bar per stage on stderr (quiet when stderr is not a terminal)."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}
    disable = not sys.stderr.isatty()

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=max(total, 1), desc=stage, unit="项", disable=disable, leave=True)
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def cmd_index(args: argparse.Namespace) -> int:
    from bot.ingest.indexer import Indexer, IndexingError
    from bot.ingest.loaders import IngestError

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [DEFAULT_CORPUS]
    try:
        result = Indexer(settings).build(paths, progress=_progress_bar())
    except (IngestError, IndexingError) as err:
        print(f"索引失败：{err}", file=sys.stderr)
        return 1
    for line in result.report.lines():
        print(line)
    if not result.changed:
        print("语料未变化，索引无需更新（未做任何向量计算）。")
    else:
        if result.vectors:
            print(f"新向量 {result.embedded} 个，复用 {result.reused_vectors} 个；", end="")
        print(f"重新处理文件 {result.files_reprocessed} 个，复用 {result.files_reused} 个。")
        print(f"模型未识别字符（[UNK]）占比 {result.unknown_share:.1%}，默认检索中向量权重 {result.dense_weight:.2f}。")
        if not result.vectors:
            print("默认检索只用关键词，未计算向量；首次使用 --method dense 或 hybrid 检索时再准备。")
    for problem in result.errors:
        print(f"跳过：{problem}", file=sys.stderr)
    return 1 if result.errors else 0


def cmd_upload(args: argparse.Namespace) -> int:
    """``drafter upload FILE…``: what an admin's upload on Telegram does, from a shell: each file
    checked and saved under ``<data>/uploads/``, then one rebuild of corpus and uploads."""
    from bot.ingest import uploads
    from bot.ingest.indexer import IndexingError
    from bot.ingest.loaders import IngestError

    settings = _settings(args)
    limit = uploads.limit_bytes(settings)
    saved = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
            refused = uploads.refusal(path.name, len(data), limit)
            if refused:
                print(refused, file=sys.stderr)
                continue
            uploads.check(data, path.name, limit)
            target, note = uploads.save(uploads.uploads_dir(settings), path.name, data)
        except IngestError as err:
            print(err, file=sys.stderr)
            continue
        except OSError as err:
            print(f"{path}：无法读取或保存（{err.strerror}）", file=sys.stderr)
            continue
        print(f"已保存为 {target}{note}")
        saved += 1
    if not saved:
        return 1
    try:
        result = uploads.rebuild(settings, progress=_progress_bar())
    except (IngestError, IndexingError) as err:
        print(f"索引更新失败，原索引保持不变：{err}", file=sys.stderr)
        return 1
    for line in uploads.report(result):
        print(line)
    return 1 if saved < len(args.files) else 0


def _open(args: argparse.Namespace, dense: bool | None = None) -> Retriever | None:
    from bot.retrieval.snapshot import IndexDamaged, IndexMissing, read_current
    from bot.services import open_retriever

    settings = _settings(args)
    try:
        snapshot = read_current(settings.index_dir)
    except IndexMissing:
        print("还没有索引，请先运行：drafter index", file=sys.stderr)
        return None
    except IndexDamaged as err:
        log.error("%s", err)
        print("索引已损坏或不完整，请重新运行：drafter index", file=sys.stderr)
        return None
    if dense and not snapshot.has_vectors:
        prepared = _prepare_vectors(settings)
        if prepared is None:
            return None
        snapshot = prepared
    return open_retriever(settings, dense=dense, snapshot=snapshot)


def _prepare_vectors(settings: Settings) -> Snapshot | None:
    """The first dense search of an index built without vectors computes them once."""
    from bot.ingest.indexer import Indexer, IndexingError
    from bot.retrieval.snapshot import read_current

    print("首次使用向量检索，正在为索引中的段落准备向量，请稍候……", file=sys.stderr)
    try:
        count = Indexer(settings).prepare_vectors(progress=_progress_bar())
    except IndexingError as err:
        print(f"准备向量失败：{err}", file=sys.stderr)
        return None
    print(f"向量已准备好（新计算 {count} 个），以后的索引更新会保持向量完整。", file=sys.stderr)
    return read_current(settings.index_dir)


def cmd_search(args: argparse.Namespace) -> int:
    retriever = _open(args, dense=True if args.method in ("dense", "hybrid") else None)
    if retriever is None:
        return 1
    hits = retriever.search(args.query, k=args.k, method=args.method, kinds=args.kind or (), topics=args.topic or ())
    if args.json:
        if hits.degraded:  # stdout stays one JSON document
            print(f"提示：{hits.degraded}", file=sys.stderr)
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
        return 0
    if hits.degraded:
        print(f"提示：{hits.degraded}")
    if not hits:
        print("没有找到相关段落，请换个说法试试。")
    for i, hit in enumerate(hits, 1):
        p = hit.passage
        print(f"【{i}】{p.title}｜{p.section_path or '正文'}（来源：{p.source}）")
        print(p.text)
        print()
    return 0


def cmd_phrases(args: argparse.Namespace) -> int:
    from bot.retrieval.phrases import find_phrases

    retriever = _open(args)
    if retriever is None:
        return 1
    phrases = find_phrases(retriever, args.query, k=args.k)
    if args.json:
        print(json.dumps([p.to_json() for p in phrases], ensure_ascii=False))
        return 0
    if phrases.degraded:
        print(f"提示：{phrases.degraded}")
    if not phrases:
        print("没有找到合适的范例句子。")
    for i, ph in enumerate(phrases, 1):
        print(f"{i}. {ph.text}\n   （来源：{ph.source}｜{ph.title}）")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.ingest.indexer import Indexer, IndexingError
    from bot.retrieval.evaluate import evaluate_method, load_queries
    from bot.retrieval.retriever import METHODS
    from bot.services import open_retriever

    queries = load_queries(Path(args.queries))
    with tempfile.TemporaryDirectory(prefix="drafter-eval-") as tmp:
        settings = load_settings()
        settings.data_dir = Path(tmp)
        # On a server (DRAFTER_CHROMA_URL) the temporary index gets a collection of its own,
        # never a shared one, and drops it at the end.
        settings.chroma_collection = ""
        indexer = Indexer(settings)
        try:
            indexer.build([Path(args.corpus)], with_vectors=True)  # every method is measured
            retriever = open_retriever(settings, dense=True, embedder=indexer.embedder)
            assert retriever is not None
            results = {}
            per_query = {}
            for method in METHODS:
                degraded: list[str] = []

                def run(q: str, m: str = method, degraded: list[str] = degraded) -> list[str]:
                    found = retriever.search(q, k=10, method=m)
                    if found.degraded:
                        degraded.append(found.degraded)
                    return [h.passage.text for h in found]
                run(queries[0].query)  # warm caches (jieba, model) outside the timings
                results[method], per_query[method] = evaluate_method(run, queries)
                if degraded:
                    print(f"评测失败：{degraded[0]}（{method} 的结果无效）", file=sys.stderr)
                    return 1
            out = {"queries": len(queries), "passages": len(retriever.passages), "methods": results}
        except IndexingError as err:
            print(f"评测失败：{err}", file=sys.stderr)
            return 1
        finally:
            if settings.chroma_url:
                try:
                    indexer.vectors().drop()
                except Exception as exc:  # noqa: BLE001 - the server went away: the collection is left behind
                    log.warning("temporary eval collection not deleted: %s", exc)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"查询 {out['queries']} 条，段落 {out['passages']} 个；向量权重（默认方法）{retriever.dense_weight:.2f}")
    print(f"{'method':<10}" + "".join(f"{m:>9}" for m in ("hit@1", "hit@5", "hit@10", "mrr@10", "p50_ms", "p95_ms")))
    for method, metrics in results.items():
        print(f"{method:<10}" + "".join(f"{metrics[m]:>9.3f}" for m in ("hit@1", "hit@5", "hit@10", "mrr@10", "p50_ms", "p95_ms")))
    if args.verbose:
        for q, rank in zip(queries, per_query["default"], strict=True):
            if rank != 1:
                print(f"  {q.id} rank={rank} {q.query}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.retrieval.collection import deployment_vectors
    from bot.retrieval.dense import Embedder, VectorStoreUnavailable
    from bot.retrieval.snapshot import IndexDamaged, IndexMissing, read_current

    settings = _settings(args)
    try:
        snapshot = read_current(settings.index_dir)
    except IndexMissing:
        print("还没有索引，请先运行：drafter index")
        return 1
    except IndexDamaged as err:
        log.error("%s", err)
        print("索引已损坏或不完整，请重新运行：drafter index")
        return 1
    for line in snapshot.meta.get("report", []):
        print(line)
    unknown = float(snapshot.meta.get("unknown_share", 0))
    print(f"模型：{snapshot.meta.get('model')}；[UNK] 占比 {unknown:.1%}；向量权重 {snapshot.meta.get('dense_weight')}")
    where = f"服务器 {settings.chroma_url}" if settings.chroma_url else f"本地 {settings.chroma_dir}"
    if not snapshot.has_vectors:
        print(f"向量库：{where}；本索引未计算向量（首次使用 --method dense 或 hybrid 检索时准备）")
        return 0
    vectors = deployment_vectors(settings, Embedder(settings.embedding_model).fingerprint, create=False)
    try:
        print(f"向量库：{where}；集合 {vectors.name}；向量 {vectors.count()} 个")
    except VectorStoreUnavailable as err:
        print(f"向量库：{where}；集合 {vectors.name}；暂时无法读取：{err}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.terminal import run_terminal

    return run_terminal(_settings(args), user_id=args.user)


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.channels.telegram import run_telegram

    return run_telegram(_settings(args))


def cmd_llm_check(args: argparse.Namespace) -> int:
    """One tiny request to the configured model: does it answer, which model, how fast."""
    import asyncio

    from bot.llm.client import LlmClient, LlmConfig, LlmError
    from bot.llm.prompts import load_prompt_book

    say = load_prompt_book().check_messages
    config = LlmConfig.from_settings(_settings(args))
    if config is None:
        print(say["not_configured"], file=sys.stderr)
        return 1
    values = {"base_url": config.base_url, "model": config.model, "seconds": f"{config.timeout:g}"}
    try:
        ping = asyncio.run(LlmClient.from_config(config).ping())
    except LlmError as err:
        print(say[err.failure.value].format(status=err.status or "", reason=err.detail, **values), file=sys.stderr)
        return 1
    print(say["ok"].format(**{**values, "model": ping.model or config.model}, ms=round(ping.seconds * 1000)))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """``make run``: index the sample corpus, then chat in the terminal or serve Telegram."""
    settings = _settings(args)
    code = cmd_index(argparse.Namespace(paths=[], data_dir=args.data_dir))
    if code not in (0, 1):
        return code
    if settings.telegram_bot_token:
        return cmd_serve(args)
    return cmd_chat(argparse.Namespace(user=args.user, data_dir=args.data_dir))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drafter", description="社区工作文稿起草助手")
    parser.add_argument("--data-dir", help="数据目录（默认 DRAFTER_DATA_DIR 或 ./data）")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="建立或更新语料索引")
    p.add_argument("paths", nargs="*", help="文件或文件夹（默认 corpus/）")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("upload", help="把文件加入语料（与管理员在 Telegram 上传相同），然后更新索引")
    p.add_argument("files", nargs="+", help=".txt、.md 或 .docx 文件")
    p.set_defaults(func=cmd_upload)

    p = sub.add_parser("search", help="检索相关段落")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--kind", action="append", help="文稿类型，如 年度总结、调研报告")
    p.add_argument("--topic", action="append", help="主题，如 党建、社会救助")
    p.add_argument("--method", default="default", choices=["lexical", "dense", "hybrid", "default"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("phrases", help="查找范例句子（他人数据已遮盖）")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_phrases)

    p = sub.add_parser("eval", help="评测各检索方法")
    p.add_argument("queries")
    p.add_argument("--corpus", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("stats", help="索引统计")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("chat", help="在终端中对话起草")
    p.add_argument("--user", default="terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="运行 Telegram 机器人")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("llm-check", help="检查大模型接口是否可用")
    p.set_defaults(func=cmd_llm_check)

    p = sub.add_parser("run", help="建索引并启动（终端或 Telegram）")
    p.add_argument("--user", default="terminal")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    set_offline_environment()
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)  # a typo in the settings is reported before anything starts
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    keep_caches_under(settings.data_dir)
    # Logging is configured here only. A service logs what it does (INFO) for its operator;
    # the other commands print their results and log warnings only, unless -v.
    serving = args.command == "serve" or (args.command == "run" and bool(settings.telegram_bot_token))
    logging.basicConfig(level=logging.INFO if args.verbose or serving else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "httpx", "chromadb", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from bot.sqlite import DamagedDatabase

    try:
        return int(args.func(args))
    except (SettingsError, DamagedDatabase) as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return 130
