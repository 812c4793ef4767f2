"""Validate typed frames with the pandera models; every failure becomes a finding at its cell.

The frames of many files are validated in one pandera call per model (a call has a fixed cost that per
file would dwarf the work); `_file` keeps duplicates checks within each file and findings with their file.
"""
from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas import enterprise, task_progress
from schemas.common import rule_for
from schemas.findings import ERROR, WARNING, Finding, finding
from tasks.intake.normalise import ParsedForm

MODELS = {
    "enterprise": ((enterprise.EnterpriseErrors, ERROR), (enterprise.EnterpriseWarnings, WARNING)),
    "task": ((task_progress.TaskErrors, ERROR), (task_progress.TaskWarnings, WARNING)),
}
RULES = {"enterprise": enterprise.RULES, "task": task_progress.RULES}


def validate_many(items: list[tuple[ParsedForm, str]]) -> list[list[Finding]]:
    """Findings for each (parsed form, submitting bureau), in the order given."""
    out: list[list[Finding]] = [[] for _ in items]
    for form_name, models in MODELS.items():
        idxs = [i for i, (p, _) in enumerate(items) if p.form.name == form_name]
        if not idxs:
            continue
        frame = pl.concat([items[i][0].frame.with_columns(_file=pl.lit(i, pl.Int32), _bureau=pl.lit(items[i][1]))
                           for i in idxs], how="diagonal_relaxed")
        for model, _severity in models:   # the severity of each finding is its catalogue entry's
            try:
                model.validate(frame, lazy=True)
            except pa.errors.SchemaErrors as exc:
                for i, found in _to_findings(exc.failure_cases, frame, items, RULES[form_name]):
                    out[i].append(found)
    return out


def _typed_texts(cases: pl.DataFrame, frame: pl.DataFrame, items) -> dict[tuple[int, str, int, str], str]:
    """(file, sheet, Excel row, field) -> the cell as the clerk sees it ("150%", "1,200"), for the rows that
    failed: error texts show that. One filter per file, whatever the number of failures."""
    idx = [i for i in cases["index"].to_list() if i is not None]
    if not idx:
        return {}
    rows = frame.select("_file", "_row")[idx].unique()
    out = {}
    for (file,), part in rows.partition_by("_file", as_dict=True).items():
        cells = items[file][0].cells
        if cells is None or not cells.height:
            continue
        hits = cells.filter(pl.col("excel_row").is_in(part["_row"].cast(pl.Int32).implode()))
        out.update({(file, sheet, row, field): text for sheet, row, field, text in
                    hits.select("sheet", "excel_row", "field", "raw_text").iter_rows()})
    return out


def _to_findings(cases: pl.DataFrame, frame: pl.DataFrame, items, rules):
    typed = _typed_texts(cases, frame, items)
    for case in cases.iter_rows(named=True):
        column = case["column"] if case["schema_context"] == "Column" else "*"
        rule = rule_for(rules, column, case["check"] or "")
        field = rule.field or column
        idx = case["index"]
        if idx is None:
            continue   # a frame-level failure without a row never happens with these models
        row = frame.row(idx, named=True)
        parsed = items[row["_file"]][0]
        sheet = row["_sheet"]
        if field == "srdi_level" or (field == "srdi_level_year" and row.get("_year_in_text")):
            field = "srdi_level_text"   # the level, or a year read from the 认定级别 text: that text's cell
        shown = next((f for f in parsed.form.fields if f.name == field), None)
        value = row.get(field)
        if field == "srdi_level_text" and value is None:
            value = row.get("srdi_level_year")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        letter = parsed.letters.get(sheet, {}).get(field)
        if letter is None and any(f.name == field for f in parsed.form.fields):
            # the sheet has no such column: "not reported", not "blank" (a missing required column is one error
            # at the header, tasks/intake/normalise.py)
            continue
        text = "" if value is None else str(value)
        if value is not None:
            text = typed.get((row["_file"], sheet, row["_row"], field)) or text
        label = parsed.labels.get(sheet, {}).get(field) or (shown.label if shown else field)
        found = finding(rule.code, rule.variant, **rule.blanks, value=text, task_id=row.get("task_id") or "",
                        enterprise_name=row.get("enterprise_name") or "")
        yield row["_file"], found.at(sheet, row["_row"], letter, label, text or None)


def _prepare_models() -> None:
    """What pandera does at a model's first validate, done at import: build each model's schema and register
    pandera's polars backends (importing its checks, and with them hypothesis where it is installed: 0.15–0.2 s).
    The reading children's forkserver preloads this module (tasks/intake/isolate.py), so it is done once per
    reading process, not once per child."""
    for models in MODELS.values():
        for model, _severity in models:
            model.to_schema()
    pa.DataFrameSchema.register_default_backends(pl.DataFrame)


_prepare_models()
