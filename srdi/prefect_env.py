"""Process environment the project sets before Prefect is imported: no telemetry, a local home, an API server."""
from __future__ import annotations

import sys
from pathlib import Path

from srdi.runtime import QUIET  # noqa: F401  (serve and bench read it here)


def quiet_prefect(home: Path) -> None:
    """No telemetry; Prefect's state under the home; the API this command reports to (srdi/runtime.py: the one
    PREFECT_API_URL names, else the home's `srdi serve`, else the home's embedded server, started now if needed),
    with its credential. Call before Prefect is imported."""
    from srdi import runtime
    from warehouse.home import Home

    where = Home.resolve(home)
    command = runtime.current()
    name = command.name if command is not None else "srdi"
    url = runtime.use_prefect(where, say=lambda line: print(f"srdi {name}: {line}", file=sys.stderr, flush=True))
    if command is not None:
        command.use_home(where, url)


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
    scheduled runs, and costs a second at the end of every run); the command notes the run and waits for its
    server first, and settles the runs killed commands, workers or servers left unfinished (srdi/dead_runs.py)."""
    from srdi import runtime
    command = runtime.current()
    if command is not None:
        command.before_flow()
    if command is None:
        with _without_heartbeat():
            return flow(**kwargs)
    from prefect import tags
    with _without_heartbeat(), tags(command.tag):
        return flow(**kwargs)
