from bot.text.clean import clean_lines


def texts(raw: str) -> list[str]:
    return [ln.text for ln in clean_lines(raw)]


def test_website_boilerplate_and_paywall_lines_are_removed():
    raw = (
        "当前位置:网站首页 >> 作文 >> 报告\n格式:DOC 上传日期:2024-07-15 16:47:53\n"
        "下面是小编为大家整理的报告范文,仅供参考,大家一起来看看吧。\n"
        "社区党支部全年召开支委会十二次，坚持三会一课制度。\n"
        "全文阅读已结束,如果需要下载本文请点击\n下载此文档\na.付费复制\n特价:5.99元 10元\n微信扫码支付\n"
    )
    assert texts(raw) == ["社区党支部全年召开支委会十二次，坚持三会一课制度。"]


def test_truncated_preview_line_repeating_the_next_paragraph_is_dropped():
    body = "社区是城市的细胞，社区建设是城市社区服务深化发展的产物，它随着城市社会经济的发展应运而生。"
    raw = f" {body[:30]}...\n{body}\n"
    assert texts(raw) == [body]


def test_wrapped_lines_are_joined_and_page_numbers_removed():
    raw = (
        "社区统战工作要适应社会结构深刻变化的新形势，这是时代发展和社会变革与发 1\n\n"
        "展的要求，也是统战工作自身发展的需要。\n"
    )
    assert texts(raw) == ["社区统战工作要适应社会结构深刻变化的新形势，这是时代发展和社会变革与发展的要求，也是统战工作自身发展的需要。"]


def test_heading_glued_to_the_end_of_a_paragraph_is_split_off():
    raw = "经过几年努力，社区运行机制初步形成，居民满意度不断提高。一、社区建设开展的主要工作\n"
    assert texts(raw) == ["经过几年努力，社区运行机制初步形成，居民满意度不断提高。", "一、社区建设开展的主要工作"]


def test_seo_strings_inside_sentences_are_removed():
    raw = "社区活动场所面积已达到300平方米社区调研报告社区调研报告。文明(2019最新招商引资情况调研报告)祥和\n"
    assert texts(raw) == ["社区活动场所面积已达到300平方米。文明祥和"]


def test_raw_line_is_kept_for_display_of_the_original():
    lines = clean_lines("黨員學(xué)習(xí)\n")
    assert lines[0].text == "党员学习"
    assert lines[0].raw == "黨員學(xué)習(xí)"


def test_a_title_glued_twice_to_the_text_is_split_off_but_a_repeat_that_names_no_document_is_kept():
    raw = "青禾社区年度工作总结青禾社区年度工作总结今年以来，社区坚持党建引领，各项工作稳步推进。\n"
    assert texts(raw) == ["青禾社区年度工作总结", "今年以来，社区坚持党建引领，各项工作稳步推进。"]
    written = "服务居民三百余人服务居民三百余人次，活动效果良好。\n"
    assert texts(written) == [written.strip()]
