"""The writer lock as a command takes it: once per run, before the flow starts (a busy writer is then told plainly,
before Prefect is involved), handed to the flow run (flows/pipeline.py), and a command that has to wait says so at
once, on one line, naming whom it waits for and for how long (--wait, default 600 s). Every command that writes takes
it so (ingest, rollup, backfill, templates, publish, demo): one that gives up says so in one line, exit 3, nothing run
(`gave_up`, which srdi/cli.py `main` calls for every command: the rule in one place)."""
from __future__ import annotations

import sys

from srdi.exits import Exit
from warehouse.home import Home
from warehouse.lock import WriterBusy, writer_lock


def writer_lock_for(command: str, home: Home, wait_seconds: float | None):
    def say(line: str) -> None:
        print(f"srdi {command}: {line}", file=sys.stderr, flush=True)
    return writer_lock(home, wait_seconds, command=f"srdi {command}", on_wait=say)


def gave_up(command: str, exc: WriterBusy) -> int:
    """The one line of a command that waited for the writer lock past --wait: nothing of it ran."""
    print(f"srdi {command}: 另一个入库或汇总任务正在写入，本次未运行 / {exc}", file=sys.stderr)
    return Exit.WRITER_BUSY
