"""The outbox workbooks of a large batch, built in child processes while the main process files the batch away.

A receipt is about 6 ms of pure-Python xlsxwriter work and an annotated copy 100 ms or more of openpyxl; file by file
in the one process that also moves the files, they were most of an ingest's marginal cost. From
PARALLEL_FEEDBACK_MIN files on, `feedback_in_children` starts every file's feedback in a pool forked from the reading
forkserver (tasks/intake/isolate.py: `child_pool`; its children die with the reading process) and returns a future
per file. The file's own step (file_away.file_one) waits for its future before the move, so a file still leaves the
inbox only after its feedback is on disk; when a child failed, the step writes the feedback itself, with its retries
and its text fallback, as it always did. The names and contents are fixed by the submission ids, so a child's file
and the step's are the same file (tasks/bureau/outbox.py).

No Prefect here: this module is what the children import.
"""
from __future__ import annotations

import os
from pathlib import Path

from tasks.bureau.outbox import write_feedback
from tasks.intake.submission import Submission
from warehouse.home import Home
from warehouse.outbox_data import FeedbackData

# From this many files on (a pool's start-up, about 0.3 s, costs more than it saves on a few files)
PARALLEL_FEEDBACK_MIN = 32
_CHILD: dict = {}   # in a child: the batch's home


def _child_init(home: Home) -> None:
    _CHILD.update(home=home)


def _child_feedback(data: FeedbackData, ids: list[int], src: Path) -> None:
    write_feedback(data, _CHILD["home"], ids, src)


def _as_read(sub: Submission) -> bool:
    """The file is still the one read (its size, mtime and inode then): its annotated copy may be made from it."""
    try:
        st = os.stat(sub.path)
    except OSError:
        return False
    return sub.signature is not None and (st.st_size, st.st_mtime_ns, st.st_ino) == sub.signature


def feedback_in_children(home: Home, data: FeedbackData, batch: list[Submission], stack) -> dict:
    """Start the outbox files of the batch's committed files that are still as they were read: (rel, sha256) -> its
    future. Empty for a small batch, or when no pool can start. `stack` (an ExitStack) shuts the pool down."""
    subs = [s for s in batch if s.submission_ids and s.stored_path is not None and _as_read(s)]
    if len(subs) < PARALLEL_FEEDBACK_MIN:
        return {}
    try:
        from tasks.intake.isolate import child_pool
        pool = child_pool(initializer=_child_init, initargs=(home,))
    except Exception:  # no pool: the feedback is written in the main process, file by file
        return {}
    stack.callback(pool.shutdown, wait=True, cancel_futures=True)
    # each file with its own slice of the batch's data: small pickles, sent by the pool's feeder thread
    return {s.key: pool.submit(_child_feedback, data.only(s.submission_ids), s.submission_ids, s.path) for s in subs}
