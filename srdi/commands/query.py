"""`srdi query`: read-only SQL on the published analyst copy. No Prefect here: it must start fast."""
from __future__ import annotations

import sys

from warehouse.home import DEFAULT_HOME, Home


def register(sub) -> None:
    p = sub.add_parser("query", help="run read-only SQL against the published warehouse")
    p.add_argument("--home", default=None, help=f"project home (default: $SRDI_HOME or ./{DEFAULT_HOME})")
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument("--out", default=None, help="write to this file instead of the terminal")
    p.add_argument("sql")
    p.set_defaults(func=run)


def run(args) -> int:
    from warehouse.query import QueryError, run_query
    try:
        run_query(Home.resolve(args.home), args.sql, fmt=args.format, out=args.out)
    except QueryError as exc:
        print(f"srdi query: {exc}", file=sys.stderr)
        return 2
    return 0
