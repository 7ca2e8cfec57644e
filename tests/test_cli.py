"""The command line as a person uses it: index the corpus, search, phrases, eval."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.conftest import CORPUS, EVAL_QUERIES, SEEDS


@pytest.fixture
def indexed(settings, capsys):
    assert main(["index", str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "保留" in out and "[UNK]" in out and "未计算向量" in out
    return settings


def test_search_json_gives_full_passages_with_sources(indexed, capsys):
    assert main(["search", "低保户新增和退出", "--k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert {"text", "source", "title", "section", "score"} <= set(hits[0])
    assert "低保" in hits[0]["text"]
    assert hits[0]["source"].endswith((".md", ".txt"))


def test_search_by_kind_only_returns_that_kind(indexed, capsys):
    assert main(["search", "存在的问题", "--kind", "调研报告", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and {h["kind"] for h in hits} == {"调研报告"}


def test_phrases_mask_the_other_community_facts(indexed, capsys):
    assert main(["phrases", "党员大会 支委会 召开次数", "--json"]) == 0
    phrases = json.loads(capsys.readouterr().out)
    assert phrases
    assert all(not any(ch.isdigit() for ch in p["text"]) for p in phrases)
    assert any("__" in p["text"] for p in phrases)
    assert all(p["source"] for p in phrases)


def test_reindexing_unchanged_corpus_says_nothing_changed(indexed, capsys):
    assert main(["index", str(CORPUS)]) == 0
    assert "语料未变化" in capsys.readouterr().out


def test_search_without_an_index_says_what_to_do(settings, capsys):
    assert main(["search", "党建"]) == 1
    assert "drafter index" in capsys.readouterr().err


def test_the_first_dense_search_prepares_vectors_and_later_index_runs_keep_them(indexed, fake_models, capsys):
    assert main(["search", "低保户新增和退出", "--method", "dense", "--k", "3", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "正在为索引中的段落准备向量" in err
    assert len(json.loads(out)) == 3
    assert main(["search", "低保户新增和退出", "--method", "hybrid", "--json"]) == 0
    assert "准备向量" not in capsys.readouterr().err  # once only
    assert main(["index", str(CORPUS)]) == 0
    assert "语料未变化" in capsys.readouterr().out
    assert main(["stats"]) == 0
    assert "向量 " in capsys.readouterr().out


@pytest.mark.slow
def test_eval_prints_one_json_object_with_every_method(settings, capsys):
    """The real packaged model: the point is how it fares on Chinese."""
    assert main(["eval", str(EVAL_QUERIES), "--corpus", str(SEEDS), "--json"]) == 0
    out = capsys.readouterr().out.strip()
    result = json.loads(out)
    assert result["queries"] == 45 and result["passages"] > 300
    assert set(result["methods"]) == {"lexical", "dense", "hybrid", "default"}
    for metrics in result["methods"].values():
        assert set(metrics) == {"hit@1", "hit@5", "hit@10", "mrr@10", "p50_ms", "p95_ms"}
    methods = result["methods"]
    default, lexical = methods["default"], methods["lexical"]
    # A model that cannot read Chinese gets no weight: the default method is the lexical one...
    assert {m: default[m] for m in ("hit@1", "hit@5", "mrr@10")} == {m: lexical[m] for m in ("hit@1", "hit@5", "mrr@10")}
    # ...because fusing it in would hurt.
    assert methods["hybrid"]["mrr@10"] < lexical["mrr@10"] and methods["dense"]["mrr@10"] < lexical["mrr@10"]
    assert default["hit@5"] >= 0.9


@pytest.mark.slow
def test_index_leaves_nothing_in_tmpdir_and_keeps_its_caches_in_the_data_directory(tmp_path):
    """The real model loads (a dense weight makes the run compute vectors), as torch and jieba would
    leave their caches in the TMPDIR every user of the machine shares."""
    import shutil
    import subprocess
    import sys

    from testing.processes import drafter_env

    corpus, tmpdir, data = tmp_path / "corpus", tmp_path / "tmp", tmp_path / "data"
    corpus.mkdir()
    tmpdir.mkdir()
    for name in ("special_dibao_assistance_2024.md", "special_employment_2024.md"):
        shutil.copy(CORPUS / name, corpus / name)
    run = subprocess.run([sys.executable, "-m", "bot", "index", str(corpus)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=drafter_env(data, TMPDIR=str(tmpdir), DRAFTER_DENSE_WEIGHT="0.5"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "新向量" in run.stdout
    assert list(tmpdir.iterdir()) == []
    assert (data / "cache" / "jieba.cache").is_file()
