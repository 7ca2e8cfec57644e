"""``python -m bot.bench [section ...]``: runs the benchmark sections and writes BENCHMARKS.md."""

from __future__ import annotations

import importlib
import io
import os
import sys
import time
from contextlib import redirect_stdout

from bot.config import PROJECT_ROOT

SECTIONS = ("retrieval", "scale", "load")
REPORT = PROJECT_ROOT / "BENCHMARKS.md"


class _Tee(io.TextIOBase):
    def __init__(self, *streams: io.TextIOBase) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    chosen = [a for a in argv if not a.startswith("-")] or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {SECTIONS}", file=sys.stderr)
        return 2
    flags = [a for a in argv if a.startswith("-")]
    captured = io.StringIO()
    status = 0
    with redirect_stdout(_Tee(sys.stdout, captured)):  # type: ignore[type-var]
        print("# drafter benchmarks\n")
        print(f"Produced by `make bench` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores. "
              "Machines here are noisy: compare each figure with the baseline measured beside it "
              "in the same run, not with absolute numbers from another run.\n")
        for name in chosen:
            module = importlib.import_module(f"bot.bench.{name}")
            status |= module.run(flags)
            print()
    if chosen == list(SECTIONS) and not flags:  # only a full run replaces the report
        REPORT.write_text(captured.getvalue(), encoding="utf-8")
        print(f"written to {REPORT}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
