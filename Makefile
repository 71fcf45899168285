# fairnotice: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint typecheck pytest bench clean js-deps web-deps messages rulebook

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web app on SQLite in ./var (FAIRNOTICE_DATABASE_URL for PostgreSQL).
run: install
	@echo "fairnotice: open http://127.0.0.1:8000 and create an account at http://127.0.0.1:8000/signup"
	@echo "  (the first sign-up is yours; an organisation for the employer side is made under Account)"
	$(BIN)/fairnotice serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

# ical.js (the parser Thunderbird uses) checks every ICS we emit; installed locally, untracked.
JS := tests/calendar/js
js-deps: $(JS)/node_modules/.installed

$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# axe-core (accessibility checks injected by the browser tests); local, untracked.
WEBJS := tests/web/js
web-deps: $(WEBJS)/node_modules/.installed

$(WEBJS)/node_modules/.installed: $(WEBJS)/package.json $(WEBJS)/package-lock.json
	cd $(WEBJS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# UI translations: extract the templates' strings and update the de/sv catalogs.
LOCALES := src/fairnotice/web/locale
messages: install
	$(BIN)/pybabel extract -F $(LOCALES)/babel.cfg -k N_ -k Phrase -o $(LOCALES)/messages.pot --no-location --omit-header src/fairnotice/web src/fairnotice/operations src/fairnotice/lifecycle.py src/fairnotice/calendar/budget.py src/fairnotice/mailparse.py
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching --omit-header

pytest: install js-deps web-deps
	$(BIN)/pytest -q

test: lint typecheck pytest

# The unit tier: the pure core's tests (marked `unit` by tests/conftest.py, which then
# collects only their folders), no database, mail server, browser or network; spread over
# every CPU (pytest-xdist); feedback in seconds.
test-fast: install
	$(BIN)/pytest -q -m unit -n auto

# docs/RULEBOOK.md from the rules catalog (src/fairnotice/rules/catalog.toml), its source.
rulebook: install
	$(BIN)/python -m fairnotice.rules.rulebook > docs/RULEBOOK.md.tmp
	mv docs/RULEBOOK.md.tmp docs/RULEBOOK.md

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
