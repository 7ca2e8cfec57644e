"""Benchmark section ``cleaning``: what a user finds in ordinary search results, per kind of
residue, on real scraped pages (``../shared/eval/pages/corpus``) and on the seeds.

Each corpus is indexed and searched through the ``drafter`` command itself (``index``, then
``search --k 10 --json``), as a new user would. Every result (its text, its document title and
its section path) is scanned by detectors written here, independently of the cleaning code, so
the cleaning cannot pass by agreeing with itself:

- boilerplate: site furniture, download and paywall notices, bylines, links, page lists;
- pinyin: a tone-marked pinyin annotation left in the text;
- traditional: characters OpenCC t2s would still change;
- mojibake: private-use and replacement characters, control characters, mis-decoded runs.

The baseline, measured in the same run over the same queries: plain BM25 (rank_bm25 over jieba
words) on the raw files cut into 300-character chunks, scanned the same way, and both ranked by
the evaluation's match rule (hit@k, mrr@10) where the corpus has labelled queries.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks import SHARED

CORPORA = {
    "eval/pages/corpus": SHARED / "eval" / "pages" / "corpus",
    "seeds": SHARED / "seeds",
}
QUERY_FILES = {
    "eval/pages/corpus": SHARED / "eval" / "pages" / "queries.jsonl",
    "seeds": SHARED / "eval" / "retrieval_dev.jsonl",
}
# Ordinary searches, in our own words: what staff type on their first day.
ORDINARY = (
    "党建工作总结", "低保救助怎么写", "志愿服务活动", "垃圾分类宣传", "禁毒宣传", "存在的问题和不足",
    "下一步工作打算", "平安社区创建", "文明创建", "疫情防控", "换届选举", "网格化管理",
)

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
DETECTORS: dict[str, re.Pattern[str]] = {
    "boilerplate": re.compile(
        r"本站|网站首页|本网站|返回首页|首页\s*[>›»]|当前位置|您的位置|收藏本站|加入收藏|Ctrl\s*\+\s*D|"
        r"客服|版权所有|版权归|copyright|©|会员上传|开通会员|VIP|栏目|人气[:：]|阅读全文|全文阅读|阅读已结束|"
        r"阅读次数|浏览次数|上一篇|下一篇|相关推荐|相关推薦|相关主题|相关文章|热门推荐|猜你喜欢|小编|扫一扫|扫码|"
        r"二维码|QQ|付费|金币|特价|下载本文|下载此文档|下载这篇|下载word|点击下载|免费下载|下载后|请下载|"
        r"https?://|www\.|\.com\b|>>|›|»|\d+(?:\.\d+)?\s*[KM]B\b|_第\d+页|第\d+页\s*共\d+页|此处隐藏|"
        r"发布时间|发布日期|来源[:：]|作者[:：]|责编|责任编辑|一审|二审|三审|仅供参考|APP|logo|微信号|"
        r"1[3-9]\d{9}", re.I),
    "pinyin": re.compile(rf"[(（][a-z{_TONED}ü]*[{_TONED}][a-z{_TONED}ü]*[)）]|[\u4e00-\u9fff][(（][a-z]{{1,6}}[)）]"),
    "mojibake": re.compile(
        "[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]|"
        r"[?？][^\s?？]{0,3}[(（]|[;；?？][A-Z][(（]|[\u4e00-\u9fff][?？][\u4e00-\u9fff][A-Za-z]|"
        "[ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàâãäåæçêëîïðñôõöøûýþÿ]{2,}|锟斤拷|烫烫"),
}
CATEGORIES = ("boilerplate", "pinyin", "traditional", "mojibake")


def findings(text: str) -> set[str]:
    """The categories of residue in one piece of text."""
    from bot.text.normalize import to_simplified

    found = {name for name, rx in DETECTORS.items() if rx.search(text)}
    if to_simplified(text).replace("著", "着") != text.replace("著", "着"):
        found.add("traditional")
    return found


def scan_hits(hits: list[dict[str, object]]) -> Counter[str]:
    """Results with a finding, per category, and where (text / title / section)."""
    counts: Counter[str] = Counter()
    for hit in hits:
        parts = {"text": str(hit["text"]), "title": str(hit["title"]), "section": str(hit["section"])}
        per = {where: findings(value) for where, value in parts.items()}
        for category in CATEGORIES:
            places = [where for where, found in per.items() if category in found]
            if places:
                counts[category] += 1
                for where in places:
                    counts[f"{category}:{where}"] += 1
        if any(per.values()):
            counts["any"] += 1
    counts["results"] = len(hits)
    return counts


CHUNK = 300  # characters of raw text per baseline passage


def raw_chunks(folder: Path) -> list[str]:
    """The files as a naive indexer sees them: raw lines, packed into chunks of about CHUNK characters."""
    chunks: list[str] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md")):
        current = ""
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            current = f"{current}\n{line}" if current else line
            if len(current) >= CHUNK:
                chunks.append(current)
                current = ""
        if current:
            chunks.append(current)
    return chunks


def baseline_search(folder: Path, queries: list[str], k: int = 10) -> list[list[dict[str, object]]]:
    """Plain BM25 over jieba words of the raw chunks: each query's top k, shaped like search hits."""
    import jieba
    from rank_bm25 import BM25Okapi

    chunks = raw_chunks(folder)
    index = BM25Okapi([jieba.lcut(c) or [""] for c in chunks])
    out: list[list[dict[str, object]]] = []
    for query in queries:
        scores = index.get_scores(jieba.lcut(query))
        top = sorted(range(len(chunks)), key=lambda i: -scores[i])[:k]
        out.append([{"text": chunks[i], "title": "", "section": ""} for i in top])
    return out


