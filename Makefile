# Tape: `make demo` runs a sample day on the paper venue; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow lint bench clean

$(BIN)/tape: pyproject.toml  #-- create the virtual environment and install Tape with its test extras
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(BIN)/tape

demo: $(BIN)/tape  #-- run the bundled sample trading day (SQLite store in ./.tape, paper venue)
	$(BIN)/tape demo

test: $(BIN)/tape  #-- the whole test suite (PostgreSQL tests run when CI is set or the server answers)
	$(BIN)/python -m pytest

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
