"""Optional LLM drafting: a section written by a model from the staff member's facts, guarded.

The seam for the dialogue (`bot.llm.brief` and `bot.llm.writer`)::

    from bot.llm import GivenFact, SectionBrief, SectionWriter

    writer = SectionWriter.from_settings(settings)      # None unless DRAFTER_LLM_* are set
    brief = SectionBrief(kind_name=…, heading=…, purpose=…, facts=(GivenFact.of(label, fact), …),
                         statements=(…), examples=(…), basics={"社区名称": …}, draft_texts=(…))
    result = await writer.write_section(brief, on_chunk)  # on_chunk(piece, attempt), optional
    section_text = result.text or offline_text            # result.notice: tell the staff member

Files: brief.py (the data), quantities.py (figures in a text), names.py (names in a text),
guard.py (the checks), prompts.py (prompts/llm/), client.py (the endpoint), writer.py (the
loop), stream.py (throttled progress for Telegram).
"""

from bot.llm.brief import GivenFact, LlmResult, SectionBrief, Violation
from bot.llm.writer import SectionWriter

__all__ = ["GivenFact", "LlmResult", "SectionBrief", "SectionWriter", "Violation"]
