"""Reference data read from the policy (蛟政发〔2022〕4号), shipped as CSV beside this module.

A user's clone has no ../shared, so the bureaus, service teams, Annex 2 tasks, the 12 Annex 1
enterprises and the targets table are part of the project.
"""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("schemas.refdata").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def squash(text: str) -> str:
    """NFKC, no whitespace at all: the key used to compare names written by people."""
    return "".join(unicodedata.normalize("NFKC", text).split())


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


@cache
def registry_enterprises() -> list[dict[str, str]]:
    """Annex 1: the 12 seed enterprises as printed, the registry's starting point."""
    return _rows("enterprises.csv")


@cache
def targets() -> list[dict[str, str]]:
    return _rows("targets.csv")
