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
    def unknown_task(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("task_id").is_null() | pl.col("task_id").is_in(list(task_items())))

    @pa.dataframe_check
    def not_responsible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = pl.col("task_id").is_in(list(task_items()))
        pair = pl.concat_str([pl.col("task_id"), pl.col("_bureau")], separator="|")
        return data.lazyframe.select(~known.fill_null(False) | pair.is_in(_responsible_pairs()))

    @pa.dataframe_check
    def duplicate_task(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls("task_id"))


class TaskWarnings(pa.DataFrameModel):
    class Config:
        strict = False

    @pa.dataframe_check
    def done_but_incomplete(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~((pl.col("status") == "已完成") & (pl.col("completion_pct") < 100)).fill_null(False))

    @pa.dataframe_check
    def progress_missing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("progress").is_not_null())

    @pa.dataframe_check
    def bank_events_elsewhere(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_counted_here("bank_events"))

    @pa.dataframe_check
    def trained_persons_elsewhere(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_counted_here("trained_persons"))

    @pa.dataframe_check
    def unit_mismatch(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.struct("responsible_unit", "_bureau").map_elements(
                lambda r: _names_bureau(r["responsible_unit"], r["_bureau"]), return_dtype=pl.Boolean))


RULES: dict[tuple[str, str], Rule] = {
    ("task_id", "not_nullable"): Rule("required.task_id", "任务编号为空", "请填写附件2的任务编号（如 T3-1），可从模板下拉选择。"),
    ("status", "not_nullable"): Rule("required.status", "推进状态为空", "请选择：" + "、".join(TASK_STATUSES) + "。"),
    ("status", "isin"): Rule("enum.status", "推进状态“{value}”不在允许范围", "请从下拉选项中选择：" + "、".join(TASK_STATUSES) + "。"),
    ("completion_pct", "greater_than_or_equal_to"): Rule("range.completion_pct", "完成进度“{value}”小于 0", "请填写 0–100 之间的数字。"),
    ("completion_pct", "less_than_or_equal_to"): Rule("range.completion_pct", "完成进度“{value}”超过 100", "请填写 0–100 之间的数字（100 表示全部完成）。"),
    ("*", "unknown_task"): Rule("task.unknown", "任务编号“{value}”不存在", "请使用附件2任务清单中的编号（T1-1 至 T4-3）。", "task_id"),
    ("*", "not_responsible"): Rule("task.not_responsible", "本单位不是任务“{value}”的责任单位", "请只填报本单位负责的任务；如分工有调整，请联系领导小组办公室。", "task_id"),
    ("*", "duplicate_task"): Rule("duplicate.task", "任务“{value}”在本文件中重复出现", "同一任务只填写一行，请合并进展后删除重复行。", "task_id"),
    ("*", "done_but_incomplete"): Rule("status.done_incomplete", "状态为“已完成”但完成进度“{value}”不足 100", "请核对状态或完成进度。", "completion_pct"),
    ("*", "progress_missing"): Rule("missing.progress", "本期进展未填写", "请简要填写本季度工作进展。", "progress"),
    **{("*", f"{name}_elsewhere"): Rule(
        "metric.other_task",
        f"任务 {{task_id}} 不统计“{_short(name)}”：本行填写的“{{value}}”不计入汇总",
        f"“{_short(name)}”只统计任务 {'、'.join(metric_tasks(name))} 的填报（模板中其他任务的这一格为灰色）。如该数字属于 "
        f"{'、'.join(metric_tasks(name))}，请填到{'该' if len(metric_tasks(name)) == 1 else '相应'}任务一行；否则请删除本行的数字。",
        name) for name in METRIC_FIELDS},
    ("*", "unit_mismatch"): Rule("unit.mismatch", "责任单位“{value}”与报送单位不一致", "请填写本单位名称，或确认文件放在了本单位的文件夹。", "responsible_unit"),
}
