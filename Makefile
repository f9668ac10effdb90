# One command runs the pipeline on the embedded default, one runs the tests; each does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Nothing waits on the network: no telemetry from dbt, Dagster or GX.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DBT_PROFILES_DIR := $(CURDIR)
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: help venv run test dev generate load bench clean

help:
	@echo "make run    - build everything on the demo (or your) landing data through Dagster, check and publish"
	@echo "make test   - the whole test suite"
	@echo "make dev    - the Dagster UI on http://127.0.0.1:3000"
	@echo "make bench  - benchmarks (20,000 accounts x 400 days)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@echo "==> creating $(VENV) and installing pinned dependencies"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@$(PY) -m orchestration.cli run

test: $(STAMP)
	@$(PY) -m pytest

dev: $(STAMP)
	@$(PY) -m orchestration.cli dev

generate: $(STAMP)
	@$(PY) -m orchestration.synthetic --out $${CS_LANDING_DIR:-data/landing}

load: $(STAMP)
	@$(PY) -m orchestration.loader

bench: $(STAMP)
	@$(PY) bench/run.py

clean:
	rm -rf target logs data
