"""The `srdi` command: a thin parser over srdi/commands/, one module per subcommand.

Imports run one way: this CLI → flows (and samples, for the demo) → tasks → dashboards → warehouse → schemas.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import srdi.commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srdi", description="专精特新 programme pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    for mod in pkgutil.iter_modules(srdi.commands.__path__):
        importlib.import_module(f"srdi.commands.{mod.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
