"""A speech reposted on another site (other punctuation, a few words changed, cut into passages
at other places) is shown once in results, as repeats within one file are."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.ingest.indexer import Indexer
from bot.retrieval.retriever import Retriever
from bot.retrieval.snapshot import read_current

SPEECH = [
    "一、夯实基层组织，凝聚治理合力",
    "今年以来，柳岸社区党委把加强基层组织建设作为首要任务，围绕“党建引领、多方共治”的思路，"
    "将辖区划分为十二个网格，每个网格配备一名专职网格员和两名兼职网格员，做到底数清、情况明。"
    "社区党委定期召开网格工作例会，梳理居民反映的热点难点问题，形成问题清单、责任清单和销号清单，"
    "逐项明确责任人和完成时限，确保件件有着落、事事有回音。",
    "二、聚焦民生需求，提升服务温度",
    "社区坚持把居民的操心事、烦心事作为工作的着力点，在社区服务中心开设老年助餐点，"
    "为辖区高龄独居老人提供送餐上门服务；联合辖区卫生服务站开展健康义诊和慢病随访，"
    "建立重点人群健康档案；依托新时代文明实践站组织志愿者开展助老助残、邻里互助等活动，"
    "让居民在家门口就能感受到党组织的关怀和温暖。",
]


EDITS = (("今年以来", "本年度以来"), ("首要任务", "头等大事"), ("做到", "真正做到"),
         ("定期召开", "按月召开"), ("逐项", "逐条"), ("坚持把", "始终把"),
         ("着力点", "发力点"), ("健康义诊", "义诊活动"), ("依托", "借助"),
         ("家门口", "身边"))


def _repost(lines: list[str]) -> str:
    """What a second site makes of the speech: its own title and credits, other headings and a
    dozen words of its own (what keeps index-time dedup from dropping it)."""
    out = []
    for line in lines:
        for a, b in EDITS:
            line = line.replace(a, b)
        out.append(line.replace("一、", "（一）").replace("二、", "（二）"))
    return "# 柳岸社区党委书记在年终总结会上的发言\n\n" + "\n\n".join(out) + "\n"


def _index(tmp_path: Path) -> Retriever:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "site_a.md").write_text("# 柳岸社区党委书记在年终总结会上的讲话\n\n" + "\n\n".join(SPEECH) + "\n", encoding="utf-8")
    (corpus / "site_b.md").write_text(_repost(SPEECH), encoding="utf-8")
    (corpus / "other.md").write_text(
        "# 石桥社区垃圾分类工作小结\n\n社区在各小区设置分类投放点，组织志愿者开展桶边督导，"
        "定期评选分类示范户，居民分类投放的准确率明显提高，网格员每周巡查投放点的卫生情况。\n", encoding="utf-8")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", chroma_url="", dense_weight=0.0)
    Indexer(settings).build([corpus])
    return Retriever(read_current(settings.index_dir))


def test_a_repost_on_another_site_is_shown_once(tmp_path: Path) -> None:
    retriever = _index(tmp_path)
    sources = {p.source for p in retriever.passages}
    assert sources == {"site_a.md", "site_b.md", "other.md"}, "both copies are in the index"
    hits = retriever.search("网格员 问题清单 责任清单 销号清单", k=5)
    grid = [h for h in hits if "销号清单" in h.passage.text]
    assert len(grid) == 1, [(h.passage.source, h.passage.text[:30]) for h in hits]
    hits = retriever.search("老年助餐 送餐上门 健康档案", k=5)
    meals = [h for h in hits if "助餐" in h.passage.text]
    assert len(meals) == 1, [(h.passage.source, h.passage.text[:30]) for h in hits]


def test_distinct_passages_sharing_words_are_all_kept(tmp_path: Path) -> None:
    retriever = _index(tmp_path)
    hits = retriever.search("网格员 巡查", k=5)
    assert {h.passage.source for h in hits} >= {"other.md"}
    assert len({h.passage.source for h in hits}) >= 2
