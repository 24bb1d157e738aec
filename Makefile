# 小平町水道アプリ — `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := wsgi
# Without APP_ENV the app is production and refuses the embedded defaults: the targets that
# serve the demo on this machine say development (`make test` says "testing" itself).
run demo migrate worker migration: export APP_ENV ?= development

.PHONY: run test install catalogs migrate demo worker lint migration clean test-sqlite test-postgres e2e bench guide browser

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
		$(BIN)/pybabel -q compile -d translations; \
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
test: lint catalogs browser
	$(BIN)/python -m tests.run

lint: install
	$(BIN)/ruff check kodaira_app tests bench worker.py wsgi.py
	$(BIN)/ruff format --check kodaira_app tests bench worker.py wsgi.py
	$(BIN)/bandit -q -c pyproject.toml -r kodaira_app
	$(BIN)/lint-imports

# A new migration from the models against the current head: `make migration MESSAGE="what"`.
# Scratch SQLite database, so nothing of instance/ is touched; review and test the file.
migration: install
	@test -n "$(MESSAGE)" || { echo 'say what changes: make migration MESSAGE="..."'; exit 2; }
	rm -f instance/migration-scratch.sqlite3 && mkdir -p instance
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-scratch.sqlite3 $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/migration-scratch.sqlite3 $(BIN)/flask db migrate -m "$(MESSAGE)"
	rm -f instance/migration-scratch.sqlite3

clean:
	rm -rf $(VENV) instance
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Browser walk (tests/e2e): Debian's Chromium, installed with apt when it is missing and this
# machine allows it (root), Japanese fonts for the screenshots whenever fc-list finds none
# (a Chromium installed before may have come without them), and axe-core from npm.
CHROMIUM := /usr/bin/chromium
AXE := node_modules/axe-core/axe.min.js

browser: $(AXE)
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq chromium fonts-noto-cjk; \
		else \
			echo "$(CHROMIUM) is missing: install Debian's chromium (the browser tests skip)"; \
		fi; \
	fi
	@if [ -z "$$(fc-list :lang=ja 2>/dev/null)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq fontconfig fonts-noto-cjk; \
		else \
			echo "no Japanese font (fc-list :lang=ja): install fonts-noto-cjk"; \
		fi; \
	fi

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

# Only the browser walk; like the PostgreSQL + Redis pass of `make test`, it needs both.
e2e: catalogs browser
	TEST_DB=postgres $(BIN)/python -m pytest tests/e2e

NO_CJK_FONT := make guide: no Japanese font (fc-list :lang=ja finds none); install \
fonts-noto-cjk (make browser does, as root), or the screenshots would show boxes

# Reruns the walk once per language, saving its screenshots to static/guide/<locale>/ (and
# the hashes of the templates they show); pngquant, when there, makes them small. The
# Japanese walk is the whole of tests/e2e; the others are the resident's walk in that
# language. One language only: `make guide GUIDE_LOCALES=en`.
GUIDE_LOCALES ?= ja en zh_Hans ko vi

guide: catalogs browser
	@[ -n "$$(fc-list :lang=ja 2>/dev/null)" ] || { echo "$(NO_CJK_FONT)" >&2; exit 1; }
	@command -v pngquant >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pngquant; } \
		|| true
	@for locale in $(GUIDE_LOCALES); do \
		echo "--- the guide's screenshots in $$locale"; \
		GUIDE_LOCALE=$$locale GUIDE_SCREENSHOTS=1 TEST_DB=postgres \
			$(BIN)/python -m pytest -q tests/e2e || exit 1; \
	done

# The 見守り reports at full scale on PostgreSQL + Redis, in a database of its own (dropped
# after): ingest, tick and mails against bare baselines; prints its figures.
bench: install
	$(BIN)/python -m bench.reports
