"""`srdi templates [--period P] [--home DIR]`: each bureau's workbook to fill, into the share's outbox."""
from __future__ import annotations

import argparse

from srdi.commands import WAIT_HELP, quarter_check
from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import Home


def register(subparsers) -> None:
    p = subparsers.add_parser("templates", help="write each bureau's template (模板) for a quarter into share/outbox/<bureau>/",
                              description="Each bureau's workbook to fill for a quarter, prefilled from the warehouse, "
                                          "into share/outbox/<bureau>/. Its hidden metadata sheet names the bureau and "
                                          "the quarter, so a file saved from it under a name without a quarter is "
                                          "still read as that quarter.")
    p.add_argument("--period", default=None,
                   help="quarter, e.g. 2022Q3, 2022-Q3, 2022年第三季度, 2022年三季度 or 2022年3季度 (default: the current quarter)")
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=run, check_args=quarter_check("templates"), supervised=True)


def run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    quiet_prefect(home.root)
    from flows.templates import write_templates
    from srdi.commands._writer import writer_lock_for
    with writer_lock_for("templates", home, args.wait) as lock:     # taken once, handed to the run
        info = run_flow(write_templates, home=str(home.root), period=args.period, lock=lock)
    from schemas.labels import period
    source = "数据库" if info["source"] == "warehouse" else "附件1（尚无入库数据）"
    print(f"{period(info['period'])}填报模板（企业名单取自{source}）：已生成 {len(info['written'])} 个")
    for p in info["written"]:
        print(f"  {p}")
    for p in info["kept"]:
        print(f"  保留（生成后在发件箱中被修改过；删除后可重新生成）：{p}")
    return 0
