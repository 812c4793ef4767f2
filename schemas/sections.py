"""The rollup sections: one entry each, the single list every part of a rollup reads, derived from the models.

A rollup table is one **model** (docs/architecture.md "One place per rollup table"): two files side by side in
warehouse/sql/models/, as dbt keeps a model's SQL and its yml together —

* `<table>.sql`   the SELECT that computes it (its first line states the grain; read only by warehouse/);
* `<table>.toml`  its key (the grain as columns: the PRIMARY KEY), its Chinese table comment, its columns (DuckDB
                  type, NOT NULL, Chinese comment, and for the ones a sheet shows their Chinese label and how they are
                  shown), its sheets, where it shows, and its data tests.

This module reads the .toml files with tomllib (data, as schemas/refdata/rollup_config.toml; it imports nothing from
warehouse/) into `Section`s:

* `key`       one row per distinct key: the table's PRIMARY KEY and its `unique` data test;
* `columns`   the table's columns in order: warehouse/rollups.py derives the table definitions and the comments,
              the `not_null` data tests come from `not_null = true`;
* `inputs`    frames built from the rules (rollup_config.toml) that the SQL reads as `rollup_<name>`;
* `needs`     sections computed earlier in the same run that the SQL reads as `rollup_<name>`;
* `sheets`    how the meeting packs show it: sheet name, title, columns (with their Chinese labels), and at which
              position in which pack (quarterly | midyear | annual); a section is computed for every kind of
              rollup whose pack shows it;
* `dashboard` whether the HTML dashboard shows it;
* `artifact`  whether the Prefect UI gets it as a table artifact;
* `always`    computed for every kind of rollup even without a sheet of its own (rollup_notices: the pack's 概要,
              the dashboard and the flow's result read it; former_names: the packs' "原名 …" after a renamed
              enterprise's current name);
* `tests`     its data tests beyond key and not_null: `accepted_values` (column -> a list, or the name of a
              schemas/labels.py catalogue whose codes are the accepted values) and `relationships` (column -> a rollup
              table of the same period whose same-named column must hold the value); run after every rollup by
              tasks/rollup/audit.py, with the invariants of warehouse/sql/audit/.

The order of SECTIONS (MODELS below) is the computing order (a section's `needs` come before it); store_rollup
replaces the period's rows of exactly these tables (and rollup_runs, a model without SQL), the pack lays out their
sheets, the dashboard reads the ones it shows.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import polars as pl

from schemas import labels as L

KINDS = ("quarterly", "midyear", "annual")
FORMATS = ("text", "int", "num", "pct", "yuan", "date", "datetime", "bool")
TYPES = ("VARCHAR", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMPTZ")
MODELS_DIR = Path(__file__).resolve().parents[1] / "warehouse" / "sql" / "models"
RUNS_TABLE = "rollup_runs"      # one row per rollup run and period: written with the sections, not one of them


@dataclass(frozen=True)
class Col:
    """A column as a sheet (and the dashboard) shows it."""
    name: str
    header: str
    kind: str = "text"            # text | int | num | pct | yuan | date | datetime | bool
    labels: dict | Callable | None = None   # code -> Chinese: a catalogue of schemas.labels, or a callable
    blank: str | None = None       # what an empty cell says
    wide: bool = False            # long text: wraps within a wider column
    flag: bool = False            # highlight bad values


@dataclass(frozen=True)
class Column:
    """A column of the table as stored: its DuckDB type, NOT NULL, Chinese comment (the DDL and its comments)."""
    name: str
    type: str
    not_null: bool
    comment: str


@dataclass(frozen=True)
class Sheet:
    name: str                      # the sheet's tab
    title: str
    grain: str                     # "每行：…", printed under the title
    cols: tuple[Col, ...]
    packs: dict                    # kind -> position of this sheet in that kind's pack (1 = first after 概要)
    where: pl.Expr | None = None   # polars expression selecting rows
    sort: tuple = ()
    empty: str = "（无）"
    total: tuple[str, ...] = ()    # numeric columns summed in a 合计 row
    appendix: str | None = None    # extra rows the pack adds ("ratio_totals": sum over sum from target_progress)


@dataclass(frozen=True)
class DataTests:
    """A table's data tests besides its key (unique) and its NOT NULL columns (not_null)."""
    accepted_values: tuple[tuple[str, tuple], ...] = ()     # (column, accepted codes)
    relationships: tuple[tuple[str, str], ...] = ()         # (column, parent table): the same column there


