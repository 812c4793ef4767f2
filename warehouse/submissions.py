"""What the intake writes to and reads from the writer database: each submitted file in one transaction, or not at
all (rows, findings, column lineage, supersession); the reference tables and Annex 1; which files are still to be
filed away. Every statement is a file under warehouse/sql/intake/."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from schemas import clock
from warehouse.connection import transaction
from warehouse import cell_texts
from warehouse.sql import load as sql

ENTERPRISE_COLUMNS = [
    "enterprise_name", "credit_code", "industry", "tech_center_level", "patents", "operating_status",
    "srdi_level_text", "srdi_level", "srdi_level_year", "cultivating_level", "in_seed_pool",
    "planned_city_year", "planned_province_year", "responsible_leader", "service_team",
    "rd_expense", "sales_revenue", "tech_staff", "total_staff", "listing_status", "remarks", "tech_center_year",
    "srdi_level_month", "srdi_level_day", "tech_center_month", "tech_center_day", "name_key",
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
    cells: pl.DataFrame | None = None   # what the clerk typed in each fact cell (warehouse/cell_texts.py)


# What a full disk, a read-only file system or a denied permission raises while writing the database
STORAGE_ERRORS = (OSError, duckdb.IOException)

REFERENCE_TABLES = ("ref_bureaus", "ref_service_teams", "ref_task_items", "ref_targets")
REPORT_TABLES = {"enterprise": "enterprise_reports", "task": "task_reports"}


def refresh_reference(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    """The reference tables emptied and filled again from schemas/refdata/, all of them or none."""
    unknown = set(tables) - set(REFERENCE_TABLES)
    if unknown:
        raise ValueError(f"not a reference table: {sorted(unknown)}")
    with transaction(con):
        for name, frame in tables.items():
            con.execute(sql("intake/delete_reference_rows", table=name))
            con.register("_ref", frame)
            con.execute(sql("intake/insert_reference_rows", table=name))
            con.unregister("_ref")


def seed_registry(con: duckdb.DuckDBPyConnection, baseline: pl.DataFrame) -> None:
    """Annex 1 enters the registry once; later runs never overwrite what reports changed."""
    con.register("_base", baseline)
    con.execute(sql("intake/replace_enterprise_baseline"))
    con.execute(sql("intake/seed_enterprise_registry"))
    con.unregister("_base")


def _first_value(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None):
    row = con.execute(sql(name), params or []).fetchone()
    return row[0] if row else None


def find_loaded_shas(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[int, str | None]]:
    """sha256 -> (the first submission whose rows these bytes loaded, its period), for those of `shas` that ever
    loaded."""
    if not shas:
        return {}
    return {sha: (sid, period) for sha, sid, period in con.execute(sql("intake/find_loaded_shas"), [list(shas)]).fetchall()}


def find_original(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The first submission of these bytes that was not itself a duplicate, if any."""
    return _first_value(con, "intake/find_original_submission", [sha256])


def unmoved_submissions(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, str]]:
    """Submissions committed whose file was not yet filed away (a crash between commit and move)."""
    return con.execute(sql("intake/list_unmoved_files")).fetchall()


