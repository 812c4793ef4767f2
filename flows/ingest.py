"""Ingest: share → read → normalise → validate → load (DuckDB) → file away → publish."""
from __future__ import annotations

from prefect import flow
from prefect.utilities.annotations import quote

from flows.task_runners import make_task_runner
from tasks.intake.discover import discover_submissions
from tasks.intake.file_away import file_away, finish_interrupted
from warehouse.home import Home
from tasks.intake.load import load_submissions, skip_duplicates
from tasks.storage import prepare_warehouse, publish_warehouse
from warehouse.lock import writer_lock
from tasks.intake.check_workbooks import check_workbooks
from tasks.intake.summarise import summarise_ingest

BATCH_SIZE = 400   # files loaded and filed away per round: bounds memory and the work a crash can redo
CHUNK_SIZE = 400   # files per reading task; smaller spreads a batch over a Dask cluster's workers


def split(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="ingest", task_runner=make_task_runner("thread"))
def ingest(home: str | None = None, settle_seconds: float = 2.0, wait_seconds: float | None = None,
           chunk_size: int = CHUNK_SIZE) -> dict:
    """Take every workbook the bureaus dropped into the share and load what is valid into DuckDB."""
    where = Home.resolve(home).ensure()
    with writer_lock(where, wait_seconds):    # one writer at a time: a second run waits, then gives up clearly
        prepare_warehouse(where)
        finish_interrupted(where)          # files a crash left committed but not yet filed away
        done, deferred = [], []
        for batch in split(discover_submissions(where, settle_seconds), BATCH_SIZE):
            # quote(): the batches are plain data, Prefect need not search them for upstream futures
            batch = skip_duplicates(where, quote(batch))
            # read → normalise → validate, each file in an isolated child process
            checked = [check_workbooks.submit(chunk) for chunk in split(batch, chunk_size)]   # no quote: Dask reads tuples as tasks
            batch = [sub for future in checked for sub in future.result()]
            batch = load_submissions(where, quote(batch))   # one transaction per file
            deferred += [s for s in batch if s.deferred]
            filed = file_away(where, quote([s for s in batch if not s.deferred]))   # outbox feedback, then the move
            done += [s for s in filed if not s.deferred]
            deferred += [s for s in filed if s.deferred]
            if deferred:
                break                                # disk full or no permission: the rest waits for the next run
        publish_warehouse(where)
    return summarise_ingest(where, quote(done), quote(deferred))
