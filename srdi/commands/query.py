"""`srdi query`: read-only SQL on the published analyst copy. No Prefect here: it must start fast."""
from __future__ import annotations

import os
import sys
import threading

from srdi.exits import Exit
from warehouse.home import Home


def register(sub) -> None:
    from warehouse.query import DEFAULT_TIMEOUT
    p = sub.add_parser("query", help="run read-only SQL against the published warehouse",
                       description="Read-only SQL on the analyst copy (warehouse.duckdb). Results stream: csv, json "
                                   "and xlsx hold any number of rows (xlsx up to Excel's 1,048,575); a table shows "
                                   "the first 10,000. Files outside the home are not read unless --allow-files. "
                                   "The SQL comes from the command line, a file (-f) or a saved query (--saved, "
                                   "listed by --list); --param NAME=VALUE binds the query's $NAME.")
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument("--out", default=None, help="write to this file instead of the terminal (written whole or not at all)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help=f"stop a query that runs longer than this many seconds (default {DEFAULT_TIMEOUT:.0f}; 0: no limit)")
    p.add_argument("--allow-files", action="store_true",
                   help="let the SQL read files outside the home (read_csv, read_parquet on local paths)")
    p.add_argument("-f", "--file", metavar="FILE", help="run the SQL in this file (UTF-8)")
    p.add_argument("--saved", metavar="NAME", help="run a saved query of docs/queries/ by name (see --list)")
    p.add_argument("--list", action="store_true", help="list the saved queries: name, what each answers, its parameters")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind the query's $NAME to VALUE (text; repeat for each parameter), e.g. --param bureau=工信局")
    p.add_argument("sql", nargs="?", help="the SQL to run (or -f FILE, or --saved NAME)")
    # the first line (the home) goes to stderr: stdout is the result (a table, csv, json), for a pipe or a file
    # the query and its parameters are checked before the home (check_args): --list needs no home
    p.set_defaults(func=run, home_line="stderr", check_args=choose_query)


GRACE = 5.0     # seconds past --timeout after which the command gives up on DuckDB, whatever it is blocked in


def _give_up(seconds: float) -> None:
    """DuckDB did not answer its interrupt: it is blocked where none reaches (open() of a pipe a check could not
    see, a hung network mount). One line and exit 2; an --out file was not renamed into place (its temporary
    sibling is removed by the next write of that file)."""
    os.write(2, (f"srdi query: 查询超过 {seconds:g} 秒仍未完成且无法中断（可能在等待一个管道或无响应的磁盘），已放弃，"
                 f"未写入结果 / the query ran longer than {seconds:g}s and could not be interrupted (a pipe or a hung "
                 f"disk?): given up, nothing written\n").encode("utf-8"))
    os._exit(Exit.USAGE)


def choose_query(args) -> int | None:
    """The arguments, before the home: --list prints the saved queries (exit 0); otherwise the SQL (given, -f FILE or
    --saved NAME) and its --param values, bound to its $names, go on args (None), or one line and exit 2."""
    from warehouse.query_text import QueryError, bind, choose, parse_params, render_list, saved_queries
    try:
        if args.list:
            if args.sql is not None or args.file is not None or args.saved is not None or args.param:
                raise QueryError("--list takes no SQL, -f, --saved or --param")
            sys.stdout.write(render_list(saved_queries()))
            sys.stdout.flush()
            return 0
        query = choose(args.sql, args.file, args.saved)
        args.sql, args.params = query.sql, bind(query, parse_params(args.param))
    except QueryError as exc:
        print(f"srdi query: {exc}", file=sys.stderr)
        return Exit.USAGE
    return None


def run(args) -> int:
    from warehouse.query import QueryError, run_query
    watchdog = None
    if args.timeout and args.timeout > 0 and getattr(args, "own_process", False):
        watchdog = threading.Timer(args.timeout + GRACE, _give_up, args=(args.timeout,))
        watchdog.daemon = True
        watchdog.start()
    try:
        run_query(Home.resolve(args.home), args.sql, fmt=args.format, out=args.out, timeout=args.timeout,
                  allow_files=args.allow_files, params=getattr(args, "params", None))
    except QueryError as exc:
        print(f"srdi query: {exc}", file=sys.stderr)
        return Exit.USAGE
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return 0   # `srdi query … | head`: a reader gone early is srdi.cli's to answer (no traceback)
