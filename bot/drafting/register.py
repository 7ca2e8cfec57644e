"""The staff member's own sentences in the register of a 公文 (pure).

    formalize("我们还搞了“红色楼栋长”，大概有四十来个吧", lexicon)
    # → "社区还开展了“红色楼栋长”，约40个。"

Only words change: colloquial words become formal ones (``prompts/lexicon.yaml``: ``formal``),
filler, lead-ins and sentence-final particles go, counts and measures are written in Arabic
figures (GB/T 15835), punctuation becomes full-width. No number is added, dropped or altered:
a figure is rewritten only as the same value in the same unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from bot.drafting.document import chinese_numeral
from bot.drafting.lexicon import Lexicon
from bot.drafting.numerals import FULLWIDTH_TO_ASCII
from bot.drafting.quantities import blank_terms, display, scan
from bot.text.tokenize import segment

__all__ = ["aligned_replace", "enumerated_items", "enumeration", "formalize", "join_items", "relist", "strip_particles"]

_CLAUSE_SPLIT = re.compile(r"([，,；;、])")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_ENDINGS = (("这些事情", "等工作"), ("这些事", "等工作"), ("这些", "等工作"), ("什么的", "等"), ("之类的", "等"),
            ("等等", "等"))
# "社区老年人多" → "社区老年人较多": a clause ending on a bare 多/少 after a noun. Not after a degree
# word, a numeral (三百多) or a verb it belongs to (减少, 缺少, 增多), nor in a pair (人少事多).
_NOT_BEFORE_BARE_AMOUNT = "很较太偏最许众诸增过不好更居繁颇大减缺稀至老年多变几一二两三四五六七八九十百千万半倍成"
_BARE_AMOUNT_END = re.compile(rf"(?<=[\u4e00-\u9fff])(?<![多少].)(?<![{_NOT_BEFORE_BARE_AMOUNT}])([多少])$")
# "摸清垃圾分类为什么推进难" → "摸清垃圾分类推进难的原因": a question inside a statement, as a document words it.
_ASKING_WHY = re.compile(r"(摸清|了解|弄清|查找|分析|找准|研究)([^，。；？?]{1,16}?)为什么([^，。；？?]{1,10})$")
_LABEL = re.compile(r"^(?P<label>[\u4e00-\u9fff]{1,6}?)(?:这块儿|这一块|这块|这方面|方面|的话)?[：:]\s*(?=\S)")
_DOUBLED = re.compile(r"(社区|约|共)\1+")
# "开展了“红色楼栋长”，…": a quoted name after 开展 is an activity; the document says so.
_BARE_QUOTED_ACTIVITY = re.compile(r"(开展了?|组织了?|推行了?)(“[^”]{2,16}”)(?=[，。；、]|$)")
_SENTENCE_END = "。！？"


def formalize(text: str, lexicon: Lexicon, heading: str = "") -> str:
    """One sentence of the staff member's, rewritten; "" when nothing is left to say. ``heading``
    is the section's: a topic the sentence opens with ("环境方面，…") is not repeated under it."""
    clauses = []
    topic = ""
    text = _THOUSANDS.sub("", text)  # "1,200人次" is one figure, not two clauses
    labelled = _LABEL.match(text.strip())
    if labelled and not labelled["label"].startswith(lexicon.conditionals):
        # "平安这块：巡逻每周…", "保障：经费30万元": a label naming the topic of what follows
        topic, text = labelled["label"], text.strip()[labelled.end():]
    for piece in _CLAUSE_SPLIT.split(text.strip().rstrip("。.！!？?…~～")):
        if piece in "，,；;、":
            clauses.append(piece.replace(",", "，").replace(";", "；"))
            continue
        if not clauses and not topic:
            topic = _topic_named(piece.strip(" \t\u3000"), lexicon)
        clause = _clause(piece, lexicon)
        if clause:
            clauses.append(clause)
        elif clauses and clauses[-1] in "，；、":
            clauses.pop()
    while clauses and clauses[-1] in "，；、":
        clauses.pop()
    while clauses and clauses[0] in "，；、":
        clauses.pop(0)
    if topic and clauses and lexicon.topic_as and topic[:2] not in heading:
        # "垃圾分类的话，居民知晓率…" → "垃圾分类方面，居民知晓率…": the topic stays, as a document names it
        clauses.insert(0, lexicon.topic_as.format(topic=topic) + "，")
    out = _punctuation("".join(clauses))
    out = _DOUBLED.sub(r"\1", out).strip()
    out = _BARE_QUOTED_ACTIVITY.sub(r"\1\2活动", out)
    if not out:
        return ""
    return out if out[-1] in _SENTENCE_END else out + "。"