@dataclass(frozen=True)
class Section:
    table: str
    sql: str                       # its SELECT: warehouse/sql/<sql>.sql (models/<table>)
    key: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    inputs: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    dashboard: bool = False
    artifact: bool = False
    always: bool = False
    comment: str = ""              # the table's Chinese comment
    columns: tuple[Column, ...] = ()
    tests: DataTests = DataTests()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in KINDS if self.always or any(k in s.packs for s in self.sheets))

    @property
    def not_null(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.not_null)


# ---------------------------------------------------------------- reading the models

_ORDER = ("compliance", "ladder_enterprises", "ladder_counts", "ladder_changes", "ladder_lagging", "ladder_conflicts",
          "task_status", "task_problems", "bank_events", "target_enterprises", "ratio_enterprises", "target_progress",
          "service_team_comparison", "rewards", "reward_categories", "cultivation_list", "former_names",
          "rollup_notices")   # the computing order (and the order the packs' 概要 and the dashboard list them)


def _labels(name: str | None) -> dict | Callable | None:
    """A column's labels: a catalogue (code -> Chinese) or a function of schemas/labels.py."""
    if name is None:
        return None
    found = getattr(L, name, None)
    if not (isinstance(found, dict) or callable(found)) or name.startswith("_"):
        raise ValueError(f"labels {name!r} is not a catalogue of schemas/labels.py")
    return found


def _catalogue(name: str) -> dict:
    """The codes an accepted_values test takes from a catalogue of schemas/labels.py."""
    found = _labels(name)
    if not isinstance(found, dict):
        raise ValueError(f"labels {name!r} is not a catalogue of schemas/labels.py")
    return found


def _sort(sheet: dict) -> tuple:
    order = sheet.get("order", {})
    return tuple(pl.col(n).replace_strict(order[n], default=max(order[n].values()) + 1) if n in order else n
                 for n in sheet.get("sort", ()))


def parse_model(text: str, sql: str | None) -> Section:
    """One model (<table>.toml) as a Section; `sql`: its SELECT's name (models/<table>), None for rollup_runs."""
    m = tomllib.loads(text)
    table = m["table"]
    columns = tuple(Column(c["name"], c["type"], c.get("not_null", False), c["comment"]) for c in m["columns"])
    shown = {c["name"]: c for c in m["columns"] if "label" in c}
    for c in m["columns"]:
        if c["type"] not in TYPES or c.get("format", "text") not in FORMATS:
            raise ValueError(f"model {table}: column {c['name']} has type {c['type']!r}, format {c.get('format')!r}")
    sheets = []
    for sh in m.get("sheets", ()):
        unknown = [n for n in sh["columns"] if n not in shown]
        if unknown:
            raise ValueError(f"model {table}: sheet {sh['name']} shows {unknown}, which have no label")
        cols = tuple(Col(n, shown[n]["label"], shown[n].get("format", "text"), _labels(shown[n].get("labels")),
                         shown[n].get("blank"), shown[n].get("wide", False), n in sh.get("flag", ()))
                     for n in sh["columns"])
        sheets.append(Sheet(sh["name"], sh["title"], sh["grain"], cols, dict(sh["packs"]),
                            pl.col(sh["where"]) if "where" in sh else None, _sort(sh), sh.get("empty", "（无）"),
                            tuple(sh.get("total", ())), sh.get("appendix")))
    tests = m.get("tests", {})
    accepted = tuple((col, tuple(_catalogue(v)) if isinstance(v, str) else tuple(v))
                     for col, v in tests.get("accepted_values", {}).items())
    related = tuple((col, parent) for col, parent in tests.get("relationships", {}).items())
    names = {c.name for c in columns}
    wrong = [c for c in (*m["key"], *(a for a, _ in accepted), *(r for r, _ in related)) if c not in names]
    if wrong:
        raise ValueError(f"model {table}: key or tests name columns it does not have: {wrong}")
    return Section(table, sql or "", tuple(m["key"]), tuple(sheets), tuple(m.get("inputs", ())),
                   tuple(m.get("needs", ())), m.get("dashboard", False), m.get("artifact", False),
                   m.get("always", False), m["comment"], columns, DataTests(accepted, related))


