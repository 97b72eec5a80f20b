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
MYPY_PATHS := kabinet tests $(wildcard bench)

# The Debian packages this invocation needs and the machine lacks, gathered into one list so that
# `apt-get update` runs at most once, and not at all when nothing is missing. Chromium (the e2e
# browser) and zbarimg (reads the bill QR back in tests) only matter to the test goals, Pango
# (WeasyPrint's text layout) only to the benchmarks.
TEST_GOALS := test test-sqlite test-postgres deps-test
APT_MISSING = \
	$(if $(wildcard $(UV)),,$(if $(shell python3 -m pip --version 2>/dev/null),,python3-pip)) \
	$(if $(shell command -v npm 2>/dev/null),,nodejs npm) \
	$(if $(filter $(TEST_GOALS),$(MAKECMDGOALS)), \
		$(if $(wildcard /usr/bin/chromium),,chromium) \
		$(if $(shell command -v zbarimg 2>/dev/null),,zbar-tools) \
		$(if $(shell command -v pdftoppm 2>/dev/null),,poppler-utils)) \
	$(if $(filter bench,$(MAKECMDGOALS)), \
		$(if $(shell /sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && echo found),, \
			libpango-1.0-0 libpangoft2-1.0-0))

.PHONY: help run test test-sqlite test-postgres lint fmt bench bench-load bench-faults deps deps-test system-packages demo clean

help:
	@echo "make run    install, migrate SQLite, load the demo utility, serve http://$(HOST):$(PORT)"
	@echo "make test   install what tests need and run the suite on SQLite and PostgreSQL"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make fmt    ruff format and ruff check --fix"
	@echo "make bench  benchmarks (need PostgreSQL at 127.0.0.1:5432)"
	@echo "make deps   install uv, the Python and npm packages (deps-test: also Chromium, zbar)"

system-packages:
	@missing="$(strip $(APT_MISSING))"; \
	if [ -n "$$missing" ]; then \
		echo "== installing Debian packages: $$missing =="; \
		$(SUDO) apt-get update -qq && $(APT_INSTALL) $$missing; \
	fi

# Debian 12's pip refuses --user installs without --break-system-packages (PEP 668), and inside a
# virtualenv --user is refused altogether; whichever way it lands, uv ends up at $(UV).
$(UV): | system-packages
	@echo "== installing uv with pip =="
	python3 -m pip install --quiet --user uv 2>/dev/null \
		|| python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
		|| python3 -m pip install --quiet uv
	@test -x $@ || { mkdir -p $(@D) && ln -sf "$$(python3 -c 'import uv; print(uv.find_uv_bin())')" $@; }

node_modules/.package-lock.json: package-lock.json | system-packages
	npm ci --no-audit --no-fund --loglevel=error

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

deps: system-packages .venv/.synced node_modules/.package-lock.json

deps-test: deps
	@test -x /usr/bin/chromium || { echo "/usr/bin/chromium is missing: the e2e tests need Debian's chromium" >&2; exit 1; }
	@command -v zbarimg >/dev/null || { echo "zbarimg is missing: install zbar-tools" >&2; exit 1; }

demo: deps
	DEBUG=1 $(PY) python manage.py migrate --no-input -v0
	DEBUG=1 $(PY) python manage.py seed_demo --accounts $(DEMO_ACCOUNTS) --if-empty

# The job consumer (SMS, e-mail, imports) runs beside the web server and stops with it.
# The demo's support line; a real portal sets SUPPORT_PHONE and SUPPORT_EMAIL in its environment.
run: export SUPPORT_PHONE ?= 8 800 300-00-00
run: export SUPPORT_EMAIL ?= support@kabinet.example
run: demo
	DEBUG=1 $(PY) python manage.py demo_logins
	@trap 'kill 0' EXIT; \
	DEBUG=1 $(PY) python manage.py run_huey --workers 2 --quiet & \
	DEBUG=1 $(PY) python manage.py runserver $(HOST):$(PORT)

test: deps-test test-sqlite test-postgres

# One leg of the suite: $(1) names it, $(2) is its DATABASE_URL. Prints how long it took. pytest's
# exit status 5 means it collected no tests (a wrong path, a conftest that swallowed everything):
# that is a failure, and it says so instead of leaving a bare "Error 5".
define pytest_leg
	@echo "== $(1) leg: test suite on $(2) =="
	@start=$$(date +%s); \
	DATABASE_URL='$(2)' $(PY) pytest -n $(PYTEST_WORKERS) -q; rc=$$?; \
	took=$$(( $$(date +%s) - start )); \
	if [ $$rc = 0 ]; then \
		echo "== $(1) leg passed in $${took}s =="; \
	elif [ $$rc = 5 ]; then \
		echo "== $(1) leg FAILED: pytest collected no tests (exit status 5) ==" >&2; \
	else \
		echo "== $(1) leg FAILED in $${took}s (pytest exit status $$rc) ==" >&2; \
	fi; \
	exit $$rc
endef

# In-memory SQLite: the leg never touches var/kabinet.sqlite3 or whatever DATABASE_URL .env sets.
test-sqlite: deps-test
	$(call pytest_leg,SQLite,sqlite://:memory:)

# PostgreSQL leg: required in CI (CI=true); elsewhere skipped with a notice when no server answers.
test-postgres: deps-test
	@if error=$$($(PY) python -c "import psycopg; from psycopg.conninfo import make_conninfo; psycopg.connect(make_conninfo('$(TEST_DATABASE_URL)', dbname='postgres'), connect_timeout=3).close()" 2>&1); then \
		$(MAKE) --no-print-directory _test-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) does not answer; CI needs it:" >&2; \
		echo "$$error" | tail -n 2 >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL leg skipped =="; \
	fi

.PHONY: _test-postgres
_test-postgres:
	$(call pytest_leg,PostgreSQL,$(TEST_DATABASE_URL))

lint: deps
	$(PY) ruff check .
	$(PY) ruff format --check .
	DEBUG=1 $(PY) mypy $(MYPY_PATHS)

fmt: deps
	$(PY) ruff format .
	$(PY) ruff check --fix .

# WeasyPrint (the bill PDF comparison) is in the "bench" dependency group, not in Kabinet's.
bench: deps
	$(PY) python bench/import_billing.py
	$(PY) --group bench python bench/bills_pdf.py
	$(PY) python bench/pages.py
	$(PY) python bench/readings.py
	$(PY) python bench/payments.py
	$(PY) python bench/notifications.py
	$(PY) python bench/ebills.py
	$(PY) python bench/summary.py

# The production topology (bench/topology.py) under load and under faults; QUICK= for the full
# 15-minute load and 5-minute provider outage.
QUICK ?= --quick
bench-load: deps
	$(PY) --group bench python bench/load.py $(QUICK)

bench-faults: deps
	$(PY) --group bench python bench/faults.py $(QUICK)

clean:
	rm -rf var/kabinet.sqlite3* var/huey.sqlite3* var/static var/imports var/exports
