"""What both forms' models share: which finding each of pandera's checks raises."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field

import polars as pl


@dataclass(frozen=True)
class Rule:
    """The finding a failed check raises: its code and variant in schemas/finding_catalogue.py (whose message may
    name the cell's {value}, the row's {task_id} and {enterprise_name}), and the blanks this check fills itself."""
    code: str                  # stable rule id, stored in validation_errors.rule
    variant: str = ""
    field: str | None = None   # for dataframe-wide checks: the cell to point at
    blanks: Mapping[str, object] = _field(default_factory=dict)


def rule_for(rules: dict[tuple[str, str], Rule], column: str, check: str) -> Rule:
    """The rule of a check on `column` ("*" for a dataframe-wide one); a check without one is a KeyError (every
    check of the models has its rule: tests/unit/test_finding_catalogue.py)."""
    name = check.split("(")[0]
    rule = rules.get((column, name)) or rules.get(("*", name))
    if rule is None:
        raise KeyError(f"no finding for the check {check!r} on {column!r}")
    return rule


def unique_ignoring_nulls(col: str) -> pl.Expr:
    """Unique within each file (`_file`: frames of several files are validated in one call)."""
    return pl.col(col).is_null() | ~pl.col(col).is_duplicated().over("_file")
