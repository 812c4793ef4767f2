"""Reference data read from the policy (蛟政发〔2022〕4号), shipped as CSV beside this module.

A user's clone has no ../shared, so the bureaus, service teams, Annex 2 tasks, the 12 Annex 1
enterprises and the targets table are part of the project.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from schemas.forms import ENTERPRISE, Field
from schemas.values import PARSERS, clean_value, parse_enum, parse_level


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("schemas.refdata").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def squash(text: str) -> str:
    """NFKC, no whitespace at all: the key used to compare names written by people. An enterprise name is stored as
    typed (吉林某某有限公司（新）) with this key beside it (name_key: 吉林某某有限公司(新)), the one the warehouse
    matches names by (docs/rollups.md rule 7a)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def name_keys(names: pl.Series) -> pl.Series:
    """squash of each name (null stays null), computed once per distinct name: the name_key column."""
    distinct = names.drop_nulls().unique()
    return names.replace_strict(distinct, [squash(n) for n in distinct], default=None,
                                return_dtype=pl.Utf8).alias("name_key")


@dataclass(frozen=True)
class Bureau:
    bureau: str
    full_name: str
    aliases: tuple[str, ...]
    service_team: str | None


@dataclass(frozen=True)
class TaskItem:
    task_id: str
    group_id: str
    group_name: str
    item_text: str
    responsible_units: tuple[str, ...]
    metrics: tuple[str, ...]


@cache
def bureaus() -> dict[str, Bureau]:
    out = {}
    for r in _rows("bureaus.csv"):
        out[r["bureau"]] = Bureau(
            r["bureau"], r["full_name"], tuple(a for a in r["aliases"].split("|") if a),
            r["service_team"] or None,
        )
    return out


@cache
def _bureau_alias_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for b in bureaus().values():
        for name in (b.bureau, b.full_name, *b.aliases):
            idx[squash(name)] = b.bureau
    return idx


def resolve_bureau(name: str | None) -> str | None:
    """Canonical bureau for any of its usual names (工信局 = 工业和信息化局 = 市工信局 …), else None."""
    if not name:
        return None
    key = squash(name)
    idx = _bureau_alias_index()
    if key in idx:
        return idx[key]
    for prefix in ("蛟河市", "市", "中共蛟河市委", "蛟河"):
        if key.startswith(prefix) and key[len(prefix):] in idx:
            return idx[key[len(prefix):]]
    return None


# A bureau named inside a longer text (a file name): only names of three or more characters count ("工信" or
# "商务" alone would find bureaus in 电子商务企业库.xlsx)
NAMED_IN_MIN = 3


def bureau_named_in(text: str | None) -> str | None:
    """The one bureau whose name (short, full or an alias of 3+ characters) appears in `text`, such as a file name
    "工信局任务进展2022Q3.xlsx"; None when none does, or when names of different bureaus do (it cannot be told)."""
    if not text:
        return None
    key = squash(text)
    found = {b for name, b in _bureau_alias_index().items() if len(name) >= NAMED_IN_MIN and name in key}
    return found.pop() if len(found) == 1 else None


@cache
def service_teams() -> dict[str, str]:
    """service team (农业, 工业, …) -> the bureau that leads it."""
    return {r["service_team"]: r["bureau"] for r in _rows("service_teams.csv")}


@cache
def task_items() -> dict[str, TaskItem]:
    out = {}
    for r in _rows("task_items.csv"):
        out[r["task_id"]] = TaskItem(
            r["task_id"], r["group_id"], r["group_name"], r["item_text"],
            tuple(r["responsible_units"].split("|")),
            tuple(m for m in r["metrics"].split("|") if m),
        )
    return out


def tasks_of(bureau: str) -> list[TaskItem]:
    return [t for t in task_items().values() if bureau in t.responsible_units]


@dataclass(frozen=True)
class PrintedTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]     # cell text as printed; '' for an empty cell


@cache
def annex1_as_printed() -> PrintedTable:
    """Annex 1 (the 12 seed enterprises) exactly as printed in 蛟政发〔2022〕4号: line breaks in headers and
    cells ("冶金\n建材"), padded names ("王  威"), leading spaces (" 2021年已认定省级"), years as "2022年", blanks.
    refdata/annex1.csv adds one column of ours, 服务专班 (the service team we assign), as its last column."""
    text = resources.files("schemas.refdata").joinpath("annex1.csv").read_text(encoding="utf-8")
    header, *rows = csv.reader(io.StringIO(text, newline=""))     # quoted cells span lines
    return PrintedTable(tuple(header), tuple(tuple(r) for r in rows))


def _registry_value(field: Field, text: str) -> str:
    """One printed cell as the intake reads it (schemas.values), written back as text; '' when empty."""
    value = clean_value(text, field.kind)
    if value is None:
        return ""
    if field.kind in PARSERS:
        return str(PARSERS[field.kind][0](value))
    if field.kind == "enum":
        return parse_enum(field.name, value)
    if field.kind == "level":
        parse_level(value)          # the registry only holds level texts the intake understands
    return value


@cache
def registry_enterprises() -> list[dict[str, str]]:
    """Annex 1 read the way the intake reads a submission, the registry's starting point: each header matched to
    its enterprise field, each cell cleaned and parsed ("王  威" → 王威, "冶金\n建材" → 冶金建材, "2022年" → 2022),
    values as text ('' when empty), keyed by field name in column order: enterprise_name … service_team."""
    table = annex1_as_printed()
    fields = [ENTERPRISE.match(h) for h in table.header]     # 序号 matches no field
    return [{f.name: _registry_value(f, cell) for f, cell in zip(fields, row) if f is not None}
            for row in table.rows]


@cache
def targets() -> list[dict[str, str]]:
    return _rows("targets.csv")
