"""Ingest: share → read → normalise → validate → load (DuckDB) → file away → publish."""
from __future__ import annotations

from prefect import flow

from tasks.discover import discover_submissions
from tasks.file_away import file_away, finish_interrupted
from tasks.home import Home
from tasks.load import load_submissions, prepare_warehouse, publish_warehouse, skip_duplicates
from tasks.lock import writer_lock
from tasks.steps import normalise_workbooks, read_workbooks, validate_workbooks
from tasks.summary import summarise_ingest

BATCH_SIZE = 200


def batches(items: list, size: int = BATCH_SIZE):
    for i in range(0, len(items), size):
        yield items[i:i + size]


@flow(name="ingest", log_prints=True)
def ingest(home: str | None = None, settle_seconds: float = 2.0) -> dict:
    """Take every workbook the bureaus dropped into the share and load what is valid into DuckDB."""
    where = Home.resolve(home).ensure()
    with writer_lock(where):
        prepare_warehouse(where)
        finish_interrupted(where)
        done = []
        for batch in batches(discover_submissions(where, settle_seconds)):
            batch = skip_duplicates(where, batch)
            batch = read_workbooks(batch)
            batch = normalise_workbooks(batch)
            batch = validate_workbooks(batch)
            batch = load_submissions(where, batch)
            done += file_away(where, batch)
        publish_warehouse(where)
    return summarise_ingest(where, done)
