import pytest

from bot.text.dedup import dedupe, shingles
from bot.text.mask import leaks, mask_facts
from bot.text.tags import detect_kind, find_placeholders, mask_private_names, sensitivity
from bot.text.units import UNIT_RE, UNITS, canonical, same_measure

LONG = ("社区建设是一项系统工程，需要各级党委政府高度重视。近年来我市不断加大投入，完善社区服务设施，"
        "提升社区服务能力，社区面貌发生了显著变化。同时，社区建设仍面临经费不足、人员短缺等困难。"
        "下一步，我们将健全社区工作者职业体系，落实待遇保障，推动减负增效，让社区把主要精力用在服务居民上。"
        "各街道要统筹辖区资源，完善共驻共建机制，引导驻区单位开放场地设施，形成齐抓共管的工作合力。")
SHORT_COPY = LONG[20:90]


def test_a_short_copy_inside_a_long_document_is_dropped_although_jaccard_is_low():
    a, b = shingles(LONG), shingles(SHORT_COPY)
    assert len(a & b) / len(a | b) < 0.5  # Jaccard would keep it
    kept, dropped = dedupe([SHORT_COPY, LONG], lambda t: t, lambda t: -len(t))
    assert kept == [LONG]
    assert dropped[0].item == SHORT_COPY


def test_copies_differing_only_in_placeholders_are_duplicates():
    kept, _ = dedupe(["___市共有社区15个，20__年新建社区服务站8处，覆盖全部居民小区。",
                      "*市共有社区15个，20xx年新建社区服务站8处，覆盖全部居民小区。"], lambda t: t, lambda t: 0)
    assert len(kept) == 1


def test_facts_of_another_community_are_masked_as_slots():
    assert mask_facts("全年召开党员大会4次、支委会12次。") == "全年召开党员大会__次、支委会__次。"
    assert mask_facts("为二十余户困难家庭发放慰问金1.5万元") == "为__户困难家庭发放慰问金__万元"
    assert mask_facts("坚持党员“三会一课”制度不放松") == "坚持党员“三会一课”制度不放松"
    assert mask_facts("20xx年，金石社区结案率达100%") == "__年，XX社区结案率达__%"


@pytest.mark.parametrize("sentence, masked", [
    # every unit of the shared list, whatever it counts
    ("社区清理废旧自行车120辆，清运垃圾35吨。", "社区清理废旧自行车__辆，清运垃圾__吨。"),
    ("完成12幢楼外墙粉刷，改造绿地3600平米。", "完成__幢楼外墙粉刷，改造绿地__平米。"),
    ("为老旧小区加装电梯57部，社区书屋新增图书500册。", "为老旧小区加装电梯__部，社区书屋新增图书__册。"),
    ("年内计划发展党员2至3名，培养入党积极分子两至三名。", "年内计划发展党员__至__名，培养入党积极分子__至__名。"),
    ("满意率达到百分之九十八，开展宣传四次。", "满意率达到百分之__，开展宣传__次。"),
    ("2023年5月起，近300人参加。", "__年__月起，近__人参加。"),
    # place names go as whole words; the words around them stay
    ("我们立足东湖社区实际，根据湖滨街道党工委部署开展工作。", "我们立足XX社区实际，根据XX街道党工委部署开展工作。"),
    ("在青石桥社区、金石社区和锦江区举办。", "在XX社区、XX社区和XX举办。"),
    # numbers that are part of ordinary words or terms are no community's figures
    ("建立困难群众一人一档，做到一户一策。", "建立困难群众一人一档，做到一户一策。"),
    ("深入学习党的二十大和二十届三中全会精神。", "深入学习党的二十大和二十届三中全会精神。"),
    ("落实“三会一课”，推行一站式服务，帮扶4050人员。", "落实“三会一课”，推行一站式服务，帮扶4050人员。"),
    ("各支部开展主题党日活动。", "各支部开展主题党日活动。"),
])
def test_masking_replaces_whole_words_and_keeps_ordinary_ones(sentence, masked):
    assert mask_facts(sentence) == masked
    assert not leaks(masked)


def test_the_users_own_names_stay_and_the_last_check_catches_what_masking_missed():
    assert mask_facts("幸福里社区全年走访困难家庭32户", own=["幸福里社区"]) == "幸福里社区全年走访困难家庭__户"
    assert leaks("全年走访困难家庭32户")
    assert leaks("根据湖滨街道党工委部署")
    assert not leaks("幸福里社区全年走访困难家庭__户", own=["幸福里社区"])
    assert not leaks("坚持以人民为中心，建设中国特色社会主义")


def test_one_list_of_units_for_facts_and_masking():
    assert UNITS.index("平方公里") < UNITS.index("平方米") < UNITS.index("米")  # longest first
    assert {"辆", "吨", "幢", "栋", "部", "册", "件次", "人次", "平米", "万元"} <= set(UNITS)
    assert UNIT_RE.match("次活动") and not UNIT_RE.match("次性")  # 一次性 holds no unit
    assert canonical("平米") == "平方米" and canonical("户") == "户"
    assert same_measure("人", "名") and same_measure("元", "万元") and not same_measure("户", "人")


def test_placeholders_are_found():
    assert set(find_placeholders("20xx年，___市*社区xx区")) >= {"20xx年", "___", "*", "xx"}


def test_named_residents_in_surveillance_context_are_flagged_and_masked():
    text = "对第四网格的习练者孟某某进行了监控，有效遏制居民董某某进京上访倾向。"
    assert sensitivity(text)
    assert "孟某某" not in mask_private_names(text) and "×××" in mask_private_names(text)
    assert sensitivity("社区全年召开党员大会4次，开展志愿服务活动20场。") == ""


def test_document_kind_comes_from_title_then_opening():
    assert detect_kind("关于老旧小区改造的调研报告", "") == "调研报告"
    assert detect_kind("幸福里社区2026年工作计划", "") == "工作计划"
    assert detect_kind("青石桥社区2025年上半年工作总结", "") == "半年总结"
    assert detect_kind("无题", "结合社区实际情况，特制定以下工作思路") == "工作计划"
