"""Names of places, organisations and people in a text, as far as a word segmenter can tell.

The guard asks one question of a model's answer: does it name a community, street, estate,
organisation or person the staff member never mentioned? Two signals, both cheap:

- a place or organisation word (社区, 街道, 小区, 花园, 村, 镇, 苑, 公司 …) with a noun-like word
  before it (金桥社区, 东湖街道), unless that word is generic (`prompts/llm/generic_names.txt`:
  文明社区, 老旧小区) or a verb (服务社区, 走进小区);
- a word jieba tags as a person's name next to a title (张明同志, 王主任, 刘阿姨).

The guard adds a third: any such name found in an example passage and repeated in the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba
import jieba.posseg

__all__ = ["names_in"]

jieba.setLogLevel(logging.WARNING)

PLACE_SUFFIXES = (
    "社区", "街道", "小区", "花园", "家园", "新村", "苑", "村", "镇", "乡", "居委会", "办事处", "公寓", "大厦",
    "公司", "协会", "商会", "医院", "学校", "小学", "中学", "幼儿园", "服务队", "志愿队",
)
TITLES = ("同志", "书记", "主任", "副主任", "委员", "网格员", "老人", "大爷", "大妈", "阿姨", "奶奶", "爷爷",
          "先生", "女士", "老师", "师傅", "老党员")
# POS flags of words that are not part of a name: verbs, prepositions, pronouns, conjunctions,
# particles, numerals, measure words, locatives, adverbs, punctuation.
_NOT_A_NAME = re.compile(r"^(?:v|p|r|c|u|m|q|f|d|x|w|y|e|o|t|k|h)")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def names_in(text: str, generic: Iterable[str]) -> list[str]:
    """Place, organisation and person names in `text`, in order, each once."""
    generic_words = frozenset(generic)
    words = [(w.word, w.flag) for w in jieba.posseg.cut(text)]
    found: list[str] = []
    for index in range(len(words)):
        name = _place_name(words, index, generic_words) or _person_name(words, index, generic_words)
        if name and name not in found:
            found.append(name)
    return found


def _place_name(words: list[tuple[str, str]], index: int, generic: frozenset[str]) -> str:
    word, _ = words[index]
    suffix = next((s for s in PLACE_SUFFIXES if word.endswith(s)), "")
    if not suffix:
        return ""
    if word != suffix:
        # One word carrying its own suffix: 和谐社区, 翠苑. Its head is the name part.
        head = word[: -len(suffix)]
        before = words[index - 1][0] if index else ""
        if not _HAN.match(head) or _is_generic(head, generic) or _is_generic(before + head, generic):
            return ""  # 老 + 旧小区: jieba cut 老旧小区 there
        return word
    if index == 0:
        return ""
    previous, flag = words[index - 1]
    two_before = words[index - 2][0] + previous if index >= 2 else previous
    if not _HAN.match(previous) or _NOT_A_NAME.match(flag) or _is_generic(previous, generic) \
            or _is_generic(two_before, generic):
        return ""
    if previous.endswith(PLACE_SUFFIXES):
        return ""  # 社区党委, 街道社区: an administrative chain, each part judged on its own
    return previous + word


def _person_name(words: list[tuple[str, str]], index: int, generic: frozenset[str]) -> str:
    word, flag = words[index]
    if not flag.startswith("nr") or not _HAN.match(word) or _is_generic(word, generic):
        return ""
    for title in TITLES:
        if word.endswith(title) and len(word) > len(title):
            return word  # 刘阿姨
    neighbours = [words[i][0] for i in (index - 1, index + 1) if 0 <= i < len(words)]
    if any(n.endswith(TITLES) for n in neighbours) and len(word) >= 2:
        return word
    return ""


def _is_generic(word: str, generic: frozenset[str]) -> bool:
    return word in generic or any(word.endswith(g) and len(g) >= 2 for g in generic)
