"""The writer lock as a command takes it: once per run, before the flow starts (a busy writer is then told plainly,
before Prefect is involved), handed to the flow run (flows/pipeline.py), and a command that has to wait says so at
once, on one line, naming whom it waits for and for how long."""
from __future__ import annotations

import sys

from warehouse.home import Home
from warehouse.lock import writer_lock


def writer_lock_for(command: str, home: Home, wait_seconds: float | None):
    def say(line: str) -> None:
        print(f"srdi {command}: {line}", file=sys.stderr, flush=True)
    return writer_lock(home, wait_seconds, command=f"srdi {command}", on_wait=say)
