from bot.text.clean import clean_lines
from bot.text.normalize import han_count
from bot.text.split import heading_title, make_passages, split_documents

REPORT = """最新调研报告(两篇)

调研报告篇一

按照街道党工委的安排，调研组采取座谈会和入户走访的方式，对辖区社区建设情况开展了专题调研。现将有关情况报告如下。

一、基本情况

东湖社区辖区面积2.1平方公里，居民3400户，常住人口9800人，设党委1个、党支部6个。社区现有专职工作人员14人。

二、主要做法

(一)强化组织引领，夯实工作基础。社区党委坚持每月召开党建联席会议，推动辖区单位共同参与社区治理，形成了共驻共建的格局。

调研报告篇二

社区志愿服务起步较早，目前已经注册志愿者860人，组建服务队12支，常年开展助老助残、环境整治、文明劝导等活动，深受居民欢迎。
"""


def docs():
    return split_documents(clean_lines(REPORT), "report.txt", "最新调研报告(两篇)")


def test_articles_are_split_at_their_markers():
    found = docs()
    assert [d.title for d in found] == ["调研报告篇一", "调研报告篇二"]


def test_headings_become_section_metadata_and_open_their_passage():
    first = docs()[0]
    passages = [p for p, _ in make_passages(first, 0)]
    basic = next(p for p in passages if "辖区面积" in p.text)
    assert basic.section == ("基本情况",)
    assert "调研报告篇一" not in basic.text
    practice = next(p for p in passages if "联席会议" in p.text)
    assert practice.section == ("主要做法", "强化组织引领，夯实工作基础")


def test_leading_space_starts_a_new_article_when_a_file_has_no_markers():
    raw = (" 一、党建工作。社区党支部认真落实三会一课制度，全年召开党员大会四次，党员教育管理不断加强。\n"
           "二、民生工作。社区为困难家庭建立档案，落实低保政策，做到应保尽保，群众满意度明显提升。\n"
           " 今年社区工作将紧紧围绕党建引领这一主线，结合社区实际情况，制定以下工作思路，确保各项任务落实。\n")
    found = split_documents(clean_lines(raw), "x.txt", "x")
    assert len(found) == 2


def test_long_paragraphs_are_cut_at_sentence_ends_within_the_size_limit():
    sentence = "社区党委坚持把服务群众作为工作的出发点和落脚点，不断完善服务体系，提升服务水平。"
    raw = "一、主要工作\n" + sentence * 40 + "\n"
    doc = split_documents(clean_lines(raw), "x.txt", "x")[0]
    passages = [p for p, _ in make_passages(doc, 0)]
    assert len(passages) > 1
    assert all(han_count(p.text) <= 500 for p in passages)
    assert all(p.text.rstrip().endswith("。") for p in passages)


def test_heading_title_takes_the_run_in_title_without_numbering():
    assert heading_title("（一）强化领导，完善机制。一是实行责任分解") == "强化领导，完善机制"
    assert heading_title("1、搭建救助平台。为110户建立档案") == "搭建救助平台"


def test_documents_survive_the_json_round_trip_of_the_index_cache():
    from bot.ingest.pipeline import documents_from_json, documents_to_json

    original = docs()
    assert documents_from_json(documents_to_json(original)) == original