# The staff member's own numbering of a list ("一个是…二个是…还有就是…"): the document numbers its
# items itself (一是…；二是…), so theirs goes. 第一/其次 only before punctuation or 是 (第一书记 stays).
_ORDINAL = "一二两三四五六七八九十"
_ENUMERATOR = re.compile(
    rf"(?:第?[{_ORDINAL}]{{1,2}}个?是|第[{_ORDINAL}]{{1,2}}(?:个是|[，,、：:])|[{_ORDINAL}]{{1,2}}[、．.]"
    rf"|\d{{1,2}}[、.．)）](?!\d)|[（(][{_ORDINAL}\d]{{1,2}}[)）]|其[{_ORDINAL}]是?[，,：:]?"
    r"|(?:首先|其次|再次|最后)[，,：:]?|再有就是|再就是|还有就是|还有一个是|再一个是|另一个是|另外一个是|另外一个就是)\s*")
_LONE_ORDINAL = re.compile(rf"{_ENUMERATOR.pattern}|第[{_ORDINAL}]{{1,2}}|其[{_ORDINAL}]")
_ANNOUNCED = re.compile(r"^[\u4e00-\u9fff]{1,6}[：:]\s*(?=\S)")  # a short label and a colon before a list
_ITEM_START = "，,；;。：:\n"


def enumeration(text: str) -> tuple[str, list[str]]:
    """The words before the staff member's own numbering, and the items it numbers, without it:
    "问题就是：一个是停车难；二个是经费紧张" → ("问题就是：", ["停车难", "经费紧张"]). Text without
    numbering is all intro."""
    cuts: list[tuple[int, int]] = []
    for match in _ENUMERATOR.finditer(text):
        before = text[:match.start()].rstrip(" \t\u3000")
        if match.start() == 0 or (before and before[-1] in _ITEM_START):
            cuts.append((match.start(), match.end()))
    if not cuts:
        return text, []
    pieces, last = [], 0
    for start, end in cuts:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    intro, *items = (p.strip(" \t\u3000，,；;。") for p in pieces)
    return intro, [item for item in items if item.strip("：:")]


def enumerated_items(text: str) -> list[str]:
    """A statement as items of a list the document numbers itself: the staff member's numbering
    goes, and so do words only announcing the items ("问题就是：", "建议如下：")."""
    intro, items = enumeration(text)
    if intro.endswith(("：", ":")) and items:
        intro = ""
    intro = _ANNOUNCED.sub("", intro)  # "下半年计划：新增助餐点1个" → "新增助餐点1个"
    return [intro, *items] if intro.strip("：:") else items


def relist(text: str, lexicon: Lexicon, heading: str = "") -> str:
    """A statement in a paragraph, its own numbering written as a document's ("…：一是…；二是…。")."""
    intro, items = enumeration(text)
    if len(items) < 2:
        return formalize(text, lexicon, heading)
    listed = join_items([formalize(item, lexicon, heading) for item in items])
    head = formalize(intro, lexicon, heading).rstrip("。：:；;，,") if intro else ""
    return f"{head}：{listed}" if head else listed


_MOST_ORDINALS = 9999  # chinese_numeral's range


def join_items(items: Sequence[str]) -> str:
    """Items of a list as one paragraph, "一是…；二是…；三是…。" (a single item stays a sentence)."""
    bodies = [item.strip().rstrip("。；;") for item in items if item.strip().rstrip("。；;")]
    if not bodies:
        return ""
    if len(bodies) == 1:
        return bodies[0] + "。"
    if len(bodies) > _MOST_ORDINALS:  # a paste of thousands of lines: listed, not counted
        return "；".join(bodies) + "。"
    return "；".join(f"{chinese_numeral(i)}是{body}" for i, body in enumerate(bodies, 1)) + "。"


_CJK = r"\u3400-\u9fff"
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT_AFTER_CJK = re.compile(rf"(?<=[{_CJK}0-9%）”》])\s*([,:;?!])\s*")
_PAREN = re.compile(rf"\(([^()]{{0,40}}?[{_CJK}][^()]{{0,40}}?)\)")
_SPACE = re.compile(rf"(?<=[{_CJK}0-9，。、；：？！“”（）《》%])\s+(?=[{_CJK}0-9，。、；：？！“”（）《》])")


def _punctuation(text: str) -> str:
    """Full-width punctuation in Chinese text and no spaces between Chinese words; anything else
    the staff member typed (markup included) stays exactly as typed."""
    text = _PUNCT_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], text)
    text = _PAREN.sub(r"（\1）", text)
    # A space between two figures ("0 0") stays: removing it would make one number of two.
    return _SPACE.sub(lambda m: m.group(0) if _between_figures(text, m.start(), m.end()) else "", text)


def _between_figures(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1].isdigit() and text[end].isdigit()


_LONGEST_TOPIC_LABEL = 8  # characters before the marker: "社区党建工作这块" is a label, a sentence is longer


def _topic_named(clause: str, lexicon: Lexicon) -> str:
    """The topic a clause like "党建这块" or "垃圾分类的话" only names; "" for any other clause."""
    marker = next((m for m in lexicon.topic_markers if clause.endswith(m)), None)
    if marker is None:
        return ""
    named = clause[: -len(marker)].strip()
    if named.startswith(lexicon.conditionals) or any(c.isdigit() for c in named):
        return ""
    return named if 0 < len(named) <= _LONGEST_TOPIC_LABEL else ""


def _is_topic_label(clause: str, lexicon: Lexicon) -> bool:
    return bool(_topic_named(clause, lexicon))


