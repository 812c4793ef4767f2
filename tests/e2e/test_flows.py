"""The Prefect flows themselves, under a Prefect test server. tests/integration calls the library the flows run
(flows/pipeline.py, through tests/helpers.py: ingest_in_process, rollup_in_process); here the real flows leave what
the library leaves, publish their artifacts, and the backfill runs each period in order."""
from __future__ import annotations

import asyncio
import shutil

from tests.helpers import ingest_in_process, q
from tests.integration.test_rollups import build_rollup_share, rolled, snapshot  # noqa: F401 (rolled: the fixture)
from warehouse.home import Home

RECORDS = """SELECT bureau, period, form, file_name, received_at, status, error_count, warning_count, row_count
             FROM submissions ORDER BY ALL"""
FINDINGS = """SELECT s.file_name, v.severity, v.sheet, v.excel_row, v.excel_col, v.field, v.value, v.rule, v.message
              FROM validation_errors v JOIN submissions s USING (submission_id) ORDER BY ALL"""


def _relative(summary: dict, home: Home) -> dict:
    """The summary with the home's path taken out (two homes, one share)."""
    return {k: (v.replace(str(home.root), "<home>") if isinstance(v, str) else v) for k, v in summary.items()}


def test_the_ingest_flow_leaves_what_the_library_leaves(tmp_path, prefect_server):
    from flows.ingest import ingest
    by_flow, in_process = (Home.resolve(tmp_path / name).ensure() for name in ("flow", "steps"))
    build_rollup_share(by_flow)
    shutil.copytree(by_flow.inbox, in_process.inbox, dirs_exist_ok=True, copy_function=shutil.copy2)  # mtimes kept
    flow_summary = ingest(home=str(by_flow.root), settle_seconds=0, trust_mtime=True)
    steps_summary = ingest_in_process(in_process, trust_mtime=True)
    assert flow_summary["loaded"] > 0 and flow_summary["rejected"] > 0
    assert _relative(flow_summary, by_flow) == _relative(steps_summary, in_process)
    assert q(by_flow, RECORDS) == q(in_process, RECORDS)
    assert q(by_flow, FINDINGS) == q(in_process, FINDINGS)


def test_a_rollup_flow_gives_what_the_library_gave(rolled, prefect_server):
    from flows.rollups import quarterly_dispatch
    home, _, results = rolled                       # built by the library (tests/helpers.py)
    before = snapshot(home, "2022Q3")
    assert quarterly_dispatch(home=str(home.root), period="2022Q3") == results["2022Q3"]
    assert snapshot(home, "2022Q3") == before


def test_artifacts_are_published(rolled, prefect_server):
    from flows.rollups import quarterly_dispatch
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    home, _, _ = rolled
    quarterly_dispatch(home=str(home.root), period="2022Q3")

    async def keys():
        async with get_client() as client:
            arts = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="quarterly-2022q3")))
            return {a.key for a in arts}
    found = asyncio.run(keys())
    assert {"quarterly-2022q3-summary", "quarterly-2022q3-compliance", "quarterly-2022q3-target-progress"} <= found


def test_backfill_runs_each_period_in_order(rolled, prefect_server):
    from flows.rollups import backfill
    home, _, _ = rolled
    before = snapshot(home, "2022Q2")
    out = backfill(kind="quarterly", start="2022Q1", end="2022Q2", home=str(home.root))
    assert [r["period"] for r in out] == ["2022Q1", "2022Q2"]
    assert q(home, "SELECT count(*) FROM compliance WHERE period = '2022Q1'") == [(0,)]   # before the plan
    assert snapshot(home, "2022Q2") == before
