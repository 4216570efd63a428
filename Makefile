# Everything a fresh machine needs: `make run` serves Kring, `make test` runs all tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WEB := client/web
# CI runs as root; elsewhere system packages go through sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$$@"' apt

.PHONY: install run test test-tools redis-tools postgres-tools bench lint format clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || $(APT_INSTALL) python3-venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# the browser libraries (preact, msgpack, i18next; axe-core for the tests) come from npm and are
# served by Kring itself: no page loads anything from a CDN
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	command -v npm >/dev/null || $(APT_INSTALL) nodejs npm
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(WEB)/node_modules/.installed

run: install
	$(PY) -m server --host 127.0.0.1 --port 8000

# the tests start their own redis-server and PostgreSQL on free ports, and drive Debian's chromium
# through Playwright (never a downloaded browser)
test-tools: redis-tools postgres-tools
	command -v chromium >/dev/null || $(APT_INSTALL) chromium fonts-dejavu-core

test: install test-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

redis-tools:
	command -v redis-server >/dev/null || $(APT_INSTALL) redis-server

# the group tests start their own PostgreSQL (Debian keeps initdb and postgres in
# /usr/lib/postgresql/<version>/bin); as root they run it as the `postgres` user
postgres-tools:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || $(APT_INSTALL) postgresql

# the benchmark's standard set (bench/README.md): about 10 minutes on 2 cores; the table goes
# to the terminal, every figure to bench/results/. BENCH_ARGS=--quick for a shorter look.
bench: install redis-tools
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) -m mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(WEB)/node_modules .pytest_cache .mypy_cache .hypothesis test-artifacts
