"""The `srdi` command. Imports run one way: this CLI → flows → tasks → schemas/warehouse/dashboards."""
from __future__ import annotations

import argparse
import os
import sys

from srdi.env import quiet_prefect, run_flow
from tasks.home import DEFAULT_HOME, Home


def _home_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", default=None, help=f"project home (default: $SRDI_HOME or ./{DEFAULT_HOME})")


def cmd_ingest(args) -> int:
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from flows.ingest import ingest
    from tasks.lock import WriterBusy, writer_lock
    try:
        flow = ingest
        if args.runner or os.environ.get("SRDI_TASK_RUNNER"):
            from flows.runners import make_task_runner
            flow = ingest.with_options(task_runner=make_task_runner(args.runner))
        with writer_lock(home, args.wait):
            summary = run_flow(flow, home=str(home.root), settle_seconds=args.settle)
    except WriterBusy as exc:
        print(f"srdi ingest: 另一个入库或汇总任务正在写入，本次未运行 / {exc}", file=sys.stderr)
        return 3
    _print_ingest(summary)
    if summary.get("storage_error"):
        print(f"srdi ingest: {summary['storage_error']}", file=sys.stderr)
        return 4
    return 0


def _print_ingest(summary: dict) -> None:
    print(f"files: {summary['files']}  loaded: {summary['loaded']}  rejected: {summary['rejected']}  duplicate: {summary['duplicate']}")
    for r in summary["results"]:
        print(f"  {r['outcome']:<9} {r['file']}  (period {r['period'] or '—'}, submission {','.join(map(str, r['submission_ids']))})")


def cmd_query(args) -> int:
    from tasks.query import QueryError, run_query
    home = Home.resolve(args.home)
    try:
        run_query(home, args.sql, fmt=args.format, out=args.out)
    except QueryError as exc:
        print(f"srdi query: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_demo(args) -> int:
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from flows.demo import demo
    info = run_flow(demo, home=str(home.root))
    _print_ingest(info["ingest"])
    print()
    print("Where everything is:")
    for label, key in (("warehouse (analyst copy)", "warehouse"), ("inbox", "inbox"), ("archive", "archive"),
                       ("rejected", "rejected"), ("outbox (模板, 回执, 错误清单, 批注版)", "outbox"), ("reports", "reports")):
        print(f"  {label:<26} {info[key]}")
    for extra in info.get("notes", []):
        print(f"  {extra}")
    print(f'\nTry: srdi query --home {home.root} "SELECT bureau, period, form, status FROM submissions"')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="srdi", description="专精特新 programme pipeline")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load the workbooks waiting in the share's inbox")
    _home_arg(p)
    p.add_argument("--settle", type=float, default=2.0, help="seconds a file must be unchanged before it is read")
    p.add_argument("--runner", choices=("thread", "dask"), default=None,
                   help="task runner: thread (default) or dask (a local cluster, or $SRDI_DASK_ADDRESS)")
    p.add_argument("--wait", type=float, default=None, help="seconds to wait for another running ingest or rollup (default 600)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("query", help="run read-only SQL against the published warehouse")
    _home_arg(p)
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    p.add_argument("--out", default=None, help="write to this file instead of the terminal")
    p.add_argument("sql")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("demo", help="build a sample share from the policy and run the pipeline on it")
    _home_arg(p)
    p.set_defaults(func=cmd_demo)

    # further subcommands live in srdi/cmd_*.py, each with register(subparsers)
    import importlib
    import pkgutil
    import srdi
    for mod in sorted(m.name for m in pkgutil.iter_modules(srdi.__path__) if m.name.startswith("cmd_")):
        importlib.import_module(f"srdi.{mod}").register(sub)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
