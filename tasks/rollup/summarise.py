"""What a rollup run did, for the CLI and the flow's result.

`notices` are the run's rollup_notices rows (warehouse/sql/rollups/list_rollup_notices.sql), the rows it stored and
the same the pack's 概要 and the dashboard show: 责任领导未配置 (and where to set them), periods to compute again
after the rollup tables changed layout, rules-file keys to update. A CLI prints each on its own line.
"""
from __future__ import annotations

import polars as pl

from schemas.labels import KIND
from schemas.periods import RollupPeriod
from warehouse.home import Home

NOTICE_ORDER = {"recompute": 0, "leaders": 1}   # then every other topic


def notices(rows: pl.DataFrame | None) -> list[str]:
    """The run's notices (its rollup_notices rows) in the order a CLI prints them."""
    if rows is None or not rows.height:
        return []
    return [r["notice"] for r in sorted(rows.iter_rows(named=True),
                                        key=lambda r: (NOTICE_ORDER.get(r["topic"], 2), r["notice_id"]))]


def summarise_rollup(home: Home, rp: RollupPeriod, counts: dict[str, int], pack: str, dashboard: str | None,
                     sections: dict[str, pl.DataFrame]) -> dict:
    return {"kind": rp.kind, "period": rp.period, "label": rp.label, "title": f"{KIND[rp.kind]}（{rp.label}）",
            "pack": pack, "dashboard": dashboard,
            "reports": str(home.reports / rp.period), "warehouse": str(home.warehouse), "tables": counts,
            "notices": notices(sections.get("rollup_notices"))}
