"""The `srdi` command: a thin parser over srdi/commands/, one module per subcommand.

Imports run one way: this CLI → flows (and samples, for the demo) → tasks → dashboards → warehouse → schemas.
A subcommand that starts processes (flows, a Prefect server, a worker) registers `supervised=True` and runs inside
a `srdi.processes.Supervisor`: Ctrl-C and SIGTERM stop it in seconds with one line and exit code 130, and no
process it started outlives it, even when it is killed with SIGKILL.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import srdi.commands

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srdi", description="专精特新 programme pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    for mod in pkgutil.iter_modules(srdi.commands.__path__):
        importlib.import_module(f"srdi.commands.{mod.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """`argv` None: this is the `srdi` process itself (it may then handle signals and end with os._exit)."""
    own_process = argv is None
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "supervised", False):
            return args.func(args)
        from srdi.processes import Supervisor
        code = EXIT_INTERRUPTED
        with Supervisor(args.command, own_process=own_process,
                        handle_signals=getattr(args, "handles_signals", True)):
            code = args.func(args)
        return code
    except KeyboardInterrupt:
        if not own_process:
            raise
        # a Ctrl-C outside a supervised run (while starting up, or in `srdi query`): one line, no traceback
        os.write(2, "srdi: 已中断 / interrupted\n".encode("utf-8"))
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
