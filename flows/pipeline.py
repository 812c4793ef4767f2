"""The pipeline as a plain library: ingesting an inbox, computing a rollup, writing templates, over a home.

Each story is written once, here, as a plain function that takes `step`: how to call one of its steps (a Prefect
task of tasks/). Outside Prefect (a test, a script, a what-if) `step` is PLAIN: each step is the task's own
function, called in this process, with no Prefect server and no task run. The flows (flows/ingest.py, rollups.py,
templates.py) pass AS_TASKS: the same steps as Prefect task runs of the flow run (retries, the task runner's
parallel reading, the Prefect UI), and add nothing else; their parameters come in, one call of this library goes
out. So no test re-creates a flow's wiring: it calls the library, and tests/e2e/test_flows.py checks that a flow
and the library leave the same home.

Two things only an in-process caller can hand in, never a deployment's parameters (Prefect stores them as a
placeholder): `lock`, the writer lock the caller already holds for this run (the CLI takes it once, before Prefect
is involved, so a busy writer is told plainly at once), and `on_progress(done, total, counts)`, called when the
inbox has been scanned and after each batch (srdi/commands/_progress.py draws the bar from it).
"""
from __future__ import annotations

import contextlib
import os
from collections import Counter
from typing import Callable

from prefect.utilities.annotations import quote

from schemas.periods import periods_between
from tasks.intake.check_workbooks import check_workbooks, warm_up_readers
from tasks.intake.discover import MTIME_WINDOW, discover_submissions
from tasks.intake.file_away import file_away, finish_interrupted
from tasks.intake.load import load_submissions, skip_duplicates
from tasks.intake.summarise import publish_ingest_summary, summarise_ingest
from tasks.run_log import run_logger
from tasks.storage import prepare_warehouse, publish_warehouse
from warehouse.connection import kept_open
from warehouse.home import Home
from warehouse.lock import WriterLock, writer_lock

BATCH_SIZE = 400   # files loaded and filed away per round: bounds memory and the work a crash can redo
CHUNK_SIZE = 400   # files per reading task; smaller spreads a batch over a Dask cluster's workers
# SRDI_TRUST_MTIME=1: the inbox was restored from an old share with its modification times kept (a migration, a
# replay of history): each file's mtime is its arrival, however far back. Never for a live share.
TRUST_MTIME_ENV = "SRDI_TRUST_MTIME"

OnProgress = Callable[[int, int, dict], None]


