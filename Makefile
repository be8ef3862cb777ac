PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=true

# axe-core for the browser tests' accessibility checks (tests/browser/test_every_page.py reads this pin).
AXE_CORE_VERSION := 4.10.3
AXE := var/axe/node_modules/axe-core/axe.min.js

.PHONY: help install install-dev run test test-postgres lint fmt bench axe

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt requirements-bench.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime ## Create .venv and install the runtime requirements

install-dev: $(VENV)/.dev ## Create .venv and install the development requirements

run: install ## Install, migrate and serve the portal on http://127.0.0.1:8000 (SQLite)
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

$(AXE): Makefile
	npm install --no-save --no-audit --no-fund --prefix var/axe axe-core@$(AXE_CORE_VERSION)
	touch $@

axe: $(AXE) ## Install the pinned axe-core from the npm registry into var/axe (the browser tests inject it)

test: install-dev $(AXE) ## Install the dev requirements and axe-core, and run the whole suite (SQLite unless DATABASE_URL is set)
	$(BIN)/pytest

bench: install-dev ## Benchmark bearer auth, the token endpoint and the peer packages with wrk (docs/performance.md)
	$(BIN)/python bench/run.py

lint: install-dev ## ruff check and format check, mypy on the app code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy

fmt: install-dev ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
