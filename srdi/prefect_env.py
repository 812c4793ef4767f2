"""Process environment the project sets before Prefect is imported: no telemetry, a local home, an API server."""
from __future__ import annotations

import os
import sys
from pathlib import Path

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # a temporary server (a command run from Python, not the `srdi` process) on a busy machine: Prefect's default
    # 20 s wait for it is too short when other work shares the two cores; the wait ends as soon as it answers
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def quiet_prefect(home: Path) -> None:
    """No telemetry; Prefect's state under the home; an API: the one already configured, this home's `srdi serve`
    server when one is running, else (inside a supervised command, before Prefect is imported) the home's
    background server, started now if none is running (srdi/background_server.py, srdi/processes.py)."""
    from srdi import processes
    from srdi.local_server import running_server
    from warehouse.home import Home

    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    os.environ.setdefault("PREFECT_HOME", str(Path(home) / ".prefect"))
    where = Home.resolve(home)
    supervisor = processes.current()
    if supervisor is not None:
        supervisor.use_home(where)
    if os.environ.get("PREFECT_API_URL"):
        return
    url = running_server(where)
    if url:
        os.environ["PREFECT_API_URL"] = url
        return
    if supervisor is not None and supervisor.own_process and "prefect" not in sys.modules:
        supervisor.prefect_api(where)   # a new server starts while the flows are imported


def run_flow(flow, **kwargs):
    """Run a flow once from the command line: no heartbeat thread (it only serves crash detection of
    scheduled runs, and costs a second at the end of every run); the supervisor notes the run and waits for its
    server first."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from srdi import processes
    supervisor = processes.current()
    if supervisor is not None:
        supervisor.before_flow()
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return flow(**kwargs)
