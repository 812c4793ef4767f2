"""The rollups' SQL (warehouse/sql/rollups/*.sql), the one write a rollup run makes, and reading a period back.

Each compute file is one SELECT with named parameters ($period, $last_quarter, …), never formatted values;
`select` passes it only the parameters it names and can register frames the SQL reads by name.
`replace_period` swaps all of a period's rows in every rollup table in one transaction.
"""
from __future__ import annotations

import re
import duckdb
import polars as pl

from schemas.sections import TABLES as ROLLUP_TABLES   # every table a rollup writes; each is keyed by `period`
from warehouse.connection import transaction
from warehouse.sql import grain as sql_grain, load as sql

_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


def rollup_sql(name: str) -> str:
    return sql(f"rollups/{name}")


def grain(name: str) -> str:
    """The grain a SQL file states on its first line ("-- grain: …")."""
    return sql_grain(f"rollups/{name}")


def bind(text: str, params: dict) -> dict:
    """The parameters a statement names, and only those (DuckDB rejects extra ones)."""
    wanted = dict.fromkeys(_PARAM.findall(text))
    missing = [p for p in wanted if p not in params]
    if missing:
        raise KeyError(f"SQL needs parameter(s) {missing}")
    return {p: params[p] for p in wanted}


def apply_rollup_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("create_rollup_tables", "comment_rollup_tables"):
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
    with transaction(con):
        for table in ROLLUP_TABLES:            # names from the registry, never from input
            con.execute(sql("rollups/delete_period_rows", table=table), {"period": period})
        for table, frame in frames.items():
            if frame.height:
                con.register("_rollup_rows", frame)
                con.execute(sql("rollups/insert_period_rows", table=table))
                con.unregister("_rollup_rows")
            counts[table] = frame.height
    return counts


def relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views in the database."""
    return {r[0] for r in con.execute(sql("catalog/list_relations")).fetchall()}


def read_period(con: duckdb.DuckDBPyConnection, table: str, period: str) -> pl.DataFrame | None:
    """The rows a rollup of `period` stored in `table`, or None when no rollup has created the table yet."""
    if table not in ROLLUP_TABLES:
        raise KeyError(f"not a rollup table: {table!r}")
    if table not in relations(con):
        return None
    return pl.from_arrow(con.sql(sql("rollups/read_period_rows"), params={"table": table, "period": period}).to_arrow_table())
