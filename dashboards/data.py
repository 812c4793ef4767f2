"""What a period's dashboard shows, read from the rollup tables only: the rows the rollup of that period stored,
which are the rows its meeting pack shows. Each section is read with `warehouse.rollups.read_period`; the
sections are the ones the registry (schemas/sections.py) marks `dashboard=True`. Nothing here computes a figure
the rollup did not: the helpers below only pick rows (the pack sheet's own filter and order) and count them.

    d = read_period_data(con, "2022Q2")
    d.computed("compliance")      False when no rollup created the table, or this period was never rolled up
    d.rows("task_status")         the rows as the pack's 任务进展 sheet lists them
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas.forms import SRDI_LEVELS
from schemas.labels import FORM
from schemas.periods import PERIOD_FORMS, quarters_of
from schemas.sections import BY_TABLE, RUNS_TABLE, SECTIONS, with_former_names
from warehouse.rollups import read_period

SHOWN: tuple[str, ...] = tuple(s.table for s in SECTIONS if s.dashboard)   # the rollup tables the page shows

# ladder_counts: the column that counts each level of the ladder (lowest first, as SRDI_LEVELS)
LEVEL_COLUMNS: dict[str, str] = dict(zip(SRDI_LEVELS, ("seed_count", "city_count", "province_count", "national_count")))


def kind_of(period: str) -> str:
    """quarterly | midyear | annual, from the period's form (2022Q2, 2022H1, 2022); ValueError for anything else."""
    if isinstance(period, str) and period.isascii():
        for kind, form in PERIOD_FORMS.items():
            if form.fullmatch(period):
                quarters_of(period)
                return kind
    raise ValueError(f"not a period: {period!r} (expected 2022Q2, 2022H1 or 2022)")


@dataclass(frozen=True)
class PeriodData:
    period: str
    kind: str
    quarters: tuple[str, ...]
    run: dict | None                              # this period's rollup_runs row; None: never rolled up
    frames: dict[str, pl.DataFrame | None]        # table -> this period's rows; None: no rollup made the table yet
    time_zone: str | None = None                  # the programme's zone every time is shown in (None: Asia/Shanghai)

    def computed(self, table: str) -> bool:
        frame = self.frames[table]
        return frame is not None and (self.run is not None or frame.height > 0)

    def rows(self, table: str, sheet: int = 0) -> list[dict]:
        """The period's rows of `table` as the pack's sheet lists them (the sheet's filter, then its order)."""
        frame = self.frames[table]
        if frame is None or not frame.height:
            return []
        if not BY_TABLE[table].sheets:             # a section no pack sheet shows (rollup_notices): its key order
            return frame.sort(list(BY_TABLE[table].key), maintain_order=True).to_dicts()
        sh = BY_TABLE[table].sheets[sheet]
        if sh.where is not None:
            frame = frame.filter(sh.where)
        if sh.sort and frame.height:
            frame = frame.sort(list(sh.sort), maintain_order=True)
        return frame.to_dicts()


def read_period_data(con, period: str, time_zone: str | None = None) -> PeriodData:
    kind = kind_of(period)
    runs = read_period(con, RUNS_TABLE, period)
    run = runs.row(0, named=True) if runs is not None and runs.height else None
    former = read_period(con, "former_names", period)   # a renamed enterprise: 现名（原名 …）, as the pack lists it
    return PeriodData(period=period, kind=kind, quarters=tuple(quarters_of(period)), run=run,
                      frames={table: with_former_names(read_period(con, table, period), former) for table in SHOWN},
                      time_zone=time_zone)


# ---------------------------------------------------------------- picking rows

def ladder_total(d: PeriodData) -> dict | None:
    """The 企业梯队 sheet's 合计 row (breakdown 'all')."""
    rows = [r for r in d.rows("ladder_counts") if r["breakdown"] == "all"]
    return rows[0] if rows else None


@dataclass(frozen=True)
class Heat:
    """The 催报清单 as a grid: one row per bureau, one column per (quarter, form) owed; one cell per row."""
    bureaus: list[str]
    columns: list[tuple[str, str]]                  # (report_period, form code)
    cells: dict[tuple[str, str, str], dict]         # (bureau, report_period, form) -> the compliance row


def heat(d: PeriodData) -> Heat:
    rows = d.rows("compliance")
    cells = {(r["bureau"], r["report_period"], r["form"]): r for r in rows}
    owed = {(q, f) for _, q, f in cells}
    quarters = sorted({q for q, _ in owed})
    forms = [f for f in FORM if any(f == g for _, g in owed)] + sorted({f for _, f in owed} - set(FORM))
    columns = [(q, f) for q in quarters for f in forms if (q, f) in owed]
    return Heat(bureaus=sorted({b for b, _, _ in cells}), columns=columns, cells=cells)
