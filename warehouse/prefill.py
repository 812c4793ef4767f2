"""What a bureau's template is prefilled with, read from the writer database (warehouse/sql/outbox/):

    enterprises_as_of(con, period)   every enterprise's state by the end of `period` (enterprise_state_as_of,
                                     the one definition of it), with the remarks of the report it comes from
    last_task_reports(con, period)   each bureau's last accepted report of each task up to `period`
    read(db, period)                 both, from a database file opened read-only; None when it has no schema yet
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.connection import connect
from warehouse.sql import load as sql


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute(sql("outbox/count_enterprise_state_macro")).fetchall()[0][0] > 0   # a count: one row


def enterprises_as_of(con: duckdb.DuckDBPyConnection, period: str) -> list[dict]:
    return _dicts(con.execute(sql("outbox/select_template_enterprises"), {"period": period}))


def last_task_reports(con: duckdb.DuckDBPyConnection, period: str) -> list[dict]:
    return _dicts(con.execute(sql("outbox/select_template_tasks"), {"period": period}))


def read(db: Path, period: str) -> tuple[list[dict], list[dict]] | None:
    """(enterprises, task reports) for `period`; None when the database does not exist or has no schema yet.
    The caller holds the writer lock, so the read is consistent."""
    if not Path(db).exists():
        return None
    con = connect(db, read_only=True)
    try:
        if not has_schema(con):
            return None
        return enterprises_as_of(con, period), last_task_reports(con, period)
    finally:
        con.close()
