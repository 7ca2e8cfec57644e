"""Site furniture, truncated pages and paywalls, on pages written here the way template sites
build theirs: the article survives whole, the site does not."""

from __future__ import annotations

from bot.ingest.pipeline import build_passages, documents_of, file_title
from bot.text.boilerplate import is_furniture
from bot.text.clean import clean_lines

ARTICLE = [
    "今年以来，青禾社区党委围绕服务居民这一中心，扎实推进基层治理各项工作。",
    "一、党建引领",
    "社区党委全年召开党员大会四次，组织主题党日活动十二次，走访困难党员二十户。",
    "二、民生服务",
    "为辖区八十岁以上老人发放高龄津贴，帮助十五名居民实现再就业，新办低保三户。",
]


def texts(raw: str) -> list[str]:
    return [ln.text for ln in clean_lines(raw)]


def test_a_page_with_navigation_bylines_and_footer_keeps_only_the_article() -> None:
    page = "\n".join([
        "网站首页 >> 工作总结 >> 社区工作总结",
        "首页范文大全工作计划心得体会",
        "青禾社区2025年工作总结（精选8篇）",
        "发布时间：2025-01-06 10:20:31 作者：佚名 人气：1.2W",
        "下面是小编为大家整理的社区工作总结，仅供参考，欢迎阅读。",
        "青禾社区2025年工作总结",
        *ARTICLE,
        "相关推荐：",
        "上一篇：社区工作计划下一篇：社区述职报告",
        "本文来源于网络，版权归原作者所有，如有侵权请联系客服QQ：12345678删除。",
        "Ctrl+D收藏本站 | 手机版 | 返回顶部",
        "logo",
        "• 11.97 KB",
    ])
    assert texts(page) == ["青禾社区2025年工作总结", *ARTICLE]
    [doc] = documents_of("page.txt", page)
    assert doc.title == "青禾社区2025年工作总结"  # the collection page's "（精选8篇）" is not the title
    assert [p.section for p in doc.paragraphs] == [(), ("党建引领",), ("民生服务",)]


def test_sentences_that_mention_websites_or_members_in_passing_are_work_and_stay() -> None:
    prose = [
        "社区门户网站开设了办事指南和政策解读两个栏目，居民在网上就能查到办事流程。",
        "计生协会现有会员三百二十人，全年组织会员活动日六次。",
        "社区图书室组织居民阅读分享会，推荐好书五十种。",
        "疫情期间进出小区一律扫码登记，社区工作群、QQ群和微信公众号每天推送防控信息。",
        "（三）加强社区网站建设",
        "社区下载并整理远程教育课件，做好资料的储存和管理。",
    ]
    assert texts("\n".join(prose)) == prose


def test_a_footer_glued_to_the_last_paragraph_goes_and_the_paragraph_stays() -> None:
    body = ARTICLE[4]
    assert texts(f"{body}预览时标签不可点收录于话题#个上一篇下一篇 |") == [body]
    assert texts(f"{body}\n以上内容基于您的标题撰写，仅供参考，希望对您有所帮助。") == [body]


def test_anti_scraping_strings_between_and_around_paragraphs_are_removed() -> None:
    raw = "\n".join(["( F: ?' N) g) {1 _0 T", "4 h3 l7 X v4 M: W/ S5 e$ j " + ARTICLE[0],
                     "|", ARTICLE[2] + " 5 y! _. c: [, H! `0 N8", "* C1 O5 p, R3 A Q"])
    assert texts(raw) == [ARTICLE[0], ARTICLE[2]]


def test_a_truncation_marker_ends_the_article_and_drops_only_its_broken_last_sentence() -> None:
    raw = "\n".join([
        "青禾社区2025年工作总结篇一",
        ARTICLE[0],
        ARTICLE[2],
        "社区开展平安建设宣传活动八次，发放资料一千余份。组织志愿者夜间巡逻，全年",
        "……此处隐藏2318个字……",
        "巡逻中发现并消除安全隐患九处。",  # the rest of the page after the marker: not this article
        "青禾社区2026年工作计划篇二",
        "二〇二六年，社区将继续完善网格化管理，做到小事不出网格。",
    ])
    assert texts(raw) == ["青禾社区2025年工作总结篇一", ARTICLE[0], ARTICLE[2], "社区开展平安建设宣传活动八次，发放资料一千余份。",
                          "青禾社区2026年工作计划篇二", "二〇二六年，社区将继续完善网格化管理，做到小事不出网格。"]


