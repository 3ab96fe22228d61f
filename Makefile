# Retain: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Retain needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

# The demo: SQLite and Celery's filesystem broker unless DATABASE_URL / REDIS_URL are set.
run: export DEBUG ?= true
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo ""
	@echo "  Retain is starting on http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	@# TZ=UTC: honcho stamps its lines in UTC, as the app's log lines are.
	TZ=UTC PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho --procfile Procfile.dev start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/seed_demo.py
	$(BIN)/python bench/loyalty.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/predictive.py --skip-build

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache
