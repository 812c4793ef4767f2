"""Validate typed frames with the pandera models; every failure becomes a finding at its cell."""
from __future__ import annotations

import polars as pl
import pandera.polars as pa

from schemas import enterprise, task_progress
from schemas.common import rule_for
from schemas.findings import ERROR, WARNING, Finding
from tasks.normalise import ParsedForm

MODELS = {
    "enterprise": ((enterprise.EnterpriseErrors, ERROR), (enterprise.EnterpriseWarnings, WARNING)),
    "task": ((task_progress.TaskErrors, ERROR), (task_progress.TaskWarnings, WARNING)),
}
RULES = {"enterprise": enterprise.RULES, "task": task_progress.RULES}


def validate_form(parsed: ParsedForm, bureau: str) -> list[Finding]:
    frame = parsed.frame.with_columns(_bureau=pl.lit(bureau))
    findings: list[Finding] = []
    for model, severity in MODELS[parsed.form.name]:
        try:
            model.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            findings.extend(_to_findings(exc.failure_cases, frame, parsed, severity))
    return findings


def _to_findings(cases: pl.DataFrame, frame: pl.DataFrame, parsed: ParsedForm, severity: str) -> list[Finding]:
    out = []
    rules = RULES[parsed.form.name]
    for case in cases.iter_rows(named=True):
        column = case["column"] if case["schema_context"] == "Column" else "*"
        rule = rule_for(rules, column, case["check"] or "")
        field = rule.field or column
        idx = case["index"]
        if idx is None:
            out.append(Finding(severity, rule.code, rule.message.format(value=""), rule.fix, field=field))
            continue
        row = frame.row(idx, named=True)
        sheet = row["_sheet"]
        shown = parsed.form.field(field) if any(f.name == field for f in parsed.form.fields) else None
        if field in ("srdi_level", "srdi_level_year"):
            field = "srdi_level_text"
            shown = parsed.form.field(field)
        value = row.get(field)
        if field == "srdi_level_text" and value is None:
            value = row.get("srdi_level_year")
        letter = parsed.letters.get(sheet, {}).get(field)
        label = parsed.labels.get(sheet, {}).get(field) or (shown.label if shown else field)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value)
        out.append(Finding(severity, rule.code, rule.message.format(value=text), rule.fix,
                           sheet, row["_row"], letter, label, text or None))
    return out