def test_a_paywall_block_ends_the_page_and_every_complete_sentence_before_it_stays() -> None:
    raw = "\n".join([*ARTICLE, "全文阅读已结束，如果需要下载本文请点击", "下载此文档", "a.付费复制", "付费获得该文章复制权限",
                     "特价：5.99元 10元", "微信扫码支付", "已付款请点这里 联系客服", "b.包月复制"])
    assert texts(raw) == ARTICLE


def test_a_download_notice_above_the_article_removes_nothing_of_it() -> None:
    raw = "\n".join(["下载前请仔细阅读文档内容，文档可能不全，需要完整文档请下载。", "青禾社区2025年工作总结", *ARTICLE])
    assert texts(raw) == ["青禾社区2025年工作总结", *ARTICLE]


def test_pinyin_mojibake_and_traditional_characters_leave_titles_and_text() -> None:
    raw = "城鎮(zhèn)社區(qū)2025年工作總結(jié)\n社區(qū)工作人員下戶走訪，?傉J(rèn)為居民滿意；基礎;A(chǔ)工作紮實。?,F將情況報告如下。\n"
    [doc] = documents_of("pinyin.txt", raw)
    assert doc.title == "城镇社区2025年工作总结"
    assert doc.paragraphs[0].text == "社区工作人员下户走访，为居民满意；基础工作扎实。将情况报告如下。"


def test_a_file_whose_first_line_is_furniture_takes_its_title_from_the_article() -> None:
    assert file_title("x.txt", "- 相关推荐\n青禾社区党建工作总结范文\n" + ARTICLE[0]) == "青禾社区党建工作总结"
    assert file_title("青禾社区\x1b[31m总结.txt", ARTICLE[0]) == "青禾社区总结"


def test_a_repeated_title_under_the_page_header_is_dropped_once_and_kept_as_title() -> None:
    raw = "\n".join(["青禾社区网格化管理情况", "2025-03-01", "青禾社区网格化管理情况", ARTICLE[0]])
    assert texts(raw) == ["青禾社区网格化管理情况", ARTICLE[0]]


def test_lines_that_open_or_close_the_files_of_many_sources_are_site_furniture() -> None:
    articles = [
        ("党建", "社区党委坚持三会一课制度，全年开展主题党日活动十二次，党员参与率达到九成。"),
        ("救助", "社区为困难家庭建立救助台账，全年新办低保三户，临时救助八户，走访慰问四十户。"),
        ("平安", "社区组织志愿者夜间巡逻，全年调解邻里纠纷十一起，调解成功率百分之百。"),
        ("志愿", "社区志愿服务队现有队员一百二十人，全年开展志愿服务活动三十六次。"),
    ]
    docs = []
    for i, (topic, body) in enumerate(articles):
        page = "\n".join(["青禾文稿资料站", "专注工作总结写作的资料平台", f"青禾社区{topic}工作总结", "存在的问题", body,
                          "下一步打算", body[:10] + "将继续推进。", "青禾文稿资料站"])
        docs += documents_of(f"site/{i}.txt", page)
    passages, report = build_passages(docs)
    everything = "\n".join(p.text + p.title + p.section_path for p in passages)
    assert "资料站" not in everything
    assert report.furniture >= 8 and any("页眉页脚" in line for line in report.lines())
    # Headings that recur in the middle of the reports are structure, not the site's.
    assert sum("存在的问题" in p.text for p in passages) == len(articles)
    assert {p.title for p in passages} == {f"青禾社区{t}工作总结" for t, _ in articles}


def test_one_article_reposted_on_three_sites_keeps_its_lines() -> None:
    docs = []
    for site in ("甲", "乙", "丙"):
        docs += documents_of(f"{site}.txt", "\n".join(["青禾社区2025年工作总结", *ARTICLE, "（完）"]))
    passages, report = build_passages(docs)
    text = "\n".join(p.text for p in passages)
    assert report.documents_kept == 1
    assert all(line in text for line in ARTICLE)


def test_a_site_phrase_condemns_a_line_but_a_site_word_needs_company() -> None:
    assert is_furniture("相关推荐")
    assert is_furniture("来源：网络收集 2020-04-17")
    assert is_furniture("范文大全 工作总结 心得体会")
    assert not is_furniture("社区网站")
    assert not is_furniture("团员41名，占13.90%。", sentence=True)
    assert not is_furniture("一、社区网站与栏目建设", heading=True)
