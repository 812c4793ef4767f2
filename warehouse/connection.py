"""The one way srdi opens DuckDB, runs a transaction and lays out the schema. Nothing outside
warehouse/ calls duckdb.connect."""
from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from warehouse.sql import load as sql

SCHEMA_FILES = ("schema/create_tables", "schema/create_staged_views", "schema/create_macros", "schema/create_views",
                "schema/comment_columns")


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only, config={"threads": 2})


def connect_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory database (tests of the SQL rules, what-ifs)."""
    return duckdb.connect(":memory:", config={"threads": 2})


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """BEGIN … COMMIT, or ROLLBACK on any exception: all of it or none of it."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in SCHEMA_FILES:
        con.execute(sql(name))
