"""`srdi ingest`: load the workbooks waiting in the share's inbox."""
from __future__ import annotations

import os
import sys

from srdi.commands import WAIT_HELP
from srdi.exits import Exit
from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import Home

LIST_ALL_UP_TO = 30       # a run of at most this many files lists each; a bigger one lists what needs attention


def register(sub) -> None:
    p = sub.add_parser("ingest", help="load the workbooks waiting in the share's inbox (share/inbox/<bureau>/)",
                       description="Load what the bureaus dropped into <home>/share/inbox/<bureau>/: each file is "
                                   "answered in share/outbox/<bureau>/ (receipt, or error list and annotated copy). "
                                   "At a terminal a progress bar shows counts and the time left; otherwise one line "
                                   "per batch.")
    p.add_argument("--settle", type=float, default=2.0,
                   help="seconds a file must be unchanged before it is read (default 2: a file still being copied waits)")
    p.add_argument("--runner", choices=("thread", "dask"), default=None,
                   help="task runner: thread (default) or dask (a local cluster, or $SRDI_DASK_ADDRESS)")
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=run, supervised=True)


def run(args) -> int:
    home = Home.resolve(args.home)
    quiet_prefect(home.root)
    from flows.ingest import ingest
    from srdi.commands._progress import IngestProgress
    from srdi.commands._writer import writer_lock_for
    flow = ingest
    if args.runner or os.environ.get("SRDI_TASK_RUNNER"):
        from flows.task_runners import make_task_runner
        flow = ingest.with_options(task_runner=make_task_runner(args.runner))
    with writer_lock_for("ingest", home, args.wait) as lock:     # taken once, handed to the run
        with IngestProgress() as progress:
            summary = run_flow(flow, home=str(home.root), settle_seconds=args.settle, lock=lock,
                               on_progress=progress.update)
    print_ingest(summary, home)
    print_mail(home)
    if summary.get("storage_error"):
        print(f"srdi ingest: {summary['storage_error']}", file=sys.stderr)
        return Exit.STORAGE
    return 0


def print_mail(home: Home) -> None:
    """When [mail] is set and messages wait in the spool: how many, and who sends them (the ingest never sends)."""
    from schemas.mail_config import MailConfigError, load_mail_config
    from warehouse import mail_spool
    try:
        if load_mail_config(home.rollup_config) is None:
            return
    except MailConfigError as exc:
        print(f"邮件：设置有误，未生成邮件（{exc}）")
        return
    waiting = len(mail_spool.pending(home))
    if waiting:
        print(f"邮件：{waiting} 封待发送（srdi serve 运行时在入库结束后自动发送；现在发送：srdi mail send）")


def print_ingest(summary: dict, home: Home | None = None) -> None:
    """Counts; each file when there are few; else what needs attention (rejected, held, deferred). In Chinese, as
    every line an operator reads beside bureau names and periods (file paths and commands stay as they are)."""
    from schemas.labels import OUTCOME, label, period
    from schemas.terminal import visible     # a bureau's file name is shown, never obeyed (ESC, CSI, OSC …)
    print(f"文件 {summary['files']} 个：已入库 {summary['loaded']}，退回 {summary['rejected']}，"
          f"重复 {summary['duplicate']}，留在收件箱 {len(summary.get('held') or [])}")
    results = summary["results"]
    shown = results if len(results) <= LIST_ALL_UP_TO else [r for r in results if r["outcome"] == "rejected"]
    for r in shown[:LIST_ALL_UP_TO]:
        when = period(r["period"]) if r["period"] else "报送期未识别"
        print(f"  {label(OUTCOME, r['outcome'])}  {visible(r['file'])}（{when}，报送编号 "
              f"{'、'.join(map(str, r['submission_ids'])) or '—'}）")
    if len(shown) > LIST_ALL_UP_TO:
        print(f"  … 另有 {len(shown) - LIST_ALL_UP_TO} 个退回文件")
    if len(results) > LIST_ALL_UP_TO:
        from warehouse.sql import load as sql
        example = " ".join(line for line in sql("query/suggest_submissions").splitlines() if not line.startswith("--"))
        print(f"  （共 {len(results)} 个文件，上面只列出退回的；每个文件的结果见 srdi query \"{example}\"，"
              f"退回原因见 share/outbox/<单位>/ 的错误清单）")
    held = summary.get("held") or []
    if held:
        print(f"留在收件箱（下次运行再试）：{len(held)} 个")
        for h in held:
            print(f"  留待下次  {visible(h['file'])}：{visible(h['reason'])}")
    deferred = summary.get("deferred") or []
    if deferred:
        print(f"未处理，等待下次运行：{len(deferred)} 个")
        for f in deferred[:LIST_ALL_UP_TO]:
            print(f"  未处理  {visible(f)}")
