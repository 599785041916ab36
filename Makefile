# Two commands do everything from a fresh machine with Python 3.11 and the package registries:
#   make run   — set up, generate the Samarinda demo data if landing is empty, run the pipeline, publish
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

DBT_INPUTS := $(shell find dbt/models dbt/macros dbt/tests dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml

.PHONY: setup run test lint dev app docs demo clean
setup: $(VENV)/.installed dbt/target/manifest.json $(DAGSTER_HOME)/dagster.yaml

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

dbt/target/manifest.json: $(VENV)/.installed $(DBT_INPUTS)
	cd dbt && ../$(BIN)/dbt parse --quiet --profiles-dir .

# Written by runtime.py (DAGSTER_YAML), the same file `apbd run` and the tests create.
$(DAGSTER_HOME)/dagster.yaml: dagster_project/runtime.py $(VENV)/.installed
	$(BIN)/python -c 'import os, pathlib; from dagster_project.runtime import ensure_dagster_home as e; e(pathlib.Path(os.environ["DAGSTER_HOME"]), overwrite=True)'

run: setup
	$(BIN)/apbd run

demo: setup
	$(BIN)/apbd demo

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/sqlfluff lint dbt

# The UI on 127.0.0.1 only; `make dev DEV_PORT=3100` for another port. Stop it with Ctrl-C (or,
# started from a script, SIGINT to its own PID: see tests/test_webserver.py).
DEV_PORT ?= 3000
dev: setup
	$(BIN)/dg dev --host 127.0.0.1 --port $(DEV_PORT)

clean:
	rm -rf data .dagster_home dbt/target dbt/logs
