# Estivage — `make help` lists the targets.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := postgresql redis-server fonts-dejavu-core chromium fonts-noto-core

.PHONY: help deps system-deps uv venv demo serve test test-fast lint typecheck bench load clean

help: ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

uv: ## Install uv (the package manager) if it is missing
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) --version

venv: uv ## Create .venv from the lock file (server, gate agent and dev tools)
	$(UV) sync --frozen --all-extras

system-deps: ## Debian packages the tests use (PostgreSQL, Redis, Chromium, fonts); skipped when present
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

deps: venv system-deps ## Everything the tests need

demo: venv ## Set up and run the service on the embedded default (SQLite, memory store) at http://127.0.0.1:8000
	$(UV) run --frozen estivage demo --host $(HOST) --port $(PORT)

serve: venv ## Run the service with the environment's settings (no migration, no seed)
	$(UV) run --frozen estivage serve --host $(HOST) --port $(PORT)

test: deps lint typecheck ## Set up, check (ruff, import contracts, mypy) and run the whole test suite
	$(UV) run --frozen pytest -q -p no:cacheprovider

lint: venv ## ruff, import contracts
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports

typecheck: venv ## mypy --strict
	$(UV) run --frozen mypy

BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/postgres

bench: venv ## Run every benchmark and print its figures (PostgreSQL ones on BENCH_PG)
	$(UV) run --frozen python -m bench.availability
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.availability
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.rush
	$(UV) run --frozen python -m bench.passes
	$(UV) run --frozen python -m bench.gate
	$(UV) run --frozen python -m bench.gate_peers
	$(UV) run --frozen python bench/allocation.py
	$(UV) run --frozen python -m bench.allocation_db

load: venv ## The openings (bookings, summer applications) under locust for 60 s on PostgreSQL; docs/load.md
	DATABASE_URL=$(BENCH_PG) $(UV) run --frozen python -m bench.load --seconds 60 --users 50

clean: ## Remove the virtualenv, caches and the embedded database
	rm -rf .venv var .pytest_cache .mypy_cache .ruff_cache test-output
