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
    background server, started now if none is running (srdi/background_server.py, srdi/processes.py). With a server
    of the home, its credential (srdi/api_auth.py) goes into the environment first."""
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
        return                          # a server the operator named: its credential is theirs to set (deploy/)
    if "prefect" not in sys.modules:    # Prefect reads its settings once, when imported
        from srdi.api_auth import use
        use(where.state)                # the home's servers require the home's credential (issue #24)
    url = running_server(where)
    if url:
        os.environ["PREFECT_API_URL"] = url
        return
    if supervisor is not None and supervisor.own_process and "prefect" not in sys.modules:
        supervisor.prefect_api(where)   # a new server starts while the flows are imported


_NO_HEARTBEAT: list = []     # [(the settings they were made from, the same without a heartbeat)]: made once


def _without_heartbeat():
    """The current Prefect settings with the flow heartbeat off, built once per settings object: Prefect's
    `temporary_settings` rebuilds and validates every setting on each call (55-70 ms of CPU per rollup)."""
    import prefect.context
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    context = prefect.context.get_settings_context()
    if not _NO_HEARTBEAT or _NO_HEARTBEAT[0][0] is not context.settings:
        _NO_HEARTBEAT[:] = [(context.settings, context.settings.copy_with_update(
            updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))]
    return prefect.context.SettingsContext(profile=context.profile, settings=_NO_HEARTBEAT[0][1])


def run_flow(flow, **kwargs):
    """Run a flow once from the command line: no heartbeat thread (it only serves crash detection of
    scheduled runs, and costs a second at the end of every run); the supervisor notes the run and waits for its
    server first, and settles the runs a killed worker or server left unfinished (srdi/dead_runs.py)."""
    from srdi import processes
    supervisor = processes.current()
    if supervisor is not None:
        supervisor.before_flow()
        if supervisor.home is not None:
            from srdi.local_server import running_server
            supervisor.settle_dead_deployment_runs(serve_running=running_server(supervisor.home) is not None)
    with _without_heartbeat():
        return flow(**kwargs)
