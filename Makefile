# Yilian — every target bootstraps .venv from requirements.lock when it is missing or stale.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
PG_URL ?= postgres://postgres@127.0.0.1:5432/yilian
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
REDIS_E2E_URL ?= redis://127.0.0.1:6379/14
XDIST ?= -n 2
BENCH_SCALE ?= 1.0
BENCH_DURATION ?= 20

.PHONY: help run test lint format test-sqlite test-postgres e2e e2e-thread e2e-media bench messages makemessages vendor clean

help:
	@echo "make run    — migrate, seed the demo alliance, serve http://$(HOST):$(PORT) with a task worker"
	@echo "make test   — lint, the suite on SQLite, again on PostgreSQL (+Redis), then the browser tests"
	@echo "make lint   — ruff, manage.py check, makemigrations --check, mypy"
	@echo "make e2e    — only the browser tests (through nginx and two uvicorn workers when both nginx and Redis are here)"
	@echo "make e2e-thread — the browser tests with the app in a thread of the test process"
	@echo "make e2e-media — WebRTC/Janus/TURN tests in a loopback-only network namespace (root)"
	@echo "make bench  — seed PostgreSQL, serve as in production, load it, report (docs/performance.md)"

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==0.13.9
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@touch $@

messages: $(VENV)/.installed
	@$(PY) manage.py compile_translations

run: $(VENV)/.installed messages
	@$(PY) manage.py migrate --no-input -v0
	@$(PY) manage.py seed_demo --scale $(SCALE)
	@echo "Yilian: http://$(HOST):$(PORT)/   (Ctrl-C stops the server and the task worker)"
	@$(PY) manage.py db_worker --queue-name default --no-reload -v0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/uvicorn yilian.asgi:application --host $(HOST) --port $(PORT) --log-level warning --no-server-header

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	YILIAN_ENV=test $(PY) manage.py check --fail-level WARNING
	YILIAN_ENV=test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy yilian/*/services.py yilian/*/selectors.py yilian/core

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint test-sqlite test-postgres e2e e2e-media

test-sqlite: $(VENV)/.installed messages
	@echo "=== Suite on SQLite ==="
	$(PY) -m pytest yilian $(XDIST) -q

test-postgres: $(VENV)/.installed messages
	@echo "=== Suite on PostgreSQL ($(PG_URL)) ==="
	@if ! $(PY) scripts/service_up.py "$(PG_URL)"; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL is required in CI"; exit 1; fi; \
	  echo "PostgreSQL not reachable: skipped (set CI=true to make this a failure)"; exit 0; fi; \
	redis=""; if $(PY) scripts/service_up.py "$(REDIS_TEST_URL)"; then redis="$(REDIS_TEST_URL)"; \
	  elif [ "$$CI" = "true" ]; then echo "Redis is required in CI"; exit 1; fi; \
	DATABASE_URL="$(PG_URL)" REDIS_URL="$$redis" $(PY) -m pytest yilian $(XDIST) -q

# Through the production front — nginx with deploy/nginx's site configuration before two
# uvicorn worker processes, Redis for the channel layer and cache — when nginx and Redis are
# here (required in CI); otherwise with the app served in a thread of the test process.
e2e: $(VENV)/.installed messages
	@if command -v nginx >/dev/null 2>&1 && $(PY) scripts/service_up.py "$(REDIS_E2E_URL)"; then \
	  echo "=== Browser tests (Chromium) through nginx and two ASGI workers ==="; \
	  front="YILIAN_E2E_FRONT=nginx REDIS_URL=$(REDIS_E2E_URL)"; \
	elif [ "$$CI" = "true" ]; then echo "nginx and Redis ($(REDIS_E2E_URL)) are required in CI"; exit 1; \
	else echo "=== Browser tests (Chromium), app in a thread (no nginx or Redis here) ==="; front=""; fi; \
	env $$front YILIAN_TEST_DB_NAME=$$(mktemp -u /tmp/yilian-e2e-XXXXXX.sqlite3) $(PY) -m pytest e2e -q --ignore=e2e/media

# The browser tests with the app in a thread of the test process (no nginx, no Redis).
e2e-thread: $(VENV)/.installed messages
	@echo "=== Browser tests (Chromium), app in a thread ==="
	YILIAN_TEST_DB_NAME=$$(mktemp -u /tmp/yilian-e2e-XXXXXX.sqlite3) $(PY) -m pytest e2e -q --ignore=e2e/media

# Media tests see nothing but loopback: the web server, Janus, coturn and Chromium all run in
# a private network namespace (Chromium and Janus offer every interface as a candidate).
e2e-media: $(VENV)/.installed messages
	@echo "=== Media tests (WebRTC mesh, Janus, TURN, nginx-rtmp live streams) in a loopback-only network namespace ==="
	unshare -n bash -c 'ip link set lo up && YILIAN_MEDIA_TESTS=1 \
	  YILIAN_TEST_DB_NAME=$$(mktemp -u /tmp/yilian-e2e-XXXXXX.sqlite3) $(PY) -m pytest e2e/media -q -p no:xdist'

# Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL); see docs/performance.md.
bench: $(VENV)/.installed messages
	$(PY) -m bench.run --scale $(BENCH_SCALE) --duration $(BENCH_DURATION)

makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore ".venv/*" --ignore "node_modules/*"

vendor:
	./scripts/vendor.sh

clean:
	rm -rf $(VENV) var node_modules
