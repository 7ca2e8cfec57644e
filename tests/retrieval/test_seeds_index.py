"""Index the real seed files with the real model and an embedded Chroma; check what users see."""

from __future__ import annotations

import json
import re

import pytest

from bot.retrieval.retriever import DrafterRetriever, Retriever
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retriever(seeds_index, embedder) -> Retriever:
    settings, store, _ = seeds_index
    return Retriever(store.load(), embedder, store.vectors())


def test_no_passage_carries_boilerplate_pinyin_or_traditional_characters(retriever):
    noise = re.compile(r"小编|当前位置|下载此文档|付费复制|微信扫码|上传日期|\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)|[黨員區為組織總結]")
    bad = [p.text[:40] for p in retriever.passages if noise.search(p.text)]
    assert bad == []


def test_the_traditional_copy_001_is_deduplicated_against_000(seeds_index, retriever):
    _, _, result = seeds_index
    sources = {p.source for p in retriever.passages}
    assert "001_249597598846a41a.txt" not in sources
    assert "000_5aa18fc33295c32f.txt" in sources
    dropped = [title for title, _, _ in result.report.dropped_documents]
    assert sum("001_" in t for t in dropped) >= 4
    assert any("篇十一" in t for t in dropped)


def test_document_headings_are_metadata_not_text(retriever):
    assert not [p for p in retriever.passages if "调研报告篇" in p.text]
    basic = [p for p in retriever.passages if p.section and p.section[0] == "基本情况"]
    assert basic, "sections such as 一、基本情况 are in the passages' section path"


def test_passages_stay_within_the_size_range(retriever):
    from bot.text.normalize import han_count

    sizes = [han_count(p.text) for p in retriever.passages]
    assert max(sizes) <= 560  # 500 plus the heading line that opens a section
    assert sorted(sizes)[len(sizes) // 2] >= 150


def test_search_finds_the_meeting_counts_with_the_right_source(retriever):
    hits = retriever.search("党员大会、支委会一年开了几次", k=3)
    top = hits[0].passage
    assert "党员大会4次" in top.text
    assert top.source == "000_5aa18fc33295c32f.txt"


def test_filters_by_kind_and_topic(retriever):
    hits = retriever.search("社区干部待遇", k=5, kinds=["调研报告"])
    assert hits and all(h.passage.kind == "调研报告" for h in hits)
    hits = retriever.search("社区工作", k=5, topics=["就业社保"])
    assert hits and all("就业社保" in h.passage.topics for h in hits)


def test_sensitive_passages_have_names_masked_and_are_excluded_on_request(retriever):
    flagged = [p for p in retriever.passages if p.sensitive]
    assert flagged
    assert not any("孟凡玲" in p.text or "董风江" in p.text for p in retriever.passages)
    hits = retriever.search("邪教 监控 上访", k=10, exclude_sensitive=True)
    assert all(not h.passage.sensitive for h in hits)


def test_the_model_that_cannot_read_chinese_gets_no_weight_in_the_default_method(seeds_index, retriever):
    _, _, result = seeds_index
    assert result.unknown_share > 0.3
    assert result.dense_weight == 0.0
    lexical = [h.passage.id for h in retriever.search("低保应保尽保", k=5, method="lexical")]
    default = [h.passage.id for h in retriever.search("低保应保尽保", k=5, method="default")]
    assert lexical == default
    assert retriever.search("低保应保尽保", k=5, method="dense")  # the dense path really runs


def test_reindexing_the_unchanged_corpus_does_no_embedding_work(seeds_index):
    _, store, _ = seeds_index
    again = store.build([SEEDS])
    assert again.changed is False
    assert again.embedded == 0


def test_langchain_adapter_returns_documents_with_sources(retriever):
    docs = DrafterRetriever(retriever=retriever, k=3).invoke("禁毒宣传")
    assert len(docs) == 3
    assert all(d.metadata["source"] and d.page_content for d in docs)


def test_duplicates_are_collapsed_in_results(retriever):
    hits = retriever.search("社区是城市社会的基本构成单位", k=10)
    texts = [h.passage.text for h in hits]
    assert len(texts) == len(set(texts))
    json.dumps([h.to_json() for h in hits], ensure_ascii=False)
