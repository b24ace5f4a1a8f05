# Estivage — `make help` lists the targets.
SHELL := /bin/bash
# uv lives in a virtual environment of its own (.tools), made with the machine's python3: a system
# Python marked "externally managed" (PEP 668: Debian 12/13, Ubuntu 24.04) refuses `pip install uv`
# but lets a virtual environment install anything. A uv on PATH is not used; `make UV=uv ...` picks one.
TOOLS := .tools
UV_VERSION := 0.13.9
UV ?= $(TOOLS)/bin/uv
# uv trusts its own copy of Mozilla's roots; where the machine has Debian's trust store, use that instead,
# so that a root the site adds (a TLS-inspecting proxy, as on this project's machines) is trusted as by apt.
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export UV_SYSTEM_CERTS ?= true
endif
HOST ?= 127.0.0.1
PORT ?= 8000
# wrk and nginx: the load benchmark and the production topology started from installed binaries.
APT_PACKAGES := postgresql redis-server fonts-dejavu-core chromium fonts-noto-core wrk nginx
# npm (and Node.js with it) for axe-core, which the browser tests run on every page (package.json). Only
# when there is no npm already: a Node.js from elsewhere (NodeSource's bundles its own npm) conflicts with
# Debian's npm package.
ifeq ($(shell command -v npm),)
APT_PACKAGES += npm
endif

# apt-get install $(1), through sudo unless we are root (sudo drops the environment, hence `env`).
apt_install = if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null

.PHONY: help deps system-deps node-deps uv venv compile demo serve test test-fast lint typecheck translations bench load clean

help: ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

uv: ## Install uv (the package manager) into .tools if it is missing
	@$(UV) --version >/dev/null 2>&1 || { \
	  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "Python 3.11 or newer is needed as python3 (found: $$(python3 --version 2>&1))"; exit 1; }; \
	  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
	    echo "python3 cannot make a virtual environment: installing Debian's python3-venv"; \
	    $(call apt_install,python3-venv); \
	  fi; \
	  rm -rf $(TOOLS) && python3 -m venv $(TOOLS) \
	    && $(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); \
	}
	@$(UV) --version

# --compile-bytecode: the installed packages' .pyc files are written once here. A machine that sets
# PYTHONDONTWRITEBYTECODE (this project's do, as the Dockerfile does) otherwise compiles SQLAlchemy,
# Litestar & co. from source in every process it starts: ~5 s instead of ~2 to import the app, paid by
# each test worker and by each server, agent and command the tests start. Reading .pyc files is not
# writing them, so the setting still holds.
venv: uv ## Create .venv from the lock file (server, gate agent and dev tools)
	$(UV) sync --frozen --all-extras --compile-bytecode

system-deps: ## Debian packages the tests use (PostgreSQL, Redis, Chromium, fonts, wrk, nginx); skipped when present
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(call apt_install,$$missing); \
	fi

# The browser tests' Node packages, exactly as package-lock.json pins them; again only when the lock changed.
node-deps: system-deps node_modules/.package-lock.json ## Node packages of the browser tests (axe-core), by npm ci

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: venv system-deps node-deps ## Everything the tests need

demo: venv ## Set up and run the service on the embedded default (SQLite, memory store) at http://127.0.0.1:8000
	$(UV) run --frozen estivage demo --host $(HOST) --port $(PORT)

serve: venv ## Run the service with the environment's settings (no migration, no seed)
	$(UV) run --frozen estivage serve --host $(HOST) --port $(PORT)

# pytest-xdist: one test process per core (`auto`: 2 on the project's 2-core machines). Each worker has
# its own database templates, copies, Redis namespaces, ports and servers (tests/conftest.py). Work
# stealing: a worker that runs out of tests takes some from the other, so the slow ones do not end the
# run on one worker while the other waits. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= auto

# The project's own modules compiled as the packages are (see venv), skipping what is already up to date.
compile:
	$(UV) run --frozen python -m compileall -q -j 0 -x '/(\.venv|\.tools|\.git|node_modules)/' .

test: deps lint typecheck compile ## Set up, check (ruff, import contracts, mypy) and run the whole test suite
	$(UV) run --frozen pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=25

lint: venv ## ruff, import contracts
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports

typecheck: venv ## mypy --strict
	$(UV) run --frozen mypy

CATALOGUES := kernel/locale
PYBABEL := $(UV) run --frozen pybabel

translations: venv ## Messages from the code and templates into kernel/locale's catalogues, updated and compiled
	$(PYBABEL) extract -F babel.cfg --no-location --sort-output --add-comments=Translators: -w 100 \
	  --project=Estivage --version=1 --msgid-bugs-address=dev@estivage.example \
	  --header-comment="# The messages of Estivage (pages, mail, receipts); kernel/i18n.py says how they are written." \
	  -o $(CATALOGUES)/messages.pot .
	$(PYBABEL) update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) -w 100 --ignore-obsolete --ignore-pot-creation-date
	$(PYBABEL) compile -d $(CATALOGUES) --statistics

BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/postgres

bench: venv ## Run every benchmark and print its figures (PostgreSQL ones on BENCH_PG)
	$(UV) run --frozen python -m bench.availability
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.availability
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.rush
	$(UV) run --frozen python -m bench.passes
	$(UV) run --frozen python -m bench.gate
	$(UV) run --frozen python -m bench.gate_peers
	$(UV) run --frozen python -m bench.i18n
	$(UV) run --frozen python bench/allocation.py
	$(UV) run --frozen python -m bench.allocation_db
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.roster

load: venv ## The openings (bookings, summer applications) under locust for 60 s on PostgreSQL; docs/load.md
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.load --seconds 60 --users 50

clean: ## Remove the virtualenvs (.venv, .tools), caches and the embedded database
	rm -rf .venv $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache test-output node_modules
