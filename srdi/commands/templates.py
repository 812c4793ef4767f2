"""`srdi templates [--period P] [--home DIR]`: each bureau's workbook to fill, into the share's outbox."""
from __future__ import annotations

import argparse
import sys

from srdi.prefect_env import quiet_prefect, run_flow
from warehouse.home import DEFAULT_HOME, Home
from schemas.periods import period_from_name


def register(subparsers) -> None:
    p = subparsers.add_parser("templates", help="write each bureau's template (模板) for a quarter into share/outbox/<bureau>/")
    p.add_argument("--home", default=None, help=f"project home (default: $SRDI_HOME or ./{DEFAULT_HOME})")
    p.add_argument("--period", default=None,
                   help="quarter, e.g. 2022Q3, 2022-Q3 or 2022年第三季度 (default: the current quarter)")
    p.set_defaults(func=run, supervised=True)


def run(args: argparse.Namespace) -> int:
    period = None
    if args.period:
        period = period_from_name(args.period)
        if not isinstance(period, str):
            print(f"srdi templates: “{args.period}” is not one quarter; write e.g. 2022Q3", file=sys.stderr)
            return 2
    home = Home.resolve(args.home).ensure()   # Prefect's home lives inside it and is not created with parents
    quiet_prefect(home.root)
    from flows.templates import write_templates
    info = run_flow(write_templates, home=str(home.root), period=period)
    source = "the warehouse" if info["source"] == "warehouse" else "the Annex 1 registry (nothing loaded yet)"
    print(f"templates for {info['period']} (enterprises from {source}): {len(info['written'])} written")
    for p in info["written"]:
        print(f"  {p}")
    for p in info["kept"]:
        print(f"  kept, edited in the outbox since it was written (delete it to regenerate): {p}")
    return 0
