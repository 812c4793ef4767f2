"""What the clerk typed, kept beside what srdi parsed: the text of every non-empty fact cell of a loaded submission
(issue #11, "what was typed is kept").

`insert` is called inside the file's transaction by warehouse.submissions.write_file_submissions with the frame
ParsedForm.cells carries (tasks/intake/normalise.py), one row per cell:

    sheet, excel_row   where the cell is (its column: submission_columns, by field)
    field              the warehouse column the cell fills (srdi_level_text for the four level columns)
    raw_text           the cell as the clerk sees it: 1,500 · 80% · 完成 · 45万 · 2023/5/1 (control characters removed)
    understood_as      a reading that changes what the text says: 已完成 · 45万元 · 2023年 · 85%; else NULL

The lineage queries (docs/queries/lineage_*.sql) show it next to the parsed value.
"""
from __future__ import annotations

import duckdb
import polars as pl

from warehouse.sql import load as sql

COLUMNS = {"sheet": pl.Utf8, "excel_row": pl.Int32, "field": pl.Utf8, "raw_text": pl.Utf8, "understood_as": pl.Utf8}


def insert(con: duckdb.DuckDBPyConnection, submission_id: int, cells: pl.DataFrame) -> None:
    """Store `cells` (one row per fact cell) for `submission_id`, inside the caller's transaction."""
    frame = cells.select([pl.col(c).cast(t) for c, t in COLUMNS.items()])
    con.register("_cells", frame)
    try:
        con.execute(sql("intake/insert_cell_texts"), [submission_id])
    finally:
        con.unregister("_cells")
