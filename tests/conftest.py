"""Shared fixtures: a temporary project home and one Prefect test server for the whole session."""
from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

import pytest  # noqa: E402

from warehouse.home import Home  # noqa: E402


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


@pytest.fixture
def home(tmp_path) -> Home:
    return Home.resolve(tmp_path / "home").ensure()


@pytest.fixture
def run_ingest(prefect_server):
    from flows.ingest import ingest

    def run(home: Home) -> dict:
        return ingest(home=str(home.root), settle_seconds=0)
    return run


def drop(home: Home, bureau: str, name: str) -> "os.PathLike":
    """Path in the inbox for a bureau's file (folder created)."""
    folder = home.inbox / bureau
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
