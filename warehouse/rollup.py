"""The rollups' SQL (warehouse/rollups/*.sql) and the one write a rollup run makes.

Each compute file is one SELECT with named parameters ($period, $last_quarter, …), never formatted values;
`select` passes it only the parameters it names and can register frames the SQL reads by name.
`replace_period` swaps all of a period's rows in every rollup table in one transaction.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb
import polars as pl

# Every table a rollup writes; each is keyed by `period`.
ROLLUP_TABLES = (
    "compliance", "ladder_enterprises", "ladder_counts", "ladder_changes", "ladder_lagging", "ladder_conflicts",
    "task_status", "task_problems", "bank_events", "target_progress", "ratio_enterprises",
    "service_team_comparison", "rewards", "cultivation_list", "rollup_runs",
)
_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


@cache
def rollup_sql(name: str) -> str:
    return resources.files("warehouse.rollups").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def grain(name: str) -> str:
    """The grain a SQL file states on its first line ("-- grain: …")."""
    first = rollup_sql(name).splitlines()[0]
    if not first.startswith("-- grain:"):
        raise ValueError(f"warehouse/rollups/{name}.sql does not state its grain on its first line")
    return first.removeprefix("-- grain:").strip()


def bind(text: str, params: dict) -> dict:
    """The parameters a statement names, and only those (DuckDB rejects extra ones)."""
    wanted = dict.fromkeys(_PARAM.findall(text))
    missing = [p for p in wanted if p not in params]
    if missing:
        raise KeyError(f"SQL needs parameter(s) {missing}")
    return {p: params[p] for p in wanted}


def apply_rollup_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("create_rollup_tables", "create_rollup_macros", "comment_rollup_tables"):
        con.execute(rollup_sql(name))


def select(con: duckdb.DuckDBPyConnection, name: str, params: dict,
           frames: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """Run warehouse/rollups/<name>.sql; `frames` are registered under their keys while it runs."""
    text = rollup_sql(name)
    frames = frames or {}
    for key, frame in frames.items():
        con.register(key, frame)
    try:
        table = con.sql(text, params=bind(text, params)).to_arrow_table()
        return pl.from_arrow(table)
    finally:
        for key in frames:
            con.unregister(key)


def replace_period(con: duckdb.DuckDBPyConnection, period: str, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Delete every rollup row of `period`, insert `frames` (table -> rows), all in one transaction."""
    unknown = set(frames) - set(ROLLUP_TABLES)
    if unknown:
        raise KeyError(f"not rollup tables: {sorted(unknown)}")
    counts: dict[str, int] = {}
    con.execute("BEGIN")
    try:
        for table in ROLLUP_TABLES:            # names from the fixed list above, never from input
            con.execute(f"DELETE FROM {table} WHERE period = $period", {"period": period})
        for table, frame in frames.items():
            if frame.height:
                con.register("_rollup_rows", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rollup_rows")
                con.unregister("_rollup_rows")
            counts[table] = frame.height
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts
