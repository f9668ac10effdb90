# One command runs the pipeline on the embedded default, one runs the tests; each does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Spark lives in its own venv: pyspark breaks the Great Expectations imports of .venv.
SPARK_VENV := .venv-spark
SPARK_PY := $(SPARK_VENV)/bin/python
SPARK_STAMP := $(SPARK_VENV)/.installed
# apt-get as root, else through sudo (CI runs as root)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)

# Nothing waits on the network: no telemetry from dbt, Dagster or GX.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DBT_PROFILES_DIR := $(CURDIR)
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: help venv run demo test dev generate load bench bench-quality lint clean postgres-server chromium java test-spark

help:
	@echo "make run    - build everything on the demo (or your) landing data through Dagster, check and publish"
	@echo "make demo   - the same, generating the demo dataset into the landing folder when it holds no file"
	@echo "make test   - the whole test suite"
	@echo "make dev    - the Dagster UI on http://127.0.0.1:3000"
	@echo "make bench  - benchmarks (20,000 accounts x 400 days)"
	@echo "make bench-quality - backtest of the segments on three generated datasets (after changing a rule)"
	@echo "make lint   - SQL style of models/ and macros/ (sqlfluff, .sqlfluff); Python too when ruff is installed"
	@echo "make test-spark - the project on a local Spark session (its own venv, Java 17)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@echo "==> creating $(VENV) and installing pinned dependencies"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP)

# ARGS: e.g. ARGS="--start 2026-01-01 --end 2026-01-31" (a backfill in one run), "--full-refresh",
# "--verbose" (Dagster's and dbt's own lines too), "--quiet", "--wait" (for a refresh already running).
run: $(STAMP)
	@$(PY) -m orchestration.cli run $(ARGS)

demo: $(STAMP)
	@$(PY) -m orchestration.cli run --demo $(ARGS)

# Test files run in parallel, one worker per core (TEST_WORKERS=0 runs them in this process).
TEST_WORKERS ?= auto
test: $(STAMP) postgres-server chromium
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# The report page's test renders it in headless Chromium: install Debian's package when missing.
chromium:
	@command -v chromium >/dev/null || { echo "==> installing Chromium (headless) for the report page's test"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# The tests start a throwaway PostgreSQL cluster (tests/pg_server.py): install the server when missing.
postgres-server: $(STAMP)
	@$(PY) tests/pg_server.py --install

java:
	@command -v java >/dev/null || { echo "==> installing Java 17 for Spark"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }

$(SPARK_STAMP): requirements-spark.txt constraints.txt
	@echo "==> creating $(SPARK_VENV) for Spark and installing its pinned dependencies"
	@test -x $(SPARK_PY) || $(PYTHON) -m venv $(SPARK_VENV)
	@$(SPARK_PY) -m pip install --quiet --upgrade pip
	@$(SPARK_PY) -m pip install --quiet -r requirements-spark.txt -c constraints.txt
	@touch $(SPARK_STAMP)

# dbt build --target spark on a small generated dataset, and the cross-engine macro cases on Spark.
test-spark: $(SPARK_STAMP) java
	@$(SPARK_PY) -m pytest tests/test_spark.py tests/test_cross_db_macros.py

dev: $(STAMP)
	@$(PY) -m orchestration.cli dev

generate: $(STAMP)
	@landing=$${CS_LANDING_DIR:-data/landing}; $(PY) -m demo_data --out $$landing --truth $$(dirname $$landing)/demo_truth \
		$(if $(CS_DEMO_SHAPE),--shape $(CS_DEMO_SHAPE))

load: $(STAMP)
	@$(PY) -m orchestration.loader

bench: $(STAMP)
	@$(PY) bench/run.py

# ARGS: e.g. ARGS="--datasets 7:2000x400" (the demo data only), "--reuse" (report on the last runs).
bench-quality: $(STAMP)
	@$(PY) bench/quality.py $(ARGS)

# sqlfluff compiles every model with dbt (.sqlfluff: an in-memory DuckDB, fixed as-of vars). ruff is
# not a dependency: Python is checked only where it is installed (in the venv or on the PATH).
RUFF = $(firstword $(wildcard $(VENV)/bin/ruff) $(shell command -v ruff 2>/dev/null))
lint: $(STAMP)
	@$(VENV)/bin/sqlfluff lint models macros
	@$(if $(RUFF),$(RUFF) check orchestration tests bench,echo "ruff is not installed: Python not linted")

clean:
	rm -rf target logs data
