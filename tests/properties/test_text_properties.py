"""Properties of cleaning, normalisation and splitting over hostile text."""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given
from hypothesis import strategies as st

from bot.ingest.pipeline import build_passages, documents_of
from bot.text.clean import clean_lines, is_doc_marker
from bot.text.normalize import HAN_RE, han_count, match_key, normalize_display, to_simplified
from bot.text.split import MAX_HAN, _is_standalone, _is_title_line, make_passages, split_documents

from .strategies import budget, documentish_text, hostile_text


def han(text: str) -> Counter[str]:
    return Counter(HAN_RE.findall(text))


# -- normalisation ---------------------------------------------------------------------------------
@budget(400)
@given(hostile_text())
@example("学<b>(xué)习")  # removing the tag brings the annotation next to its character
@example("学(x(xué)ué)")
@example('"学" ,学')  # the comma follows a quote that only becomes a closing ” when paired
@example('"学\n,学"')  # a line break between a character and a comma is not a space
@example("(" + "中 " * 41 + ")")  # spaces inside parentheses decide whether they are made full-width
@example("\ud83d\ude00\ud800学")  # surrogate halves of an emoji, and a lone one
def test_normalisation_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize_display(text)
    assert normalize_display(once) == once
    # match_key is the evaluation's exact rule (NFKC before whitespace goes), a comparison key
    # rather than a normal form: it must not fail, and it holds no whitespace.
    key = match_key(text)
    assert not any(ch.isspace() for ch in key)
    simplified = to_simplified(text)
    assert to_simplified(simplified) == simplified


@budget(150)
@given(hostile_text())
def test_normalised_text_keeps_its_line_count_and_holds_no_surrogates(text: str) -> None:
    once = normalize_display(text)
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in once)
    # Lines are joined by cleaning, never by normalisation: a heading stays on its own line.
    assert once.count("\n") == text.count("\n")


# -- cleaning --------------------------------------------------------------------------------------
@budget(60)
@given(st.one_of(hostile_text(), documentish_text()))
def test_cleaning_never_raises_and_cleaned_lines_are_clean(text: str) -> None:
    lines = clean_lines(text)
    for line in lines:
        assert line.text == line.text.strip() and line.text
        assert "\n" not in line.text and "\r" not in line.text
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in line.text)


@budget(60)
@given(st.one_of(hostile_text(), documentish_text()))
@example("社区工作" * 8 + "\n, 继续推进")  # a wrap between a character and its comma
@example('"' + "社区" * 16 + '\n"工作"\n' + "居民" * 20)  # quotes paired across the wrap decide the end
@example("<b># # 㐀")  # markdown heading marks that only normalising uncovers
@example("一一一一一一一一一一{{ x }}# ０<b>")  # so is a page number
# A preview ("……...") whose full text is in a wrapped paragraph just beyond three lines.
@example("一、社\n社社社社社社会，社社...\n一、社\n一、社\n社，社。社，社。社，社。社，社社社社社社社社社。社，社...\n社社社社社社会，社社。")
# A wrap onto a pinyin annotation: once it is stripped, the joined line no longer ends a sentence.
@example("一、社\n社，社。社，社。社，社。社，社。社，社。社，社。社，社。社，社\n(xué)\n篇一社")
@example("社，" * 20 + "。\n" + "一" * 27 + "汇总一\n一")  # an article marker never absorbs the next line
@example("一、(xué) (xué)" + "一" * 16 + "000000¼\n一")  # a heading's body decides whether the next line wraps
def test_cleaning_its_own_output_changes_nothing(text: str) -> None:
    once = [line.text for line in clean_lines(text)]
    twice = [line.text for line in clean_lines("\n".join(once))]
    assert twice == once


# -- splitting -------------------------------------------------------------------------------------
def _body_lines(lines: list[str]) -> list[str]:
    """Lines whose text must reach a passage: all but article markers, standalone headings and
    lines that may be a title (these are metadata: a heading without a body has no passage)."""
    return [t for t in lines if not (is_doc_marker(t) or _is_standalone(t) or _is_title_line(t))]


@budget(60)
@given(documentish_text())
def test_splitting_loses_no_han_text_of_body_lines_and_invents_none(text: str) -> None:
    lines = clean_lines(text)
    docs = split_documents(lines, "x.txt", "标题")
    passages = [p for i, d in enumerate(docs) for p, _ in make_passages(d, i)]
    in_passages = han(" ".join(p.text for p in passages))
    assert han(" ".join(_body_lines([ln.text for ln in lines]))) <= in_passages
    assert in_passages <= han(" ".join(ln.text for ln in lines))


