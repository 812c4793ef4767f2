"""The reading step of the ingest: read → normalise → validate every file of a chunk, each in a child process with
memory and time limits (tasks/intake/isolate.py), so that a hostile file kills only its own child. An exception in
this process (not a file's) is retried once by Prefect: the step changes nothing outside the chunk's files."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.intake.isolate import check_isolated
from tasks.intake.submission import Submission
from warehouse.crash_points import crash_point


@task(name="check-workbooks", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def check_workbooks(chunk: list[Submission]) -> list[Submission]:
    crash_point("before-check")
    return check_isolated(chunk)
