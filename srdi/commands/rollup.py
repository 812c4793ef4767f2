"""`srdi rollup quarterly|midyear|annual [--period P]` and `srdi backfill --kind K --from P --to P`."""
from __future__ import annotations

import argparse
import sys

from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import DEFAULT_HOME, Home

KINDS = ("quarterly", "midyear", "annual")


def _home_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", default=None, help=f"project home (default: $SRDI_HOME or ./{DEFAULT_HOME})")


def _check(kind: str, period: str | None) -> str | None:
    if period is None:
        return None
    from schemas.periods import check_period
    return check_period(kind, period)


def _print(result: dict) -> None:
    print(f"{result['title']}: {result['pack']}")
    if result.get("dashboard"):
        print(f"  dashboard: {result['dashboard']}")
    rows = ", ".join(f"{t} {n}" for t, n in result["tables"].items() if t != "rollup_runs")
    print(f"  rows: {rows}")


def cmd_rollup(args) -> int:
    try:
        period = _check(args.kind, args.period)
    except ValueError as exc:
        print(f"srdi rollup: {exc}", file=sys.stderr)
        return 2
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from flows.rollups import ROLLUPS
    from warehouse.lock import WriterBusy, writer_lock
    try:
        with writer_lock(home):
            _print(run_flow(ROLLUPS[args.kind], home=str(home.root), period=period))
    except WriterBusy as exc:
        print(f"srdi rollup: 另一个入库或汇总任务正在写入，本次未运行 / {exc}", file=sys.stderr)
        return 3
    return 0


def cmd_backfill(args) -> int:
    try:
        from schemas.periods import periods_between
        periods = periods_between(args.kind, args.start, args.end)
    except ValueError as exc:
        print(f"srdi backfill: {exc}", file=sys.stderr)
        return 2
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from flows.rollups import backfill
    print(f"backfill {args.kind}: {', '.join(periods)}")
    for result in run_flow(backfill, kind=args.kind, start=periods[0], end=periods[-1], home=str(home.root)):
        _print(result)
    return 0


def register(sub) -> None:
    p = sub.add_parser("rollup", help="compute a meeting pack: quarterly dispatch, half-year meeting or annual summary",
                       description="季调度 (quarterly, --period 2022Q2), 半年例会 (midyear, 2022H1), 年度总结 (annual, 2022). "
                                   "Without --period: the period that ended most recently (Asia/Shanghai).")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--period", default=None, help="2022Q2 | 2022H1 | 2022 (default: the period just ended)")
    _home_arg(p)
    p.set_defaults(func=cmd_rollup, supervised=True)

    p = sub.add_parser("backfill", help="run a rollup for every period in a range, oldest first")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--from", dest="start", required=True, help="first period, e.g. 2022Q1")
    p.add_argument("--to", dest="end", required=True, help="last period, e.g. 2022Q4")
    _home_arg(p)
    p.set_defaults(func=cmd_backfill, supervised=True)
