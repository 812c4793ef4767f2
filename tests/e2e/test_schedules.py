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

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.integration


# The policy's rhythm (三、（三）: 季调度、半年例会、年度总结), written out by hand — not read from prefect.yaml — so a
# wrong cron string or timezone there shows up here. All at 08:00 Beijing time:
#   季调度   on the 11th of the month after each quarter (11 Jan, 11 Apr, 11 Jul, 11 Oct), for the quarter just ended:
#            the day after the reporting deadline (quarter end + 10 days, rollup_config.toml), so a bureau still inside
#            its window is never listed as 未报送;
#   半年例会 on 15 July, for the first half;
#   年度总结 on 20 January, for the year before.
def _next(now: datetime, dates: list[tuple[int, int]]) -> datetime:
    local = now.astimezone(SHANGHAI)
    return min(c for y in (local.year, local.year + 1) for m, d in dates
               if (c := datetime(y, m, d, 8, 0, tzinfo=SHANGHAI)) > local)


EXPECTED_RHYTHM = {
    "quarterly-dispatch": lambda now: _next(now, [(1, 11), (4, 11), (7, 11), (10, 11)]),
    "midyear-meeting": lambda now: _next(now, [(7, 15)]),
    "annual-summary": lambda now: _next(now, [(1, 20)]),
}


def test_the_rhythm_itself():
    """The hand-written rhythm, checked on dates worked out on a calendar."""
    now = datetime(2026, 11, 29, 12, 0, tzinfo=SHANGHAI)
    assert EXPECTED_RHYTHM["quarterly-dispatch"](now) == datetime(2027, 1, 11, 8, 0, tzinfo=SHANGHAI)
    assert EXPECTED_RHYTHM["midyear-meeting"](now) == datetime(2027, 7, 15, 8, 0, tzinfo=SHANGHAI)
    assert EXPECTED_RHYTHM["annual-summary"](now) == datetime(2027, 1, 20, 8, 0, tzinfo=SHANGHAI)
    # 2027-04-11 07:59 Beijing is 2027-04-10 23:59 UTC: the next dispatch is a minute away, the same day
    utc_eve = datetime(2027, 4, 10, 23, 59, tzinfo=timezone.utc)
    assert EXPECTED_RHYTHM["quarterly-dispatch"](utc_eve) == datetime(2027, 4, 11, 8, 0, tzinfo=SHANGHAI)
    # the due date itself (2027-04-10, 2027Q1 + 10 days) is still inside the window: no dispatch that day
    due_day = datetime(2027, 4, 10, 9, 0, tzinfo=SHANGHAI)
    assert EXPECTED_RHYTHM["quarterly-dispatch"](due_day) == datetime(2027, 4, 11, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = Home.resolve(tmp_path_factory.mktemp("served")).ensure()
    build_sample_share(home.inbox)
    port = free_port()
    proc = start_serve(home, port)
    yield home, f"http://127.0.0.1:{port}/api", proc
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
    assert set(spec) == {"ingest", *EXPECTED_RHYTHM}
    now = datetime.now(timezone.utc)
    expected = {name: rhythm(now) for name, rhythm in EXPECTED_RHYTHM.items()}
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
                time.sleep(0.5)
            assert runs, f"no scheduled run for {name}"
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
    deadline = time.monotonic() + 180
    while not (home.state / "prefect-server.json").exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "srdi serve did not come up"
        time.sleep(0.5)
    return proc


def test_ctrl_c_stops_server_and_worker_cleanly(tmp_path):
    """Its own `srdi serve` (not the module's), so what it stops no other test relies on."""
    home = Home.resolve(tmp_path / "home").ensure()
    port = free_port()
    proc = start_serve(home, port)
    url = f"http://127.0.0.1:{port}/api"
    assert healthy(url)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert not healthy(url)
    assert not (home.state / "prefect-server.json").exists()
    out = proc.stdout.read()
    assert "Traceback" not in out, out
