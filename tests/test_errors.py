"""The error tree drawn in bot/errors.py is the one the code defines: every error of ours is in
it, under its real parent and in its real module, so a reader can trust the drawing."""

from __future__ import annotations

import importlib
import pkgutil
import re

import bot
from bot import errors
from bot.errors import DrafterError

TREE_LINE = re.compile(r"^    (?P<indent>(?:[│ ]   |[├└]── )*)(?P<name>\w+)\s+(?P<module>bot[\w.]*)?")


def drawn_tree() -> dict[str, tuple[str | None, str | None]]:
    """name → (parent, module) as the docstring draws them: the block that opens with DrafterError."""
    assert errors.__doc__ is not None
    lines = errors.__doc__.splitlines()
    block = lines[lines.index("    DrafterError"):]
    block = block[:block.index("")]
    drawn: dict[str, tuple[str | None, str | None]] = {}
    parents: list[str] = []
    for line in block:
        found = TREE_LINE.match(line + " ")
        assert found, f"not a line of the tree: {line!r}"
        depth = len(found["indent"]) // 4
        del parents[depth:]
        drawn[found["name"]] = (parents[-1] if parents else None, found["module"])
        parents.append(found["name"])
    return drawn


def defined_errors() -> list[type[DrafterError]]:
    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        if module.name != "bot.__main__":  # that one runs the CLI
            importlib.import_module(module.name)
    found: list[type[DrafterError]] = []
    pending: list[type[DrafterError]] = [DrafterError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_is_drawn_under_its_parent_with_its_module() -> None:
    drawn = drawn_tree()
    defined = defined_errors()
    assert len(defined) >= 18
    for cls in defined:
        assert cls.__name__ in drawn, f"{cls.__name__} ({cls.__module__}) is missing from bot/errors.py"
        parent, module = drawn[cls.__name__]
        if cls is DrafterError:
            assert parent is None
            continue
        bases = [b.__name__ for b in cls.__bases__ if issubclass(b, DrafterError)]
        assert bases == [parent], f"{cls.__name__} derives from {bases}, the drawing says {parent}"
        assert module == cls.__module__, f"{cls.__name__} lives in {cls.__module__}, the drawing says {module}"
    assert set(drawn) == {cls.__name__ for cls in defined}, "the drawing names an error the code does not define"


def test_a_full_disk_is_both_ours_and_an_os_error() -> None:
    from pathlib import Path

    from bot.sqlite import DiskFull

    err = DiskFull(Path("/data/drafts.sqlite3"))
    assert isinstance(err, DrafterError) and isinstance(err, OSError)
    assert err.errno == 28 and err.filename == "/data/drafts.sqlite3"
