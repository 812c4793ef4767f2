"""One module per `srdi` subcommand, each with register(subparsers). A command imports flows and the floor
(schemas, warehouse) only; Prefect is imported inside the command, after the environment is set."""

import sys

from srdi.exits import Exit

# the --wait of every command that writes (srdi/commands/_writer.py)
WAIT_HELP = "seconds to wait for another running ingest, rollup, backfill, templates, publish or demo (default 600)"


def quarter_check(command: str):
    """The `check_args` of a command whose --period names a quarter (status, templates): the period in any accepted
    form becomes 2022Q3; a period that is not a quarter ends the command with exit 2 and why, before any work."""
    def check(args) -> int | None:
        if args.period:
            from schemas.periods import parse_period
            try:
                args.period = parse_period(args.period, "quarter")
            except ValueError as exc:
                print(f"srdi {command}: {exc}", file=sys.stderr)
                return Exit.USAGE
        return None
    return check
