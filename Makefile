# Zhiqiao: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench install clean help

# the install also compiles matching/_kernels.pyx into a C++ extension beside it (setup.py)
$(VENV)/.installed: pyproject.toml setup.py matching/_kernels.pyx
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## run: install, migrate, load the demo data, serve at http://$(HOST):$(PORT) and print the demo logins
run: install
	$(VENV)/bin/zhiqiao db upgrade
	$(VENV)/bin/zhiqiao demo
	$(VENV)/bin/zhiqiao serve --host $(HOST) --port $(PORT)

## test: the whole test suite (SQLite by default; PostgreSQL when ZHIQIAO_DATABASE_URL points at one)
test: install
	$(PY) -m pytest tests

## lint: ruff and mypy
lint: install
	$(VENV)/bin/ruff check service matching search tests
	$(VENV)/bin/ruff format --check service matching search tests
	$(VENV)/bin/mypy

## bench: speed and quality benchmarks, printed as tables (not part of `make test`)
bench: install
	$(PY) -m tests.benchmarks

## help: list these targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .hypothesis matching/_kernels.cpp matching/_kernels.*.so build
