"""Index the real seed files as ``drafter index`` does (the packaged model's tokenizer measures
its [UNK] share; no vectors at weight 0); check what users see."""

from __future__ import annotations

import json
import re

import pytest

from bot.retrieval.langchain_adapter import DrafterRetriever
from bot.retrieval.retriever import Retriever, content_shingles
from bot.retrieval.snapshot import read_current
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def retriever(seeds_index) -> Retriever:
    settings, _, _ = seeds_index
    return Retriever(read_current(settings.index_dir))


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


def test_the_model_that_cannot_read_chinese_gets_no_weight_and_no_vectors(seeds_index, retriever):
    _, _, result = seeds_index
    assert result.unknown_share > 0.3
    assert result.dense_weight == 0.0
    assert result.vectors is False and result.embedded == 0
    assert not retriever.snapshot.has_vectors
    lexical = [h.passage.id for h in retriever.search("低保应保尽保", k=5, method="lexical")]
    default = [h.passage.id for h in retriever.search("低保应保尽保", k=5, method="default")]
    assert lexical == default


def test_reindexing_the_unchanged_corpus_does_no_work(seeds_index):
    settings, indexer, _ = seeds_index
    before = (settings.index_dir / "CURRENT").read_text()
    again = indexer.build([SEEDS])
    assert again.changed is False
    assert again.embedded == 0
    assert (settings.index_dir / "CURRENT").read_text() == before


def test_langchain_adapter_returns_documents_with_sources(retriever):
    docs = DrafterRetriever(retriever=retriever, k=3).invoke("禁毒宣传")
    assert len(docs) == 3
    assert all(d.metadata["source"] and d.page_content for d in docs)


def test_no_result_repeats_what_a_result_above_it_shows(retriever):
    """The seeds repeat reports across and within files; in ten results nobody reads the same
    text twice (most of a result's 5-grams already shown above it)."""
    for query in ("社区是城市社会的基本构成单位", "社区干部待遇 报酬", "存在的问题和不足", "智慧社区 信息化建设"):
        hits = retriever.search(query, k=10)
        assert len(hits) == 10, query
        shown: set[str] = set()
        for hit in hits:
            grams = content_shingles(hit.passage.text)
            assert len(grams & shown) < 0.7 * len(grams), (query, hit.passage.text[:40])
            shown |= grams
        json.dumps([h.to_json() for h in hits], ensure_ascii=False)
