"""Two tiers of tests (loaded as a pytest plugin from pyproject.toml).

`make check` sets SRDI_TEST_TIER=fast and runs only the fast tier: pure rules — SQL given/expect on in-memory
DuckDB, normalise/validate functions, tasks called with `.fn()`, the layout contract. A test is in the slow tier
when it needs the `prefect_server` fixture (directly or through another fixture) or is marked `slow` or
`integration` (subprocesses, real servers, browsers). `make test` runs both.

In the fast tier two guards make the contract hold instead of trusting it: starting a subprocess raises, and the
Prefect API points at a closed port, so a flow run (which would start a temporary server) fails at once. A test
that trips a guard belongs in the slow tier: mark it `@pytest.mark.slow`.

The Prefect guard is set once, as PREFECT_API_URL in the environment, when this plugin loads (pytest loads it with
`-p tests.tiers` before any conftest or test module imports Prefect): Prefect's settings read the environment when
they are first built. A `temporary_settings` block per test did the same but cost about 0.1 s a test (pydantic
rebuilds every settings model), a third of the fast tier. Under pytest-xdist each worker is a fresh process that
loads this plugin in the same way.

Both tiers run on every core (pytest-xdist, `-n auto`: see the Makefile), in one pass: no test's verdict depends on
the wall clock (#21: tests wait for a condition with tests/helpers.py `wait_until`; tests/test_no_stopwatch.py
holds the suite to it; `make bench` measures the durations), so no test needs the cores to itself.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

FAST = os.environ.get("SRDI_TEST_TIER") == "fast"
SLOW_FIXTURES = {"prefect_server"}
CLOSED_API = "http://127.0.0.1:9/api"   # port 9 (discard): nothing listens, a connection is refused at once

if FAST:
    os.environ["PREFECT_API_URL"] = CLOSED_API


def is_slow(item) -> bool:
    return bool(item.get_closest_marker("slow") or item.get_closest_marker("integration")
                or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: needs subprocesses, servers or a browser (not in `make check`)")


@pytest.hookimpl(tryfirst=True)   # before `-m` selects on the markers
def pytest_collection_modifyitems(config, items):
    if not FAST:
        return
    slow = [i for i in items if is_slow(i)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if not is_slow(i)]


class SubprocessInFastTier(RuntimeError):
    pass


@pytest.fixture(scope="session", autouse=True)
def _fast_tier_prefect_guard():
    """Checks once that Prefect sees the closed port. It could miss it only if Prefect had been imported before this
    plugin set the variable; a Prefect imported later reads the variable when it builds its settings."""
    if FAST and "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings
        url = str(get_current_settings().api.url)
        assert url == CLOSED_API, f"fast tier: Prefect's API is {url!r}, not the closed port {CLOSED_API}"
    yield


@pytest.fixture(autouse=True)
def _fast_tier_guards(monkeypatch):
    if not FAST:
        yield
        return

    def refuse(*args, **kwargs):
        raise SubprocessInFastTier("the fast tier starts no subprocess: mark this test @pytest.mark.slow")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    yield
