"""The rollup flows: the quarterly dispatch (季调度), the half-year meeting (半年例会), the annual summary (年度总结),
and a backfill of a range of periods. Each is flows/pipeline.py's `compute_rollup` with its steps as Prefect task
runs; a backfill runs each period as a subflow run. Parameters in, one library call out."""
from __future__ import annotations

from prefect import flow

from flows.pipeline import AS_TASKS, OnProgress, backfill_rollups, compute_rollup
from warehouse.home import Home
from warehouse.lock import WriterLock


@flow(name="quarterly-dispatch", log_prints=True)
def quarterly_dispatch(home: str | None = None, period: str | None = None, lock: WriterLock | None = None) -> dict:
    """季调度: a quarter (2022Q2) — compliance, ladder, tasks, targets."""
    return compute_rollup("quarterly", Home.resolve(home).ensure(), period, step=AS_TASKS, lock=lock)


@flow(name="midyear-meeting", log_prints=True)
def midyear_meeting(home: str | None = None, period: str | None = None, lock: WriterLock | None = None) -> dict:
    """半年例会: a half (2022H1) — H1 cumulative, target progress, the service teams compared."""
    return compute_rollup("midyear", Home.resolve(home).ensure(), period, step=AS_TASKS, lock=lock)


@flow(name="annual-summary", log_prints=True)
def annual_summary(home: str | None = None, period: str | None = None, lock: WriterLock | None = None) -> dict:
    """年度总结: a year (2022) — the year, the targets, the rewards ledger, next year's cultivation list."""
    return compute_rollup("annual", Home.resolve(home).ensure(), period, step=AS_TASKS, lock=lock)


ROLLUPS = {"quarterly": quarterly_dispatch, "midyear": midyear_meeting, "annual": annual_summary}


@flow(name="backfill-rollups", log_prints=True)
def backfill(kind: str, start: str, end: str, home: str | None = None,
             on_progress: OnProgress | None = None, lock: WriterLock | None = None) -> list[dict]:
    """Every period of `kind` from start to end, oldest first, each as its own rollup run (a subflow run). `lock`:
    the writer lock a caller in this process holds (the CLI), handed to each run; else each run takes it."""
    def subflow(kind: str, where: Home, period: str) -> dict:
        return ROLLUPS[kind](home=str(where.root), period=period, lock=lock)
    return backfill_rollups(kind, start, end, Home.resolve(home).ensure(), rollup=subflow, on_progress=on_progress)
