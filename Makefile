# Two commands do everything from a fresh machine with Python 3.11 and the package registries:
#   make run   — set up, generate the Samarinda demo data if landing is empty, run the pipeline, publish
#                (a progress bar per stage and a short summary; full logs in data/logs/)
#   make test  — set up, then lint and run every test
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .cache/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export APBD_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export UV_PYTHON_DOWNLOADS := never
export MARIMO_SKIP_UPDATE_CHECK := 1
# Python keeps the bytecode of what it imports (in .venv and the repo's __pycache__/, git-ignored).
# Where the environment says not to (PYTHONDONTWRITEBYTECODE, common in containers), every process
# compiled dagster, dbt and great_expectations from source again: about 7 s of CPU each, and a
# test run starts dozens (`apbd`, dbt, sqlfluff, marimo).
unexport PYTHONDONTWRITEBYTECODE

APP_PORT ?= 2718
DOCS_PORT ?= 8080
DOCS_TARGET := target/docs
PUBLISHED := $(APBD_DATA_DIR)/published/apbd_mart.duckdb

DBT_INPUTS := $(shell find dbt/models dbt/macros dbt/tests dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml

.PHONY: setup run test test-fast lint dev app docs demo bench clean
setup: $(VENV)/.installed dbt/target/manifest.json $(DAGSTER_HOME)/dagster.yaml

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)
	@touch $@

# Parsed as `apbd run` parses (runtime.ensure_dbt_manifest: the same profile and build settings),
# so the first run's dbt reuses this parse (partial parsing) instead of parsing again.
dbt/target/manifest.json: $(VENV)/.installed $(DBT_INPUTS)
	$(BIN)/python -c 'from dagster_project.runtime import ensure_dbt_manifest as e; e(force=True)'
	@touch $@

# Written by runtime.py (DAGSTER_YAML), the same file `apbd run` and the tests create.
$(DAGSTER_HOME)/dagster.yaml: dagster_project/runtime.py $(VENV)/.installed
	$(BIN)/python -c 'import os, pathlib; from dagster_project.runtime import ensure_dagster_home as e; e(pathlib.Path(os.environ["DAGSTER_HOME"]), overwrite=True)'

run: setup
	$(BIN)/apbd run

demo: setup
	$(BIN)/apbd demo

# Every test, on both cores: one shared published demo, one test module per xdist work unit,
# the modules that run pipelines first (tests/conftest.py). While developing, `make test-fast`
# skips the tests that run the pipeline or dbt (marked slow).
PARALLEL := -n 2 --dist loadfile --no-loadscope-reorder
test: setup
	$(BIN)/pytest $(PARALLEL)

test-fast: setup
	$(BIN)/pytest $(PARALLEL) -m "not slow"

# The pipeline against data size (benchmarks/scale.py: seconds per stage, memory, the DuckDB-only
# limit, incremental, the planner's queries); writes benchmarks/results/scale.{json,md,png}.
# `make bench BENCH_ARGS="--scale 0.3 1 3 --baseline main"` for more sizes and a before/after,
# `make bench BENCH_ARGS="--pemda 1 10 --scale 0.1"` for many pemda (apbd demo --pemda N).
BENCH_ARGS ?= --scale 0.3 1
bench: setup
	$(BIN)/python benchmarks/scale.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/sqlfluff lint dbt

# The UI on 127.0.0.1 only; `make dev DEV_PORT=3100` for another port. Stop it with Ctrl-C (or,
# started from a script, SIGINT to its own PID: see tests/test_webserver.py).
DEV_PORT ?= 3000
dev: setup
	$(BIN)/dg dev --host 127.0.0.1 --port $(DEV_PORT)

# The planner app: a marimo notebook served read-only on 127.0.0.1 behind an Origin/Host check
# (lib/outputs/app_server.py; no token on loopback). `make app APP=keuangan` for the finance app.
APP ?= perencana
app: setup
	@test -f $(PUBLISHED) || { echo "Belum ada mart terbit: jalankan dulu 'make run'."; exit 1; }
	$(BIN)/apbd aplikasi $(APP) --host 127.0.0.1 --port $(APP_PORT)

# The data dictionary: dbt docs with every mart column described (Indonesian / English). The
# catalog (column types) is read from the published mart, read-only (profiles.yml target `docs`);
# static_index.html opens without a server too.
docs: setup
	@test -f $(PUBLISHED) || { echo "Belum ada mart terbit: jalankan dulu 'make run'."; exit 1; }
	cd dbt && ../$(BIN)/dbt docs generate --static --quiet --target docs --profiles-dir . --target-path $(DOCS_TARGET)
	@echo "Kamus data: dbt/$(DOCS_TARGET)/static_index.html (tanpa server) atau http://127.0.0.1:$(DOCS_PORT)"
	cd dbt && ../$(BIN)/dbt docs serve --target docs --profiles-dir . --target-path $(DOCS_TARGET) --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

clean:
	rm -rf data .dagster_home dbt/target dbt/logs
