"""Benchmark section ``llm``: the latency a model adds per section, and how often the guard refuses
a bad answer, against the fake OpenAI endpoint (``testing/openai_api.py``: the real langchain
client over HTTP on 127.0.0.1; no model is reachable here, so the model's own speed is scripted).

Baselines in the same run: the same section with the endpoint answering at once (our own
overhead: HTTP, langchain, the guard) and the guard alone. Scripted bad answers (invented,
altered, dropped, copied, foreign names, placeholders, approximations dropped) are each sent
twice so the retry fails too; every one should end in the offline fallback. Good answers in other
spellings (2.3万元 as 23000元, 96.8% as 百分之九十六点八) measure the opposite error: a refusal
the staff member did not deserve.
"""

from __future__ import annotations

import asyncio
import time

from pydantic import SecretStr

from bot.llm.brief import SectionBrief
from bot.retrieval.evaluate import percentile

CHUNK_DELAY = 0.03  # seconds between streamed chunks: a hosted model's pace
CHUNK_CHARS = 4  # characters per chunk (about two tokens of Chinese)
SECTIONS = 30


def _cases() -> tuple[SectionBrief, dict[str, str], dict[str, str]]:
    from testing.briefs import BRIEF, GOOD

    extra_facts = "组织党员志愿者深入楼栋开展走访，建立了“党员联系户”制度"
    bad = {
        "invented number": GOOD + "全年新发展党员3名。",
        "invented Chinese number": GOOD + "全年新发展党员三名。",
        "computed total": GOOD.replace("4次", "4次，累计服务居民5000人次"),
        "magnitude ×10": GOOD.replace("2.3万元", "23万元"),
        "magnitude 万 lost": GOOD.replace("2.3万元", "2.3元"),
        "magnitude 万 doubled": GOOD.replace("2.3万元", "23000万元"),
        "percent altered": GOOD.replace("96.8%", "98.6%"),
        "fact dropped": GOOD.replace("为困难党员发放慰问金2.3万元，", ""),
        "approximation dropped": GOOD.replace("近300名", "300名"),
        "example copied": GOOD + "社区" + extra_facts + "。",
        "other community": GOOD + "学习借鉴金桥社区的经验做法。",
        "other street": GOOD + "与东湖街道开展交流。",
        "person from example": GOOD + "李建国同志带头走访困难党员。",
        "placeholder XX": GOOD.replace("幸福里社区", "XX社区"),
        "placeholder year": GOOD.replace("2025年", "20XX年"),
        "pending marker": GOOD + "【待补充：成效】",
    }
    good = {
        "as given": GOOD,
        "23000元": GOOD.replace("2.3万元", "23000元"),
        "百分之九十六点八": GOOD.replace("96.8%", "百分之九十六点八"),
        "四次, 近三百名": GOOD.replace("4次", "四次").replace("近300名", "近三百名"),
        "fixed terms": GOOD + "社区落实“三会一课”制度，增强“四个意识”，推进文明社区建设。",
    }
    return BRIEF, bad, good


def run(flags: list[str]) -> int:
    return asyncio.run(_run("--quick" in flags))


async def _run(quick: bool) -> int:
    from bot.llm.client import LlmClient, LlmConfig
    from bot.llm.guard import check
    from bot.llm.prompts import load_prompt_book
    from bot.llm.writer import SectionWriter
    from testing.openai_api import KEY, MODEL, Answer, FakeOpenAI

    brief, bad, good = _cases()
    rules = load_prompt_book().rules
    sections = 5 if quick else SECTIONS
    print("## LLM drafting: latency per section and the guard\n")
    with FakeOpenAI() as api:
        config = LlmConfig(base_url=api.base_url, model=MODEL, api_key=SecretStr(KEY), timeout=30.0)
        writer = SectionWriter(LlmClient.from_config(config), config)
        api.script(Answer(good["as given"]))
        await writer.write_section(brief)  # warm: imports, jieba's dictionary, the connection

        async def timed(answer: Answer, stream: bool) -> tuple[list[float], list[float]]:
            totals, firsts = [], []
            for _ in range(sections):
                api.script(answer)
                first: list[float] = []
                started = time.perf_counter()

                def sink(piece: str, attempt: int, first: list[float] = first, started: float = started) -> None:
                    if not first:
                        first.append(time.perf_counter() - started)
                result = await writer.write_section(brief, sink if stream else None)
                assert result.text is not None, result.notice
                totals.append((time.perf_counter() - started) * 1000)
                firsts.append((first[0] if first else 0) * 1000)
            return totals, firsts

        text = good["as given"]
        chunks = -(-len(text) // CHUNK_CHARS)
        paced = Answer(text, chunk_delay=CHUNK_DELAY, chunk_chars=CHUNK_CHARS)
        slow_total, slow_first = await timed(paced, stream=True)
        fast_total, _ = await timed(Answer(text, chunk_chars=CHUNK_CHARS), stream=True)
        plain_total, _ = await timed(Answer(text), stream=False)
        guard_ms = []
        for _ in range(sections):
            started = time.perf_counter()
            check(text, brief, rules)
            guard_ms.append((time.perf_counter() - started) * 1000)

        print(f"A section of {len(text)} characters, {sections} runs each; streamed in {chunks} chunks of "
              f"{CHUNK_CHARS} characters.\n")
        print("| run | p50 ms | p95 ms |\n|---|---|---|")
        print(f"| streamed, model pace {CHUNK_DELAY * 1000:.0f} ms/chunk (scripted {chunks * CHUNK_DELAY * 1000:.0f} ms) "
              f"| {percentile(slow_total, 0.5):.0f} | {percentile(slow_total, 0.95):.0f} |")
        print(f"| ↳ first text shown | {percentile(slow_first, 0.5):.0f} | {percentile(slow_first, 0.95):.0f} |")
        print(f"| baseline: streamed, model answering at once | {percentile(fast_total, 0.5):.1f} | {percentile(fast_total, 0.95):.1f} |")
        print(f"| baseline: plain JSON, model answering at once | {percentile(plain_total, 0.5):.1f} "
              f"| {percentile(plain_total, 0.95):.1f} |")
        print(f"| baseline: the guard alone | {percentile(guard_ms, 0.5):.2f} | {percentile(guard_ms, 0.95):.2f} |")
        overhead = percentile(slow_total, 0.5) - chunks * CHUNK_DELAY * 1000
        print(f"\nAdded beyond the model's own time: {overhead:.0f} ms at p50 (HTTP, langchain, the guard). "
              "With a real model the section costs its generation time plus this; offline composition "
              "stays the fallback.\n")

        refused, rows = 0, []
        for name, answer in bad.items():
            api.script(Answer(answer), Answer(answer))
            result = await writer.write_section(brief)
            refused += result.text is None
            rows.append(f"| {name} | {'fallback' if result.text is None else '**accepted**'} | {result.notice} |")
        accepted_good = 0
        for name, answer in good.items():
            api.script(Answer(answer))
            result = await writer.write_section(brief)
            accepted_good += result.text is not None
            rows.append(f"| good: {name} | {'accepted' if result.text is not None else '**refused**'} | {result.notice} |")
        print(f"Guard: {refused}/{len(bad)} scripted bad answers refused ({refused / len(bad):.0%}); "
              f"{accepted_good}/{len(good)} good answers in other spellings accepted.\n")
        print("| scripted answer (sent twice) | outcome | what the staff member is told |\n|---|---|---|")
        print("\n".join(rows))
    return 0 if refused == len(bad) and accepted_good == len(good) else 1
