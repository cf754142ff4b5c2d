# Motcua: two commands on a fresh machine.
#   make run   virtualenv, install, migrate, demo province, serve on 127.0.0.1:8000
#   make test  the whole suite (SQLite; again on PostgreSQL when DATABASE_URL is set)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SIM_PORT ?= 8900
PYTEST_WORKERS ?= auto

.PHONY: run test fuzz install assets system-deps migrate demo lint format clean bench bench-full

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed assets system-deps

# Front-end libraries from the npm registry (package-lock.json pins them), copied where
# Django's static files are served from; no CDN. axe-core stays in node_modules: only the
# browser tests use it.
VENDOR := src/motcua/static/vendor
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	touch $@

# Debian packages the project uses: Liberation 2 fonts for PDFs (version 1, in package
# fonts-liberation, has no Vietnamese letters such as ư, ơ, ệ), Chromium for the browser
# tests. Installed only when missing, and only where apt is usable.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -i 'liberation2/LiberationSerif' >/dev/null || missing="$$missing fonts-liberation2"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "please install with your package manager:$$missing"; \
	  fi; \
	fi

migrate: install
	$(BIN)/motcua migrate --noinput -v0

demo: migrate
	$(BIN)/motcua demo

# Beside the server, the national-systems simulator (DVCQG, VNeID, postal operator) on SIM_PORT, so that
# "Đăng nhập bằng VNeID" and `motcua dvcqg pull` work in the demo; it stops with the server.
run: demo
	@MOTCUA_SIM_POSTAL_WEBHOOK_URL=$${MOTCUA_SIM_POSTAL_WEBHOOK_URL:-http://$(HOST):$(PORT)/api/v1/postal/events/} \
	$(BIN)/motcua simulate --bind $(HOST):$(SIM_PORT) --quiet & sim=$$!; \
	trap 'kill $$sim 2>/dev/null' EXIT INT TERM; \
	MOTCUA_DEBUG=$${MOTCUA_DEBUG:-1} \
	MOTCUA_VNEID_ISSUER=$${MOTCUA_VNEID_ISSUER:-http://$(HOST):$(SIM_PORT)/vneid} \
	MOTCUA_VNEID_CLIENT_ID=$${MOTCUA_VNEID_CLIENT_ID:-motcua} \
	MOTCUA_VNEID_CLIENT_SECRET=$${MOTCUA_VNEID_CLIENT_SECRET:-motcua-vneid-secret} \
	MOTCUA_DVCQG_URL=$${MOTCUA_DVCQG_URL:-http://$(HOST):$(SIM_PORT)/dvcqg} \
	MOTCUA_DVCQG_CLIENT_ID=$${MOTCUA_DVCQG_CLIENT_ID:-motcua} \
	MOTCUA_DVCQG_CLIENT_SECRET=$${MOTCUA_DVCQG_CLIENT_SECRET:-motcua-dvcqg-secret} \
	MOTCUA_PAYMENT_PLATFORM=$${MOTCUA_PAYMENT_PLATFORM:-paygov} \
	MOTCUA_PAYGOV_URL=$${MOTCUA_PAYGOV_URL:-http://$(HOST):$(SIM_PORT)/payment} \
	MOTCUA_PAYGOV_MERCHANT_CODE=$${MOTCUA_PAYGOV_MERCHANT_CODE:-MOTCUA37} \
	MOTCUA_PAYGOV_SECRET=$${MOTCUA_PAYGOV_SECRET:-motcua-paygov-secret} \
	MOTCUA_POSTAL_URL=$${MOTCUA_POSTAL_URL:-http://$(HOST):$(SIM_PORT)/postal} \
	MOTCUA_POSTAL_API_KEY=$${MOTCUA_POSTAL_API_KEY:-motcua-postal-key} \
	MOTCUA_POSTAL_WEBHOOK_SECRET=$${MOTCUA_POSTAL_WEBHOOK_SECRET:-motcua-postal-webhook-secret} \
	$(BIN)/motcua runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q
	@if [ -n "$$DATABASE_URL" ]; then echo "(suite ran on $$DATABASE_URL)"; fi

# The fuzzers (schemathesis over the API schema, hypothesis over every page form) with many
# examples and a random seed; `make test` runs them short and derandomized.
fuzz: install
	MOTCUA_FUZZ_EXAMPLES=$${MOTCUA_FUZZ_EXAMPLES:-500} $(BIN)/pytest -n $(PYTEST_WORKERS) -q -m fuzz tests/fuzz

# Benchmarks on PostgreSQL (database MOTCUA_BENCH_DB, default motcua_bench): small set
# in a few minutes; bench-full runs 1 M and 10 M dossiers. Figures go to bench/RESULTS.md.
bench: install
	$(BIN)/python -m bench.run

bench-full: install
	$(BIN)/python -m bench.run --full

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache node_modules $(VENDOR)
