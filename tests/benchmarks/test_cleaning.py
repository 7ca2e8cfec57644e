"""The cleaning scan must not rot: its detectors see each kind of residue and miss clean text,
and its baseline searches raw files."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import cleaning


@pytest.mark.parametrize(("text", "category"), [
    ("上一篇：社区工作计划下一篇：述职报告", "boilerplate"),
    ("客服QQ：12345678", "boilerplate"),
    ("社區(qū)工作", "pinyin"),
    ("社區工作總結", "traditional"),
    ("组织基础；A(chǔ)不牢", "mojibake"),
    ("社区\ue000工作", "mojibake"),
])
def test_each_detector_finds_its_residue(text: str, category: str) -> None:
    assert category in cleaning.findings(text)


def test_clean_text_has_no_findings_and_hits_are_counted_per_place() -> None:
    clean = "社区党委全年召开党员大会四次，组织主题党日活动十二次。"
    assert cleaning.findings(clean) == set()
    counts = cleaning.scan_hits([
        {"text": clean, "title": "社區工作總結", "section": ""},
        {"text": clean + "相关推荐", "title": "", "section": "下一篇"},
        {"text": clean, "title": "", "section": ""},
    ])
    assert counts["results"] == 3 and counts["any"] == 2
    assert counts["traditional"] == 1 and counts["traditional:title"] == 1
    assert counts["boilerplate"] == 1 and counts["boilerplate:text"] == 1 and counts["boilerplate:section"] == 1


def test_the_baseline_searches_raw_chunks_and_metrics_follow_the_match_rule(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("网站首页 >> 总结\n社区开展禁毒宣传活动八次。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("社区组织志愿者清扫街道。\n", encoding="utf-8")
    [hits] = cleaning.baseline_search(tmp_path, ["禁毒宣传"], k=2)
    assert "禁毒宣传" in str(hits[0]["text"]) and "网站首页" in str(hits[0]["text"])
    m = cleaning.metrics([hits], [("社区开展禁毒宣传活动",)])
    assert m == {"hit@1": 1.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 1.0}
