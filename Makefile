# The commands people type. `make run` and `make test` work on a fresh machine with only the OS
# and Python: they install uv, the Python packages from uv.lock and the npm packages from
# package-lock.json (and, for tests, Debian's Chromium) before doing anything else.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := $(UV) run --frozen
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends
DEMO_ACCOUNTS ?= 1000
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kabinet
PYTEST_WORKERS ?= 2

.PHONY: help run test test-sqlite test-postgres lint fmt bench deps deps-test demo clean

help:
	@echo "make run    install, migrate SQLite, load the demo utility, serve http://$(HOST):$(PORT)"
	@echo "make test   install what tests need and run the suite on SQLite and PostgreSQL"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make fmt    ruff format and ruff check --fix"
	@echo "make bench  benchmarks (need PostgreSQL at 127.0.0.1:5432)"

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

node_modules/.package-lock.json: package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

deps: .venv/.synced node_modules/.package-lock.json

deps-test: deps
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }
	@command -v zbarimg >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) zbar-tools; }

demo: deps
	DEBUG=1 $(PY) python manage.py migrate --no-input -v0
	DEBUG=1 $(PY) python manage.py seed_demo --accounts $(DEMO_ACCOUNTS) --if-empty

run: demo
	DEBUG=1 $(PY) python manage.py demo_logins
	DEBUG=1 $(PY) python manage.py runserver $(HOST):$(PORT)

test: deps-test test-sqlite test-postgres

test-sqlite: deps-test
	@echo "== test suite on SQLite =="
	DATABASE_URL= $(PY) pytest -n $(PYTEST_WORKERS) -q

# PostgreSQL leg: required in CI (CI=true); elsewhere skipped with a notice when no server answers.
test-postgres: deps-test
	@if $(PY) python -c "import psycopg; from psycopg.conninfo import make_conninfo; psycopg.connect(make_conninfo('$(TEST_DATABASE_URL)', dbname='postgres'), connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suite on PostgreSQL =="; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(PY) pytest -n $(PYTEST_WORKERS) -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) does not answer; CI needs it" >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL leg skipped =="; \
	fi

lint: deps
	$(PY) ruff check .
	$(PY) ruff format --check .
	DEBUG=1 $(PY) mypy kabinet tests bench

fmt: deps
	$(PY) ruff format .
	$(PY) ruff check --fix .

bench: deps
	$(PY) python bench/import_billing.py

clean:
	rm -rf var/kabinet.sqlite3* var/huey.sqlite3* var/static var/imports var/exports
