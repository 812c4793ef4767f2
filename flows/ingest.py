"""The ingest flow: flows/pipeline.py's `ingest_inbox`, each step a Prefect task run (share → read → normalise →
validate → load → file away → publish). Parameters in, one library call out: the story is the library's."""
from __future__ import annotations

from prefect import flow

from flows.pipeline import AS_TASKS, CHUNK_SIZE, OnProgress, ingest_inbox
from flows.task_runners import make_task_runner
from tasks.intake.discover import MTIME_WINDOW
from tasks.mail.announce import announce_mail
from warehouse.home import Home
from warehouse.lock import WriterLock


@flow(name="ingest", task_runner=make_task_runner("thread"))
def ingest(home: str | None = None, settle_seconds: float = 2.0, wait_seconds: float | None = None,
           chunk_size: int = CHUNK_SIZE, trust_mtime: bool | None = None,
           mtime_window_seconds: float = MTIME_WINDOW.total_seconds(),
           lock: WriterLock | None = None, on_progress: OnProgress | None = None) -> dict:
    """Take every workbook the bureaus dropped into the share and load what is valid into DuckDB
    (flows/pipeline.py `ingest_inbox`), then tell the mail deployment when the home sends mail (README "Mail").
    `lock` and `on_progress`: for an in-process caller only (the CLI)."""
    where = Home.resolve(home).ensure()
    summary = ingest_inbox(where, settle_seconds, trust_mtime, mtime_window_seconds, chunk_size,
                           step=AS_TASKS, lock=lock, wait_seconds=wait_seconds, on_progress=on_progress)
    announce_mail(where)
    return summary
