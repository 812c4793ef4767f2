# The README's two commands: `make demo` and `make test`. Only Python and pip are needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOME_DIR ?= srdi-home
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test check venv venv-test bench golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install --quiet -e .

venv-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

demo: venv
	$(BIN)/srdi demo --home $(HOME_DIR)

test: venv-test
	$(BIN)/python -m pytest -q

# the fast tier only (pure rules, no Prefect server, no subprocesses): the inner loop, under a minute
check: venv-test
	SRDI_TEST_TIER=fast $(BIN)/python -m pytest -q

# issue 6's figures against their targets; `make bench BENCH_ARGS=--quick` for a smoke run (docs/benchmarks.md)
bench: venv-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache test-artifacts

# Rewrite tests/golden/*.json from the fixture share (review the diff before committing).
golden: venv-test
	SRDI_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_rollups.py
