"""A section brief as the drafting dialogue builds one for the model, and a section that passes
its guard: shared by the LLM tests and the ``llm`` benchmark (all of it written by us)."""

from __future__ import annotations

from bot.llm.brief import GivenFact, SectionBrief

# Other communities' passages, as retrieval returns them (written for these tests).
EXAMPLE_A = ("金桥社区坚持把党建引领贯穿基层治理全过程，全年召开党员大会六次，组织党员志愿者深入楼栋开展走访，"
             "建立了“党员联系户”制度，群众满意度持续提升。")
EXAMPLE_B = "社区党委书记李建国同志带头走访困难党员，东湖街道朝阳社区的做法得到推广。"

BRIEF = SectionBrief(
    kind_name="年度工作总结",
    heading="党建引领",
    purpose="写清全年党组织建设和党员活动的主要做法与成效。",
    facts=(GivenFact("党员大会次数", "4次"), GivenFact("困难党员慰问金", "2.3万元"),
           GivenFact("参与志愿服务的党员", "近300人"), GivenFact("居民满意度", "96.8%")),
    statements=("社区还开展了“红色楼栋长”活动，和辖区阳光物业公司结对共建。",),
    examples=(EXAMPLE_A, EXAMPLE_B),
    basics={"社区名称": "幸福里社区", "时间段": "2025年", "落款单位": "幸福里社区居民委员会"},
    draft_texts=("辖区居民3200户", "网格12个"),
)

GOOD = ("2025年，幸福里社区党委坚持以党建引领基层治理，全年召开党员大会4次，"
        "组织近300名党员参与志愿服务。社区开展“红色楼栋长”活动，与辖区阳光物业公司结对共建，"
        "为困难党员发放慰问金2.3万元，居民满意度达到96.8%。")