@budget(60)
@given(documentish_text())
@example("㐀" * 1200 + "。")  # rare characters count as Han when a run-on sentence is cut
@example("社区㐀㐀㐀" * 300 + "。")
def test_passages_hold_at_most_max_han_besides_the_headings_that_open_them(text: str) -> None:
    docs = split_documents(clean_lines(text), "x.txt", "标题")
    for i, doc in enumerate(docs):
        leads = {lead for para in doc.paragraphs for lead in para.lead}
        for passage, _ in make_passages(doc, i):
            body = [line for line in passage.text.split("\n") if line not in leads]
            assert han_count("".join(body)) <= MAX_HAN


@budget(60)
@given(st.one_of(hostile_text(), documentish_text()), st.text(max_size=40))
def test_the_ingestion_pipeline_never_raises_on_any_file_text(text: str, name: str) -> None:
    docs = documents_of(name or "x.txt", text)
    passages, report = build_passages(docs)
    assert report.passages_kept == len(passages)
    for passage in passages:
        assert passage.text.strip()
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in passage.text)


# -- boilerplate: what has no feature of the site is never dropped ----------------------------------
# Words of work, none of them a site word (prompts/boilerplate.yaml), and site furniture of each kind.
WORK_WORDS = ["社区", "居民", "党员", "志愿者", "困难家庭", "网格员", "开展", "组织", "走访", "慰问", "调解", "纠纷",
              "宣传", "培训", "巡逻", "低保", "养老", "就业", "环境", "整治", "楼栋", "小区", "活动", "服务", "全年",
              "共计", "一次", "十二场", "三百余人", "百分之九十", "2025年", "入户", "台账", "议事会"]
FURNITURE_LINES = [
    "网站首页 >> 工作总结 >> 社区", "发布时间：2025-01-06 10:20", "客服QQ：12345678", "• 11.97 KB", "相关推荐",
    "http://www.example.cn/a/123.html", "上一篇：社区计划下一篇：社区述职", "编辑|某某", "第1页共3页", "logo",
    "下面是小编为大家整理的范文，仅供参考。", "Ctrl+D收藏本站", "( F: ?' N) g) {1 _0 T", "资源描述：", "APP永久免费入口",
]
FURNITURE_SENTENCES = ["上一篇：社区计划下一篇：社区述职。", "更多内容请访问www.example.com。", "本站部分资料来自网络。"]
feature_free = st.lists(st.sampled_from(WORK_WORDS), min_size=4, max_size=14).map(lambda w: "".join(w) + "。")


def _prose_line(draw: st.DrawFn) -> tuple[str, list[str]]:
    sentences = draw(st.lists(feature_free, min_size=1, max_size=4))
    parts = list(sentences)
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(FURNITURE_SENTENCES)))
    return "".join(parts), sentences


@st.composite
def page_with_furniture(draw: st.DrawFn) -> tuple[str, list[str]]:
    lines: list[str] = []
    kept: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["prose", "prose", "furniture", "heading"]))
        if kind == "prose":
            line, sentences = _prose_line(draw)
            lines.append(line)
            kept += sentences
        elif kind == "furniture":
            lines.append(draw(st.sampled_from(FURNITURE_LINES)))
        else:
            heading = draw(st.sampled_from(["一、", "（二）", "3、"]))
            lines.append(heading + "".join(draw(st.lists(st.sampled_from(WORK_WORDS), min_size=1, max_size=4))))
    return "\n".join(lines), kept


@budget(150)
@given(page_with_furniture())
def test_cleaning_never_drops_a_sentence_without_a_boilerplate_feature(case: tuple[str, list[str]]) -> None:
    from bot.text.boilerplate import features

    page, sentences = case
    cleaned = match_key("".join(line.text for line in clean_lines(page)))
    for sentence in sentences:
        assert not features(sentence).any  # the generator's promise
        assert match_key(sentence) in cleaned
    for furniture in ("小编", "上一篇", "QQ", "KB", "example", "收藏本站", "资源描述", "永久免费"):
        assert furniture.lower() not in cleaned.lower()


@budget(100)
@given(page_with_furniture(), st.integers(0, 30), st.sampled_from(["……此处隐藏3120个字……", "全文阅读已结束，下载本文请点击", "a.付费复制"]))
def test_a_truncation_keeps_every_complete_sentence_before_it_and_nothing_after(
        case: tuple[str, list[str]], cut: int, marker: str) -> None:
    page, sentences = case
    # A page can open with a paywall notice above its article: the marker ends an article begun.
    before = "".join(sentences) + "社区全年组织志愿者开展环境整治活动十二场，参与居民三百余人次。"
    broken = "社区组织居民开展" + "志愿服务" * (cut % 5)  # an unfinished sentence the page was cut in
    after = "此后的文字属于被截断的部分不应出现。"
    text = f"{page}\n{before}{broken}\n{marker}\n{after}"
    cleaned = match_key("".join(line.text for line in clean_lines(text)))
    assert match_key(before) in cleaned
    assert match_key(broken) not in cleaned and match_key(after) not in cleaned
