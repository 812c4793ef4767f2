"""What a rollup run did, for the CLI and the flow's result.

`notices` are the run's rollup_notices rows (warehouse/sql/rollups/list_rollup_notices.sql), the rows it stored and
the same the pack's 概要 and the dashboard show: 责任领导未配置, periods to compute again after the rollup tables
changed layout, rules to update. A CLI prints each on its own line, followed by its `actions` entry: what the operator
does about it (the file, key or command, which the notice itself, read by leaders, never names).
"""
from __future__ import annotations

import polars as pl

from schemas.labels import KIND
from schemas.periods import RollupPeriod
from schemas.rollup_config import RollupConfig
from warehouse.home import Home

NOTICE_ORDER = {"recompute": 0, "leaders": 1}   # then every other topic


def _sorted(rows: pl.DataFrame | None) -> list[dict]:
    if rows is None or not rows.height:
        return []
    return sorted(rows.iter_rows(named=True), key=lambda r: (NOTICE_ORDER.get(r["topic"], 2), r["notice_id"]))


def notices(rows: pl.DataFrame | None) -> list[str]:
    """The run's notices (its rollup_notices rows) in the order a CLI prints them."""
    return [r["notice"] for r in _sorted(rows)]


def action(topic: str, rp: RollupPeriod, cfg: RollupConfig | None) -> str | None:
    """What the operator does about a notice of `topic`: the file, key or command. Only the CLI says it: the notice
    itself is read by leaders (the pack's 概要, the dashboard) and names no file, key or command."""
    from tasks.rollup.inputs import leaders_file
    if topic == "leaders":
        where = leaders_file(cfg) if cfg is not None else "<home>/rollup_config.toml"
        return (f"在 {where} 的 [leaders] 中逐个填写，如 \"工信局\" = \"张三\"（见 README“Responsible leaders”），"
                f"再运行 srdi rollup {rp.kind} --period {rp.period}")
    if topic == "recompute":
        return "逐个运行 srdi rollup quarterly|midyear|annual --period <报告期>（或 srdi backfill）"
    if topic == "config":
        source = cfg.source if cfg is not None else "rollup_config.toml"
        return f"修改规则文件 {source}（[rewards] 中删除 first_year；见 docs/rollups.md）"
    return None


def summarise_rollup(home: Home, rp: RollupPeriod, counts: dict[str, int], pack: str, dashboard: str | None,
                     sections: dict[str, pl.DataFrame], cfg: RollupConfig | None = None, brief: str | None = None,
                     history: str | None = None) -> dict:
    rows = _sorted(sections.get("rollup_notices"))
    return {"kind": rp.kind, "period": rp.period, "label": rp.label, "title": f"{KIND[rp.kind]}（{rp.label}）",
            "pack": pack, "brief": brief, "dashboard": dashboard, "history": history,
            "reports": str(home.reports / rp.period), "warehouse": str(home.warehouse), "tables": counts,
            "notices": [r["notice"] for r in rows],
            "actions": [action(r["topic"], rp, cfg) for r in rows]}
