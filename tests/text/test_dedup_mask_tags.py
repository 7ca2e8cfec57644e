from bot.text.dedup import dedupe, shingles
from bot.text.mask import mask_facts
from bot.text.tags import detect_kind, find_placeholders, mask_private_names, sensitivity

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
    assert mask_facts("为二十余户困难家庭发放慰问金1.5万元") == "为__户困难家庭发放慰问金__元"
    assert mask_facts("坚持党员“三会一课”制度不放松") == "坚持党员“三会一课”制度不放松"
    assert mask_facts("20xx年，金石社区结案率达100%") == "__年，XX社区结案率达__%"


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