def unmoved_keys(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(source_path, sha256) of every dropped file committed and not yet filed away."""
    return {(source, sha) for _, source, sha, _ in unmoved_submissions(con)}


def file_submissions(con: duckdb.DuckDBPyConnection, source_path: str, sha256: str) -> list[dict]:
    """The submissions one dropped file (source_path, sha256) committed and not yet filed away: what a second
    load of the same file finds instead of inserting it again."""
    cur = con.execute(sql("intake/list_file_submissions"), [source_path, sha256])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def unmoved_file_submissions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every submission committed and not yet filed away, with its file's key (source_path, sha256): what
    file_submissions gives for one file, for all of them in one query."""
    cur = con.execute(sql("intake/list_unmoved_file_submissions"))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def mark_replaced(con: duckdb.DuckDBPyConnection, source_path: str, sha256: str, note: str) -> None:
    """A committed file whose bytes were replaced in the inbox before they could be archived: nothing is left to
    archive; its submissions stay (they were loaded and answered) with `note` and no stored path."""
    con.execute(sql("intake/mark_file_replaced"), [source_path, sha256, note])


def unmoved_submission_ids(con: duckdb.DuckDBPyConnection, source_path: str, sha256: str) -> list[int]:
    """Every submission of one file (source_path, sha256) not yet filed away."""
    return [r[0] for r in con.execute(sql("intake/list_unmoved_submission_ids"), [source_path, sha256]).fetchall()]


def unmoved_stored_paths(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The archive paths promised to files not yet filed away: a new file must not be given one of them."""
    return {r[0] for r in con.execute(sql("intake/list_unmoved_stored_paths")).fetchall()}


def mark_moved_many(con: duckdb.DuckDBPyConnection, files: list[tuple[str, str]]) -> None:
    """One statement for a batch of (source_path, sha256) that left the inbox."""
    if files:
        con.execute(sql("intake/mark_files_moved"), [[f"{p}|{s}" for p, s in files]])


def next_submission_id(con: duckdb.DuckDBPyConnection) -> int:
    return _first_value(con, "intake/find_next_submission_id")


class FileBatch:
    """Files queued by write_file_submissions(..., batch=this), then written by `commit` in ONE transaction."""

    def __init__(self) -> None:
        self.files: list[tuple[list[SubmissionRecord], str, Callable[[], None] | None]] = []

    def commit(self, con: duckdb.DuckDBPyConnection) -> None:
        write_many_file_submissions(con, self.files)


def write_file_submissions(con: duckdb.DuckDBPyConnection, records: list[SubmissionRecord],
                           stored_path: str, next_id: int, before_commit=None, batch: FileBatch | None = None) -> int:
    """All the submissions one file produced, in one transaction: rows, findings, supersession.
    Ids start at `next_id` (the caller holds the writer lock); returns the id after the last one used.
    With `batch`, the file is only given its ids and queued: batch.commit() writes the batch's files together."""
    if batch is not None:
        for rec in records:
            rec.submission_id = next_id
            next_id += 1
        batch.files.append((records, stored_path, before_commit))
        return next_id
    with transaction(con):
        now = clock.now()
        for rec in records:
            rec.submission_id = next_id
            next_id += 1
            errors = sum(f["severity"] == "error" for f in rec.findings)
            warnings = len(rec.findings) - errors
            if rec.status == "loaded":
                rec.superseded = [r[0] for r in con.execute(sql("intake/find_superseded_submissions"),
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
                con.execute(sql("intake/insert_validation_errors"))
                con.unregister("_findings")
            if rec.status == "loaded" and rec.rows is not None and rec.rows.height:
                _insert_rows(con, rec)
                if rec.cells is not None and rec.cells.height:
                    cell_texts.insert(con, rec.submission_id, rec.cells)
            if rec.columns:   # one statement, not one per column
                con.execute(sql("intake/insert_submission_columns"),
                            [rec.submission_id, *([c[k] for c in rec.columns] for k in ("sheet", "field", "excel_col", "header"))])
        if before_commit:
            before_commit()   # a crash point: everything written, nothing committed
    return next_id


def _rows(rec: SubmissionRecord) -> pl.DataFrame:
    """The typed rows of a loaded record: only a record with rows reaches an insert of rows."""
    if rec.rows is None:
        raise ValueError(f"{rec.file_name}: a record without rows has no rows to insert")
    return rec.rows


def _sid(rec: SubmissionRecord) -> int:
    """The record's submission id: given before anything of the record is written."""
    if rec.submission_id is None:
        raise ValueError(f"{rec.file_name}: written before its submission id was given")
    return rec.submission_id


def _insert_rows(con: duckdb.DuckDBPyConnection, rec: SubmissionRecord) -> None:
    cols = ENTERPRISE_COLUMNS if rec.form == "enterprise" else TASK_COLUMNS
    rows = _rows(rec)
    frame = rows.select(
        pl.lit(rec.submission_id, pl.Int32).alias("submission_id"),
        pl.lit(rec.period).alias("period"), pl.lit(rec.bureau).alias("bureau"),
        pl.col("_sheet").alias("sheet"), pl.col("_row").cast(pl.Int32).alias("excel_row"),
        *[pl.col(c) for c in cols if c in rows.columns],
    )
    table = REPORT_TABLES["enterprise" if rec.form == "enterprise" else "task"]
    con.register("_rows", frame)
    con.execute(sql("intake/insert_report_rows", table=table))
    if rec.form == "enterprise":
        con.execute(sql("intake/merge_into_enterprise_registry"), [rec.period, rec.submission_id])
    con.unregister("_rows")


# ---------------------------------------------------------------- many files in one transaction

SUBMISSION_SCHEMA = pl.Schema(dict[str, pl.DataType | type[pl.DataType]]({
    "submission_id": pl.Int32, "bureau": pl.Utf8, "period": pl.Utf8, "form": pl.Utf8, "file_name": pl.Utf8,
    "source_path": pl.Utf8, "sha256": pl.Utf8, "size_bytes": pl.Int64, "file_format": pl.Utf8,
    "received_at": pl.Datetime("us", "UTC"), "processed_at": pl.Datetime("us", "UTC"), "status": pl.Utf8, "error_count": pl.Int32,
    "warning_count": pl.Int32, "row_count": pl.Int32, "superseded_by": pl.Int32, "duplicate_of": pl.Int32,
    "stored_path": pl.Utf8, "message": pl.Utf8,
}))
CELL_SCHEMA = pl.Schema({"submission_id": pl.Int32, "sheet": pl.Utf8, "excel_row": pl.Int32, "field": pl.Utf8,
                         "raw_text": pl.Utf8, "understood_as": pl.Utf8})


def write_many_file_submissions(con: duckdb.DuckDBPyConnection,
                                files: list[tuple[list[SubmissionRecord], str, Callable[[], None] | None]]) -> None:
    """Many files' submissions in ONE transaction, with the same rows, ids, supersession and registry as
    write_file_submissions called for each file in turn: a handful of statements for the batch instead of a dozen
    per file. `files`: (the file's records, their ids given, its stored path, its before_commit or None), in load
    order; each before_commit runs after everything is written and before the commit. All of it or none of it:
    on any exception nothing of the batch is committed (the caller then loads the files one by one)."""
    with transaction(con):
        now = clock.now()
        recs = [(rec, stored) for records, stored, _ in files for rec in records]
        # supersession, as if file by file: each load of a slot supersedes what the slot held loaded before it
        slots = list(dict.fromkeys((r.bureau, r.period, r.form) for r, _ in recs if r.status == "loaded"))
        current: dict[tuple, list[int]] = {}
        if slots:
            for sid, *held in con.execute(sql("intake/find_loaded_in_slots"),
                                          [[s[i] for s in slots] for i in range(3)]).fetchall():
                current.setdefault(tuple(held), []).append(sid)
        superseded_by: dict[int, int] = {}
        for rec, _ in recs:
            if rec.status != "loaded":
                continue
            slot = (rec.bureau, rec.period, rec.form)
            rec.superseded = current.get(slot, [])
            for sid in rec.superseded:
                superseded_by[sid] = _sid(rec)
            current[slot] = [_sid(rec)]
        in_batch = {r.submission_id for r, _ in recs}
        earlier = sorted(sid for sid in superseded_by if sid not in in_batch)
        if earlier:
            con.execute(sql("intake/supersede_submissions_many"), [earlier, [superseded_by[s] for s in earlier]])
        rows = []
        for rec, stored in recs:
            errors = sum(f["severity"] == "error" for f in rec.findings)
            by = superseded_by.get(_sid(rec))
            rows.append({
                "submission_id": rec.submission_id, "bureau": rec.bureau, "period": rec.period, "form": rec.form,
                "file_name": rec.file_name, "source_path": rec.source_path, "sha256": rec.sha256,
                "size_bytes": rec.size_bytes, "file_format": rec.file_format, "received_at": rec.received_at,
                "processed_at": now, "status": "superseded" if by is not None else rec.status,
                "error_count": errors, "warning_count": len(rec.findings) - errors,
                "row_count": 0 if rec.rows is None else rec.rows.height, "superseded_by": by,
                "duplicate_of": rec.duplicate_of, "stored_path": stored, "message": rec.message})
        _insert_frame(con, "_subs", pl.DataFrame(rows, schema=SUBMISSION_SCHEMA), "intake/insert_submissions_many")
        findings = [{**f, "submission_id": rec.submission_id} for rec, _ in recs for f in rec.findings]
        if findings:
            schema = {c: (pl.Int32 if c == "excel_row" else pl.Utf8) for c in FINDING_COLUMNS}
            frame = pl.DataFrame(findings, schema={**schema, "submission_id": pl.Int32})
            _insert_frame(con, "_findings", frame, "intake/insert_validation_errors")
        loaded = [rec for rec, _ in recs if rec.status == "loaded" and rec.rows is not None and rec.rows.height]
        for form in ("enterprise", "task"):
            mine = [rec for rec in loaded if (rec.form == "enterprise") == (form == "enterprise")]
            if mine:
                _insert_many_rows(con, form, mine)
        typed = [(rec.submission_id, rec.cells) for rec in loaded if rec.cells is not None and rec.cells.height]
        if typed:
            fields = [c for c in CELL_SCHEMA if c != "submission_id"]
            cells = pl.concat([frame[fields] for _, frame in typed], how="vertical_relaxed")
            cells = cells.select([pl.col(c).cast(CELL_SCHEMA[c]) for c in fields]).with_columns(
                _repeated("submission_id", [(sid, frame.height) for sid, frame in typed], pl.Int32))
            _insert_frame(con, "_cells", cells.rechunk(), "intake/insert_cell_texts_many")
        columns = [(rec.submission_id, c) for rec, _ in recs for c in rec.columns]
        if columns:
            con.execute(sql("intake/insert_submission_columns_many"),
                        [[sid for sid, _ in columns],
                         *([c[k] for _, c in columns] for k in ("sheet", "field", "excel_col", "header"))])
        for _, _, before_commit in files:
            if before_commit:
                before_commit()   # a crash point per file: everything written, nothing committed


def _insert_frame(con: duckdb.DuckDBPyConnection, view: str, frame: pl.DataFrame, statement: str, **names) -> None:
    con.register(view, frame)
    try:
        con.execute(sql(statement, **names))
    finally:
        con.unregister(view)


def _repeated(name: str, values: list[tuple[object, int]], dtype=None) -> pl.Series:
    """One column for stacked frames: each (value, height) repeated over its frame's rows."""
    pairs = pl.DataFrame({"v": [v for v, _ in values], "n": [n for _, n in values]},
                         schema={"v": dtype or pl.Utf8, "n": pl.Int64})
    return pairs.select(pl.col("v").repeat_by("n").explode()).to_series().alias(name)


def _rows_frame(recs: list[SubmissionRecord]) -> pl.DataFrame:
    """The typed rows of submissions of one form whose frames have the same shape, stacked, each row with its
    submission id, period and bureau (one select for the lot: per file it cost about 1 ms)."""
    first = recs[0]
    cols = ENTERPRISE_COLUMNS if first.form == "enterprise" else TASK_COLUMNS
    frames = [_rows(rec) for rec in recs]
    stacked = pl.concat(frames, how="vertical") if len(recs) > 1 else frames[0]
    return stacked.select(
        _repeated("submission_id", [(rec.submission_id, f.height) for rec, f in zip(recs, frames)], pl.Int32),
        _repeated("period", [(rec.period, f.height) for rec, f in zip(recs, frames)]),
        _repeated("bureau", [(rec.bureau, f.height) for rec, f in zip(recs, frames)]),
        pl.col("_sheet").alias("sheet"), pl.col("_row").cast(pl.Int32).alias("excel_row"),
        *[pl.col(c) for c in cols if c in frames[0].columns],
    ).rechunk()


def _insert_many_rows(con: duckdb.DuckDBPyConnection, form: str, recs: list[SubmissionRecord]) -> None:
    """The typed rows of many submissions of one form: one INSERT per shape of frame (files with the same columns
    and types, nearly always all of them), then one registry merge for the enterprise form."""
    shapes: dict[tuple, list[SubmissionRecord]] = {}
    for rec in recs:
        shapes.setdefault(tuple(_rows(rec).schema.items()), []).append(rec)
    frames = [_rows_frame(group) for group in shapes.values()]
    table = REPORT_TABLES[form]
    for frame in frames:
        _insert_frame(con, "_rows", frame, "intake/insert_report_rows", table=table)
    if form == "enterprise":
        every = frames[0] if len(frames) == 1 else pl.concat(
            [f.select("submission_id", "period", "bureau", "enterprise_name", "name_key", "credit_code", "service_team")
             for f in frames], how="vertical_relaxed")
        _insert_frame(con, "_rows", every, "intake/merge_many_into_enterprise_registry")
