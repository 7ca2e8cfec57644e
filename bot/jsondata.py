"""Stored JSON (and YAML) as the code reads it back: ``json.loads`` gives values of any type, so
an object read from a file or a database is a ``JsonObject`` until ``from_json`` makes it a
dataclass again. Written objects stay ``dict[str, object]``."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
