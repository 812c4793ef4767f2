"""Every SQL statement srdi runs lives in a .sql file under this folder, one statement (or one script) per
file, named verb_object. `load("rollups/compute_compliance")` is the one way to get one.

    schema/    DDL: tables, macros, views and their Chinese comments (raw → staged layers)
    intake/    what one ingest writes and reads (submissions, rows, lineage, supersession)
    rollups/   what the rollups write and stage besides their models (DDL templates, period rows, staging)
    models/    one model per rollup table: <table>.sql (its SELECT, grain on line 1) beside <table>.toml (its key,
               columns, Chinese comments and labels, sheets, data tests; schemas/sections.py reads it)
    audit/     the data tests every rollup runs before it stores anything (tasks/rollup/audit.py)
    outbox/    what the bureau's receipts, error lists and templates read
    catalog/   what docs/warehouse.md reads from DuckDB's own catalog
    query/     the few statements `srdi query` needs

A file may name identifier placeholders, `{table}` (and `{column}`), filled only from srdi's own list of tables or
DuckDB's catalog (never from input); values are always bound parameters ($name or ?).
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def _text(name: str) -> str:
    area, _, stem = name.rpartition("/")
    if not area or not _IDENTIFIER.match(stem):
        raise ValueError(f"SQL files are named <area>/<verb_object>: {name!r}")
    return resources.files("warehouse.sql").joinpath(area, f"{stem}.sql").read_text(encoding="utf-8")


def load(name: str, *, table: str | None = None, column: str | None = None) -> str:
    """The text of warehouse/sql/<name>.sql; `table` and `column` fill `{table}` and `{column}` placeholders (checked
    identifiers)."""
    text = _text(name)
    for key, value in (("table", table), ("column", column)):
        if "{" + key + "}" in text:
            if value is None or not _IDENTIFIER.match(value):
                raise ValueError(f"{name}.sql needs a {key} name, got {value!r}")
            text = text.replace("{" + key + "}", value)
    return text


def identifier(name: str) -> str:
    """`name` when it is a plain lower-case identifier (srdi's own table and column names); ValueError otherwise."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not an identifier: {name!r}")
    return name


def grain(name: str) -> str:
    """The grain a file states on its first line ("-- grain: …")."""
    first = _text(name).splitlines()[0]
    if not first.startswith("-- grain:"):
        raise ValueError(f"warehouse/sql/{name}.sql does not state its grain on its first line")
    return first.removeprefix("-- grain:").strip()
