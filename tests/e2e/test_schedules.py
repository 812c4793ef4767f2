"""The schedules are real: `srdi serve` starts a Prefect server, deploys prefect.yaml and starts a worker;
a deployment run computes a pack; each rollup's next scheduled run is what its cron and timezone say."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
import yaml

from srdi.runtime import free_port, healthy
from tests.helpers import HANG, alive, wait_until
from warehouse.home import Home
from samples.share import build_sample_share

ROOT = Path(__file__).resolve().parents[2]


# The policy's rhythm (三、（三）: 季调度、半年例会、年度总结) is worked out by hand on a calendar in tests/test_status.py
# (test_the_next_runs_status_shows_follow_the_policys_rhythm), against what `srdi status` computes from prefect.yaml.
# Here a real Prefect server, given prefect.yaml by `srdi serve`, must schedule exactly those runs.
SCHEDULED = ("quarterly-dispatch", "midyear-meeting", "annual-summary")


@pytest.fixture(scope="module")
def served(tmp_path_factory, new_home):
    home = new_home(tmp_path_factory.mktemp("served"))
    build_sample_share(home.inbox)
    port = free_port()
    proc = start_serve(home, port)
    yield home, f"http://127.0.0.1:{port}/api", proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=HANG)


def _client_settings(home, url):
    from tests.e2e.serve_api import served_settings
    return served_settings(home, url)


def _run(home, url, name, parameters, timeout=300):
    from prefect.deployments import run_deployment
    with _client_settings(home, url):
        return run_deployment(name=name, parameters=parameters, timeout=timeout)


def test_a_deployment_run_on_the_worker_computes_the_pack(served):
    home, url, _ = served
    ingest = _run(home, url, "ingest/ingest", {"settle_seconds": 0})
    assert ingest.state.is_completed(), ingest.state
    run = _run(home, url, "quarterly-dispatch/quarterly-dispatch", {"period": "2022Q2"})
    assert run.state.is_completed(), run.state
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM compliance WHERE period = '2022Q2'").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM target_progress WHERE period = '2022Q2'").fetchone()[0] > 0
    finally:
        con.close()
    assert list((home.reports / "2022Q2").glob("*.xlsx"))


def test_next_scheduled_runs_follow_cron_and_timezone(served):
    home, url, _ = served
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterName, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    from srdi.commands.status import planned_runs

    spec = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]}
    # the mail deployments have no schedule: Prefect automations start them (tests/e2e/test_mail_alerts.py)
    assert set(spec) == {"ingest", *SCHEDULED, "send-mail", "notify-failed-run"}
    assert not spec["send-mail"].get("schedules") and not spec["notify-failed-run"].get("schedules")
    now = datetime.now(timezone.utc)
    expected = {r["deployment"]: datetime.fromisoformat(r["at"]) for r in planned_runs(now) if "at" in r}
    assert set(expected) == set(SCHEDULED)
    with _client_settings(home, url), get_client(sync_client=True) as client:
        for name, want in expected.items():
            runs = wait_until(lambda name=name: client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1), HANG, f"a scheduled run for {name}", every=0.5)
            assert runs[0].expected_start_time == want, (name, runs[0].expected_start_time, want)
        ingest = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["ingest"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=20)
        # the schedule's runs only: a run the inbox trigger started for the sample share (or the test above) may
        # still be waiting for the worker, due "now", between two of them
        ingest = [r for r in ingest if r.auto_scheduled]
        assert len(ingest) >= 2 and ingest[1].expected_start_time - ingest[0].expected_start_time == timedelta(minutes=15)


def start_serve(home: Home, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_HOME=str(home.root / ".prefect"))
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: (home.state / "prefect-server.json").exists(), HANG,
               lambda: f"srdi serve came up: {proc.stdout.read() if proc.poll() is not None else ''}",
               alive=lambda: proc.poll() is None, every=0.5)
    return proc


def test_ctrl_c_stops_server_and_worker_cleanly(served):
    """The module's `srdi serve`, stopped: this test is the module's last (pytest runs a module's tests in the order
    they are written), so what it stops no other test relies on; alone, it stops the serve its fixture started. A
    serve of its own would cost a Prefect server, a worker and a deploy (13–15 s of CPU) for the same check."""
    home, url, proc = served
    assert proc.poll() is None and healthy(url)
    pids = json.loads((home.state / "prefect-server.json").read_text())
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=HANG) == 0
    assert not healthy(url)
    assert not (home.state / "prefect-server.json").exists()
    wait_until(lambda: not alive(pids["server_pid"]) and not alive(pids["worker_pid"]), HANG,
               "serve's server and worker gone")
    out = proc.stdout.read()
    assert "Traceback" not in out, out
