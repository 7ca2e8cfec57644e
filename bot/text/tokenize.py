"""Tokenisers for Chinese BM25: jieba words (with a domain dictionary) and character bigrams."""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from pathlib import Path

import jieba
import yaml

from bot.config import PROMPTS_DIR
from bot.text.normalize import match_key

jieba.setLogLevel(logging.WARNING)

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+|\d+(?:\.\d+)?")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def jieba_tokenizer() -> jieba.Tokenizer:
    """jieba with the domain dictionary. Its cache (the parsed dictionary, ~1 s saved a start)
    lives under the data directory, not in the TMPDIR other users share."""
    tok = jieba.Tokenizer()
    tok.cache_file = str(_cache_dir() / "jieba.cache")
    tok.initialize()
    tok.load_userdict(str(PROMPTS_DIR / "userdict.txt"))
    return tok


def _cache_dir() -> Path:
    from bot.config import Settings

    try:
        data_dir = Settings().data_dir
    except Exception:  # noqa: BLE001 - a settings typo is reported where the process reads its settings, not here
        data_dir = Path("data")
    folder = data_dir.resolve() / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = (PROMPTS_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def synonyms(path: Path = PROMPTS_DIR / "synonyms.yaml") -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(v) for v in vs) for k, vs in data.items()}


def prepare(text: str) -> str:
    """Query and passage text go through the same normalisation before tokenising."""
    return match_key(text).replace('"', " ")


def words(text: str) -> list[str]:
    """jieba words, punctuation and single non-Han characters dropped."""
    return words_of_prepared(prepare(text))


def words_of_prepared(key: str) -> list[str]:
    """``words`` of a text already passed through ``prepare``."""
    stop = stopwords()
    out: list[str] = []
    for tok in jieba_tokenizer().lcut(key):
        tok = tok.strip()
        if not tok or tok in stop:
            continue
        if len(tok) == 1 and not _HAN.match(tok) and not tok.isdigit():
            continue
        out.append(tok)
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping Han bigrams within runs, plus whole Latin words and numbers."""
    return bigrams_of_prepared(prepare(text))


def bigrams_of_prepared(key: str) -> list[str]:
    """``bigrams`` of a text already passed through ``prepare``."""
    out: list[str] = []
    for run in _HAN_RUN.findall(key):
        if _HAN.match(run):
            if len(run) == 1:
                out.append(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run.lower())
    return out


def expansions(base: list[str]) -> list[str]:
    """Synonym-table words for the query's own words (whole tokens: 调研报告 is not 调研)."""
    table = synonyms()
    out: list[str] = []
    for tok in base:
        for v in table.get(tok, ()):
            if v not in base and v not in out:
                out.append(v)
    return out


def query_words(query: str) -> tuple[list[str], list[str]]:
    """The query's words, and the expansions that should count for less."""
    base = list(dict.fromkeys(words(query)))
    return base, expansions(base)


def query_bigrams(query: str) -> tuple[list[str], list[str]]:
    """Bigrams of the query with stop-phrases removed, and bigrams of its expansions."""
    stripped = prepare(query)
    for stop in sorted((s for s in stopwords() if len(s) > 1), key=len, reverse=True):
        stripped = stripped.replace(stop, " ")
    grams = list(dict.fromkeys(bigrams(stripped)))
    extra: list[str] = []
    for v in expansions(list(dict.fromkeys(words(query)))):
        extra.extend(g for g in bigrams(v) if g not in grams and g not in extra)
    return grams, extra


# Separator of the tokens a worker process sends back joined in one string (one string per
# passage pickles far faster than hundreds of small ones). ``prepare`` removes all whitespace,
# \x1f included, so no token can contain it.
TOKEN_SEP = "\x1f"


def passage_tokens(texts: list[str]) -> tuple[list[str], list[str], dict[str, float]]:
    """Each text's words and bigrams, each list joined by ``TOKEN_SEP``, and the CPU seconds
    spent normalising, in jieba and in bigrams (the worker of parallel indexing)."""
    words_out: list[str] = []
    grams_out: list[str] = []
    cpu = {"normalise": 0.0, "jieba": 0.0, "bigrams": 0.0}
    for text in texts:
        t0 = time.process_time()
        key = prepare(text)
        t1 = time.process_time()
        words_out.append(TOKEN_SEP.join(words_of_prepared(key)))
        t2 = time.process_time()
        grams_out.append(TOKEN_SEP.join(bigrams_of_prepared(key)))
        t3 = time.process_time()
        cpu["normalise"] += t1 - t0
        cpu["jieba"] += t2 - t1
        cpu["bigrams"] += t3 - t2
    return words_out, grams_out, cpu


def segment(text: str) -> list[str]:
    """jieba's words of ``text`` as written (nothing normalised or dropped): ``"".join`` gives it back."""
    words: list[str] = jieba_tokenizer().lcut(text)
    return words
