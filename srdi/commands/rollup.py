"""`srdi rollup quarterly|midyear|annual [--period P] [--force]` and `srdi backfill --kind K --from P --to P`.

Periods are read by schemas.periods.parse_period, in every form a file name may use (2022Q3, 2022-Q3, 2022年第三季度,
2022H1, 2022年上半年, 2022, 2022年). A period that has not ended yet is computed only with --force: its pack would
list as missing what is not due, and would join reports/index.html as if it were final.
"""
from __future__ import annotations

import sys

from srdi.commands import WAIT_HELP
from srdi.exits import Exit
from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import Home

KINDS = ("quarterly", "midyear", "annual")
PERIOD_HELP = ("quarterly: 2022Q2, 2022-Q2, 2022年第二季度, 2022年二季度, 2022年2季度; midyear: 2022H1, 2022年上半年; "
               "annual: 2022, 2022年")


def _print(result: dict) -> None:
    """In Chinese, as every line an operator reads beside bureau names and periods; table names (what `srdi query`
    reads), paths and commands stay as they are."""
    print(f"{result['title']}：{result['pack']}")
    if result.get("brief"):
        print(f"  会议材料（Word）：{result['brief']}")
    if result.get("dashboard"):
        print(f"  看板：{result['dashboard']}")
    if result.get("history"):
        print(f"  全程看板：{result['history']}")
    rows = "，".join(f"{t} {n}" for t, n in result["tables"].items() if t != "rollup_runs")
    print(f"  汇总表行数：{rows}")
    actions = result.get("actions") or []
    for i, notice in enumerate(result.get("notices") or []):
        print(f"  注意：{notice}")
        if i < len(actions) and actions[i]:
            print(f"    处理：{actions[i]}")


def _not_ended(periods: list[str]) -> list[str]:
    from schemas.periods import period_has_ended
    return [p for p in periods if not period_has_ended(p)]


def _future_message(command: str, periods: list[str], force: bool) -> str:
    from schemas.periods import period_end, period_label, today_in_china
    names = "、".join(f"{period_label(p)}（{p}，{period_end(p).isoformat()} 结束）" for p in periods)
    today = today_in_china().isoformat()
    if force:
        return (f"srdi {command}: 注意：{names}尚未结束（今天 {today}，Asia/Shanghai），按 --force 照常计算：结果只含截至"
                f"今天的报送，期末后请重新计算 / note: {', '.join(periods)} has not ended yet; computed anyway (--force) "
                f"with what has arrived so far: compute it again once it has ended")
    return (f"srdi {command}: {names}尚未结束（今天 {today}，Asia/Shanghai），本次未计算：现在汇总只反映截至今天的报送，并会"
            f"作为正式汇总列入 reports/index.html。确需现在计算，请加 --force。\n"
            f"srdi {command}: {', '.join(periods)} has not ended yet (today is {today}, Asia/Shanghai); nothing was "
            f"computed. Add --force to compute it anyway.")


def _check_config(command: str, home: Home) -> int | None:
    """The home's rules file, read before any flow starts: a mistake in it is one message, not a traceback."""
    if not home.rollup_config.exists():
        return None
    from schemas.rollup_config import ConfigError, load
    try:
        load(home.rollup_config)
    except (ConfigError, OSError, UnicodeDecodeError) as exc:
        print(f"srdi {command}: 汇总规则文件有误，本次未计算 / the rules file is not valid: {exc}", file=sys.stderr)
        return Exit.USAGE
    return None


def check_rollup(args) -> int | None:
    from schemas.periods import check_period
    if args.period is None:
        return None
    try:
        args.period = check_period(args.kind, args.period)
    except ValueError as exc:
        print(f"srdi rollup: {exc}", file=sys.stderr)
        return Exit.USAGE
    if _not_ended([args.period]) and not args.force:
        print(_future_message("rollup", [args.period], False), file=sys.stderr)
        return Exit.USAGE
    return None


def cmd_rollup(args) -> int:
    home = Home.resolve(args.home)
    code = _check_config("rollup", home)
    if code is not None:
        return code
    if args.period and _not_ended([args.period]):
        print(_future_message("rollup", [args.period], True))
    quiet_prefect(home.root)
    from flows.rollups import ROLLUPS
    from srdi.commands._writer import writer_lock_for
    from warehouse.audit import RollupAuditFailed
    try:
        with writer_lock_for("rollup", home, args.wait) as lock:     # taken once, handed to the run
            _print(run_flow(ROLLUPS[args.kind], home=str(home.root), period=args.period, lock=lock))
    except RollupAuditFailed as exc:         # one line: nothing stored, the previous pack stays
        print(f"srdi rollup: {exc}", file=sys.stderr)
        return Exit.AUDIT
    return 0


def check_backfill(args) -> int | None:
    from schemas.periods import periods_between
    try:
        args.periods = periods_between(args.kind, args.start, args.end)
    except ValueError as exc:
        print(f"srdi backfill: {exc}", file=sys.stderr)
        return Exit.USAGE
    future = _not_ended(args.periods)
    if future and not args.force:
        print(_future_message("backfill", future, False), file=sys.stderr)
        return Exit.USAGE
    return None


def cmd_backfill(args) -> int:
    home = Home.resolve(args.home)
    code = _check_config("backfill", home)
    if code is not None:
        return code
    periods = args.periods
    future = _not_ended(periods)
    if future:
        print(_future_message("backfill", future, True))
    quiet_prefect(home.root)
    from flows.rollups import backfill
    from srdi.commands._progress import BackfillProgress
    from schemas.labels import KIND, period
    print(f"补算{KIND[args.kind]}：{'、'.join(period(p) for p in periods)}", flush=True)
    from srdi.commands._writer import writer_lock_for
    from warehouse.audit import RollupAuditFailed
    try:
        # taken once for the whole range (as for one rollup), handed to each period's run
        with writer_lock_for("backfill", home, args.wait) as lock, BackfillProgress(periods) as progress:
            results = run_flow(backfill, kind=args.kind, start=periods[0], end=periods[-1], home=str(home.root),
                               on_progress=progress.update, lock=lock)
    except RollupAuditFailed as exc:         # the periods before it are stored; this one and the rest are not
        print(f"srdi backfill: {exc}", file=sys.stderr)
        return Exit.AUDIT
    for result in results:
        _print(result)
    return 0


def register(sub) -> None:
    p = sub.add_parser("rollup", help="compute a meeting pack: quarterly dispatch, half-year meeting or annual summary",
                       description="季调度 (quarterly, --period 2022Q2), 半年例会 (midyear, 2022H1), 年度总结 (annual, 2022). "
                                   "Without --period: the period that ended most recently (Asia/Shanghai). A period "
                                   "that has not ended is computed only with --force.")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--period", default=None, help=f"default: the period just ended. {PERIOD_HELP}")
    p.add_argument("--force", action="store_true", help="compute a period that has not ended yet (says so)")
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=cmd_rollup, check_args=check_rollup, supervised=True)

    p = sub.add_parser("backfill", help="run a rollup for every period in a range, oldest first",
                       description="Every period of --kind from --from to --to, oldest first, each its own rollup run. "
                                   "At a terminal a progress bar; otherwise one line per period.")
    p.add_argument("--kind", choices=KINDS, required=True)
    p.add_argument("--from", dest="start", required=True, help="first period, e.g. 2022Q1 or 2022年第一季度")
    p.add_argument("--to", dest="end", required=True, help="last period, e.g. 2022Q4 or 2022年第四季度")
    p.add_argument("--force", action="store_true", help="include periods that have not ended yet (says so)")
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=cmd_backfill, check_args=check_backfill, supervised=True)

