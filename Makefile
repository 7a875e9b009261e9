# livecommerce — `make run` serves the demo, `make test` proves it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := en ru kk ky uz_Latn ug zh_Hans

.PHONY: run cluster test lint services i18n docs samples screenshots bench bench-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## make run: install, create var/livecommerce.db, seed the demo world on first start, serve on :8080
run: $(STAMP)
	$(BIN)/livecommerce serve

## make cluster: two serve processes sharing this machine's PostgreSQL and Redis (scripts/cluster)
CLUSTER_PORTS ?= 8081 8082
CLUSTER_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/livecommerce_cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/0
CLUSTER_DATA_DIR ?= var/cluster
cluster: $(STAMP)
	@$(BIN)/python scripts/cluster --ports '$(CLUSTER_PORTS)' --database-url '$(CLUSTER_DATABASE_URL)' \
	  --redis-url '$(CLUSTER_REDIS_URL)' --data-dir '$(CLUSTER_DATA_DIR)'

## make test: install, make sure PostgreSQL, Redis and Chromium are there, then lint (ruff, mypy, import contracts) and test
test: $(STAMP) services bench-deps lint
	$(BIN)/livecommerce i18n check
	$(BIN)/pytest

services:
	@scripts/services

## make screenshots: the pages in Uyghur and Chinese at 1280×800, into docs/screenshots/ (Debian's chromium)
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots

## make samples: write the sample schedule in schedules/ anew from `plan --write` (a test keeps it so)
samples: $(STAMP)
	WRITE_SAMPLES=1 $(BIN)/pytest -q -p no:cacheprovider tests/cli/test_sample_schedule.py

lint: $(STAMP)
	$(BIN)/ruff check livecommerce tests $(wildcard bench)
	$(BIN)/ruff format --check livecommerce tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports

## make i18n: extract messages and update every catalog
i18n: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k N_ -o translations/messages.pot livecommerce
	@for l in $(LOCALES); do \
	  if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations -l $$l; \
	  else \
	    $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$l; \
	  fi; \
	done

## make docs: regenerate docs/configuration.md from the settings table
docs: $(STAMP)
	$(BIN)/livecommerce config docs > docs/configuration.md

## make bench-deps: the Node.js reference relay's `ws` package (bench/package-lock.json), for bench/relay.py and its test; without npm it says so (the test then skips, and fails under CI=true)
bench-deps:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix bench --no-audit --no-fund --loglevel=error; \
	else echo "bench-deps: npm is not installed: the Node.js reference relay's test cannot run"; fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
