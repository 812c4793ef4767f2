"""Rollups: the quarterly dispatch (季调度), the half-year meeting (半年例会) and the annual summary (年度总结).

Each takes the writer lock (never while an ingest writes), computes every section from accepted data in the
writer database, replaces the period's rows in one transaction, publishes the analyst copy, then writes the
meeting pack (xlsx), the HTML dashboard when there is one, and Prefect artifacts. Default period: the one that
ended most recently (Asia/Shanghai).
"""
from __future__ import annotations

from prefect import flow

from tasks.home import Home
from tasks.load import prepare_warehouse, publish_warehouse
from tasks.lock import writer_lock
from tasks.pack import publish_artifacts, render_dashboard, summarise_rollup, write_pack
from tasks.rollup import (
    check_bank_events, compare_service_teams, compute_compliance, compute_ladder_changes, compute_ratios,
    compute_rewards, compute_target_progress, compute_task_status, count_ladder, find_conflicts,
    find_lagging_enterprises, list_cultivation, list_ladder_enterprises, list_task_problems, load_rollup_config,
    periods_between, prepare_rollup_tables, resolve_period, store_rollup,
)


def _rollup(kind: str, home: str | None, period: str | None) -> dict:
    where = Home.resolve(home).ensure()
    rp = resolve_period(kind, period)
    cfg = load_rollup_config(where)
    with writer_lock(where):
        prepare_warehouse(where)
        prepare_rollup_tables(where)
        s = {
            "compliance": compute_compliance(where, rp, cfg),
            "ladder_enterprises": list_ladder_enterprises(where, rp, cfg),
            "ladder_counts": count_ladder(where, rp, cfg),
            "ladder_changes": compute_ladder_changes(where, rp, cfg),
            "ladder_lagging": find_lagging_enterprises(where, rp, cfg),
            "ladder_conflicts": find_conflicts(where, rp, cfg),
            "task_status": compute_task_status(where, rp, cfg),
            "task_problems": list_task_problems(where, rp, cfg),
            "bank_events": check_bank_events(where, rp, cfg),
            "ratio_enterprises": compute_ratios(where, rp, cfg),
        }
        s["target_progress"] = compute_target_progress(where, rp, cfg, s["ratio_enterprises"])
        if kind in ("midyear", "annual"):
            s["service_team_comparison"] = compare_service_teams(where, rp, cfg, s)
        if kind == "annual":
            s["rewards"] = compute_rewards(where, rp, cfg)
            s["cultivation_list"] = list_cultivation(where, rp, cfg)
        counts = store_rollup(where, rp, cfg, s)
        publish_warehouse(where)
        pack = write_pack(where, rp, cfg, s)
        dashboard = render_dashboard(where, rp.period)
    publish_artifacts(rp, cfg, s, pack)
    return summarise_rollup(where, rp, counts, pack, dashboard)


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
