"""``python -m benchmarks [section ...]``: runs the benchmark sections and writes BENCHMARKS.md."""

from __future__ import annotations

import importlib
import io
import re
import sys
import time
from contextlib import redirect_stdout
from typing import TextIO

from benchmarks import CHECKOUT
from bot.offline import set_offline_environment

SECTIONS = ("retrieval", "cleaning", "scale", "load", "llm")
REPORT = CHECKOUT / "BENCHMARKS.md"


class _Tee(io.TextIOBase):
    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


def main(argv: list[str]) -> int:
    set_offline_environment()
    chosen = [a for a in argv if not a.startswith("-")] or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {SECTIONS}", file=sys.stderr)
        return 2
    flags = [a for a in argv if a.startswith("-")]
    status = 0
    header = ("# drafter benchmarks\n\n"
              "Produced by `make bench` (`python -m benchmarks [section]`), 2 cores. Machines here are noisy: "
              "compare each figure with the baseline measured beside it in the same run, not with absolute "
              "numbers from another run. Each section is replaced when it is run again; the date says when.\n")
    blocks = _read_blocks()
    for name in chosen:
        captured = io.StringIO()
        with redirect_stdout(_Tee(sys.stdout, captured)):
            print(f"_Run {time.strftime('%Y-%m-%d %H:%M')}{' with ' + ' '.join(flags) if flags else ''}._\n")
            module = importlib.import_module(f"benchmarks.{name}")
            status |= module.run(flags)
        blocks[name] = captured.getvalue().rstrip() + "\n"
    # Blocks no section module writes (a record of a one-off experiment) are kept as they are.
    order = [*SECTIONS, *(n for n in blocks if n not in SECTIONS)]
    body = "".join(f"\n<!-- section: {n} -->\n{blocks[n]}<!-- /section -->\n" for n in order if n in blocks)
    REPORT.write_text(header + body, encoding="utf-8")
    print(f"written to {REPORT}", file=sys.stderr)
    return status


def _read_blocks() -> dict[str, str]:
    """The sections of the current report, so running one section keeps the others."""
    if not REPORT.exists():
        return {}
    text = REPORT.read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"<!-- section: (\w+) -->\n(.*?)<!-- /section -->", text, re.S)}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
