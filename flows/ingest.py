"""Ingest: share → read → normalise → validate → load (DuckDB) → file away → publish.

What the run guarantees (README, "What the pipeline guarantees"): one file's trouble stops only that file (it is
rejected with a reason, or left in the inbox with a note); each dropped file is loaded, superseded and moved at
most once, whatever is retried or redone; what was read is what is archived; the arrival time is srdi's, not the
sender's clock; every entry of the inbox gets an answer.
"""
from __future__ import annotations

import os

from prefect import flow
from prefect.utilities.annotations import quote

from flows.task_runners import make_task_runner
from tasks.intake.check_workbooks import check_workbooks, warm_up_readers
from tasks.intake.discover import MTIME_WINDOW, discover_submissions
from tasks.intake.file_away import file_away, finish_interrupted
from tasks.intake.load import load_submissions, skip_duplicates
from tasks.intake.summarise import summarise_ingest
from tasks.storage import prepare_warehouse, publish_warehouse
from warehouse.home import Home
from warehouse.lock import writer_lock

BATCH_SIZE = 400   # files loaded and filed away per round: bounds memory and the work a crash can redo
CHUNK_SIZE = 400   # files per reading task; smaller spreads a batch over a Dask cluster's workers
# SRDI_TRUST_MTIME=1: the inbox was restored from an old share with its modification times kept (a migration, a
# replay of history): each file's mtime is its arrival, however far back. Never for a live share.
TRUST_MTIME_ENV = "SRDI_TRUST_MTIME"


def split(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def trust_mtime_from_env() -> bool:
    return os.environ.get(TRUST_MTIME_ENV, "").strip().lower() in ("1", "true", "yes")


@flow(name="ingest", task_runner=make_task_runner("thread"))
def ingest(home: str | None = None, settle_seconds: float = 2.0, wait_seconds: float | None = None,
           chunk_size: int = CHUNK_SIZE, trust_mtime: bool | None = None,
           mtime_window_seconds: float = MTIME_WINDOW.total_seconds()) -> dict:
    """Take every workbook the bureaus dropped into the share and load what is valid into DuckDB.

    `mtime_window_seconds`: how far before srdi first saw a file its modification time is believed (one
    scheduling interval); `trust_mtime` (default: $SRDI_TRUST_MTIME) believes any past mtime, for an old share."""
    where = Home.resolve(home).ensure()
    trust = trust_mtime_from_env() if trust_mtime is None else trust_mtime
    with writer_lock(where, wait_seconds):    # one writer at a time: a second run waits, then gives up clearly
        warming = warm_up_readers.submit(where)   # the readers start while the warehouse is prepared
        prepare_warehouse(where)
        finish_interrupted(where)          # files an earlier run left committed but not yet filed away
        done, deferred, held = [], [], []
        for batch in split(discover_submissions(where, settle_seconds, trust, mtime_window_seconds), BATCH_SIZE):
            # quote(): the batches are plain data, Prefect need not search them for upstream futures
            batch = skip_duplicates(where, quote(batch))
            # read → normalise → validate, each file in an isolated child process
            checked = [check_workbooks.submit(chunk) for chunk in split(batch, chunk_size)]   # no quote: Dask reads tuples as tasks
            batch = [sub for future in checked for sub in future.result()]
            batch = load_submissions(where, quote(batch))   # one transaction per file
            deferred += [s for s in batch if s.deferred]
            held += [s for s in batch if s.held and not s.deferred]
            filed = file_away(where, quote([s for s in batch if not s.deferred and not s.held]))   # feedback, move
            done += [s for s in filed if not s.deferred]
            deferred += [s for s in filed if s.deferred]
            held += [s for s in filed if s.held and not s.deferred]
            if deferred:
                break                                # disk full or read-only: the rest waits for the next run
        warming.wait()
        published = publish_warehouse(where)
    summary = summarise_ingest(where, quote(done), quote(deferred), quote(held))
    if published.get("problem") and not summary.get("storage_error"):
        summary["storage_error"] = published["problem"]      # `srdi ingest` says it and exits 4
    return summary