def metrics(per_query: list[list[dict[str, object]]], relevant: list[tuple[str, ...]]) -> dict[str, float]:
    """hit@1/5/10 and mrr@10 under the evaluation's match rule."""
    from bot.retrieval.evaluate import first_relevant_rank

    ranks = [first_relevant_rank([str(h["text"]) for h in hits], rel) for hits, rel in zip(per_query, relevant, strict=True)]
    n = max(1, len(ranks))
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "hit@10": sum(r is not None for r in ranks) / n, "mrr@10": sum(1 / r for r in ranks if r) / n}


def _drafter(*argv: str) -> str:
    from bot.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main(list(argv))
    return out.getvalue()


def search_corpus(folder: Path, queries: list[str], k: int = 10) -> list[list[dict[str, object]]]:
    """Index ``folder`` in a temporary data directory; each query's results from ``drafter search``."""
    with tempfile.TemporaryDirectory(prefix="drafter-cleaning-") as tmp:
        saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("DRAFTER_")}
        try:
            _drafter("--data-dir", tmp, "index", str(folder))
            return [json.loads(_drafter("--data-dir", tmp, "search", q, "--k", str(k), "--json") or "[]")
                    for q in queries]
        finally:
            os.environ.update(saved)


def examples(hits: list[dict[str, object]], category: str, n: int = 3) -> list[str]:
    out = []
    for hit in hits:
        for where in ("title", "section", "text"):
            value = str(hit[where])
            if category in findings(value):
                rx = DETECTORS.get(category)
                m = rx.search(value) if rx else None
                at = m.start() if m else 0
                snippet = value[max(0, at - 12): at + 18].replace("\n", " ")
                out.append(f"{where}: …{snippet}…")
                break
        if len(out) >= n:
            break
    return out


def run(flags: list[str]) -> int:
    from bot.retrieval.evaluate import load_queries

    started = time.perf_counter()
    print("## Cleaning: residue in ordinary search results\n")
    print("Each corpus indexed with `drafter index`, then searched with `drafter search --k 10 --json`: "
          f"{len(ORDINARY)} ordinary searches (our own words), and the corpus's evaluation queries. "
          "A result counts once per category when its text, title or section holds a finding "
          "(detectors in `benchmarks/cleaning.py`, independent of the cleaning code). Baseline in the same "
          f"run: plain BM25 (rank_bm25, jieba) over the raw files in {CHUNK}-character chunks, same queries, "
          "its chunks scanned the same way (they have no titles or sections).\n")
    print("| corpus | searches | system | results | boilerplate | pinyin | traditional | mojibake | any | "
          "in titles / sections | hit@1 | hit@5 | hit@10 | mrr@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    shown: list[str] = []
    for name, folder in CORPORA.items():
        if not folder.exists():
            print(f"| {name} | – | missing | | | | | | | | | | | |")
            continue
        labelled = load_queries(QUERY_FILES[name]) if QUERY_FILES[name].exists() else []
        query_sets = {"ordinary": list(ORDINARY), "eval": [q.query for q in labelled]}
        if "--quick" in flags:
            query_sets = {"ordinary": list(ORDINARY[:3])}
        every = [q for qs in query_sets.values() for q in qs]
        systems = {"drafter": search_corpus(folder, every), "plain BM25": baseline_search(folder, every)}
        start = 0
        for label, qs in query_sets.items():
            for system, per_query in systems.items():
                results = per_query[start: start + len(qs)]
                hits = [h for r in results for h in r]
                c = scan_hits(hits)
                titles = sum(c[f"{k}:title"] for k in CATEGORIES)
                sections = sum(c[f"{k}:section"] for k in CATEGORIES)
                m = metrics(results, [q.relevant for q in labelled]) if label == "eval" else {}
                figures = " | ".join(f"{m[k]:.3f}" if m else "–" for k in ("hit@1", "hit@5", "hit@10", "mrr@10"))
                print(f"| {name} | {label} ({len(qs)}) | {system} | {c['results']} | {c['boilerplate']} | {c['pinyin']} | "
                      f"{c['traditional']} | {c['mojibake']} | {c['any']} | {titles} / {sections} | {figures} |")
                if label == "ordinary" and system == "drafter":
                    for category in CATEGORIES:
                        for ex in examples(hits, category, 2):
                            shown.append(f"- {name}, {category}: `{ex}`")
            start += len(qs)
    if shown:
        print("\nWhat is left in drafter's results (ordinary searches):\n")
        print("\n".join(shown))
    print(f"\nThis section took {time.perf_counter() - started:.0f} s.")
    return 0
