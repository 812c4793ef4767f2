"""Progress of a long command (`srdi ingest`, `srdi backfill`), drawn from what the library reports.

The library calls `on_progress(done, total, counts)` (flows/pipeline.py: when the inbox is scanned and after each
batch of an ingest; after each period of a backfill), and the command hands it `Progress.update`. At a terminal
(stderr is a TTY) a progress bar with counts, elapsed time and an ETA (rich, installed with Prefect); Prefect's own
lines print above it. Otherwise one line per batch (ingest) or per period (backfill), never one per file: the record
load-submissions logs for each batch (a line per file) is left out of the console either way (it stays in the flow
run's log in the Prefect UI), and the command's summary lists what needs attention.
"""
from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from typing import IO, TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from prefect.logging.handlers import PrefectConsoleHandler
    from rich.progress import Progress as Bar, TaskID

BATCH = "committed %d file(s):\n%s"             # load-submissions, one per batch: left out of the console
OUTCOME = {"loaded": "已入库", "rejected": "退回", "duplicate": "重复", "held": "留待下次"}


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _Quiet(logging.Filter):
    def __init__(self, progress: "Progress"):
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.progress.replaces(record)


def console_handlers() -> list[PrefectConsoleHandler]:
    """Prefect's console handlers (on the root logger, and on any logger that does not propagate)."""
    loggers = [logging.getLogger()] + [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)
                                       if n.startswith(("prefect", "uvicorn"))]
    found = []
    for lg in loggers:
        for h in getattr(lg, "handlers", []):
            if type(h).__name__ == "PrefectConsoleHandler" and h not in found:
                found.append(h)
    return found


class Progress:
    """A counter of `unit`s with a bar (interactive) or one line per step (`checkpoint`)."""

    def __init__(self, command: str, label: str, unit: str, interactive: bool | None = None, out=None):
        self.command = command
        self.label = label
        self.unit = unit
        self.out = out or sys.stderr
        try:
            tty = self.out.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.interactive = tty if interactive is None else interactive
        self.total: int | None = None
        self.done = 0
        self.counts: Counter = Counter()
        self.started = time.monotonic()
        self.steps = 0
        self._quiet = _Quiet(self)
        self._bar: Bar | None = None
        self._task: TaskID | None = None   # set with _bar
        self._swapped: list[tuple[PrefectConsoleHandler, TextIO, IO[str] | None]] = []

    # ---- what the library reports

    def update(self, done: int, total: int, counts: dict) -> None:
        """`on_progress` of flows/pipeline.py: `done` of `total` so far, by outcome in `counts`; every call after the
        first ends a step (a batch, a period)."""
        first = self.total is None
        if first or total != self.total:
            self.set_total(total)
        found = Counter(counts)       # in OUTCOME's order, whatever order they came in
        self.counts = Counter({k: found[k] for k in [*OUTCOME, *sorted(set(found) - set(OUTCOME))] if found[k]})
        self.done = done
        self._show()
        if not first:
            self.checkpoint(self.step_name())

    def step_name(self) -> str:
        return f"第 {self.steps + 1} 步完成"

    def replaces(self, record: logging.LogRecord) -> bool:
        """A console line the progress stands for (dropped from the console, kept in the flow run's log)."""
        return False

    # ---- counting

    def set_total(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total, description=self.label)

    def _show(self) -> None:
        if self.total is not None and self.done > self.total:
            self.total = self.done      # never "7/6" (the library reports each file once: this is a guard)
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, total=self.total)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done, counts=self.counts_text())

    def counts_text(self) -> str:
        return "、".join(f"{OUTCOME.get(k, k)} {v}" for k, v in self.counts.items() if v)

    def eta(self) -> float | None:
        if not self.total or not self.done or self.done >= self.total:
            return None
        return (time.monotonic() - self.started) / self.done * (self.total - self.done)

    def checkpoint(self, what: str) -> None:
        """One line per step when there is no bar (a log, a pipe, a service manager)."""
        self.steps += 1
        if self.interactive:
            return
        total = f"/{self.total}" if self.total is not None else ""
        counts = f"（{self.counts_text()}）" if self.counts_text() else ""
        eta = self.eta()
        rest = f"，预计还需 {clock(eta)}" if eta is not None else ""
        line = (f"srdi {self.command}: {what}：已处理 {self.done}{total} {self.unit}{counts}，"
                f"用时 {clock(time.monotonic() - self.started)}{rest}")
        # written, not print()ed: this runs inside the flow run (the library's callback), where Prefect's log_prints
        # would turn a print into a log record of the flow run
        self.out.write(line + "\n")
        self.out.flush()

    # ---- lifetime

    def __enter__(self) -> "Progress":
        handlers = console_handlers()
        for h in handlers:
            h.addFilter(self._quiet)
        if self.interactive:
            self._start_bar(handlers)
        return self

    def _start_bar(self, handlers) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        console = Console(file=self.out)
        self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn(self.unit), TextColumn("{task.fields[counts]}"), TextColumn("用时"),
                        TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(), console=console,
                        redirect_stdout=False, redirect_stderr=True)
        self._task = self._bar.add_task(self.label, total=self.total, counts="")
        self._bar.start()
        # Prefect's lines go through the bar's console (above the bar) instead of across it
        for h in handlers:
            inner = getattr(h, "console", None)
            self._swapped.append((h, h.stream, getattr(inner, "file", None)))
            h.stream = sys.stderr
            if inner is not None:
                inner.file = sys.stderr

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            try:
                self._bar.stop()
            finally:
                for h, stream, file in self._swapped:
                    h.stream = stream
                    if file is not None:
                        h.console.file = file
                self._swapped.clear()
                self._bar = None
        for h in console_handlers():
            h.removeFilter(self._quiet)


class IngestProgress(Progress):
    """Files of this run: the total once the inbox is scanned, then the files answered (loaded, rejected, duplicate,
    left in the inbox) after each batch; a line per batch."""

    def __init__(self, **kw):
        super().__init__("ingest", "入库", "个文件", **kw)

    def step_name(self) -> str:
        return f"第 {self.steps + 1} 批完成"

    def replaces(self, record: logging.LogRecord) -> bool:
        return record.msg == BATCH and getattr(record, "task_name", "") == "load-submissions"


class BackfillProgress(Progress):
    """Periods of a backfill: one more when each period's rollup has finished."""

    def __init__(self, periods: list[str], **kw):
        super().__init__("backfill", "汇总", "个报告期", **kw)
        self.periods = periods
        self.set_total(len(periods))

    def update(self, done: int, total: int, counts: dict) -> None:
        self.done = done
        self._show()
        self.checkpoint(f"{self.periods[done - 1] if 0 < done <= len(self.periods) else '?'} 完成")

    def counts_text(self) -> str:
        return ""
