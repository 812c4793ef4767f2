"""What srdi remembers about the inbox between runs (table inbox_files): when it first saw each entry, how the
entry looked at the last scan, and which note it wrote about it. Every statement is under warehouse/sql/intake/.

A row lives while its entry is in the inbox: a scan rewrites the rows of what it saw (so an entry that vanished is
forgotten), and filing a file away forgets it (so a new file dropped later under the same name is a new arrival).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb
import polars as pl

from warehouse.connection import transaction
from warehouse.sql import load as sql


@dataclass
class InboxEntry:
    path_key: str
    first_seen: datetime
    last_seen: datetime
    changed_at: datetime           # when srdi last saw its size or mtime change
    size_bytes: int | None = None
    mtime_ns: int | None = None
    renamed_from: str | None = None
    note_reason: str | None = None
    note_path: str | None = None


SCHEMA = pl.Schema(dict[str, pl.DataType | type[pl.DataType]]({"path_key": pl.Utf8, "first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC"),
          "changed_at": pl.Datetime("us", "UTC"), "size_bytes": pl.Int64, "mtime_ns": pl.Int64, "renamed_from": pl.Utf8,
          "note_reason": pl.Utf8, "note_path": pl.Utf8}))


def entries(con: duckdb.DuckDBPyConnection) -> dict[str, InboxEntry]:
    rows = con.execute(sql("intake/select_inbox_files")).fetchall()
    return {r[0]: InboxEntry(*r) for r in rows}


def replace_entries(con: duckdb.DuckDBPyConnection, seen: list[InboxEntry]) -> None:
    """What one scan saw, replacing what the previous scan saw, in one transaction."""
    frame = pl.DataFrame([asdict(e) for e in seen], schema=SCHEMA)
    with transaction(con):
        con.execute(sql("intake/delete_inbox_files"))
        con.register("_seen", frame)
        try:
            con.execute(sql("intake/insert_inbox_files"))
        finally:
            con.unregister("_seen")


def forget(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Entries that left the inbox (filed away)."""
    if keys:
        con.execute(sql("intake/forget_inbox_files"), [list(keys)])


def set_note(con: duckdb.DuckDBPyConnection, key: str, reason: str, path: str) -> None:
    """Remember the note written about an entry (a file that cannot be filed away), so it is written once."""
    con.execute(sql("intake/set_inbox_note"), [key, reason, path])


def note_reason(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    entry = entries(con).get(key)
    return entry.note_reason if entry else None
