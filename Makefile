# Two entry points for a fresh machine: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_PORT ?= 5432
REDIS_PORT ?= 6379

.PHONY: run test lint services browser node widget widget-check bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

## make run: install, migrate, load demo data and serve on http://127.0.0.1:8000
## with a Celery worker and beat on the embedded defaults, until Ctrl-C.
run: export DEBUG ?= true
run: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve

## Start the machine's PostgreSQL and Redis when they are installed but stopped.
services:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p $(PG_PORT); then \
	  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then \
	    echo "Starting PostgreSQL"; \
	    pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -1) main start || true; \
	    for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p $(PG_PORT) && break; sleep 1; done; \
	  fi; \
	fi
	@if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null 2>&1; then \
	  if command -v redis-server >/dev/null; then \
	    echo "Starting Redis"; \
	    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null; \
	    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port $(REDIS_PORT) --save "" --appendonly no \
	      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true; \
	    for i in $$(seq 10); do redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null 2>&1 && break; sleep 1; done; \
	  fi; \
	fi

## The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser:
	@if ! [ -x /usr/bin/chromium ]; then \
	  echo "Installing Chromium from the system packages"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; \
	fi

# The killed-worker test runs in a pytest of its own: after the rest of the suite in one process its
# task was twice never delivered to the worker it started (passes alone; cause not yet found).
CRASH_TEST := tests/callbackproject/test_worker_crash.py

## The code's shape, checked before the tests: imports go one way (pyproject.toml, ARCHITECTURE.md),
## ruff's lint and format, mypy with the Django and DRF stubs.
lint: $(VENV)/.installed-test
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check --no-cache .
	DEBUG=true $(VENV)/bin/mypy callbackproject callbacks queues rules reporting

## make widget: regenerate the widget's country table from phonenumbers and rebuild its scripts
## (callbacks/static/callback/) from the modules in callbacks/widget/src/ with the pinned esbuild.
## Needs Node.js and npm; `make run` does not, as the built scripts are committed.
widget: node node_modules/.installed $(VENV)/.installed-test
	DEBUG=true $(PY) manage.py widget_countries
	node callbacks/widget/build.mjs

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# What `make widget` writes, committed so a Python-only install needs no Node.
WIDGET_BUILT := callbacks/widget/src/countries.js callbacks/static/callback/widget.js \
	callbacks/static/callback/widget.min.js callbacks/static/callback/v1/widget.js callbacks/static/callback/v1/widget.min.js

## The widget's build and unit tests need Node.js and npm: from the system packages when missing.
node:
	@if ! command -v npm >/dev/null; then \
	  echo "Installing Node.js and npm from the system packages"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq nodejs npm >/dev/null; \
	fi

## The widget's unit tests, then a rebuild that must leave the committed scripts and country table as they are.
widget-check: $(VENV)/.installed-test node
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null && touch node_modules/.installed
	node --test --test-reporter=spec tests/widget/
	@$(MAKE) --no-print-directory widget >/dev/null
	@if ! git diff --exit-code --stat -- $(WIDGET_BUILT) || [ -n "$$(git status --porcelain -- $(WIDGET_BUILT))" ]; then \
	  echo "The committed widget build differs from its sources: run \`make widget\` and commit the result." >&2; \
	  exit 1; \
	fi

## make test: install with test extras, make sure PostgreSQL and Redis run, run the whole suite.
## The suite uses PostgreSQL whenever one is reachable (TEST_DATABASE_URL overrides).
test: $(VENV)/.installed-test lint widget-check services browser
	@if [ -n "$$TEST_DATABASE_URL" ]; then db="$$TEST_DATABASE_URL"; \
	elif command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p $(PG_PORT); then \
	  db="postgres://postgres@127.0.0.1:$(PG_PORT)/callbacks"; \
	elif [ "$$CI" = "true" ]; then echo "CI needs PostgreSQL and none is reachable on 127.0.0.1:$(PG_PORT)" >&2; exit 1; \
	else db="sqlite:///$(CURDIR)/var/test.sqlite3"; echo "PostgreSQL not reachable: testing on SQLite, concurrency tests skipped"; fi; \
	if [ -z "$$TEST_REDIS_URL" ] && redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping >/dev/null 2>&1; then \
	  TEST_REDIS_URL="redis://127.0.0.1:$(REDIS_PORT)/15"; fi; \
	echo "Test database: $${db%%\?*}  broker: $${TEST_REDIS_URL:-filesystem://}"; \
	DATABASE_URL="$$db" REDIS_URL="$${TEST_REDIS_URL:-}" CELERY_BROKER_URL="$${TEST_REDIS_URL:-filesystem://}" \
	  $(VENV)/bin/pytest $(PYTEST_ARGS) --ignore=$(CRASH_TEST) $(if $(PYTEST_ARGS),,&& \
	  DATABASE_URL="$$db" REDIS_URL="$${TEST_REDIS_URL:-}" CELERY_BROKER_URL="$${TEST_REDIS_URL:-filesystem://}" \
	    $(VENV)/bin/pytest $(CRASH_TEST))

# Every benchmark with targets (each ends in common.verdict), one after the other: never two at once.
BENCHES := $(filter-out bench/common.py,$(shell grep -lw verdict bench/*.py))
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/callbacks

## make bench: run every benchmark on PostgreSQL (each in its own database) and write bench/results.json;
## fails when any target is missed, after running them all. About 15 minutes on 2 cores.
bench: $(VENV)/.installed-test services
	@failed=""; for script in $(BENCHES); do \
	  echo "== $$script"; \
	  DATABASE_URL="$(BENCH_DATABASE_URL)" $(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "Missed a target:$$failed (bench/results.json)" >&2; exit 1; fi

clean:
	rm -rf $(VENV) var
