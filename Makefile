# Tape: `make demo` runs a sample day on the paper venue; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow lint bench clean chromium

$(BIN)/tape: pyproject.toml  #-- create the virtual environment and install Tape with its test extras
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(BIN)/tape

demo: $(BIN)/tape  #-- run the bundled sample trading day (SQLite store in ./.tape, paper venue)
	$(BIN)/tape demo

test: $(BIN)/tape chromium  #-- the whole test suite (PostgreSQL tests run when CI is set or the server answers)
	$(BIN)/python -m pytest

chromium:  #-- Debian's Chromium for the dashboard's browser tests (installed when missing and root; else they skip)
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "chromium could not be installed: the browser tests will skip"; \
	fi

test-slow: $(BIN)/tape  #-- the slow tests only (the crash harness with 200 kills)
	$(BIN)/python -m pytest -m slow

lint: $(BIN)/tape  #-- ruff and mypy, as configured in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/tape  #-- benchmarks against baselines of the same run: bench/results.md and .json (BENCH_ARGS=--large adds 1M events)
	-$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:  #-- remove the virtual environment and the demo store
	rm -rf $(VENV) .tape
