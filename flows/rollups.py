"""Rollups: the quarterly dispatch (季调度), the half-year meeting (半年例会) and the annual summary (年度总结).

Each takes the writer lock (never while an ingest writes) and opens one connection to the writer database for the
whole run; it prepares the warehouse (the DDL only when the schema version changed), computes every section from
accepted data in one transaction, runs the tables' data tests (tasks/rollup/audit.py: a failure fails the run before
anything is stored), replaces the period's rows in one transaction, publishes the analyst copy, then writes the
meeting pack (xlsx), the HTML dashboard, and Prefect artifacts. Default period: the one that ended most
recently (Asia/Shanghai).
"""
from __future__ import annotations

from prefect import flow
from prefect.utilities.annotations import quote

from schemas.periods import periods_between
from tasks.rollup.artifacts import publish_artifacts
from tasks.rollup.audit import audit_rollup
from tasks.rollup.compute import compute_sections, load_rollup_config, resolve_period, store_rollup
from tasks.rollup.dashboard import render_dashboard
from tasks.rollup.pack import write_pack
from tasks.rollup.summarise import summarise_rollup
from tasks.storage import prepare_warehouse, publish_warehouse
from warehouse.connection import connect
from warehouse.home import Home
from warehouse.lock import writer_lock


def _rollup(kind: str, home: str | None, period: str | None) -> dict:
    where = Home.resolve(home).ensure()
    cfg = load_rollup_config(where)
    rp = resolve_period(kind, period, cfg.time_zone)
    # quote(): frames and the connection are passed as they are; Prefect need not search them for futures
    with writer_lock(where), connect(where.writer_db) as con:     # one connection for the whole run
        prepare_warehouse(where, quote(con))
        sections = compute_sections(quote(con), rp, cfg)         # every section of schemas/sections.py
        audit_rollup(quote(con), rp, cfg, quote(sections))       # the models' data tests: a failure stores nothing
        counts = store_rollup(quote(con), where, rp, cfg, quote(sections))
        publish_warehouse(where, quote(con))
        pack = write_pack(where, rp, cfg, quote(sections))
        dashboard = render_dashboard(where, rp.period, quote(con))
    publish_artifacts(rp, cfg, quote(sections), pack)
    return summarise_rollup(where, rp, counts, pack, dashboard, sections, cfg)


@flow(name="quarterly-dispatch", log_prints=True)
def quarterly_dispatch(home: str | None = None, period: str | None = None) -> dict:
    """季调度: a quarter (2022Q2) — compliance, ladder, tasks, targets."""
    return _rollup("quarterly", home, period)


@flow(name="midyear-meeting", log_prints=True)
def midyear_meeting(home: str | None = None, period: str | None = None) -> dict:
    """半年例会: a half (2022H1) — H1 cumulative, target progress, the service teams compared."""
    return _rollup("midyear", home, period)


@flow(name="annual-summary", log_prints=True)
def annual_summary(home: str | None = None, period: str | None = None) -> dict:
    """年度总结: a year (2022) — the year, the targets, the rewards ledger, next year's cultivation list."""
    return _rollup("annual", home, period)


ROLLUPS = {"quarterly": quarterly_dispatch, "midyear": midyear_meeting, "annual": annual_summary}


@flow(name="backfill-rollups", log_prints=True)
def backfill(kind: str, start: str, end: str, home: str | None = None) -> list[dict]:
    """Every period of `kind` from start to end, oldest first, each as its own rollup run."""
    return [ROLLUPS[kind](home=home, period=p) for p in periods_between(kind, start, end)]
