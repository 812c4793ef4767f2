"""`srdi ingest`: load the workbooks waiting in the share's inbox."""
from __future__ import annotations

import os
import sys

from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import DEFAULT_HOME, Home


def register(sub) -> None:
    p = sub.add_parser("ingest", help="load the workbooks waiting in the share's inbox")
    p.add_argument("--home", default=None, help=f"project home (default: $SRDI_HOME or ./{DEFAULT_HOME})")
    p.add_argument("--settle", type=float, default=2.0, help="seconds a file must be unchanged before it is read")
    p.add_argument("--runner", choices=("thread", "dask"), default=None,
                   help="task runner: thread (default) or dask (a local cluster, or $SRDI_DASK_ADDRESS)")
    p.add_argument("--wait", type=float, default=None, help="seconds to wait for another running ingest or rollup (default 600)")
    p.set_defaults(func=run, supervised=True)


def run(args) -> int:
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from flows.ingest import ingest
    from warehouse.lock import WriterBusy, writer_lock
    try:
        flow = ingest
        if args.runner or os.environ.get("SRDI_TASK_RUNNER"):
            from flows.task_runners import make_task_runner
            flow = ingest.with_options(task_runner=make_task_runner(args.runner))
        with writer_lock(home, args.wait):
            summary = run_flow(flow, home=str(home.root), settle_seconds=args.settle)
    except WriterBusy as exc:
        print(f"srdi ingest: 另一个入库或汇总任务正在写入，本次未运行 / {exc}", file=sys.stderr)
        return 3
    print_ingest(summary)
    if summary.get("storage_error"):
        print(f"srdi ingest: {summary['storage_error']}", file=sys.stderr)
        return 4
    return 0


def print_ingest(summary: dict) -> None:
    print(f"files: {summary['files']}  loaded: {summary['loaded']}  rejected: {summary['rejected']}  duplicate: {summary['duplicate']}")
    for r in summary["results"]:
        print(f"  {r['outcome']:<9} {r['file']}  (period {r['period'] or '—'}, submission {','.join(map(str, r['submission_ids']))})")
