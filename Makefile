# PARS Analytics. A fresh machine needs two commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PARS := $(BIN)/pars
DEMO := data/demo
DEMO_SCALE ?= 0.02
DEMO_YEARS ?= 2021-2023

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.synced

# uv installs the locked environment (uv.lock); it comes from PyPI itself when missing.
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv sync --frozen
	@touch $@

demo: setup
	rm -rf $(DEMO)
	$(PARS) synth --scale $(DEMO_SCALE) --years $(DEMO_YEARS) --seed 1 --out $(DEMO)/export
	$(PARS) load $(DEMO)/export --db $(DEMO)/warehouse.duckdb --report $(DEMO)/load.json

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: setup
	$(BIN)/python benchmarks/run.py --scales 0.1 1

clean:
	rm -rf data target logs .pytest_cache
