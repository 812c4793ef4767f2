"""The schedules are real: `srdi serve` starts a Prefect server, deploys prefect.yaml and starts a worker;
a deployment run computes a pack; each rollup's next scheduled run is what its cron and timezone say."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from srdi.local_server import free_port, healthy
from warehouse.home import Home
from samples.share import build_sample_share

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.integration


def next_fire(cron: str, now: datetime) -> datetime:
    """Next time of a 'minute hour day months *' cron in Asia/Shanghai, computed without Prefect."""
    minute, hour, day, months, _ = cron.split()
    local = now.astimezone(SHANGHAI)
    candidates = [datetime(y, int(m), int(day), int(hour), int(minute), tzinfo=SHANGHAI)
                  for y in (local.year, local.year + 1) for m in months.split(",")]
    return min(c for c in candidates if c > local)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = Home.resolve(tmp_path_factory.mktemp("served")).ensure()
    build_sample_share(home.inbox)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_HOME=str(home.root / ".prefect"))
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while not (home.state / "prefect-server.json").exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "srdi serve did not come up"
        time.sleep(1)
    yield home, url, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def _client_settings(url):
    from prefect.settings import PREFECT_API_URL, temporary_settings
    return temporary_settings(updates={PREFECT_API_URL: url})


def _run(url, name, parameters, timeout=300):
    from prefect.deployments import run_deployment
    with _client_settings(url):
        return run_deployment(name=name, parameters=parameters, timeout=timeout)


def test_a_deployment_run_on_the_worker_computes_the_pack(served):
    home, url, _ = served
    ingest = _run(url, "ingest/ingest", {"settle_seconds": 0})
    assert ingest.state.is_completed(), ingest.state
    run = _run(url, "quarterly-dispatch/quarterly-dispatch", {"period": "2022Q2"})
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

    spec = {d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]}
    now = datetime.now(timezone.utc)
    expected = {name: next_fire(d["schedules"][0]["cron"], now) for name, d in spec.items() if "cron" in d["schedules"][0]}
    assert set(expected) == {"quarterly-dispatch", "midyear-meeting", "annual-summary"}
    assert all(d["schedules"][0]["timezone"] == "Asia/Shanghai" for d in spec.values())
    with _client_settings(url), get_client(sync_client=True) as client:
        for name, want in expected.items():
            deadline = time.monotonic() + 120
            while True:
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
                    flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
                    sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1)
                if runs or time.monotonic() > deadline:
                    break
                time.sleep(2)
            assert runs, f"no scheduled run for {name}"
            assert runs[0].expected_start_time == want, (name, runs[0].expected_start_time, want)
        ingest = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["ingest"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=2)
        assert len(ingest) == 2 and ingest[1].expected_start_time - ingest[0].expected_start_time == timedelta(minutes=15)


def test_ctrl_c_stops_server_and_worker_cleanly(served):
    home, url, proc = served
    assert healthy(url)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert not healthy(url)
    assert not (home.state / "prefect-server.json").exists()
    out = proc.stdout.read()
    assert "Traceback" not in out, out
