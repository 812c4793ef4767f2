"""The one way srdi opens DuckDB, runs a transaction and lays out the schema. Nothing outside
warehouse/ calls duckdb.connect.

The schema (warehouse/sql/schema/*.sql) is applied once per version: `apply_schema` records the digest of the DDL
in schema_versions and skips a database that already has it, so a run pays two small reads, not the DDL.

Times: every instant is stored as TIMESTAMPTZ and every connection srdi opens sets the session's TimeZone to UTC
(DuckDB's default is the machine's zone), so no result depends on the server's `TZ`. A warehouse from before issue 19
(naive TIMESTAMP columns holding the server's local time) is converted once by `apply_schema`: see
`convert_naive_timestamps`."""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from functools import cache
from pathlib import Path

import duckdb

from warehouse.sql import load as sql

SCHEMA_FILES = ("schema/create_schema_versions", "schema/create_tables", "schema/create_staged_views",
                "schema/create_macros", "schema/create_views", "schema/comment_columns")
SCHEMA_COMPONENT = "warehouse"   # its row in schema_versions
SCHEMA_VERSION = 3               # the digest of SCHEMA_FILES decides; this number only labels the row
# 1: instants as naive TIMESTAMP (the server's local time); 2: issue 19, every instant TIMESTAMPTZ; 3: issue 19,
# enterprise names stored as typed with their name_key beside them (docs/rollups.md rule 7a)


def _session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(sql("schema/set_time_zone"))
    return con


MAX_THREADS = 8   # the warehouse holds a city's programme (thousands of rows): more threads buy no speed, only
                  # per-thread buffers, on a server other accounts share


@cache
def threads() -> int:
    """DuckDB's worker threads: the cores this process may run on (a taskset, systemd's CPUAffinity, a container's
    cpuset), which DuckDB's own default (every core of the machine) does not see; at most MAX_THREADS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the database at `path`: inside `kept_open(path)`, a cursor of the one instance kept for the run
    (read-only requests too: the run that keeps it holds the writer lock, and only reads through them); else its
    own instance."""
    kept = _KEPT.get(str(Path(path).resolve())) if _KEPT else None     # no path resolved outside a run
    if kept is not None and (not read_only or Path(path).exists()):
        return kept.cursor()
    return _open(path, read_only)


def _open(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    return _session(duckdb.connect(str(path), read_only=read_only, config={"threads": threads()}))


class _Kept:
    """One database instance held open for a run, opened at the first connect. Opening a DuckDB file builds an
    instance (its catalogue of built-in functions, its threads): 15–30 ms on this machine, paid by each of an
    ingest's seven steps and a rollup's five; a cursor of an open instance costs well under a millisecond. An
    instance that a fatal error invalidated (a full disk during a commit) is dropped, and the next connect opens the
    file again, replaying its log, as a connect of its own would."""

    def __init__(self, path: str) -> None:
        self.path, self.users = path, 0
        self.con: duckdb.DuckDBPyConnection | None = None
        self.guard = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self.guard:
            if self.con is not None:
                try:
                    return _session(self.con.cursor())
                except (duckdb.FatalException, duckdb.ConnectionException) as broken:
                    _log.warning("%s: the run's instance no longer answers (%s); opening the file again",
                                 self.path, broken)
                    self.close(quiet=True)
            self.con = con = _open(self.path)
            return _session(con.cursor())

    def close(self, quiet: bool = False) -> None:
        """Close the instance (DuckDB checkpoints it). A failure is raised, as a connection's own close would raise
        it, unless `quiet`: the instance is already broken, or the run is ending on an error of its own, which is the
        one to report; then it is logged."""
        con, self.con = self.con, None
        if con is None:
            return
        try:
            con.close()
        except duckdb.Error as failed:
            if not quiet:
                raise
            _log.warning("%s: closing the run's instance failed: %s", self.path, failed)


_KEPT: dict[str, _Kept] = {}
_log = logging.getLogger(__name__)
_KEPT_GUARD = threading.Lock()


@contextlib.contextmanager
def kept_open(path: Path | str):
    """While the block runs, every `connect(path)` in this process shares one instance of the database (see _Kept),
    closed (and so checkpointed) when the outermost such block ends. For the writer's database, under the writer
    lock: no other process opens it meanwhile."""
    key = str(Path(path).resolve())
    with _KEPT_GUARD:
        kept = _KEPT.setdefault(key, _Kept(key))
        kept.users += 1
    failed = True
    try:
        yield
        failed = False
    finally:
        with _KEPT_GUARD:
            kept.users -= 1
            if not kept.users:
                del _KEPT[key]
                kept.close(quiet=failed)


def connect_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory database (tests of the SQL rules, what-ifs)."""
    return _session(duckdb.connect(":memory:", config={"threads": threads()}))


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


@cache
def schema_sha256() -> str:
    """The digest of this srdi's schema DDL (SCHEMA_FILES): any change to them is a new schema version."""
    return hashlib.sha256("\n".join(sql(name) for name in SCHEMA_FILES).encode("utf-8")).hexdigest()


def schema_version(con: duckdb.DuckDBPyConnection, component: str) -> tuple[int, str | None] | None:
    """(version, DDL digest) that schema_versions records for `component`; None when nothing is recorded."""
    if not con.execute(sql("schema/count_schema_versions")).fetchall()[0][0]:   # a count: one row
        return None
    found = con.execute(sql("schema/read_schema_version"), {"component": component}).fetchone()
    return (found[0], found[1]) if found else None


def record_schema_version(con: duckdb.DuckDBPyConnection, component: str, version: int, digest: str) -> None:
    con.execute(sql("schema/record_schema_version"), {"component": component, "version": version, "ddl_sha256": digest})


def convert_naive_timestamps(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every naive TIMESTAMP column of this database's tables to TIMESTAMPTZ (issue 19). srdi wrote those values as
    the server's local wall-clock time (`datetime.now()`, `datetime.fromtimestamp`, `now()::TIMESTAMP`), so each is
    read in the zone of the machine that runs the conversion (DuckDB's default TimeZone: `TZ`, else
    /etc/localtime), which is the zone they were written in unless the server's zone changed since; to convert
    with another zone, run the first command after the upgrade with `TZ=<that zone>`. Inside the caller's
    transaction; the session is set back to UTC. Returns the columns converted (`table.column`)."""
    columns = con.execute(sql("schema/list_naive_timestamps")).fetchall()
    if not columns:
        return []
    con.execute(sql("schema/reset_time_zone"))
    try:
        for table, column in columns:
            con.execute(sql("schema/convert_naive_timestamp", table=table, column=column))
    finally:
        con.execute(sql("schema/set_time_zone"))
    return [f"{t}.{c}" for t, c in columns]


def apply_schema(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> bool:
    """Lay out the tables, views, macros and their comments: once per schema version, not on every run. A database
    whose schema_versions row already records this DDL's digest is left as it is (two small reads); otherwise the DDL
    is applied and recorded, all of it or none (one transaction). True when it applied the DDL."""
    if not force and schema_version(con, SCHEMA_COMPONENT) == (SCHEMA_VERSION, schema_sha256()):
        return False
    with transaction(con):
        convert_naive_timestamps(con)   # before the DDL, which then lays the views over the converted columns
        for name in SCHEMA_FILES:
            con.execute(sql(name))
        record_schema_version(con, SCHEMA_COMPONENT, SCHEMA_VERSION, schema_sha256())
    return True