def _model(table: str, sql: bool = True) -> Section:
    return parse_model((MODELS_DIR / f"{table}.toml").read_text(encoding="utf-8"), f"models/{table}" if sql else None)


SECTIONS: tuple[Section, ...] = tuple(_model(t) for t in _ORDER)
RUNS: Section = _model(RUNS_TABLE, sql=False)

BY_TABLE: dict[str, Section] = {s.table: s for s in SECTIONS}
TABLES: tuple[str, ...] = tuple(s.table for s in SECTIONS) + (RUNS_TABLE,)


@overload
def with_former_names(frame: pl.DataFrame, former: pl.DataFrame | None) -> pl.DataFrame: ...
@overload
def with_former_names(frame: None, former: pl.DataFrame | None) -> None: ...
def with_former_names(frame: pl.DataFrame | None, former: pl.DataFrame | None) -> pl.DataFrame | None:
    """`frame` with each renamed enterprise's name as people read it: one row under its current name, its former
    names after it (#19: an enterprise is its 统一社会信用代码; 吉林长白山酒业集团股份有限公司（原名 长白山酒业集团有限公司）).
    `former`: the period's former_names rows. The pack and the dashboard both list enterprises through this."""
    if frame is None or not frame.height or "enterprise_name" not in frame.columns or former is None or not former.height:
        return frame
    shown = {r["enterprise_name"]: f"{r['enterprise_name']}（原名 {r['former_names']}）" for r in former.iter_rows(named=True)}
    return frame.with_columns(pl.col("enterprise_name").replace(shown))


def sections_for(kind: str) -> list[Section]:
    """The sections a rollup of `kind` computes, in computing order."""
    if kind not in KINDS:
        raise ValueError(f"unknown rollup kind {kind!r}; one of {KINDS}")
    return [s for s in SECTIONS if kind in s.kinds]


def pack_sheets(kind: str) -> list[tuple[Section, Sheet]]:
    """The sheets of a kind's pack, in order."""
    found = [(s, sh) for s in SECTIONS for sh in s.sheets if kind in sh.packs]
    return sorted(found, key=lambda pair: pair[1].packs[kind])


def _check() -> None:
    """The registry's own consistency, at import: a broken entry fails every command at once."""
    seen: set[str] = set()
    for s in SECTIONS:
        missing = [n for n in s.needs if n not in seen]
        if missing:
            raise ValueError(f"section {s.table} needs {missing}, which come later in SECTIONS")
        for n in s.needs:
            if not set(s.kinds) <= set(BY_TABLE[n].kinds):
                raise ValueError(f"section {s.table} is computed where {n}, which it needs, is not")
        seen.add(s.table)
    found = sorted(p.stem for p in MODELS_DIR.glob("*.toml"))
    if found != sorted((*_ORDER, RUNS_TABLE)):
        raise ValueError(f"warehouse/sql/models/ has models {found}; schemas/sections.py orders {sorted(_ORDER)}")
    for kind in KINDS:
        positions = [sh.packs[kind] for _, sh in pack_sheets(kind)]
        if positions != list(range(1, len(positions) + 1)):
            raise ValueError(f"the {kind} pack's sheet positions are not 1..n: {positions}")


_check()
