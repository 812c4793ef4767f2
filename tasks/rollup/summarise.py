"""What a rollup run did, for the CLI and the flow's result.

`notices` are the run's rollup_notices rows (warehouse/sql/rollups/list_rollup_notices.sql), the same the pack's
概要 and the dashboard show: 责任领导未配置 (and where to set them), periods to compute again after the rollup tables
changed layout, rules-file keys to update. A CLI prints each on its own line.
"""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import KIND
from schemas.periods import RollupPeriod
from warehouse.connection import connect
from warehouse.home import Home
from warehouse.rollups import read_period


def read_notices(home: Home, period: str) -> list[str]:
    """The notices the rollup of `period` stored (the analyst copy, published after the store)."""
    if not home.warehouse.exists():
        return []
    with connect(home.warehouse, read_only=True) as con:
        rows = read_period(con, "rollup_notices", period)
    if rows is None or not rows.height:
        return []
    order = {"recompute": 0, "leaders": 1}
    return [r["notice"] for r in sorted(rows.iter_rows(named=True), key=lambda r: (order.get(r["topic"], 2), r["notice_id"]))]


@task(name="summarise-rollup", cache_policy=NO_CACHE)
def summarise_rollup(home: Home, rp: RollupPeriod, counts: dict[str, int], pack: str, dashboard: str | None) -> dict:
    return {"kind": rp.kind, "period": rp.period, "label": rp.label, "title": f"{KIND[rp.kind]}（{rp.label}）",
            "pack": pack, "dashboard": dashboard,
            "reports": str(home.reports / rp.period), "warehouse": str(home.warehouse), "tables": counts,
            "notices": read_notices(home, rp.period)}
