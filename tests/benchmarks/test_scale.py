"""The scale benchmark must not rot: its generator, its measurement steps and its tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import scale

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def test_synthetic_corpus_is_varied_and_grows_its_vocabulary() -> None:
    from bot.text.tokenize import bigrams

    real = scale.sample_passages()
    assert real and all(not p.source.startswith("synthetic") for p in real)
    passages = scale.synthetic_passages(1200)
    assert len(passages) == 1200
    assert len({p.id for p in passages}) == 1200
    assert len({p.kind for p in passages}) >= 4
    assert len({t for p in passages for t in p.topics}) >= 8
    assert len({p.section for p in passages}) >= 100
    assert len({p.source for p in passages}) >= 40
    assert len({p.title for p in passages}) >= 40
    lengths = sorted(len(p.text) for p in passages)
    assert 150 <= lengths[len(lengths) // 2] <= 450
    # Not copies of the sample: recombined text, numbers varied.
    real_texts = {p.text for p in real}
    assert sum(p.text in real_texts for p in passages) <= len(passages) // 100
    real_numbers = {m for p in real for m in NUMBER.findall(p.text)}
    numbers = [m for p in passages for m in NUMBER.findall(p.text)]
    assert sum(m not in real_numbers for m in numbers) / len(numbers) > 0.3
    # The vocabulary keeps growing, sub-linearly.
    small = {g for p in passages[:300] for g in bigrams(p.text)}
    large = {g for p in passages for g in bigrams(p.text)}
    assert len(small) * 1.2 < len(large) < len(small) * 4
    # Deterministic: the same corpus at every run.
    assert [p.text for p in scale.synthetic_passages(50)] == [p.text for p in passages[:50]]


def test_synthetic_vectors_are_distinct_unit_vectors() -> None:
    import numpy as np

    base = np.random.default_rng(0).normal(size=(10, 8)).astype(np.float32)
    vectors = scale.synthetic_vectors(base, 500)
    assert vectors.shape == (500, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len({v.tobytes() for v in vectors}) == 500


def test_parallel_tokenising_gives_the_same_tokens() -> None:
    from bot.retrieval.lexical import tokenise_texts

    texts = [p.text for p in scale.synthetic_passages(60)] + ["", "“引号” 与 English 2024年", "的了吗"]
    one = tokenise_texts(texts, workers=1)
    two = tokenise_texts(texts, workers=2)
    assert one[0] == two[0] and one[1] == two[1]
    assert two[2]["jieba"] > 0


def test_lexical_steps_measure_positive_figures(tmp_path: Path) -> None:
    build = scale._child_lexical_build(150, tmp_path, workers=1)
    assert build["passages"] == 150
    for key in ("build_s", "disk_mb", "lexical_mb", "rss_mb"):
        assert build[key] > 0, key
    assert build["profile"]["jieba_cpu"] > 0 and build["vocab"]["words"] > 100
    query = scale._child_lexical_query(150, tmp_path)
    assert 0 < query["p50"] <= query["p95"]
    assert query["samples"] >= 2 * scale.ROUNDS


def _table(lines: list[str], header_start: str) -> tuple[list[str], list[list[str]]]:
    i = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    header = [c.strip() for c in lines[i].strip("|").split("|")]
    rows = []
    for line in lines[i + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return header, rows


@pytest.mark.slow
def test_scale_section_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert scale.run(["--sizes=200,400", "--embed-sample=24", "--queries=6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header, rows = _table(lines, "| passages | build s |")
    assert header[:7] == ["passages", "build s", "disk MB", "build peak RSS MB", "serve RSS MB", "p50 ms", "p95 ms"]
    assert "rank_bm25 p95 ms" in header and "p95 ratio ours / rank_bm25" in header
    assert [r[0] for r in rows] == ["200", "400"]
    dheader, drows = _table(lines, "| passages | embed s")
    assert "recall@10 vs exact" in dheader and "numpy exact p95 ms" in dheader
    assert [r[0] for r in drows] == ["200", "400"]
    for row in rows + drows:
        assert len(row) == len(header if row in rows else dheader)
        for cell in row[1:]:
            values = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", cell.replace(",", ""))]
            assert values and all(v > 0 for v in values), (row, cell)
    # Growth from the smaller to the larger size: more disk for more passages.
    disk = [float(r[2]) for r in rows]
    assert disk[1] > disk[0]
    assert any(line.startswith("- Lexical build grows as N^") for line in lines)
