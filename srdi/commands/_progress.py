"""Progress of a long command (`srdi ingest`, `srdi backfill`), followed through the records its flow run logs.

At a terminal (stderr is a TTY) a progress bar with counts, elapsed time and an ETA (rich, installed with Prefect);
Prefect's own lines print above it. Otherwise one line per batch (ingest) or per period (backfill), never one per
file: the line Prefect logs for each loaded file is left out of the console either way (it stays in the flow run's
log in the Prefect UI), and the command's summary lists what needs attention.

The flows are not changed for this: the records are the ones they log anyway (tasks/intake/discover.py: "found %d
file(s)…"; tasks/intake/load.py: "committed %d file(s):" and a line per file, once per batch, or "%s: %s (%s)" per
file when a batch is loaded file by file; the engine's "Finished in state …").
"""
from __future__ import annotations

import logging
import re
import sys
import time
from collections import Counter

PER_FILE = "%s: %s (%s)"                        # load-submissions, one per file: rel, outcome, submission ids
BATCH = "committed %d file(s):\n%s"             # load-submissions, one per batch: count, a "rel: outcome (ids)" line each
FOUND = "found %d file(s) in the inbox"          # discover-submissions: how many files this run reads
FINISHED = "Finished in state"
OUTCOME = {"loaded": "已入库", "rejected": "退回", "duplicate": "重复", "held": "留待下次"}


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _Tap(logging.Handler):
    def __init__(self, progress: "Progress"):
        super().__init__(level=logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.progress.on_record(record)
        except Exception:       # progress must never break the run
            pass


class _Quiet(logging.Filter):
    def __init__(self, progress: "Progress"):
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.progress.replaces(record)


def console_handlers() -> list[logging.Handler]:
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

    LOGGERS = ("prefect.task_runs", "prefect.flow_runs")

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
        self._tap = _Tap(self)
        self._quiet = _Quiet(self)
        self._bar = None
        self._task = None
        self._swapped: list[tuple[logging.Handler, object, object]] = []

    # ---- what the flow logs

    def on_record(self, record: logging.LogRecord) -> None:
        """Subclasses read the records that mark progress."""

    def replaces(self, record: logging.LogRecord) -> bool:
        """A console line the progress stands for (dropped from the console, kept in the flow run's log)."""
        return False

    # ---- counting

    def set_total(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self._bar is not None:
            self._bar.update(self._task, total=total, description=self.label)

    def advance(self, n: int = 1, outcome: str | None = None) -> None:
        self.done += n
        if outcome:
            self.counts[outcome] += n
        self._show()

    def _show(self) -> None:
        if self.total is not None and self.done > self.total:
            self.total = self.done      # more than were found (a file counted by a retry): never "7/6"
            if self._bar is not None:
                self._bar.update(self._task, total=self.total)
        if self._bar is not None:
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
        # written, not print()ed: this runs inside the flow's logging call, where Prefect's log_prints would turn a
        # print into a log record of the flow run
        self.out.write(line + "\n")
        self.out.flush()

    # ---- lifetime

    def __enter__(self) -> "Progress":
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self._tap)
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
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self._tap)
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
    """Files of this run: the total once the inbox is scanned, one more per file loaded, rejected or duplicate;
    a step per batch (read, loaded, filed away). A file is counted once, by its name, whatever logs it again (a
    retried task logs its batch again; a file held and then loaded is one file): its last outcome counts."""

    def __init__(self, **kw):
        super().__init__("ingest", "入库", "个文件", **kw)
        self.files: dict[str, str] = {}     # the file as logged (escaped) → its outcome

    def file(self, rel: str, outcome: str) -> None:
        self.files[rel] = outcome
        self.done = len(self.files)
        found = Counter(self.files.values())      # in OUTCOME's order, whatever order the files came in
        self.counts = Counter({k: found[k] for k in [*OUTCOME, *sorted(set(found) - set(OUTCOME))] if found[k]})
        self._show()

    def replaces(self, record: logging.LogRecord) -> bool:
        return record.msg in (PER_FILE, BATCH) and getattr(record, "task_name", "") == "load-submissions"

    def on_record(self, record: logging.LogRecord) -> None:
        task = getattr(record, "task_name", "")
        if task == "discover-submissions" and str(record.msg).startswith(FOUND) and record.args:
            self.set_total(int(record.args[0]))
        elif task == "load-submissions" and record.msg == PER_FILE and len(record.args) == 3:
            self.file(str(record.args[0]), str(record.args[1]))
        elif task == "load-submissions" and record.msg == BATCH and len(record.args) == 2:
            for line in str(record.args[1]).splitlines():
                m = re.fullmatch(r"(.*): (\w+) \([\d, ]*\)", line)
                self.file(m.group(1), m.group(2)) if m else self.file(line, "loaded")
        elif task == "load-submissions" and record.levelno == logging.WARNING and record.msg == "%s: %s" and record.args:
            self.file(str(record.args[0]), "held")          # left in the inbox: changed since it was read
        elif task == "file-away" and str(record.msg).startswith(FINISHED) and self.total:
            self.checkpoint(f"第 {self.steps + 1} 批完成")


class BackfillProgress(Progress):
    """Periods of a backfill: one more when each period's rollup run finishes."""

    ROLLUP_FLOWS = ("quarterly-dispatch", "midyear-meeting", "annual-summary")

    def __init__(self, periods: list[str], **kw):
        super().__init__("backfill", "汇总", "个报告期", **kw)
        self.periods = periods
        self.set_total(len(periods))

    def on_record(self, record: logging.LogRecord) -> None:
        if (getattr(record, "flow_name", "") in self.ROLLUP_FLOWS and not getattr(record, "task_name", None)
                and str(record.msg).startswith(FINISHED)):        # the rollup flow's own end, not one of its tasks
            period = self.periods[self.done] if self.done < len(self.periods) else "?"
            self.advance(1, "done" if "Completed" in str(record.msg) else "failed")
            self.checkpoint(f"{period} 完成")

    def counts_text(self) -> str:
        return f"失败 {self.counts['failed']}" if self.counts["failed"] else ""
