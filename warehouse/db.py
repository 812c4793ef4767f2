"""Connections and SQL files. SQL lives beside this module as .sql files named verb_object."""
from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import duckdb


@cache
def sql(name: str) -> str:
    return resources.files("warehouse").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only, config={"threads": 2})


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(sql("create_tables"))
    con.execute(sql("create_views"))
    con.execute(sql("comment_columns"))
