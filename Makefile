# The README's two commands: `make demo` and `make test`. Only Python and pip are needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOME_DIR ?= srdi-home
NAIVE  := $(VENV)-naive/bin/python
NAIVE_READY := $(VENV)-naive/installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# Python's default: each module compiled once, into __pycache__/ (git-ignored), not again by every process. Where the
# environment says otherwise (PYTHONDONTWRITEBYTECODE, as some machines set), each test worker and each `srdi`
# command compiled srdi's modules again, and pytest rewrote every test file again: collecting the suite took 10.5 s
# in each worker instead of 4.7 s
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test check lint unit integration e2e venv venv-test bench golden mutants weigh clean

# every core (pytest-xdist), a file per worker (a module fixture, such as a share ingested once, is built once), the
# files heaviest first (tests/tiers.py `heaviest_first`, from tests/file_seconds.json; xdist's own reordering, by
# the number of tests, would start the long files with few tests last)
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install --quiet -e .

venv-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

demo: venv
	$(BIN)/srdi demo --home $(HOME_DIR)

# Lint and type-check, then every test, in one pass ($(PYTEST)). No test times the wall clock (#21), so none needs
# the cores to itself: how long things take is `make bench`'s.
test: venv-test lint
	$(PYTEST)

# The tests are in three tiers, one directory each (tests/tiers.py): tests/unit (pure functions, SQL on in-memory
# DuckDB), tests/integration (real files and DuckDB files, reading children, the library without a Prefect server),
# tests/e2e (the `srdi` command, a Prefect server and worker, `srdi serve`, signals, Chromium, PostgreSQL).

# unit and integration (no Prefect server, no `srdi` command): the inner loop. Lint and type-check first ([tool.ruff] and
# [tool.mypy] in pyproject.toml): a finding fails the check before any test runs.
check: venv-test lint
	$(PYTEST) tests/unit tests/integration

# ruff and mypy ([tool.ruff] and [tool.mypy] in pyproject.toml), zero findings: first in `make check` and in
# `make test` (so CI, which runs `make test`, lints and type-checks too)
lint: venv-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# one tier at a time
unit: venv-test
	$(PYTEST) tests/unit

integration: venv-test
	$(PYTEST) tests/integration

e2e: venv-test
	$(PYTEST) tests/e2e

# issue 6's, 12's and 21's figures against their targets (21's: how soon srdi stops, which no test asserts);
# `make bench BENCH_ARGS=--quick` for a smoke run, `BENCH_ARGS=--stops-only` for 21's alone (docs/benchmarks.md)
bench: venv-test $(NAIVE_READY)
	SRDI_NAIVE_PYTHON=$(NAIVE) $(BIN)/python -m bench.run $(BENCH_ARGS)

# bench/naive.py, the naive pandas + openpyxl script srdi is measured against (#23), in a venv of its own: with
# pandas beside srdi, `import pandera` imports it too (0.4–0.5 s more in every reading forkserver and test worker),
# which production, without pandas, never does; so neither the tests nor the bench's srdi figures have pandas
$(NAIVE_READY): bench/naive-requirements.txt
	$(PYTHON) -m venv $(VENV)-naive
	$(VENV)-naive/bin/pip install --quiet -r bench/naive-requirements.txt
	touch $(NAIVE_READY)

# issue 21: the share of mutmut's mutants of schemas/ and the intake's normalisers that the fast tests kill, per
# module (pyproject.toml [tool.mutmut], bench/mutants.py, MUTANTS21.md). First a run of one mutant, which writes every
# mutant into mutants/ and records which test calls which function; then a seeded sample of MUTANTS_SAMPLE mutants
# per module (0: every mutant, hours) on MUTANTS_JOBS processes; then the table. A second run reuses mutants/ and
# reruns only what changed (delete mutants/ to start again).
MUTANTS_SAMPLE ?= 10
MUTANTS_SEED   ?= 21
MUTANTS_JOBS   ?= 2
mutants: venv-test
	$(BIN)/mutmut run --max-children $(MUTANTS_JOBS) schemas.findings.x_col_letter__mutmut_1 >/dev/null
	$(BIN)/python -m bench.mutants sample --per-module $(MUTANTS_SAMPLE) --seed $(MUTANTS_SEED) > mutants/sample.txt
	$(BIN)/mutmut run --max-children $(MUTANTS_JOBS) $$(cat mutants/sample.txt) >/dev/null
	$(BIN)/python -m bench.mutants report --names mutants/sample.txt

# tests/file_seconds.json from a full run (each file's seconds of test time, the order `make test` runs them in);
# a file missing from it still runs, weighed by its number of tests
weigh: venv-test
	$(PYTEST) --durations=0 -p no:cacheprovider | $(BIN)/python -m tests.tiers

clean:
	rm -rf $(VENV) $(VENV)-naive $(HOME_DIR) .pytest_cache test-artifacts mutants

# Rewrite tests/golden/*.json from the fixture share (review the diff before committing).
golden: venv-test
	SRDI_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/integration/test_rollups.py
