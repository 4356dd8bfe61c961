# shebao — the commands a newcomer needs. `make run` and `make test` are all you need to start.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv venv-dev migrate demo serve worker lint format check-migrations ci clean

## run: install, migrate the embedded SQLite database, load demo data and serve http://127.0.0.1:8000
run: venv
	$(PY) manage.py migrate --noinput
	SHEBAO_DEMO=1 $(PY) manage.py demo_load
	SHEBAO_DEMO=1 HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

## test: install the test dependencies and run the whole suite in parallel (one worker per core;
## SQLite unless DATABASE_URL is set; TEST_WORKERS=0 runs it in one process)
TEST_WORKERS ?= auto
test: venv-dev
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

venv: $(VENV)/.runtime-installed
venv-dev: $(VENV)/.dev-installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

## migrate: apply database migrations
migrate: venv
	$(PY) manage.py migrate --noinput

## demo: (re)load reference data, the catalogue, policy parameters and demo data
demo: migrate
	SHEBAO_DEMO=1 $(PY) manage.py demo_load

## serve: the web server and the task worker, without reloading demo data
serve: venv
	HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

## worker: only the task worker (database backend; see README for RQ)
worker: venv
	$(PY) manage.py db_worker --queue-name '*'

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: venv-dev
	$(PY) manage.py makemigrations --check --dry-run

## ci: what CI runs (needs PostgreSQL on 127.0.0.1 and chromium)
ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
