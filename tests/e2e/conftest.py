"""The e2e tier's own fixture: the embedded Prefect servers its commands start (srdi/runtime.py: Prefect's
`prefect server start --background`, which runs until `srdi stop`, by design) are stopped after each test module,
so that a test session leaves nothing running."""
from __future__ import annotations

import pytest

from tests.helpers import stop_embedded_servers


@pytest.fixture(scope="module", autouse=True)
def _stop_embedded_servers(tmp_path_factory):
    yield
    stop_embedded_servers(tmp_path_factory.getbasetemp())
