"""`srdi query`: read-only SQL on the published analyst copy. No Prefect here: it must start fast."""
from __future__ import annotations

import sys

from warehouse.home import Home


def register(sub) -> None:
    from warehouse.query import DEFAULT_TIMEOUT
    p = sub.add_parser("query", help="run read-only SQL against the published warehouse",
                       description="Read-only SQL on the analyst copy (warehouse.duckdb). Results stream: csv, json "
                                   "and xlsx hold any number of rows (xlsx up to Excel's 1,048,575); a table shows "
                                   "the first 10,000. Files outside the home are not read unless --allow-files.")
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument("--out", default=None, help="write to this file instead of the terminal (written whole or not at all)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help=f"stop a query that runs longer than this many seconds (default {DEFAULT_TIMEOUT:.0f}; 0: no limit)")
    p.add_argument("--allow-files", action="store_true",
                   help="let the SQL read files outside the home (read_csv, read_parquet on local paths)")
    p.add_argument("sql")
    # the first line (the home) goes to stderr: stdout is the result (a table, csv, json), for a pipe or a file
    p.set_defaults(func=run, home_line="stderr")


def run(args) -> int:
    from warehouse.query import QueryError, run_query
    try:
        run_query(Home.resolve(args.home), args.sql, fmt=args.format, out=args.out, timeout=args.timeout,
                  allow_files=args.allow_files)
    except QueryError as exc:
        print(f"srdi query: {exc}", file=sys.stderr)
        return 2
    return 0   # `srdi query … | head`: a reader gone early is srdi.cli's to answer (no traceback)
