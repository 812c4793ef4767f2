# The README's two commands: `make demo` and `make test`. Only Python and pip are needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOME_DIR ?= srdi-home
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test check unit integration e2e venv venv-test bench golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install --quiet -e .

venv-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

demo: venv
	$(BIN)/srdi demo --home $(HOME_DIR)

# Every test: first all but the serial ones on every core (pytest-xdist; each test file stays on one worker, so its
# module fixtures are built once), then the serial ones alone: they time real processes against the wall clock
# (tests/tiers.py). The second part runs even when the first failed (not when it was interrupted); the exit status
# is the first failure's.
test: venv-test
	status=0; \
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not serial" || status=$$?; \
	if [ $$status -ne 2 ]; then $(BIN)/python -m pytest -q -m serial || { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }; fi; \
	exit $$status

# The tests are in three tiers, one directory each (tests/tiers.py): tests/unit (pure functions, SQL on in-memory
# DuckDB), tests/integration (real files and DuckDB files, reading children, the library without a Prefect server),
# tests/e2e (the `srdi` command, a Prefect server and worker, `srdi serve`, signals, Chromium, PostgreSQL).

# unit and integration (no Prefect server, no `srdi` command) on every core, a file per worker (a module fixture,
# such as a share ingested once, is built once): the inner loop
check: venv-test
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests/unit tests/integration

# one tier at a time
unit: venv-test
	$(BIN)/python -m pytest -q -n auto tests/unit

integration: venv-test
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests/integration

e2e: venv-test
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests/e2e

# issue 6's figures against their targets; `make bench BENCH_ARGS=--quick` for a smoke run (docs/benchmarks.md)
bench: venv-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache test-artifacts

# Rewrite tests/golden/*.json from the fixture share (review the diff before committing).
golden: venv-test
	SRDI_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/integration/test_rollups.py
