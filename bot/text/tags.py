"""Passage metadata from text: topics, document kind, placeholders, sensitive content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROMPTS_DIR

DOC_KINDS = ("年度总结", "半年总结", "专项总结", "工作计划", "调研报告", "其他")


@dataclass(frozen=True)
class Topic:
    name: str
    keywords: tuple[str, ...]


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = PROMPTS_DIR / "taxonomy.yaml") -> tuple[Topic, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Topic(t["name"], tuple(str(k) for k in t["keywords"])) for t in data["topics"])


def topic_names() -> tuple[str, ...]:
    return tuple(t.name for t in load_taxonomy())


def tag_topics(text: str, section: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Topics whose keywords appear in the headings, or at least twice in the text."""
    heading = " ".join(section)
    found: list[str] = []
    for topic in load_taxonomy():
        in_heading = any(k in heading for k in topic.keywords)
        hits = sum(text.count(k) for k in topic.keywords)
        if in_heading or hits >= 2:
            found.append(topic.name)
    return tuple(found)


def detect_kind(title: str, opening: str) -> str:
    """Document kind from its title, then its opening paragraph."""
    t = title
    if re.search(r"调研|调查报告|考察", t):
        return "调研报告"
    if re.search(r"计划|打算|思路|要点", t):
        return "工作计划"
    if re.search(r"上半年|半年|下半年", t) and "总结" in t:
        return "半年总结"
    if re.search(r"专项|党建工作总结|救助|低保|禁毒|养老|就业|文明创建|远程教育", t) and "总结" in t:
        return "专项总结"
    if re.search(r"年.{0,6}工作总结|年度", t):
        return "年度总结"
    head = opening[:300]
    if re.search(r"调研|走访.{0,10}座谈|现将调研", head):
        return "调研报告"
    if re.search(r"特制定|工作思路|工作计划|工作要点", head):
        return "工作计划"
    if "总结" in t or re.search(r"全年|今年以来|一年来", head):
        return "年度总结"
    return "其他"


# Placeholders left by anonymised samples; the bot must ask for these, never copy them.
PLACEHOLDER_RE = re.compile(r"20[xX_]{1,2}年?|201[xX]|[xX]{2,}|_{2,}|\*{1,3}(?=[\u4e00-\u9fff])|(?<![A-Za-z])[xX](?=[区市县镇街社])")


def find_placeholders(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group() for m in PLACEHOLDER_RE.finditer(text)))


# Surveillance of people, religion and 维稳 work are never offered as example phrasing.
_SURVEILLANCE = re.compile(r"监控|邪教|法轮|习练者|上访|维稳|反恐|宗教|稳控|管控")
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# "居民董风江进京上访", "习练者孟凡玲进行了密切监控", "为居民王德印等解决……"
_NAMED_PERSON = re.compile(r"(?:居民|村民|群众|习练者|人员|户主|对象|老人)(([\u4e00-\u9fff])[\u4e00-\u9fff]{1,2}?)"
                           r"(?=进京|进行|等|的|，|。|、|同志|上访)")


def find_private_names(text: str) -> list[str]:
    return [m.group(1) for m in _NAMED_PERSON.finditer(text) if m.group(2) in _SURNAMES]


def sensitivity(text: str) -> str:
    """Why a passage must not serve as example phrasing ("" when it may)."""
    if not _SURVEILLANCE.search(text):
        return ""
    if find_private_names(text):
        return "点名的个人与监控/上访/邪教等内容"
    if re.search(r"宗教|维稳|反恐|邪教|法轮", text):
        return "宗教、维稳类内容"
    return ""


def mask_private_names(text: str) -> str:
    """Replace named private persons in sensitive contexts with ×××."""
    for name in find_private_names(text):
        text = text.replace(name, "×××")
    return text
