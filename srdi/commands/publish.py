"""`srdi publish`: publish the analyst copy again from the pipeline's own database. No Prefect here.

What repairs an analyst copy someone broke (opened read-write, a stale warehouse.duckdb.wal beside it) without
waiting for the next ingest or rollup: checkpoint, a fresh read-only copy swapped in atomically, debris removed.
"""
from __future__ import annotations

import sys

from srdi.commands import WAIT_HELP
from srdi.exits import Exit
from warehouse.home import Home


def register(sub) -> None:
    p = sub.add_parser("publish", help="publish the analyst copy (warehouse.duckdb) again: repairs a broken or locked copy",
                       description=__doc__)
    p.add_argument("--wait", type=float, default=None, help=WAIT_HELP)
    p.set_defaults(func=run)


def run(args) -> int:
    from srdi.commands._writer import writer_lock_for
    from warehouse.publish import publish
    home = Home.resolve(args.home)
    if not home.writer_db.exists():
        print(f"srdi publish: 还没有可发布的数据（{home.writer_db} 不存在），请先运行 srdi ingest / nothing to publish yet: "
              f"run `srdi ingest` first", file=sys.stderr)
        return Exit.USAGE
    try:
        with writer_lock_for("publish", home, args.wait):
            path = publish(home)
    except Exception as exc:
        from warehouse.disk import disk_problem_line, is_disk_problem
        if not is_disk_problem(exc):          # a busy writer too: srdi/cli.py says it
            raise
        print(f"srdi publish: {disk_problem_line(exc, '发布分析副本', ('原来的分析副本未被改动', 'the analyst copy was left as it was'))}",
              file=sys.stderr)
        return Exit.STORAGE
    print(f"已重新发布分析副本 {path}（只读；替换了分析人员原来的副本，旁边的残留文件已清除）")
    return 0
