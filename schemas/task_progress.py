"""pandera models for the task-progress form (工作任务进展), on typed polars frames.

The frame carries `_bureau`, the submitting bureau (the share folder), so that a bureau reporting
a task it is not responsible for is caught here.
"""
from __future__ import annotations

import re

import pandera.polars as pa
import polars as pl

from schemas.common import Rule, unique_ignoring_nulls
from schemas.forms import METRIC_FIELDS, TASK, TASK_STATUSES
from schemas.reference import resolve_bureau, task_items


def _responsible_pairs() -> list[str]:
    return [f"{t.task_id}|{u}" for t in task_items().values() for u in t.responsible_units]


def _names_bureau(units: str | None, bureau: str | None) -> bool:
    if not units or not bureau:
        return True
    parts = [p for p in re.split(r"[、,，/;；\s]+", units) if p]
    return any(resolve_bureau(p) == bureau for p in parts) or resolve_bureau(units) == bureau


def metric_tasks(field: str) -> list[str]:
    """The tasks on which figure `field` counts: those whose `metrics` name it (T3-1 for bank_events)."""
    return [t.task_id for t in task_items().values() if field in t.metrics]


def _short(field: str) -> str:
    """A figure's header without its unit: 银企对接活动."""
    return re.sub(r"（.*?）", "", TASK.field(field).label)


def _counted_here(field: str) -> pl.Expr:
    """True unless the row puts a figure (other than 0) in a column its task does not count. An unknown task id is
    an error of its own (task.unknown)."""
    known = pl.col("task_id").is_in(list(task_items())).fill_null(False)
    return (pl.col(field).is_null() | (pl.col(field) == 0) | ~known
            | pl.col("task_id").is_in(metric_tasks(field)).fill_null(False))


class TaskErrors(pa.DataFrameModel):
    task_id: str = pa.Field(nullable=False)
    status: str = pa.Field(nullable=False, isin=list(TASK_STATUSES))
    completion_pct: float = pa.Field(nullable=True, ge=0, le=100)
    bank_events: int = pa.Field(nullable=True, ge=0)
    trained_persons: int = pa.Field(nullable=True, ge=0)
    enterprises_served: int = pa.Field(nullable=True, ge=0)

    class Config:
        strict = False

    @pa.dataframe_check
    @classmethod
    def unknown_task(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("task_id").is_null() | pl.col("task_id").is_in(list(task_items())))

    @pa.dataframe_check
    @classmethod
    def not_responsible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = pl.col("task_id").is_in(list(task_items()))
        pair = pl.concat_str([pl.col("task_id"), pl.col("_bureau")], separator="|")
        return data.lazyframe.select(~known.fill_null(False) | pair.is_in(_responsible_pairs()))

    @pa.dataframe_check
    @classmethod
    def duplicate_task(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls("task_id"))


class TaskWarnings(pa.DataFrameModel):
    class Config:
        strict = False

    @pa.dataframe_check
    @classmethod
    def done_but_incomplete(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~((pl.col("status") == "已完成") & (pl.col("completion_pct") < 100)).fill_null(False))

    @pa.dataframe_check
    @classmethod
    def progress_missing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("progress").is_not_null())

    @pa.dataframe_check
    @classmethod
    def bank_events_elsewhere(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_counted_here("bank_events"))

    @pa.dataframe_check
    @classmethod
    def trained_persons_elsewhere(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_counted_here("trained_persons"))

    @pa.dataframe_check
    @classmethod
    def unit_mismatch(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.struct("responsible_unit", "_bureau").map_elements(
                lambda r: _names_bureau(r["responsible_unit"], r["_bureau"]), return_dtype=pl.Boolean))


# each check's finding (schemas/finding_catalogue.py)
RULES: dict[tuple[str, str], Rule] = {
    ("task_id", "not_nullable"): Rule("required.task_id"),
    ("status", "not_nullable"): Rule("required.status", blanks={"choices": "、".join(TASK_STATUSES)}),
    ("status", "isin"): Rule("enum.status", blanks={"choices": "、".join(TASK_STATUSES)}),
    ("completion_pct", "greater_than_or_equal_to"): Rule("range.completion_pct"),
    ("completion_pct", "less_than_or_equal_to"): Rule("range.completion_pct", "above"),
    ("*", "greater_than_or_equal_to"): Rule("range.min", "task"),
    ("*", "unknown_task"): Rule("task.unknown", field="task_id"),
    ("*", "not_responsible"): Rule("task.not_responsible", field="task_id"),
    ("*", "duplicate_task"): Rule("duplicate.task", field="task_id"),
    ("*", "done_but_incomplete"): Rule("status.done_incomplete", field="completion_pct"),
    ("*", "progress_missing"): Rule("missing.progress", field="progress"),
    **{("*", f"{name}_elsewhere"): Rule(
        "metric.other_task", "one_task" if len(metric_tasks(name)) == 1 else "", name,
        {"metric": _short(name), "tasks": "、".join(metric_tasks(name))}) for name in METRIC_FIELDS},
    ("*", "unit_mismatch"): Rule("unit.mismatch", field="responsible_unit"),
}
