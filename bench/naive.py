"""The obvious alternative a user would write: pandas + openpyxl per file, appended into DuckDB.

For each workbook under the inbox: peek at the first rows to find the header row (the first row
with 企业名称 or 任务编号 in it), read the sheet again with `header=` that row, tidy the column
names, drop empty and footer rows, and append into one DuckDB table per form (adding columns as
new ones appear). No validation, no per-cell findings, no isolation: only reading and appending.

    python -m bench.naive INBOX_DIR DB_FILE
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

KEYS = {"企业名称": "enterprise", "任务编号": "task"}


def header_row(peek: pd.DataFrame) -> tuple[int, str] | None:
    for i, row in enumerate(peek.itertuples(index=False)):
        texts = {re.sub(r"\s+", "", str(v)) for v in row if isinstance(v, str)}
        for key, form in KEYS.items():
            if key in texts:
                return i, form
    return None


def load_file(con: duckdb.DuckDBPyConnection, path: Path, columns: dict[str, set[str]]) -> int:
    peek = pd.read_excel(path, engine="openpyxl", header=None, nrows=20)
    found = header_row(peek)
    if found is None:
        return 0
    h, form = found
    df = pd.read_excel(path, engine="openpyxl", header=h)
    df.columns = [re.sub(r"\s+", "", str(c)) for c in df.columns]
    df = df.loc[:, ~df.columns.duplicated()]
    key = next(k for k, f in KEYS.items() if f == form)
    df = df[df[key].notna()]
    df = df[~df[key].astype(str).str.strip().str.startswith(("备注", "填报人", "注："))]
    df = df.astype("string")
    df["_bureau"] = path.parent.name
    df["_file"] = path.name
    have = columns.setdefault(form, set())
    if not have:
        con.execute(f'CREATE TABLE IF NOT EXISTS {form} AS SELECT * FROM df LIMIT 0')
        have.update(df.columns)
    for c in df.columns:
        if c not in have:
            con.execute(f'ALTER TABLE {form} ADD COLUMN "{c}" VARCHAR')
            have.add(c)
    con.execute(f"INSERT INTO {form} BY NAME SELECT * FROM df")
    return len(df)


def run(inbox: Path, db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db))
    files = rows = 0
    columns: dict[str, set[str]] = {}
    for path in sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm")):
        rows += load_file(con, path, columns)
        files += 1
    con.close()
    return files, rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    files, rows = run(Path(argv[0]), Path(argv[1]))
    print(f"naive: {files} files, {rows} rows in {time.perf_counter() - t0:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