def _clause(clause: str, lexicon: Lexicon) -> str:
    clause = clause.strip(" \t\u3000")
    if _is_topic_label(clause, lexicon) or _LONE_ORDINAL.fullmatch(clause.rstrip("，,：: ")):
        return ""  # "党建这块", or a "第二" whose words were all facts the template says
    clause = _drop_leadin(clause, lexicon)
    clause = aligned_replace(clause, {w: "" for w in lexicon.filler})
    clause = aligned_replace(clause, dict(lexicon.formal))
    clause = _counted_people(clause, lexicon)
    for ending, formal in _ENDINGS:
        if clause.endswith(ending) and len(clause) > len(ending):
            clause = clause[: -len(ending)] + formal
            break
    clause = strip_particles(clause, lexicon)
    clause = _BARE_AMOUNT_END.sub(r"较\1", clause)
    clause = _ASKING_WHY.sub(r"\1\2\3的原因", clause)
    return _figures(clause, lexicon.fixed_terms).strip(" \t\u3000")


_COUNT_BEFORE_GE = r"[0-9０-９一二两三四五六七八九十百千几]"


def _counted_people(clause: str, lexicon: Lexicon) -> str:
    """A person is counted with 名 in a document: 一个党员 → 一名党员, 3个志愿者 → 3名志愿者."""
    if not lexicon.people or "个" not in clause:
        return clause
    nouns = "|".join(re.escape(word) for word in lexicon.people)
    clause = re.sub(rf"(?<={_COUNT_BEFORE_GE})个(?=(?:{nouns}))", "名", clause)
    # "老年人30个左右", "党员有3个": the count right after the noun
    return re.sub(rf"((?:{nouns})(?:约有|共有|有|约|共|为)?{_COUNT_BEFORE_GE}+)个(?![\u4e00-\u9fff]{{0,1}}(?:小区|楼|点|项|场|次))",
                  r"\1名", clause)


def _drop_leadin(clause: str, lexicon: Lexicon) -> str:
    """"问题的话，…" and "主要是…": words that only announce what follows go."""
    for word in lexicon.leadins:
        if clause.startswith(word):
            return clause[len(word):].lstrip("：: ")
    return clause


# Words jieba glues to the one before them ("助餐|点太少", "8|万块|钱"): an entry of two characters or
# more starting with one may start inside a word ("太少" → "偏少", "块钱" → "元"), and still must end
# where a word ends.
_LOOSE_START = "太挺很蛮块"


def aligned_replace(text: str, table: dict[str, str]) -> str:
    """Replace whole jieba words (or runs of them) only, longest entry first: 当 → 担任 never
    turns 当前 into 担任前."""
    if not text or not table:
        return text
    bounds = set()
    position = 0
    bounds.add(0)
    for token in segment(text):
        position += len(token)
        bounds.add(position)
    words = sorted(table, key=len, reverse=True)
    out, index = [], 0
    while index < len(text):
        loose = index not in bounds and text[index] in _LOOSE_START
        word = None
        if index in bounds or loose:
            word = next((w for w in words if text.startswith(w, index) and index + len(w) in bounds
                         and not (loose and len(w) < 2)), None)
        if word is None:
            out.append(text[index])
            index += 1
        else:
            out.append(table[word])
            index += len(word)
    return "".join(out)


def strip_particles(clause: str, lexicon: Lexicon) -> str:
    changed = True
    while changed and clause:
        changed = False
        for particle in lexicon.particles:
            if clause.endswith(particle) and len(clause) > len(particle):
                clause, changed = clause[: -len(particle)].rstrip(), True
    return clause


def _figures(clause: str, fixed_terms: Sequence[str] = ()) -> str:
    """Counts and measures in Arabic figures ("二十多分钟" → "20多分钟"), the same value and unit.

    "一" alone stays a word ("一名党员" as an article), as do figures inside fixed terms."""
    norm = blank_terms(clause.translate(FULLWIDTH_TO_ASCII), fixed_terms)
    out, last = [], 0
    for mention in scan(norm):
        if mention.kind == "date" and isinstance(mention.value, str) and mention.value != norm[mention.start:mention.end]:
            # "7月1号到7月20号" → "7月1日至7月20日", "二〇二五年三月" → "2025年3月"
            out.append(clause[last:mention.start] + mention.value)
            last = mention.end
            continue
        if (mention.kind != "quantity" or not isinstance(mention.value, Decimal) or mention.lone_one
                or (not mention.unit and mention.chinese)
                or (mention.chinese and clause[:mention.start].endswith(("这", "那", "此")))):
            continue  # "这两个方面" counts ways of looking, not things: it stays in words
        original = clause[mention.start:mention.end]
        approx = mention.approx
        written = display(mention.value, mention.multiplier + mention.unit, approx)
        if clause[:mention.start].endswith(("约", "大约", "约有")) and approx in ("左右", "上下", "来"):
            written = display(mention.value, mention.multiplier + mention.unit, "")
        if written != original:
            out.append(clause[last:mention.start])
            out.append(written)
            last = mention.end
    out.append(clause[last:])
    return "".join(out)
