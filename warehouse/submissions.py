"""Loaders: each submitted file is written in one transaction, or not at all."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from warehouse.sql import load as sql

ENTERPRISE_COLUMNS = [
    "enterprise_name", "credit_code", "industry", "tech_center_level", "patents", "operating_status",
    "srdi_level_text", "srdi_level", "srdi_level_year", "cultivating_level", "in_seed_pool",
    "planned_city_year", "planned_province_year", "responsible_leader", "service_team",
    "rd_expense", "sales_revenue", "tech_staff", "total_staff", "listing_status", "remarks",
]
TASK_COLUMNS = [
    "task_id", "task_group", "item_text", "responsible_unit", "status", "completion_pct", "progress",
    "problems", "next_steps", "bank_events", "trained_persons", "enterprises_served", "remarks",
]
FINDING_COLUMNS = ["severity", "sheet", "excel_row", "excel_col", "field", "value", "rule", "message", "fix"]


@dataclass
class SubmissionRecord:
    """One (file, form) as it will be written to `submissions`."""
    bureau: str | None
    period: str | None
    form: str | None
    file_name: str
    source_path: str
    sha256: str
    size_bytes: int
    file_format: str | None
    received_at: datetime
    status: str
    message: str | None = None
    rows: pl.DataFrame | None = None
    findings: list[dict] = field(default_factory=list)
    submission_id: int | None = None
    superseded: list[int] = field(default_factory=list)
    duplicate_of: int | None = None
    columns: list[dict] = field(default_factory=list)   # sheet, field, excel_col, header


def refresh_reference(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    con.execute("BEGIN")
    try:
        for name, frame in tables.items():
            con.execute(f"DELETE FROM {name}")
            con.register("_ref", frame)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _ref")
            con.unregister("_ref")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def seed_registry(con: duckdb.DuckDBPyConnection, baseline: pl.DataFrame) -> None:
    """Annex 1 enters the registry once; later runs never overwrite what reports changed."""
    con.register("_base", baseline)
    con.execute("INSERT OR REPLACE INTO enterprise_baseline BY NAME SELECT * FROM _base")
    con.execute("""
        INSERT INTO enterprise_registry (enterprise_name, service_team, source)
        SELECT enterprise_name, service_team, '附件1' FROM _base
        ON CONFLICT DO NOTHING""")
    con.unregister("_base")


def find_loaded_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    row = con.execute(
        "SELECT min(submission_id) FROM submissions WHERE sha256 = ? AND status IN ('loaded', 'superseded')",
        [sha256]).fetchone()
    return row[0] if row else None


def find_original(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    row = con.execute("SELECT min(submission_id) FROM submissions WHERE sha256 = ? AND status <> 'duplicate'", [sha256]).fetchone()
    return row[0] if row else None


def unmoved_submissions(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, str]]:
    """Submissions committed whose file was not yet filed away (a crash between commit and move)."""
    return con.execute(
        "SELECT DISTINCT ON (source_path, sha256) submission_id, source_path, sha256, stored_path "
        "FROM submissions WHERE NOT moved ORDER BY source_path, sha256, submission_id").fetchall()


def mark_moved_many(con: duckdb.DuckDBPyConnection, files: list[tuple[str, str]]) -> None:
    """One statement for a batch of (source_path, sha256) that left the inbox."""
    if files:
        con.execute("""UPDATE submissions SET moved = TRUE
                       WHERE NOT moved AND source_path || '|' || sha256 IN (SELECT unnest(?))""",
                    [[f"{p}|{s}" for p, s in files]])


def next_submission_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(submission_id), 0) + 1 FROM submissions").fetchone()[0]


def write_file_submissions(con: duckdb.DuckDBPyConnection, records: list[SubmissionRecord],
                           stored_path: str, next_id: int, before_commit=None) -> int:
    """All the submissions one file produced, in one transaction: rows, findings, supersession.
    Ids start at `next_id` (the caller holds the writer lock); returns the id after the last one used."""
    con.execute("BEGIN")
    try:
        now = datetime.now()
        for rec in records:
            rec.submission_id = next_id
            next_id += 1
            errors = sum(f["severity"] == "error" for f in rec.findings)
            warnings = len(rec.findings) - errors
            if rec.status == "loaded":
                rec.superseded = [r[0] for r in con.execute(
                    "SELECT submission_id FROM submissions WHERE bureau = ? AND period = ? AND form = ? AND status = 'loaded'",
                    [rec.bureau, rec.period, rec.form]).fetchall()]
                if rec.superseded:
                    con.execute(sql("intake/supersede_submissions"), [rec.submission_id, rec.superseded])
            con.execute(sql("intake/insert_submission"), [
                rec.submission_id, rec.bureau, rec.period, rec.form, rec.file_name, rec.source_path, rec.sha256,
                rec.size_bytes, rec.file_format, rec.received_at, now, rec.status, errors, warnings,
                0 if rec.rows is None else rec.rows.height, rec.duplicate_of, stored_path, rec.message])
            if rec.findings:
                frame = pl.DataFrame(rec.findings, schema={c: (pl.Int32 if c == "excel_row" else pl.Utf8) for c in FINDING_COLUMNS})
                frame = frame.with_columns(submission_id=pl.lit(rec.submission_id, pl.Int32))
                con.register("_findings", frame)
                con.execute("INSERT INTO validation_errors BY NAME SELECT * FROM _findings")
                con.unregister("_findings")
            if rec.status == "loaded" and rec.rows is not None and rec.rows.height:
                _insert_rows(con, rec)
            if rec.columns:   # one statement, not one per column
                con.execute("INSERT INTO submission_columns SELECT ?, unnest(?), unnest(?), unnest(?), unnest(?)",
                            [rec.submission_id, *([c[k] for c in rec.columns] for k in ("sheet", "field", "excel_col", "header"))])
        if before_commit:
            before_commit()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return next_id


def _insert_rows(con: duckdb.DuckDBPyConnection, rec: SubmissionRecord) -> None:
    cols = ENTERPRISE_COLUMNS if rec.form == "enterprise" else TASK_COLUMNS
    frame = rec.rows.select(
        pl.lit(rec.submission_id, pl.Int32).alias("submission_id"),
        pl.lit(rec.period).alias("period"), pl.lit(rec.bureau).alias("bureau"),
        pl.col("_sheet").alias("sheet"), pl.col("_row").cast(pl.Int32).alias("excel_row"),
        *[pl.col(c) for c in cols if c in rec.rows.columns],
    )
    table = "enterprise_reports" if rec.form == "enterprise" else "task_reports"
    con.register("_rows", frame)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    if rec.form == "enterprise":
        con.execute(sql("intake/merge_into_enterprise_registry"), [rec.period, rec.submission_id])
    con.unregister("_rows")
