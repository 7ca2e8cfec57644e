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
