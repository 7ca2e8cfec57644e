"""Residents' identifiers and terminal control sequences never reach the index, search output
or what a channel shows; ordinary figures stay."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import cast

import pytest

from bot.ingest.pipeline import build_passages, documents_from_json, documents_of, documents_to_json
from bot.text.privacy import mask_identifiers

FILE = "\n".join([
    "青禾社区\x1b[31m2025年\x1b[0m工作总结",
    "一、社会救助",
    "为困难居民张某（身份证号110101199003071234）办理低保，联系电话13812345678，"
    "低保金发放至其银行卡6222 0212 3456 7890 123。",
    "社区服务站座机0571-88886666，另有（0571）88881234，居民也可拨打12345热线反映诉求。",
    "老人李某（身份证11010119400307123X）家住三号楼，其子车牌浙A·D1234的车辆长期占用消防通道，"
    "社区已电话提醒并发邮件至zhang.san@example.com说明情况。",
    "全年发放救助金1301万元，惠及困难群众2025人次，走访慰问\x07八十岁以上老人\u202e三十六户\ue000。",
    "\x1b]0;标题被改了\x07\x1b[2J社区开展了平安建设宣传，发放资料一千余份。",
])
IDENTIFIERS = ("110101199003071234", "13812345678", "6222", "88886666", "88881234", "1101011940", "浙A",
               "example.com", "zhang.san")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ue000-\uf8ff]")


def _everything(passages) -> str:
    return "\n".join(f"{p.text}\n{p.original}\n{p.title}\n{p.section_path}" for p in passages)


def test_identifiers_and_control_characters_are_gone_from_passages_and_their_originals() -> None:
    passages, _ = build_passages(documents_of("救助.txt", FILE))
    stored = _everything(passages)
    for identifier in IDENTIFIERS:
        assert identifier not in stored
    assert not CONTROL.search(stored) and "标题被改了" not in stored
    # What is work stays: amounts, counts, the 12345 hotline, the year.
    for kept in ("1301万元", "2025人次", "12345热线", "八十岁以上老人三十六户", "青禾社区2025年工作总结", "低保"):
        assert kept in stored


def test_documents_cached_by_an_older_index_are_masked_when_passages_are_built() -> None:
    docs = documents_of("救助.txt", "青禾社区工作总结\n居民王某电话13812345678，已办理临时救助。")
    cached = documents_to_json(docs)
    paragraphs = cast("list[list[str]]", cached[0]["paragraphs"])  # (text, raw, section, …) as stored
    paragraphs[0][0] = paragraphs[0][1] = "居民王某电话13812345678\x1b[31m，已办理临时救助。"
    passages, _ = build_passages(documents_from_json(cached))
    assert "13812345678" not in _everything(passages) and "\x1b" not in _everything(passages)


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证号：11010119900307123X。", "身份证号：×××。"),
    ("手机 138-1234-5678 或 +86 13812345678", "手机 ××× 或 ×××"),
    ("QQ群：123456789，微信号：qinghe_2025", "QQ群：×××，微信号：×××"),
    ("联系电话：6688123", "联系电话：×××"),
    ("护照E12345678", "护照×××"),
], ids=["id-with-x", "mobile", "qq-wechat", "labelled-local-number", "passport"])
def test_identifier_forms_are_masked(text: str, masked: str) -> None:
    assert mask_identifiers(text) == masked


@pytest.mark.parametrize("text", [
    "2025年3月，社区投入资金1,301,000元，覆盖居民4839户8959人。",
    "拨打12345市民热线或110报警，编号2025-001号文件。",
    "占总数的59.66%，第1页，版本2.3.1。",
], ids=["figures", "hotlines", "ratios"])
def test_ordinary_numbers_are_not_identifiers(text: str) -> None:
    assert mask_identifiers(text) == text


def test_drafter_search_prints_no_identifier_and_no_escape_sequence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_models) -> None:
    from bot.cli import main

    for var in ("DRAFTER_CHROMA_URL", "DRAFTER_DENSE_WEIGHT", "DRAFTER_EMBEDDING_MODEL"):
        monkeypatch.delenv(var, raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "救助.txt").write_text(FILE, encoding="utf-8")
    data = str(tmp_path / "data")
    with redirect_stdout(io.StringIO()):
        assert main(["--data-dir", data, "index", str(corpus)]) == 0
    for argv in (["search", "低保 银行卡 身份证"], ["search", "平安建设宣传", "--json"], ["phrases", "低保"]):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["--data-dir", data, *argv]) == 0
        printed = out.getvalue()
        assert "低保" in printed or "宣传" in printed
        for identifier in IDENTIFIERS:
            assert identifier not in printed
        assert not CONTROL.search(printed) and "\\u001b" not in printed
        if "--json" in argv:
            json.loads(printed)
