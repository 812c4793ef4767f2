"""Three tiers of tests, one directory each (loaded as a pytest plugin from pyproject.toml):

- tests/unit: pure functions and SQL on in-memory DuckDB. No subprocess, no Prefect.
- tests/integration: real files, DuckDB files, the reading children, the library's steps called in this process
  (tests/helpers.py: ingest_in_process, rollup_in_process, templates_in_process). No Prefect server.
- tests/e2e: the real `srdi` command, a real Prefect server and worker (the `prefect_server` fixture), `srdi serve`,
  SIGINT and SIGKILL, Chromium, PostgreSQL.

`make check` runs tests/unit and tests/integration; `make test` runs all three. The directory is the tier: a test
that needs more than its directory allows is in the wrong directory, and two guards make that hold instead of
trusting it:

- in tests/unit, starting a subprocess raises (SubprocessInUnitTier);
- in tests/unit and tests/integration, asking for the `prefect_server` fixture is an error at collection, and when a
  run collects no e2e test (`make check`) the Prefect API points at a closed port, so a flow run (which would start
  a temporary server) fails at once. Set once, as PREFECT_API_URL in the environment, when pytest configures this
  plugin: Prefect's settings read the environment when they are first built, and nothing has imported Prefect
  yet (checked at the session's start). Under pytest-xdist each worker is a fresh process configured the same way.

The files run heaviest first (`heaviest_first`, from tests/file_seconds.json: each file's seconds of test time in a
full run, written by `make weigh`): pytest-xdist's `--dist loadfile` hands a worker the next file when it has
nearly run out, so a long file that started last would leave the other cores idle to the end.

Every tier runs on every core (pytest-xdist, `-n auto`: see the Makefile), in one pass: no test's verdict depends on
the wall clock (#21: tests wait for a condition with tests/helpers.py `wait_until`; tests/unit/test_no_stopwatch.py
holds the suite to it; `make bench` measures the durations), so no test needs the cores to itself.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FILE_SECONDS = TESTS / "file_seconds.json"
UNWEIGHED_SECONDS_PER_TEST = 0.5   # a file not yet in FILE_SECONDS: about what a test of the integration tier takes
TIERS = ("unit", "integration", "e2e")
E2E_ONLY_FIXTURES = {"prefect_server", "shared_api"}
CLOSED_API = "http://127.0.0.1:9/api"   # port 9 (discard): nothing listens, a connection is refused at once
_API_CLOSED = False


def tier_of(path) -> str | None:
    """'unit', 'integration' or 'e2e' for a path under tests/<tier>/; None elsewhere."""
    try:
        rel = Path(path).resolve().relative_to(TESTS)
    except ValueError:
        return None
    return rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in TIERS else None


def _collects_e2e(config) -> bool:
    """Whether this run may collect tests/e2e: an argument at or above it (the repo, tests/) or inside it."""
    args = [a.split("::")[0] for a in config.args] or [str(TESTS)]
    e2e = TESTS / "e2e"
    for a in args:
        p = Path(config.invocation_params.dir, a).resolve()
        if p == e2e or e2e in p.parents or p in e2e.parents:
            return True
    return False


def pytest_configure(config):
    global _API_CLOSED
    if not _collects_e2e(config):
        os.environ["PREFECT_API_URL"] = CLOSED_API
        _API_CLOSED = True


class WrongTier(pytest.UsageError):
    pass


@pytest.hookimpl(tryfirst=True)   # before `-m` selects on the markers
def pytest_collection_modifyitems(config, items):
    wrong = [f"{i.nodeid} ({tier_of(i.path)}) asks for {', '.join(sorted(E2E_ONLY_FIXTURES & set(i.fixturenames)))}"
             for i in items if tier_of(i.path) in ("unit", "integration")
             and E2E_ONLY_FIXTURES & set(getattr(i, "fixturenames", ()))]
    if wrong:
        raise WrongTier("a Prefect server is for tests/e2e only; use tests/helpers.py's in-process steps or move "
                        "the test:\n  " + "\n  ".join(wrong))
    items[:] = heaviest_first(items)


def _file_of(item) -> str:
    return Path(item.path).resolve().relative_to(TESTS.parent).as_posix()


def heaviest_first(items: list) -> list:
    """The items, file by file, the files in descending order of their measured seconds (FILE_SECONDS; a file not
    measured yet counts UNWEIGHED_SECONDS_PER_TEST per test), each file's tests in their own order. Longest
    processing time first: with `--no-loadscope-reorder`, the order pytest-xdist hands the files to the workers."""
    measured = json.loads(FILE_SECONDS.read_text(encoding="utf-8")) if FILE_SECONDS.exists() else {}
    files = [_file_of(i) for i in items]
    counts = Counter(files)                                     # in the order each file is first seen
    rank = {f: (-measured.get(f, n * UNWEIGHED_SECONDS_PER_TEST), k) for k, (f, n) in enumerate(counts.items())}
    return [item for _, item in sorted(zip(files, items), key=lambda fi: rank[fi[0]])]


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s\s+(?:setup|call|teardown)\s+(\S+?)::")


def weigh(lines) -> dict[str, float]:
    """Seconds of test time per file, from `pytest --durations=0`'s lines (setup, call and teardown summed)."""
    total: dict[str, float] = defaultdict(float)
    for line in lines:
        m = _DURATION.match(line.strip())
        if m:
            total[m.group(2)] += float(m.group(1))
    return {f: round(s, 1) for f, s in sorted(total.items(), key=lambda kv: -kv[1])}


if __name__ == "__main__":   # `make weigh`: pytest's --durations=0 output on stdin, tests/file_seconds.json out
    FILE_SECONDS.write_text(json.dumps(weigh(sys.stdin), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


class SubprocessInUnitTier(RuntimeError):
    pass


@pytest.fixture(scope="session", autouse=True)
def _closed_prefect_api_guard():
    """Checks once that Prefect sees the closed port. It could miss it only if Prefect had been imported before this
    plugin set the variable; a Prefect imported later reads the variable when it builds its settings."""
    if _API_CLOSED and "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings
        url = str(get_current_settings().api.url)
        assert url == CLOSED_API, f"Prefect's API is {url!r}, not the closed port {CLOSED_API}"
    yield


@pytest.fixture(autouse=True)
def _unit_tier_guard(request, monkeypatch):
    if tier_of(request.node.path) != "unit":
        yield
        return

    def refuse(*args, **kwargs):
        raise SubprocessInUnitTier("tests/unit starts no subprocess: this test belongs in tests/integration or "
                                   "tests/e2e")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    yield
