"""srdi's exit codes, in one table: every command returns these, and the README's table (section "Exit codes")
lists the same ones (tests/unit/test_exits.py compares the two, both ways; no command returns a bare number)."""
from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1           # it ran, and not all of it succeeded: mail not sent, a doc out of date, serve stopped by a failure
    USAGE = 2            # the arguments or the home are not usable, or a query was refused or stopped; nothing ran
    WRITER_BUSY = 3      # another ingest or rollup kept the writer lock past --wait; nothing ran
    STORAGE = 4          # a full disk or a read-only home stopped the run; what was stored stays
    CREDENTIAL = 5       # the home's API credential cannot be trusted (srdi/api_auth.py)
    AUDIT = 6            # a rollup's data test failed: nothing of that period stored or published
    SERVER = 7           # the home's Prefect server could not be started; nothing ran
    INTERRUPTED = 130    # Ctrl-C or SIGTERM (128 + SIGINT, as a shell reports it)
    PIPE_CLOSED = 141    # what read the output went away (`srdi query … | head`: 128 + SIGPIPE)
