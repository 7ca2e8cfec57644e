"""Benchmark section ``load``: simulated staff members against the real ``drafter serve``."""

from __future__ import annotations


def run(flags: list[str]) -> int:
    print("## Load\n\n(not yet measured)")
    return 0
