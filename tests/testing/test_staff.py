"""The load simulation's verdict (testing/staff.py): a draft with another user's facts, or missing its own, is caught."""

from __future__ import annotations

from testing.staff import Outcome, Staff, check_documents
from tests.builders import docx_bytes


class _Chats:
    def __init__(self, docs: dict[int, bytes]) -> None:
        self.docs = docs

    def document(self, uid: int) -> bytes | None:
        return self.docs.get(uid)


def _own(person: Staff) -> bytes:
    return docx_bytes(f"{person.community}2025年工作总结",
                 f"社区有{person.households}户居民，常住人口{person.residents}人。",
                 f"全年召开党员大会{person.meetings}次，发展党员{person.recruits}名。")


def test_staff_facts_are_unique_per_user() -> None:
    staff = [Staff.make(i) for i in range(200)]
    assert len({p.community for p in staff}) == 200
    assert len({p.households for p in staff} | {p.residents for p in staff}) == 400


def test_own_facts_pass_and_crossed_or_missing_facts_are_reported() -> None:
    a, b, c = (Staff.make(i) for i in range(3))
    crossed = docx_bytes(f"{b.community}2025年工作总结", f"社区有{b.households}户居民，常住人口{a.residents}人。")
    outcome = Outcome(users=3)
    check_documents([a, b, c], _Chats({a.uid: _own(a), b.uid: crossed}), outcome)
    assert outcome.errors == [f"{c.uid}: no document"]
    assert outcome.crossed == [f"{b.uid}: missing ['{b.residents}人', '党员大会{b.meetings}次', '发展党员{b.recruits}名']",
                               f"{b.uid}: foreign facts [{a.residents}] []"]
    assert not Outcome(users=1, crossed=outcome.crossed).ok
