# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-clock-ahead lint format install clean bench

run: $(STAMP) .env  ## serve the dashboard with a demo panel, worker and beat (PORT=8001 for another port)
	$(BIN)/python manage.py rundemo $(if $(PORT),--port $(PORT))

test: $(STAMP)  ## lint, type-check and run the whole suite
	$(BIN)/python scripts/run_tests.py $(ARGS)

test-clock-ahead: $(STAMP)  ## the same suite with the clock a month ahead (libfaketime)
	scripts/clock_ahead/run $(or $(DAYS),31) $(BIN)/python scripts/run_tests.py --no-lint $(ARGS)

lint: $(STAMP)  ## ruff, mypy and import-linter only
	$(BIN)/python scripts/run_tests.py --lint-only

bench: $(STAMP)  ## every benchmark in benchmarks/ (PostgreSQL, Redis), then benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run_all.py $(ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# setuptools explains at length how editable installs resolve imports; that is not news to act on.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

.env:
	$(BIN)/python scripts/make_env.py

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache .ruff_cache .pytest_cache test-artifacts
