from bot.text.normalize import han_count, match_key, normalize_display


def test_pinyin_annotations_are_stripped_and_traditional_becomes_simplified():
    assert normalize_display("工作學(xué)習(xí)中一定要善始善終") == "工作学习中一定要善始善终"


def test_pinyin_after_a_placeholder_letter_is_stripped_but_real_parentheses_stay():
    assert normalize_display("合x(chóng)x區") == "合xx区"
    assert "（23人）" in normalize_display("党员(23人)")


def test_escaped_and_wrong_way_quotes_become_paired_chinese_quotes():
    assert normalize_display('坚持\\"以人为本\\"的理念') == "坚持“以人为本”的理念"
    assert normalize_display("16户”三无”老人") == "16户“三无”老人"


def test_half_width_punctuation_in_chinese_becomes_full_width_and_stray_spaces_go():
    assert normalize_display("近年来, 随着改革的深化; 硬件设备的操 作") == "近年来，随着改革的深化；硬件设备的操作"


def test_zhu_becomes_zhe_only_where_simplified_writes_zhe():
    assert normalize_display("圍繞著目標，成績顯著") == "围绕着目标，成绩显著"


def test_match_key_follows_the_evaluation_rule():
    assert match_key("為110戶 貧困家庭“三無”") == match_key('为110户贫困家庭"三无"')


def test_han_count_counts_only_han_characters():
    assert han_count("2025年，党员12人") == 4
