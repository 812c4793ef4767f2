"""`srdi docs`: regenerate docs/warehouse.md from the database's COMMENTs.

By default it builds a fresh demo (the sample share, ingest and the 2022 rollups, as `make demo` does) in a
temporary folder and documents that database, so the result does not depend on what your own home holds; this
is also what the test that guards docs/warehouse.md against drift does. `--home DIR` (or SRDI_HOME) documents that
home's published warehouse instead. `--check` only compares.
"""
from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

from srdi.exits import Exit


def build_reference_warehouse(root: Path) -> Path:
    """A fresh demo under root; returns its published warehouse. Prefect is imported only here."""
    from samples.demo import demo
    from srdi.prefect_env import run_flow
    from warehouse.home import Home
    home = Home.resolve(root).ensure()
    run_flow(demo, home=str(home.root))
    return home.warehouse


def cmd_docs(args) -> int:
    from warehouse.catalog import DOC_PATH, describe
    from warehouse.home import Home

    out = Path(args.out) if args.out else DOC_PATH
    with tempfile.TemporaryDirectory(prefix="srdi-docs-") as tmp:
        if args.home:
            db = Home.resolve(args.home).warehouse
            if not db.exists():
                print(f"srdi docs: no published warehouse at {db}", file=sys.stderr)
                return Exit.USAGE
        else:
            from srdi.prefect_env import quiet_prefect
            home = Home.resolve(Path(tmp) / "home").ensure()
            print(f"srdi docs · 主目录 home: {home.root}（临时演示目录：srdi demo 建在临时文件夹里，用后删除 / a fresh demo "
                  f"in a temporary folder, removed afterwards）", flush=True)
            quiet_prefect(home.root)
            db = build_reference_warehouse(home.root)
        text, missing = describe(db)
    for m in missing:
        print(f"srdi docs: no Chinese comment on {m}", file=sys.stderr)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if args.check:
        if old != text:
            sys.stderr.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(out), "generated"))
            print(f"srdi docs: {out} is out of date; run `srdi docs`", file=sys.stderr)
            return Exit.FAILED
        print(f"{out} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"{'unchanged' if old == text else 'wrote'} {out}")
    return Exit.FAILED if missing else 0


def register(subparsers) -> None:
    p = subparsers.add_parser("docs", help="regenerate docs/warehouse.md from the database's comments",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", default=None,
                   help="document this home's published warehouse (default: a fresh demo in a temporary folder)")
    p.add_argument("--out", default=None, help="write here instead of docs/warehouse.md")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is out of date")
    p.set_defaults(func=cmd_docs, supervised=True, home_policy="optional")
