"""`srdi demo`: build a sample share from the policy and run the pipeline on it."""
from __future__ import annotations

from srdi.commands import WAIT_HELP
from srdi.commands.ingest import print_ingest
from srdi.commands.status import pad
from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import Home
from warehouse.sql import load as sql


def register(sub) -> None:
    p = sub.add_parser("demo", help="build a sample share from the policy and run the pipeline on it (creates the home)")
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=run, supervised=True, home_policy="create")


def run(args) -> int:
    home = Home.resolve(args.home).ensure()
    quiet_prefect(home.root)
    from samples.demo import demo
    from srdi.commands._writer import writer_lock_for
    with writer_lock_for("demo", home, args.wait) as lock:     # taken once, handed to each of its runs
        info = run_flow(demo, home=str(home.root), lock=lock)
    print_ingest(info["ingest"], home)
    print()
    print("各项文件的位置：")
    for label, key in (("分析副本（warehouse.duckdb）", "warehouse"), ("收件箱", "inbox"), ("已入库文件", "archive"),
                       ("退回文件", "rejected"), ("发件箱（模板、回执、错误清单、批注版）", "outbox"),
                       ("会议材料和看板", "reports")):
        print(f"  {pad(label, 38)}{info[key]}")
    for extra in info.get("notes", []):
        print(f"  {extra}")
    example = " ".join(line for line in sql("query/suggest_submissions").splitlines() if not line.startswith("--"))
    print(f'\n试试：srdi query --home {home.root} "{example}"')
    return 0
