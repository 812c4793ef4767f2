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

# Every test: first all but the serial ones on every core (pytest-xdist; each test file stays on one worker, so its
# module fixtures are built once), then the serial ones alone: they time real processes against the wall clock
# (tests/tiers.py). The second part runs even when the first failed (not when it was interrupted); the exit status
# is the first failure's.
test: venv-test
	status=0; \
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not serial" || status=$$?; \
	if [ $$status -ne 2 ]; then $(BIN)/python -m pytest -q -m serial || { rc=$$?; [ $$status -ne 0 ] || status=$$rc; }; fi; \
	exit $$status

# the fast tier only (pure rules, no Prefect server, no subprocesses) on every core: the inner loop
check: venv-test
	SRDI_TEST_TIER=fast $(BIN)/python -m pytest -q -n auto

# issue 6's figures against their targets; `make bench BENCH_ARGS=--quick` for a smoke run (docs/benchmarks.md)
bench: venv-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache test-artifacts

# Rewrite tests/golden/*.json from the fixture share (review the diff before committing).
golden: venv-test
	SRDI_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_rollups.py
