"""What the clerk typed, kept beside what srdi parsed: the raw text of every fact cell of a loaded submission.

Seam for issue #11 ("What was typed is kept"): `insert` is called inside the file's transaction by
warehouse.submissions.write_file_submissions with the frame ParsedForm.cells carries. Not yet filled.
"""
from __future__ import annotations

import duckdb
import polars as pl


def insert(con: duckdb.DuckDBPyConnection, submission_id: int, cells: pl.DataFrame) -> None:
    """Store `cells` (one row per fact cell) for `submission_id`, inside the caller's transaction."""
    raise NotImplementedError("raw cell texts are not stored yet (issue #11)")
