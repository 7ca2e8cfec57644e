"""What ``pip install .`` (not ``-e``) gives an operator: a wheel that holds the product, its
prompts and its sample corpus, and none of our developer tools, and that works away from the
checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from setuptools import find_packages

from bot.offline import OFFLINE_ENV
from tests.conftest import ROOT

DATA_PACKAGES = {"bot.prompts": "prompts", "bot.corpus": "corpus"}
WHERE = """
import bot, bot.config as c
from bot.drafting.skeletons import validate
print(bot.__file__, c.PROMPTS_DIR, c.DEFAULT_CORPUS, sep="\\n")
print(validate())
"""


def setuptools_config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def data_files(folder: str) -> set[str]:
    """The data a folder holds, as paths in the wheel (``bot/prompts/kinds/…``)."""
    base = ROOT / folder
    package = next(p for p, f in DATA_PACKAGES.items() if f == folder).replace(".", "/")
    return {f"{package}/{p.relative_to(base).as_posix()}" for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_the_wheel_lists_every_package_of_the_product_and_maps_the_data_folders() -> None:
    config = setuptools_config()
    assert set(config["packages"]) == set(find_packages(str(ROOT), include=["bot", "bot.*"])) | set(DATA_PACKAGES)
    assert config["package-dir"] == DATA_PACKAGES


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel built from a copy of the checkout's sources, installed into a folder of its own
    as ``pip install`` does (console script included): (the wheel, the install folder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a copy: a build in the checkout would leave build/ and stale files there
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for folder in ("bot", *DATA_PACKAGES.values()):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp / "dist"
    built = subprocess.run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_wheel({str(out)!r})"],
                           cwd=source, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = out.glob("drafter-*.whl")
    site = tmp / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return wheel, site


def test_the_wheel_holds_the_product_its_prompts_and_corpus_and_no_developer_tools(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/")[0] for n in names}
    assert tops == {"bot", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}, tops
    for folder in DATA_PACKAGES.values():
        missing = data_files(folder) - names
        assert not missing, f"{folder}/ files the wheel does not ship (pyproject.toml package-data): {sorted(missing)}"


def test_an_installed_wheel_indexes_searches_and_drafts_from_its_own_data(installed: tuple[Path, Path],
                                                                            tmp_path: Path) -> None:
    _, site = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRAFTER_", "TELEGRAM_"))}
    env.update(OFFLINE_ENV, PYTHONPATH=str(site), DRAFTER_DATA_DIR=str(tmp_path / "data"))

    def drafter(*args: str, stdin: str = "") -> str:
        run = subprocess.run([str(site / "bin" / "drafter"), *args], cwd=tmp_path, env=env, input=stdin,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout

    # Its own files, not the checkout's, and every kind, question and template loads and compiles.
    where = subprocess.run([sys.executable, "-c", WHERE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr[-3000:]
    *paths, problems = where.stdout.splitlines()
    assert all(Path(p).is_relative_to(site) for p in paths), paths
    assert problems == "[]"
    assert "起草" in drafter("--help")
    drafter("index")  # the packaged sample corpus
    assert "来源" in drafter("search", "党建引领")
    assert "请选择要起草的文稿类型" in drafter("chat", stdin="/new\n/quit\n")
