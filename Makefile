# The README's two commands: `make demo` and `make test`. Only Python and pip are needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOME_DIR ?= srdi-home
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test check venv venv-test bench golden mutants clean

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

# issue 21: the share of mutmut's mutants of schemas/ and the intake's normalisers that the fast tests kill, per
# module (pyproject.toml [tool.mutmut], bench/mutants.py, MUTANTS21.md). First a run of one mutant, which writes every
# mutant into mutants/ and records which test calls which function; then a seeded sample of MUTANTS_SAMPLE mutants
# per module (0: every mutant, hours) on MUTANTS_JOBS processes; then the table. A second run reuses mutants/ and
# reruns only what changed (delete mutants/ to start again).
MUTANTS_SAMPLE ?= 10
MUTANTS_SEED   ?= 21
MUTANTS_JOBS   ?= 2
mutants: venv-test
	SRDI_TEST_TIER=fast $(BIN)/mutmut run --max-children $(MUTANTS_JOBS) schemas.findings.x_col_letter__mutmut_1 >/dev/null
	$(BIN)/python -m bench.mutants sample --per-module $(MUTANTS_SAMPLE) --seed $(MUTANTS_SEED) > mutants/sample.txt
	SRDI_TEST_TIER=fast $(BIN)/mutmut run --max-children $(MUTANTS_JOBS) $$(cat mutants/sample.txt) >/dev/null
	$(BIN)/python -m bench.mutants report --names mutants/sample.txt

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache test-artifacts mutants

# Rewrite tests/golden/*.json from the fixture share (review the diff before committing).
golden: venv-test
	SRDI_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_rollups.py
