"""The rollups' SQL (warehouse/sql/rollups/*.sql), the one write a rollup run makes, and reading a period back.

Each compute file is one SELECT with named parameters ($period, $last_quarter, …), never formatted values;
`select` passes it only the parameters it names and can register frames the SQL reads by name.
`replace_period` swaps all of a period's rows in every rollup table in one transaction.

The rollup tables are derived data with a versioned layout: each is one model (warehouse/sql/models/<table>.toml
beside its <table>.sql, read by schemas/sections.py), and `rollup_ddl` / `rollup_comments` derive its table definition
and its comments from that model. `apply_rollup_schema` applies them once per SCHEMA_VERSION (recorded in
schema_versions, with the digest of the DDL and comments: a run whose home already has both reads one row and
applies nothing). A home whose rollup tables have an older layout (or none
recorded: homes from before versions) gets them dropped and created anew, in one transaction; the periods they held
go to rollup_recompute, and every rollup says which still need computing again until each has been.

Relations that several sections read (the state of every enterprise at the period's end, the recognitions up to
it) are staged once per run as temporary tables `rollup_<name>` (rollups/stage_<name>.sql, `staged`), so each is
computed once, not once per section that reads it; for a whole run, the identity views are snapshotted before them
(RUN_STAGED: rollups/stage_identities.sql).
"""
from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from functools import cache

import duckdb
import polars as pl

from schemas.sections import RUNS, SECTIONS, Section, TABLES as ROLLUP_TABLES   # every table a rollup writes; each is keyed by `period`
from warehouse.connection import record_schema_version, schema_version, transaction
from warehouse.sql import grain as sql_grain, identifier as sql_identifier, load as sql

_PARAM = re.compile(r"\$([A-Za-z_]\w*)")

# Staged relations: temporary tables rollup_<name>, one per file rollups/stage_<name>.sql, that section SQL reads
STAGED = ("state", "recognitions")
# Staged first for a whole rollup run (`staged(con, params, RUN_STAGED)`): the identity views snapshotted as temporary
# tables of their own names (rollups/stage_identities.sql says why), then the staged relations, which read them
RUN_STAGED = ("identities", *STAGED)
_STAGED_NAME = re.compile(r"\brollup_(" + "|".join(STAGED) + r")\b")

# The layout of the rollup tables (their models' columns and keys: `rollup_ddl`). Bump it whenever a model changes a
# table's columns, types or key (tests/unit/test_rules_policy.py pins the DDL of each version): every home
# then recreates its rollup tables once. 1: the layout before versions (no keys); 2: issue 14 (primary keys,
# rewards in every pack, target_enterprises, reward_categories, rollup_notices); 3: issue 19 (instants TIMESTAMPTZ:
# compliance verdicts stored before it were judged on the server's calendar day, so every period is computed again;
# rewards' provisional ledger and its changes, ratio targets' actual_text/pooled_pct, former_names).
SCHEMA_VERSION = 3
COMPONENT = "rollups"


@dataclass(frozen=True)
class SchemaChange:
    """What apply_rollup_schema did: from which recorded version (None: none recorded — a fresh database, or rollup
    tables from before versions, then listed in `dropped`), to which, and the periods to compute again."""
    from_version: int | None
    to_version: int
    dropped: tuple[str, ...] = ()
    recompute: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.from_version != self.to_version


