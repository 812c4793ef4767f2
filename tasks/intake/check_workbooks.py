"""The reading step of the ingest: read → normalise → validate every file of a chunk, each in a child process with
memory and time limits (tasks/intake/isolate.py), so that a hostile file kills only its own child. An exception in
this process (not a file's) is retried once by Prefect: the step changes nothing outside the chunk's files."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.intake.isolate import any_file_in, check_isolated, warm_up
from tasks.intake.submission import Submission
from warehouse.home import Home
from warehouse.crash_points import crash_point


@task(name="check-workbooks", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def check_workbooks(chunk: list[Submission]) -> list[Submission]:
    crash_point("before-check")
    return check_isolated(chunk)


@task(name="warm-up-readers", cache_policy=NO_CACHE)
def warm_up_readers(home: Home) -> bool:
    """When the inbox holds a file, start the reading children's forkserver (its imports take about a second) while
    the run prepares the warehouse and looks for files. Nothing on an empty inbox. True when it started one."""
    if not any_file_in(home.inbox):
        return False
    warm_up()
    return True
