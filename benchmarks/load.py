"""Benchmark section ``load``: simulated staff members at once against the real ``drafter serve``.

Each simulated staff member (``testing/staff.py``) runs a whole guided draft with their own
community name and numbers, two look-ups and an export, through the fake Bot API
(``testing/bot_api.py``: the Bot API over HTTP on 127.0.0.1; Telegram's servers are the one edge
we cannot reach). Afterwards each user's exported .docx must hold exactly their own facts and no
other user's (no crossed state), and no update may be left unanswered. The crash run ``kill -9``s
the bot at random moments and restarts it while the users carry on.

``python -m benchmarks load [--quick]``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.retrieval.evaluate import percentile
from testing.processes import index_corpus
from testing.staff import run_load


def run(flags: list[str]) -> int:
    quick = "--quick" in flags
    plan = [("baseline: 1 user", 1, 0, None), ("50 users", 50, 0, None), ("200 users", 200, 0, None),
            ("200 users, no 30/s limiter", 200, 0, 0.0), ("50 users, kill -9 ×3", 50, 3, None)]
    if quick:
        plan = [("baseline: 1 user", 1, 0, None), ("10 users", 10, 0, None), ("10 users, kill -9 ×2", 10, 2, None)]
    print("## Load: simulated staff against the real `drafter serve`\n")
    print("Each user: a whole guided annual summary (17 updates: buttons, answers with their own facts, "
          "/search, /phrases, export to Word), 0.2-1.0 s think time between steps. Latency is from the "
          "update reaching the fake Bot API to the bot's first reply. The baseline is one user alone, "
          "run in the same session.\n")
    print("| run | users | updates | wall s | updates/s | p50 ms | p95 ms | p99 ms | p95 / baseline "
          "| errors | crossed drafts | unanswered | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    status = 0
    baseline_p95 = None
    with tempfile.TemporaryDirectory(prefix="drafter-load-") as tmp:
        indexed = Path(tmp) / "indexed" / "data"
        indexed.parent.mkdir()
        index_corpus(indexed)
        for n, (label, users, kills, max_rate) in enumerate(plan):
            work = Path(tmp) / f"run{n}"
            work.mkdir()
            o = run_load(users, indexed, work, kills=kills, seed=n + 1, max_rate=max_rate)
            p50, p95, p99 = (percentile(o.latencies, q) for q in (0.5, 0.95, 0.99))
            baseline_p95 = baseline_p95 or p95
            print(f"| {label} | {users} | {o.updates} | {o.seconds:.1f} | {o.updates / o.seconds:.1f} | "
                  f"{p50:.0f} | {p95:.0f} | {p99:.0f} | {p95 / max(baseline_p95, 1e-9):.1f} | {len(o.errors)} | "
                  f"{len(o.crossed)} | {o.unanswered} | {o.peak_rss_mb:.0f} |", flush=True)
            for problem in (o.errors + o.crossed)[:5]:
                print(f"  - {problem}")
            status |= 0 if o.ok else 1
    print("\nThe bot keeps to Telegram's flood limit of 30 requests/s for all chats together "
          "(`DRAFTER_TELEGRAM_MAX_RATE`), and a reply is one or two requests, so with many users "
          "at once that limit, not the bot, sets the pace; the run without the limiter shows the bot's "
          "own capacity on this machine (the fake Bot API and the 200 simulated users share its 2 cores).")
    print("\nCrossed drafts: a user's export missing one of their facts or holding another user's. "
          "Unanswered: an update with no reply within the step timeout, or still pending in the bot's "
          "inbox at the end. In the kill run, updates sent while the bot was down wait in the Bot API "
          "and are answered after the restart; replies already given before a kill may arrive twice.")
    return status
