"""The rollup's data tests (sqlmesh calls them audits): run on a rollup's new rows after they are computed and
before anything is stored, published or written (tasks/rollup/audit.py runs them inside the rollup flow).

Each rollup table's model (warehouse/sql/models/<table>.toml, read by schemas/sections.py) declares them:

* `unique`           its key: one row per key (warehouse/sql/audit/find_duplicate_keys.sql);
* `not_null`         its NOT NULL columns (find_nulls.sql);
* `accepted_values`  a column's codes: a list, or a catalogue of schemas/labels.py (find_unaccepted_values.sql);
* `relationships`    a column whose values the same column of another table of the same run holds (find_orphans.sql);

A table's not_null and accepted_values tests are first counted together in one scan (count_failures.sql); each test
that counts a row is then run alone to name its offending rows. Then three invariants across tables (check_*.sql):
each bureau that owes a report appears once in compliance; the ladder counts equal the enterprises listed; each
rewards ledger amount adds up (from 0 to its standard when payable, 0 otherwise). A failure is a `RollupAuditFailed`, whose message is one line in Chinese and English naming the table,
the test and a few offending keys.

The rows are polars frames registered under fixed names (`audit_rows`, `audit_parent`, `audit_<table>`) on the
caller's connection; nothing is written. Placeholders are column names from the models, checked identifiers.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import polars as pl

from schemas.sections import Section
from warehouse.sql import identifier, load as sql


@dataclass(frozen=True)
class Failure:
    table: str
    test: str                      # unique | not_null(<column>) | accepted_values(<column>) | relationships(…) | an invariant
    offending: tuple[str, ...]     # a few offending keys or values (at most 5), "×n" when one repeats


class RollupAuditFailed(RuntimeError):
    """A rollup's data test failed: nothing of the run was stored, published or written."""

    def __init__(self, period: str, failures: list[Failure]):
        self.period, self.failures = period, failures
        first = failures[0]
        more = f"（另有 {len(failures) - 1} 项 / and {len(failures) - 1} more）" if len(failures) > 1 else ""
        super().__init__(
            f"汇总数据检查未通过，未保存、未发布、未生成会议材料 / rollup {period} failed a data test, nothing stored "
            f"or published: {first.table} {first.test}: {'; '.join(first.offending)}{more}")


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]):
    """The frames registered under their names for the checks run inside (once for all of a table's checks: a
    registration costs about four times a check's query)."""
    for key, frame in frames.items():
        con.register(key, frame)
    try:
        yield
    finally:
        for key in frames:
            con.unregister(key)


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None, **placeholders: str) -> tuple[str, ...]:
    """The offending values check `name` finds on the frames registered (`_registered`)."""
    text = sql(f"audit/{name}", column=placeholders.pop("column", None))
    for key, value in placeholders.items():          # {columns}: a list of checked identifiers
        text = text.replace("{" + key + "}", value)
    found = con.execute(text, params or {}).fetchall()
    counted = name.startswith("find_")              # n: how often the value occurs (else: what the invariant saw)
    return tuple(f"{o} ×{n}" if counted and n > 1 else str(o) for o, n in found)


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(f"CAST({identifier(n)} AS VARCHAR)" for n in names)


def _screen(con: duckdb.DuckDBPyConnection, model: Section) -> set[tuple[str, str]]:
    """(test, column) of each not_null and accepted_values test of `model` that some new row fails: one query for all
    of them (audit/count_failures.sql)."""
    tests, counts, params = [], [], {}
    for column in model.not_null:
        tests.append(("not_null", column))
        counts.append(f"count(*) FILTER (WHERE {identifier(column)} IS NULL)")
    for n, (column, accepted) in enumerate(model.tests.accepted_values):
        tests.append(("accepted_values", column))
        counts.append(f"count(*) FILTER (WHERE {identifier(column)} IS NOT NULL"
                      f" AND NOT list_contains($accepted_{n}, CAST({identifier(column)} AS VARCHAR)))")
        params[f"accepted_{n}"] = [str(v) for v in accepted]
    if not tests:
        return set()
    (found,) = con.execute(sql("audit/count_failures").replace("{counts}", ", ".join(counts)), params).fetchall()
    return {t for t, count in zip(tests, found) if count}


def audit_table(con: duckdb.DuckDBPyConnection, model: Section, rows: pl.DataFrame,
                tables: dict[str, pl.DataFrame]) -> list[Failure]:
    """`model`'s declared tests on its new `rows`; `tables`: the run's other new rows (relationships)."""
    out: list[Failure] = []

    def check(test: str, found: tuple[str, ...]) -> None:
        if found:
            out.append(Failure(model.table, test, found))

    key = _columns(model.key)
    with _registered(con, {"audit_rows": rows}):
        check(f"unique ({', '.join(model.key)})", _rows(con, "find_duplicate_keys", columns=key))
        failing = _screen(con, model)
        for column in model.not_null:
            if ("not_null", column) in failing:
                check(f"not_null({column})", _rows(con, "find_nulls", column=column, columns=key))
        for column, accepted in model.tests.accepted_values:
            if ("accepted_values", column) in failing:
                check(f"accepted_values({column})", _rows(con, "find_unaccepted_values",
                                                          {"accepted": [str(v) for v in accepted]}, column=column))
        for column, parent in model.tests.relationships:
            if parent in tables:                   # a table this kind of rollup computes
                with _registered(con, {"audit_parent": tables[parent]}):
                    check(f"relationships({column} → {parent}.{column})", _rows(con, "find_orphans", column=column))
    return out


INVARIANTS = {   # name -> the tables (and rule frames) it reads
    "check_compliance_once": ("compliance",),
    "check_ladder_counts": ("ladder_counts", "ladder_enterprises"),
    "check_rewards_amounts": ("rewards",),
}


def audit_invariants(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame],
                     obligations: pl.DataFrame) -> list[Failure]:
    """The invariants across tables (INVARIANTS) whose tables this run computed; `obligations`: who owes which form
    for which quarter (the rules' frame the compliance SQL reads)."""
    out = []
    for name, needs in INVARIANTS.items():
        if all(t in tables for t in needs):
            frames = {f"audit_{t}": tables[t] for t in needs} | {"rollup_obligations": obligations}
            with _registered(con, frames):
                found = _rows(con, name)
            if found:
                out.append(Failure(needs[0], name.removeprefix("check_"), found))
    return out


def audit(con: duckdb.DuckDBPyConnection, models: list[Section], tables: dict[str, pl.DataFrame],
          obligations: pl.DataFrame) -> list[Failure]:
    """Every declared test of every computed table, then the invariants: the failures, in the models' order."""
    failures = [f for m in models if m.table in tables for f in audit_table(con, m, tables[m.table], tables)]
    return failures + audit_invariants(con, tables, obligations)
