"""What both forms' models share: turning pandera's failure cases into Chinese findings."""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Rule:
    code: str        # stable rule id, stored in validation_errors.rule
    message: str     # Chinese; {value} is the cell's value
    fix: str         # Chinese: how to fix it
    field: str | None = None   # for dataframe-wide checks: the cell to point at


GENERIC = {
    "not_nullable": Rule("required", "必填项为空", "请填写该单元格。"),
    "greater_than_or_equal_to": Rule("range.min", "数值“{value}”小于允许的最小值", "请填写不小于 0 的数值（年份请填写四位年份）。"),
    "less_than_or_equal_to": Rule("range.max", "数值“{value}”超出允许的最大值", "请核对数值是否多输了位数或单位是否正确。"),
    "in_range": Rule("range", "数值“{value}”超出允许范围", "请核对数值。"),
}


def rule_for(rules: dict[tuple[str, str], Rule], column: str, check: str) -> Rule:
    name = check.split("(")[0]
    return rules.get((column, name)) or rules.get(("*", name)) or GENERIC.get(name) or Rule(
        f"check.{name}", f"未通过检查“{check}”", "请核对该单元格。")


def unique_ignoring_nulls(col: str) -> pl.Expr:
    """Unique within each file (`_file`: frames of several files are validated in one call)."""
    return pl.col(col).is_null() | ~pl.col(col).is_duplicated().over("_file")
