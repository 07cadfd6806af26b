# The project's four entry points: install, demo, test, bench.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The gettext catalogs: .po sources in the repo, .mo compiled here (never committed).
PO := $(wildcard src/trustledger/i18n/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: install demo test bench lint catalogs

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

# After changing a marked message: extract them all, merge them into each catalog, then translate
# the new entries (the catalog test names any left untranslated).
catalogs: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output -o messages.pot src/trustledger
	$(BIN)/pybabel -q update -i messages.pot -d src/trustledger/i18n/locale --no-fuzzy-matching --ignore-obsolete
	rm -f messages.pot

demo: $(STAMP) $(MO)
	$(BIN)/trustledger demo

lint: $(STAMP) $(MO)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest --cov --cov-report=term:skip-covered --cov-report=xml:artifacts/coverage.xml

bench: $(STAMP) $(MO)
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
