"""After the commit: feedback to the outbox (tasks/bureau/outbox.py), then the file moves out of the inbox.
Nothing is deleted.

The outbox names are fixed by the submission ids and each file is written in one step, so
`finish_interrupted` can redo the feedback of a run that crashed before the move: same names, same files.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.bureau.outbox import write_feedback
from tasks.intake.load import storage_problem
from tasks.intake.submission import Submission
from tasks.run_log import run_logger
from warehouse import submissions as wl
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home
from warehouse.outbox_data import FeedbackData


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


@task(name="file-away", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def file_away(home: Home, batch: list[Submission]) -> list[Submission]:
    """Outbox feedback, then the move. A disk full or a permission denied on the share moves nothing of
    that file: it stays in the inbox, committed, and the next run files it (finish_interrupted)."""
    moved = []
    with connect(home.writer_db) as con:
        data = FeedbackData.load(con, [i for sub in batch for i in sub.submission_ids])
        for sub in batch:
            try:
                write_feedback(data, home, sub.submission_ids, sub.path)
                crash_point("after-outbox")
                _move(sub.path, sub.stored_path)
            except OSError as exc:
                sub.deferred = storage_problem(str(exc.filename or home.share), exc)
                run_logger().error(sub.deferred)
                continue
            crash_point("after-move")
            moved.append((sub.rel, sub.sha256))
        wl.mark_moved_many(con, moved)
    return batch


@task(name="finish-interrupted-runs", retries=2, retry_delay_seconds=2)
def finish_interrupted(home: Home) -> int:
    """A crash between the commit and the move leaves committed files in the inbox: file them now."""
    done = 0
    with connect(home.writer_db) as con:
        for sid, source, sha, stored in wl.unmoved_submissions(con):
            src, dst = home.inbox / source, Path(stored)
            ids = wl.unmoved_submission_ids(con, source, sha)
            if src.exists() and hashlib.sha256(src.read_bytes()).hexdigest() == sha:
                try:
                    write_feedback(con, home, ids, src)
                    _move(src, dst)
                except OSError as exc:   # still no space or no permission: next run again
                    run_logger().error(storage_problem(str(exc.filename or home.share), exc))
                    continue
            elif not dst.exists():
                run_logger().error("submission %s: %s is neither in the inbox nor at %s", sid, source, stored)
                continue
            wl.mark_moved_many(con, [(source, sha)])
            done += 1
    return done