def rollup_sql(name: str) -> str:
    """warehouse/sql/rollups/<name>.sql, or, for a name with its area (a model's SELECT: models/<table>), that file."""
    return sql(name if "/" in name else f"rollups/{name}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _definitions(model: Section) -> str:
    """A model's columns and key as the definitions of its table; names are checked identifiers (warehouse.sql),
    types one of schemas.sections.TYPES (checked when the model is read)."""
    cols = [f"{sql_identifier(c.name)} {c.type}{' NOT NULL' if c.not_null else ''}" for c in model.columns]
    return ", ".join([*cols, f"PRIMARY KEY ({', '.join(sql_identifier(k) for k in model.key)})"])


def rollup_ddl() -> str:
    """The definition of every rollup table (rollup_runs and each section), from its model."""
    return "\n".join(sql("rollups/create_rollup_table", table=m.table).replace("{definitions}", _definitions(m))
                     for m in (RUNS, *SECTIONS))


def rollup_comments() -> str:
    """The Chinese comment on every rollup table and column, from its model (and rollup_recompute's own file)."""
    out = []
    for m in (RUNS, *SECTIONS):
        out.append(sql("rollups/comment_rollup_table", table=m.table).replace("{comment}", _literal(m.comment)))
        out += [sql("rollups/comment_rollup_column", table=m.table, column=c.name).replace("{comment}", _literal(c.comment))
                for c in m.columns]
    return "\n".join([*out, rollup_sql("comment_recompute_table")])


def grain(name: str, params: dict | None = None) -> str:
    """The grain a SQL file states on its first line ("-- grain: …"), with the parameters it names (`$year`) replaced
    by their values when `params` are given, so a log line says "2022Q2", not "$prev_quarter"."""
    text = sql_grain(name if "/" in name else f"rollups/{name}")
    if not params:
        return text

    def value(m: re.Match) -> str:
        if m.group(1) not in params:
            return m.group(0)
        v = params[m.group(1)]
        return ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
    return _PARAM.sub(value, text)


def bind(text: str, params: dict) -> dict:
    """The parameters a statement names, and only those (DuckDB rejects extra ones)."""
    wanted = dict.fromkeys(_PARAM.findall(text))
    missing = [p for p in wanted if p not in params]
    if missing:
        raise KeyError(f"SQL needs parameter(s) {missing}")
    return {p: params[p] for p in wanted}


@cache
def ddl_sha256() -> str:
    """The digest of the rollup tables' DDL and comments: a change to either is applied once, at the next run."""
    text = "\n".join((rollup_ddl(), rollup_sql("create_recompute_table"), rollup_comments()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _newer_refused(current: int | None) -> None:
    if current is not None and current > SCHEMA_VERSION:
        raise RuntimeError(f"汇总表结构版本为 {current}，高于本程序支持的 {SCHEMA_VERSION}：请升级 srdi / "
                           f"the rollup tables have layout version {current}, newer than this srdi ({SCHEMA_VERSION})")


def apply_rollup_schema(con: duckdb.DuckDBPyConnection) -> SchemaChange:
    """The rollup tables at SCHEMA_VERSION: nothing to do (one read) when schema_versions records this version and
    this DDL; otherwise, in one transaction, created when missing, recreated when older (their periods noted for
    recomputing), the comments applied and the version recorded."""
    found = schema_version(con, COMPONENT)
    if found is not None:
        _newer_refused(found[0])
        if found == (SCHEMA_VERSION, ddl_sha256()):
            return SchemaChange(SCHEMA_VERSION, SCHEMA_VERSION)
    with transaction(con):
        con.execute(sql("schema/create_schema_versions"))
        con.execute(rollup_sql("create_recompute_table"))
        found = con.execute(sql("schema/read_schema_version"), {"component": COMPONENT}).fetchone()
        current = found[0] if found else None
        _newer_refused(current)
        change = SchemaChange(current, SCHEMA_VERSION)
        if current == SCHEMA_VERSION:                    # the same layout, other comments (or a table gone)
            con.execute(rollup_ddl())
        else:
            present = relations(con)
            existing = tuple(t for t in ROLLUP_TABLES if t in present)
            periods = (con.execute(rollup_sql("list_rolled_up_periods")).fetchall()
                       if "rollup_runs" in present else [])
            for table in existing:                       # names from the registry, never from input
                con.execute(sql("rollups/drop_rollup_table", table=table))
            con.execute(rollup_ddl())
            if periods:
                con.register("_recompute", pl.DataFrame(
                    [{"period": p, "kind": k, "from_version": current or 1, "to_version": SCHEMA_VERSION}
                     for p, k in periods],
                    schema={"period": pl.Utf8, "kind": pl.Utf8, "from_version": pl.Int32, "to_version": pl.Int32}))
                con.execute(rollup_sql("note_recompute"))
                con.unregister("_recompute")
            change = SchemaChange(current, SCHEMA_VERSION, existing, tuple(p for p, _ in periods))
        con.execute(rollup_comments())
        record_schema_version(con, COMPONENT, SCHEMA_VERSION, ddl_sha256())
    return change


def pending_recompute(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(period, kind) of every period whose rows a layout change dropped and no rollup has computed since."""
    if "rollup_recompute" not in relations(con):
        return []
    return [(p, k) for p, k, *_ in con.execute(rollup_sql("list_recompute")).fetchall()]


def staged_names(name: str) -> tuple[str, ...]:
    """The staged relations (STAGED) that rollups/<name>.sql reads as rollup_<name>."""
    found = set(_STAGED_NAME.findall(rollup_sql(name)))
    return tuple(n for n in STAGED if n in found)


@contextlib.contextmanager
def staged(con: duckdb.DuckDBPyConnection, params: dict, names: tuple[str, ...] = STAGED):
    """The staged relations `names` as temporary tables rollup_<name> (the identities: the views' own names, see
    RUN_STAGED) while the block runs, each computed once from
    the writer's data and `params` (rollups/stage_<name>.sql); dropped after it. On an error they are left to the
    caller's transaction (whose rollback drops them) or to the connection's end."""
    for name in names:
        text = rollup_sql(f"stage_{name}")
        con.execute(text, bind(text, params))
    yield
    for name in names:
        con.execute(rollup_sql(f"drop_staged_{name}"))


def select(con: duckdb.DuckDBPyConnection, name: str, params: dict,
           frames: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """Run warehouse/rollups/<name>.sql; `frames` are registered under their keys while it runs."""
    text = rollup_sql(name)
    frames = frames or {}
    for key, frame in frames.items():
        con.register(key, frame)
    try:
        return pl.DataFrame(con.sql(text, params=bind(text, params)).to_arrow_table())
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
        if "rollup_recompute" in relations(con):
            con.execute(rollup_sql("clear_recompute"), {"period": period})
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
    return pl.DataFrame(con.sql(sql("rollups/read_period_rows"), params={"table": table, "period": period}).to_arrow_table())
