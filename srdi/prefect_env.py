"""Process environment the project sets before Prefect is imported: no telemetry, a local home."""
from __future__ import annotations

import os
from pathlib import Path

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def quiet_prefect(home: Path) -> None:
    """No telemetry; Prefect's state under the home; the home's `srdi serve` server when one is running."""
    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    os.environ.setdefault("PREFECT_HOME", str(Path(home) / ".prefect"))
    if not os.environ.get("PREFECT_API_URL"):
        from srdi.local_server import running_server
        from warehouse.home import Home
        url = running_server(Home.resolve(home))
        if url:
            os.environ["PREFECT_API_URL"] = url


def run_flow(flow, **kwargs):
    """Run a flow once from the command line: no heartbeat thread (it only serves crash detection of
    scheduled runs, and costs a second at the end of every run)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return flow(**kwargs)
