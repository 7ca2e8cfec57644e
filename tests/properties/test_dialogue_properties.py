"""Whatever a staff member sends, in whatever order, the dialogue answers and keeps a draft it can
render and save: random walks through the pure machine (buttons of the last reply, commands,
staff-like notes, hostile text), every kind.

The promise checked: no message can crash the dialogue, every input gets a reply with words in it,
the session and the draft survive their JSON round trip, and the draft renders to .docx text.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.drafting.draft import Draft, Session
from bot.drafting.export import to_markdown
from tests.drafting.test_machine import Desk

from .strategies import budget, hostile_text

COMMANDS = ["/new", "/drafts", "/help", "/export", "/export word", "/draft", "/cancel", "/start x", "完成本节", "跳过",
            "修改", "上一步", "导出Word", "导出Markdown", "看范例", "保存退出", "今天", "先跳过", "上面都说了"]
# Notes as staff type them (our own words, fictional figures), corrections and remarks among them.
NOTES = [
    "我要写今年的年度工作总结", "帮我写一份养老服务的专项工作总结", "上半年总结", "写个调研报告", "明年的工作计划",
    "青禾社区", "今年", "2025年上半年", "中共青禾社区委员会、青禾社区居民委员会",
    "社区有3200户，8600人，分了12个网格。", "党员186名，发展了2个党员，积极分子3个。",
    "改一下，不是150名，是120名。", "问题就是：一个是人手不够；二个是场地太小；还有就是经费紧张。",
    "低保现在有38户，由去年的45户减少到38户。", "慰问金两万三，走访慰问困难户120户。", "建议：第一，投入资金20万元；第二，增配3名。",
    "党建这块，三会一课按要求开了。", "社區有兩個黨支部。", "第一", "二是", "一。一。一。一。一。一。一。一。一。一。一。一",
]


@st.composite
def walk(draw: st.DrawFn) -> list[tuple[str, object]]:
    """Moves: ("button", index into the last reply's options), or ("say", text)."""
    moves: list[tuple[str, object]] = []
    for _ in range(draw(st.integers(5, 40))):
        kind = draw(st.sampled_from(["button", "button", "command", "note", "hostile"]))
        if kind == "button":
            moves.append(("button", draw(st.integers(0, 30))))
        elif kind == "command":
            moves.append(("say", draw(st.sampled_from(COMMANDS))))
        elif kind == "note":
            moves.append(("say", draw(st.sampled_from(NOTES))))
        else:
            moves.append(("say", draw(hostile_text(max_fragments=12))))
    return moves


@budget(60)
@given(walk())
def test_no_sequence_of_messages_crashes_the_dialogue_or_loses_the_draft(moves: list[tuple[str, object]]) -> None:
    desk = Desk()
    desk.say("/new")
    for move, value in moves:
        options = desk.last.replies[-1].options if desk.last.replies else ()
        if move == "button" and options:
            assert isinstance(value, int)
            text = options[value % len(options)].data
        elif move == "button":
            text = "/help"
        else:
            assert isinstance(value, str)
            text = value
        replies = desk.say(text)
        assert replies and all(reply.text.strip() for reply in replies), f"no words after {text!r}"
        session = Session.from_json(json.loads(json.dumps(desk.session.to_json())))
        assert session == desk.session
        if desk.draft is not None:
            draft = Draft.from_json(json.loads(json.dumps(desk.draft.to_json())))
            assert draft.to_json() == desk.draft.to_json()
            assert to_markdown(desk.machine.rendered(desk.draft)).strip()