def split(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def trust_mtime_from_env() -> bool:
    return os.environ.get(TRUST_MTIME_ENV, "").strip().lower() in ("1", "true", "yes")


# ---------------------------------------------------------------- how a step is called

class _Done:
    def wait(self) -> None:
        pass


class Plain:
    """Each step is the task's own function (`.fn`), called in this process: no Prefect server, no task run."""

    in_flow = False

    def __call__(self, task):
        return getattr(task, "fn", task)

    def each(self, task, items: list) -> list:
        return [self(task)(item) for item in items]

    def start(self, task, *args):
        self(task)(*args)
        return _Done()


class AsTasks:
    """Each step is a Prefect task run of the flow run that calls the library: its retries, its place in the UI; the
    reading (`each`) is submitted to the flow's task runner. Arguments are quoted: they are plain data that Prefect
    need not search for upstream futures."""

    in_flow = True

    def __call__(self, task):
        def call(*args, **kwargs):
            return task(*map(quote, args), **{k: quote(v) for k, v in kwargs.items()})
        return call

    def each(self, task, items: list) -> list:
        futures = [task.submit(item) for item in items]   # no quote: Dask reads a tuple as a task
        return [f.result() for f in futures]

    def start(self, task, *args):
        return task.submit(*args)


PLAIN = Plain()
AS_TASKS = AsTasks()


# ---------------------------------------------------------------- one writer at a time

def _say_waiting(line: str) -> None:
    run_logger().warning(line)


@contextlib.contextmanager
def writing(where: Home, command: str, lock: WriterLock | None = None, wait_seconds: float | None = None):
    """The writer lock for this run: the one the caller already holds (`lock`), else taken here, once; a run that
    has to wait says so at once (the run's log), naming who holds it and for how long it will wait. Under it, the
    run's steps share one instance of the writer's database (warehouse/connection.py kept_open)."""
    if lock is not None:
        lock.check(where)
    taken = contextlib.nullcontext(lock) if lock is not None else \
        writer_lock(where, wait_seconds, command=command, on_wait=_say_waiting)
    with taken as held, kept_open(where.writer_db):
        yield held


# ---------------------------------------------------------------- ingest

def ingest_inbox(where: Home, settle_seconds: float = 2.0, trust_mtime: bool | None = None,
                 mtime_window_seconds: float = MTIME_WINDOW.total_seconds(), chunk_size: int = CHUNK_SIZE, *,
                 step=PLAIN, lock: WriterLock | None = None, wait_seconds: float | None = None,
                 on_progress: OnProgress | None = None) -> dict:
    """Take every workbook the bureaus dropped into the share and load what is valid into DuckDB: share → read →
    normalise → validate → load → file away → publish. Returns the summary (tasks/intake/summarise.py).

    What the run guarantees (README, "What the pipeline guarantees"): one file's trouble stops only that file (it is
    rejected with a reason, or left in the inbox with a note); each dropped file is loaded, superseded and moved at
    most once, whatever is retried or redone; what was read is what is archived; the arrival time is srdi's, not the
    sender's clock; every entry of the inbox gets an answer.

    `mtime_window_seconds`: how far before srdi first saw a file its modification time is believed (one scheduling
    interval); `trust_mtime` (default: $SRDI_TRUST_MTIME) believes any past mtime, for an old share."""
    trust = trust_mtime_from_env() if trust_mtime is None else trust_mtime
    with writing(where, "ingest", lock, wait_seconds):
        warming = step.start(warm_up_readers, where)   # the readers start while the warehouse is prepared
        step(prepare_warehouse)(where)
        step(finish_interrupted)(where)       # files an earlier run left committed but not yet filed away
        found = step(discover_submissions)(where, settle_seconds, trust, mtime_window_seconds)
        _progress(on_progress, [], [], len(found))
        done, deferred, held = [], [], []
        for batch in split(found, BATCH_SIZE):
            batch = step(skip_duplicates)(where, batch)
            # read → normalise → validate, each file in an isolated child process
            batch = [sub for part in step.each(check_workbooks, split(batch, chunk_size)) for sub in part]
            batch = step(load_submissions)(where, batch)   # one transaction per batch, per file on trouble
            deferred += [s for s in batch if s.deferred]
            held += [s for s in batch if s.held and not s.deferred]
            filed = step(file_away)(where, [s for s in batch if not s.deferred and not s.held])   # feedback, move
            done += [s for s in filed if not s.deferred]
            deferred += [s for s in filed if s.deferred]
            held += [s for s in filed if s.held and not s.deferred]
            _progress(on_progress, done, held, len(found))
            if deferred:
                break                                # disk full or read-only: the rest waits for the next run
        warming.wait()
        published = step(publish_warehouse)(where)
    summary = step(summarise_ingest)(where, done, deferred, held)
    if step.in_flow:
        step(publish_ingest_summary)(done, held)     # the Prefect UI's table of this run's files
    if published.get("problem") and not summary.get("storage_error"):
        summary["storage_error"] = published["problem"]      # `srdi ingest` says it and exits 4
    return summary


def _progress(on_progress: OnProgress | None, done: list, held: list, total: int) -> None:
    """Files answered so far (loaded, rejected, duplicate, or left in the inbox) of the `total` this run found: each
    file is in one batch, so `done` never passes `total`."""
    if on_progress is None:
        return
    counts = Counter(s.outcome for s in done)
    counts["held"] += len(held)
    on_progress(len(done) + len(held), total, {k: v for k, v in counts.items() if v})


# ---------------------------------------------------------------- rollups

def compute_rollup(kind: str, where: Home, period: str | None = None, *, step=PLAIN,
                   lock: WriterLock | None = None, wait_seconds: float | None = None) -> dict:
    """A quarterly dispatch (季调度), half-year meeting (半年例会) or annual summary (年度总结): under the writer lock
    (never while an ingest writes), prepare the warehouse (the DDL only when the schema version changed), compute
    every section from accepted data in one transaction, run the tables' data tests (a failure stores nothing), replace the period's rows in one transaction, publish the
    analyst copy, then write the meeting pack (xlsx), its printable brief (docx), the HTML dashboard and the history
    dashboard across all periods (each refreshes reports/index.html, listing them); in a flow run, Prefect artifacts too.
    Default period: the one that ended most recently (Asia/Shanghai). Each step opens its own connection to the
    writer database. Returns the result dict (tasks/rollup/summarise.py)."""
    # imported here, not with the module: the pack's, brief's and dashboards' libraries (python-docx, the rollup
    # models) cost every ingest process — each `srdi ingest`, each ingest flow run — 0.7–0.8 s of CPU it never uses
    from tasks.rollup.artifacts import publish_artifacts
    from tasks.rollup.audit import audit_rollup
    from tasks.rollup.brief import write_brief
    from tasks.rollup.compute import compute_sections, load_rollup_config, resolve_period, store_rollup
    from tasks.rollup.dashboard import render_dashboard, render_history
    from tasks.rollup.pack import write_pack
    from tasks.rollup.summarise import summarise_rollup
    cfg = load_rollup_config(where)
    rp = resolve_period(kind, period, cfg.time_zone)
    with writing(where, kind, lock, wait_seconds):
        step(prepare_warehouse)(where)
        sections = step(compute_sections)(where, rp, cfg)        # every section of schemas/sections.py
        step(audit_rollup)(rp, cfg, sections)                    # the models' data tests: a failure stores nothing
        counts = step(store_rollup)(where, rp, cfg, sections)
        step(publish_warehouse)(where)
        pack = step(write_pack)(where, rp, cfg, sections)
        brief = step(write_brief)(where, rp, cfg, sections)    # the printable brief (.docx) beside the pack
        dashboard = step(render_dashboard)(where, rp.period)
        history = step(render_history)(where)                  # every rolled-up period on one page (issue 22)
    if step.in_flow:
        step(publish_artifacts)(rp, cfg, sections, pack)
    return summarise_rollup(where, rp, counts, pack, dashboard, sections, cfg, brief, history)


def backfill_rollups(kind: str, start: str, end: str, where: Home, *, rollup=compute_rollup,
                     on_progress: OnProgress | None = None) -> list[dict]:
    """Every period of `kind` from start to end, oldest first, each its own rollup (`rollup(kind, where, period)`:
    the library's, or a flow's as a subflow run)."""
    periods = periods_between(kind, start, end)
    results = []
    for p in periods:
        results.append(rollup(kind, where, p))
        if on_progress is not None:
            on_progress(len(results), len(periods), {})
    return results


# ---------------------------------------------------------------- templates

def make_templates(where: Home, period: str | None = None, *, step=PLAIN, lock: WriterLock | None = None,
                   wait_seconds: float | None = None) -> dict:
    """Each bureau's workbook for a period (default: the current quarter), prefilled from the warehouse, written as
    <bureau>_企业库/任务进展_<period>_模板.xlsx into share/outbox/<bureau>/. Under the writer lock: a consistent read
    of the writer database, and one writer of the outbox state."""
    from tasks.bureau.templates import current_quarter, read_template_prefill, write_bureau_templates   # as above
    period = period or current_quarter(tz=where.time_zone)
    with writing(where, "templates", lock, wait_seconds):
        data = step(read_template_prefill)(where, period)
        result = step(write_bureau_templates)(where, data)
    return {"period": period, "source": data.source, "outbox": str(where.outbox), **result}
