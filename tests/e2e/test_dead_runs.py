"""Runs that cannot finish are finished (issue #24): `srdi serve`'s worker, and separately its server, killed with
SIGKILL in the middle of an ingest. serve says so and stops; the ingest's flow run is left RUNNING in Prefect's
database (nobody is left to say otherwise) and holds the ingest deployment's only concurrency slot. Restarted,
`srdi serve` sets that run Crashed before its worker starts (its process is gone: srdi/dead_runs.py), the slot is
free again, and a file dropped into the inbox gets its receipt. Before the kill, a second ingest waits for the slot
and `srdi status` says so, naming the run that holds it. The first ingest is held in the middle of its work by a
crash point in pause mode (warehouse/crash_points.py), not by a file big enough to take long: it is running for as
long as the test needs, whatever the machine's speed.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.serve_api import served_settings
from tests.e2e.test_serve_events import BUREAU, Serve, receipts, serve_env, wait_for, workbook
from tests.helpers import HANG, alive, wait_until
from warehouse.home import Home
from warehouse.lock import holder


ROOT = Path(__file__).resolve().parents[2]


def _runs(home: Home, url: str, state: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterName, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    with served_settings(home, url), get_client(sync_client=True) as client:
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["ingest"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(state)]))))


def _read(home: Home, url: str, run_id):
    from prefect.client.orchestration import get_client
    with served_settings(home, url), get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def waiting_for_the_slot_is_shown(home: Home, serve: Serve, running) -> None:
    """A second ingest while the first runs waits for the deployment's only slot (AwaitingConcurrencySlot):
    `srdi status` names it and the run that holds the slot."""
    from prefect.client.orchestration import get_client
    with served_settings(home, serve.url), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest/ingest")
        second = client.create_flow_run_from_deployment(deployment.id, parameters={"settle_seconds": 0})
    wait_for(lambda: _read(home, serve.url, second.id).state.name == "AwaitingConcurrencySlot",
             "the second ingest waiting for the slot", serve)
    assert _read(home, serve.url, running.id).state.is_running(), "the first ingest ended first"
    env = serve_env(home)
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "status", "--home", str(home.root), "--format", "json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stderr
    (waiting,) = json.loads(r.stdout)["waiting_for_slot"]
    assert (waiting["flow_run"], waiting["deployment"], waiting["limit"]) == (second.name, "ingest", 1)
    (held,) = waiting["holders"]
    assert (held["flow_run"], held["state"], held["process_alive"]) == (running.name, "RUNNING", True)
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "status", "--home", str(home.root)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG)
    assert f"{second.name} 自" in r.stdout and "等待并发名额" in r.stdout and f"占着名额：{running.name} 运行中" in r.stdout, r.stdout


@pytest.mark.parametrize("victim", ["worker", "server"])
def test_a_killed_worker_or_server_leaves_no_run_that_blocks_the_next_ingest(victim, tmp_path, new_home):
    home = new_home(tmp_path / "home")
    # every ingest of this serve stops before its commit and waits there (up to 10 minutes), and says so in `marker`:
    # the kill lands on a run that is paused, not on one still finishing (and logging) its checks, whose next line
    # to a dead worker's pipe would end it by itself (Prefect's console handler exits on a broken pipe)
    marker = tmp_path / "paused"
    serve = Serve(home, "--settle", "0.5", env=serve_env(home, SRDI_CRASH_AT="before-commit:1:pause",
                                                          SRDI_CRASH_PAUSED=str(marker))).wait_up()
    try:
        first = workbook(home.root / "clerk" / f"{BUREAU}任务进展2022Q1.xlsx", 3)
        (home.inbox / BUREAU).mkdir(parents=True, exist_ok=True)
        shutil.move(first, home.inbox / BUREAU / first.name)          # the inbox trigger starts the ingest
        running = wait_for(lambda: _runs(home, serve.url, "RUNNING"), "the ingest running", serve)
        (killed_run,) = running
        wait_for(marker.exists, "the ingest paused before its commit", serve)
        paused = int(marker.read_text().split()[0])
        assert holder(home).pid == paused and alive(paused), "the paused ingest holds the writer lock"
        if victim == "worker":
            waiting_for_the_slot_is_shown(home, serve, killed_run)
        pids = json.loads((home.state / "prefect-server.json").read_text())
        os.kill(pids[f"{victim}_pid"], signal.SIGKILL)
        assert serve.proc.wait(timeout=HANG) == 1, serve.text()
    finally:
        serve.stop()
    assert "killed by SIGKILL" in serve.text()
    # the flow run's process, paused mid-ingest, did not outlive the serve that started it
    wait_until(lambda: not alive(paused), HANG, "the paused ingest's process gone")

    again = Serve(home, "--settle", "0.5").wait_up()
    try:
        run = _read(home, again.url, killed_run.id)
        assert run.state.is_crashed(), run.state
        assert "srdi:" in run.state.message and "is gone" in run.state.message, run.state.message
        # a killed worker's run is set Crashed by the serve that saw it die (its server still answers); a killed
        # server's, by the next serve before its worker starts
        said = (serve if victim == "worker" else again).text()
        assert "Crashed" in said, said
        made = workbook(home.root / "clerk" / f"{BUREAU}任务进展2022Q2.xlsx", 7)
        (home.inbox / BUREAU).mkdir(exist_ok=True)
        shutil.move(made, home.inbox / BUREAU / made.name)
        wait_until(lambda: receipts(home, f"{BUREAU}任务进展2022Q2"), HANG, lambda: f"the receipt: {again.text()}",
                   alive=lambda: again.proc.poll() is None, every=0.2)
    finally:
        again.stop()
