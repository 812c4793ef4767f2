"""The e2e tier's own fixtures.

* `shared_api`: one Prefect server per test session (a worker's, under xdist: tests/conftest.py `prefect_server`),
  for the `srdi` commands of tests that are not about how a command finds or starts its server. Given as
  PREFECT_API_URL (tests/helpers.py SHARED_API), a command reports its runs there and its home starts no embedded
  server: a new home's server costs 8–13 s of CPU (Prefect migrates its database), and most tests make a new home.
  The tests of the runtime itself (test_embedded_server, test_interrupt, test_dead_runs, test_api_auth, the
  newcomer's walk through the README) leave it out.
* the embedded Prefect servers the other commands start (srdi/runtime.py: Prefect's `prefect server start
  --background`, which runs until `srdi stop`, by design) are stopped after each test module, so that a test session
  leaves nothing running."""
from __future__ import annotations

import pytest

from tests.helpers import SHARED_API, stop_embedded_servers


@pytest.fixture(scope="session")
def shared_api(prefect_server) -> str:
    from prefect.settings import PREFECT_API_URL
    url = PREFECT_API_URL.value()
    SHARED_API["PREFECT_API_URL"] = url
    yield url
    SHARED_API.clear()


@pytest.fixture(scope="module", autouse=True)
def _stop_embedded_servers(tmp_path_factory):
    yield
    stop_embedded_servers(tmp_path_factory.getbasetemp())
