"""Publishing the analyst copy: checkpoint the writer's database, then swap a copy in atomically, so an analyst
never sees a half-written file and an open analyst connection never blocks a load.

The copy is published read-only (0444): DBeaver's default read-write connection, or a plain duckdb.connect(path),
then fails at once instead of leaving a write-ahead log behind. If one was left anyway (a root account ignores the
mode; a copy published before), publishing removes it, and DuckDB's spill folder beside it: a stale
`warehouse.duckdb.wal` makes every reader fail with "WAL checkpoint iteration does not match". So the next ingest
or rollup, or `srdi publish`, repairs a broken analyst copy."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from warehouse.atomic_write import copy_file
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home
from warehouse.sql import load as sql

ANALYST_COPY_MODE = 0o444


def debris(home: Home) -> list[Path]:
    """What a read-write connection leaves beside the analyst copy: its write-ahead log and its spill folder."""
    return [home.warehouse.with_name(home.warehouse.name + ".wal"), home.warehouse.with_name(home.warehouse.name + ".tmp")]


def remove_debris(home: Home) -> None:
    for p in debris(home):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def publish(home: Home, con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Checkpoint the writer's database (on `con`, the caller's connection to it, when given) and swap a read-only
    analyst copy in atomically; no stale .wal or .tmp is left beside it."""
    if con is not None:
        con.execute(sql("publish/checkpoint_writer"))
    else:
        with connect(home.writer_db) as own:
            own.execute(sql("publish/checkpoint_writer"))

    def before_swap() -> None:
        crash_point("before-publish-swap")
        remove_debris(home)          # before: a reader opening the new copy never meets the old log

    path = copy_file(home.writer_db, home.warehouse, before_swap=before_swap, mode=ANALYST_COPY_MODE)
    remove_debris(home)              # after: one a held read-write connection wrote meanwhile
    return path
