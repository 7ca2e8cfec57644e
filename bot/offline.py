"""The process environment for working offline, set once where a process starts (``drafter``,
``python -m benchmarks``, the tests), never as a side effect of importing a module."""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENV = {
    # No model hub is reachable: without these, loading a model by hub name hangs ~80 s first.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def set_offline_environment() -> None:
    """Fill in the offline settings the operator has not set themselves."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


def keep_caches_under(data_dir: Path) -> None:
    """Caches our libraries would leave in the TMPDIR other users share go under the data
    directory (jieba's is placed by ``bot.text.tokenize``; torch creates its inductor folder on
    import)."""
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(data_dir.resolve() / "cache" / "torchinductor"))
