# PARS Analytics. A fresh machine needs two commands: `make demo` and `make test`.
# demo: generate a national export (3 years), load it, build and publish the marts, make the research releases,
# render the reports, show Table 1, then serve the dashboards with demo users (printed).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PARS := $(BIN)/pars
DEMO := data/demo
DEMO_SCALE ?= 0.02
DEMO_YEARS ?= 2021-2023
DEMO_LAST_YEAR = $(lastword $(subst -, ,$(DEMO_YEARS)))

.PHONY: setup sysdeps demo demo-serve test lint format bench clean

setup: $(VENV)/.synced sysdeps

# Debian packages: chromium (browser tests), poppler-utils (PDF text checks), Pango/HarfBuzz/DejaVu (WeasyPrint).
SYSPKGS := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
sysdeps:
	@missing=$$(for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# uv installs the locked environment (uv.lock); it comes from PyPI itself when missing.
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv sync --frozen
	@touch $@

demo: setup
	rm -rf $(DEMO)
	$(PARS) synth --scale $(DEMO_SCALE) --years $(DEMO_YEARS) --seed 1 --out $(DEMO)/export
	$(PARS) load $(DEMO)/export --db $(DEMO)/warehouse.duckdb --report $(DEMO)/load.json
	$(PARS) build --db $(DEMO)/warehouse.duckdb
	for profile in activities learners tables; do \
	  $(PARS) release $$profile --db $(DEMO)/warehouse.duckdb --out $(DEMO)/releases/$$profile \
	    --secret-file $(DEMO)/secrets/$$profile.key || exit 1; \
	done
	$(PARS) report annual --year $(DEMO_LAST_YEAR) --db $(DEMO)/warehouse.duckdb --out $(DEMO)/reports
	$(PARS) report moc --year $(DEMO_LAST_YEAR) --db $(DEMO)/warehouse.duckdb --out $(DEMO)/reports
	$(PARS) report rems --year $(DEMO_LAST_YEAR) --db $(DEMO)/warehouse.duckdb --out $(DEMO)/reports
	$(PARS) report review --all --workers 2 --db $(DEMO)/warehouse.duckdb --out $(DEMO)/reports/review
	$(BIN)/python -c "import duckdb; c = duckdb.connect('$(DEMO)/warehouse.duckdb', read_only=True); \
	  c.sql(\"select report_year, accreditor_group, providers_accredited as accredited, providers_reporting as reporting, activities, physician_interactions as physician, other_learner_interactions as other_learners, commercial_support_income, total_income from annual_report.enterprise_size order by all\").show(max_width=200)"
	$(MAKE) --no-print-directory demo-serve

# The dashboards on the demo warehouse (last step of `make demo`; runs in the foreground, Ctrl-C stops it).
DEMO_PORT ?= 8501
demo-serve:
	@mkdir -p $(DEMO)/releases
	$(BIN)/python -m dashboards.demo_users --users $(DEMO)/users.json --out $(DEMO)/users-demo.txt
	$(PARS) serve --db $(DEMO)/warehouse.duckdb --releases $(DEMO)/releases --users $(DEMO)/users.json \
	  --audit-log $(DEMO)/audit.jsonl --port $(DEMO_PORT)

test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=20

# Python: ruff (lint and format); SQL (dbt models, macros, data tests): sqlfmt. `make format` rewrites both.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfmt --check --quiet .

format: setup
	$(BIN)/ruff format .
	$(BIN)/sqlfmt --quiet .

bench: setup
	$(BIN)/python -m benchmarks.run --scales 0.1 1

clean:
	rm -rf data target logs .pytest_cache
