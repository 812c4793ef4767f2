"""Two tiers of tests (loaded as a pytest plugin from pyproject.toml).

`make check` sets SRDI_TEST_TIER=fast and runs only the fast tier: pure rules — SQL given/expect on in-memory
DuckDB, normalise/validate functions, tasks called with `.fn()`, the layout contract. A test is in the slow tier
when it needs the `prefect_server` fixture (directly or through another fixture) or is marked `slow` or
`integration` (subprocesses, real servers, browsers). `make test` runs both.

In the fast tier two guards make the contract hold instead of trusting it: starting a subprocess raises, and the
Prefect API points at a closed port, so a flow run (which would start a temporary server) fails at once. A test
that trips a guard belongs in the slow tier: mark it `@pytest.mark.slow`.
"""
from __future__ import annotations

import os
import subprocess

import pytest

FAST = os.environ.get("SRDI_TEST_TIER") == "fast"
SLOW_FIXTURES = {"prefect_server"}


def is_slow(item) -> bool:
    return bool(item.get_closest_marker("slow") or item.get_closest_marker("integration")
                or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: needs subprocesses, servers or a browser (not in `make check`)")


def pytest_collection_modifyitems(config, items):
    if not FAST:
        return
    slow = [i for i in items if is_slow(i)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if not is_slow(i)]


class SubprocessInFastTier(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _fast_tier_guards(monkeypatch):
    if not FAST:
        yield
        return

    def refuse(*args, **kwargs):
        raise SubprocessInFastTier("the fast tier starts no subprocess: mark this test @pytest.mark.slow")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    from prefect.settings import PREFECT_API_URL, temporary_settings
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        yield
