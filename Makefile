# 小平町水道アプリ — `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install catalogs migrate demo worker lint migration clean test-sqlite test-postgres e2e bench guide

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# .mo files are build output, compiled from the committed .po catalogs.
catalogs: install
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --use-fuzzy -q -d translations 2>/dev/null || $(BIN)/pybabel compile -q -d translations; \
	fi

instance:
	mkdir -p instance

migrate: install instance
	$(BIN)/flask db upgrade

demo: migrate
	@if [ ! -f instance/.demo-loaded ] || [ -n "$$DATABASE_URL" ]; then \
		$(BIN)/flask demo load && touch instance/.demo-loaded; \
	fi

run: catalogs demo
	PORT=$(PORT) $(BIN)/python wsgi.py

worker: install
	$(BIN)/python worker.py

# Runs the suite on SQLite, then on PostgreSQL when one is reachable (CI has one).
test: catalogs
	$(BIN)/python -m tests.run

lint: install
	$(BIN)/ruff check kodaira_app tests bench worker.py wsgi.py
	$(BIN)/ruff format --check kodaira_app tests bench worker.py wsgi.py

# Regenerates the initial migration from the models (before the first deployment only).
migration: install
	@exec 9>/tmp/kodaira-migration.lock && flock 9 && $(MAKE) --no-print-directory migration-unlocked

migration-unlocked:
	rm -f migrations/versions/*.py instance/migration-scratch.sqlite3
	mkdir -p instance
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-scratch.sqlite3 $(BIN)/flask db migrate -m "initial schema" --rev-id 0001
	rm -f instance/migration-scratch.sqlite3

clean:
	rm -rf $(VENV) instance
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
