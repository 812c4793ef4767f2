"""After the commit: feedback to the outbox (tasks/bureau/outbox.py), then the file moves out of the inbox.
Nothing is deleted.

Exactly once: each step looks the file up by its key (place in the inbox, sha256) first. A file already filed
away is left alone; one moved but not yet marked is marked; the outbox names are fixed by the submission ids and
each outbox file is written in one step, so doing the feedback again gives the same outbox. `finish_interrupted`
redoes what a crash or an exception left between the commit and the move.

What was read is what is archived: the bytes are hashed again just before the move. A file changed since it was
read stays in the inbox for the next run, which reads it as a new drop; its loaded submissions keep their rows and
say that their bytes could not be archived.

When the home's rules file has a [mail] table, each file's receipt or error list is also put in the mail spool
(tasks/mail/compose.py) right after it is written; that builds a file under state/mail/ and never sends or raises:
the spool is sent afterwards, by the send-mail flow (flows/mail.py).

One file's trouble is that file's: an outbox workbook that cannot be built becomes a short text (the bureau still
hears); a file that cannot be moved stays in the inbox, committed, with a note to its bureau, and the next run
tries again. Only a full disk or a read-only share stops the batch.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import clock
from schemas.reference import resolve_bureau
from schemas.terminal import visible        # bureau names in the log: shown, never obeyed
from tasks.bureau.outbox import write_feedback, write_feedback_text, write_note
from tasks.intake.feedback_pool import feedback_in_children
from tasks.intake.load import stops_the_batch, storage_problem
from tasks.intake.submission import UNREADABLE_PREFIX, Submission
from tasks.mail.compose import spool_feedback
from tasks.run_log import run_logger
from warehouse import inbox as inbox_db
from warehouse import submissions as wl
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home, OutsideHome
from warehouse.names import path_key
from warehouse.outbox_data import FeedbackData

CHANGED = "文件在入库后、归档前被修改或替换，本次未归档；收件箱中的新内容将在下次运行时作为新的报送处理"
REPLACED_NOTE = "原文件在入库后、归档前已被替换或删除，未能归档"
CANNOT_MOVE = ("文件已处理（报送编号 {ids}），但系统无法把它移出收件箱（{error}），文件暂留原处，系统会在下次运行时再试。",
               "无需重新报送；如此说明长期存在，请联系管理员检查共享文件夹的权限。")


def same_bytes(path: Path, sha256: str) -> bool:
    """The file at `path` still has the bytes that were read (for a file srdi may not read, the same inode and
    modification time)."""
    if sha256.startswith(UNREADABLE_PREFIX):
        st = os.stat(path)
        return sha256 == f"{UNREADABLE_PREFIX}{st.st_ino}:{st.st_mtime_ns}"
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest() == sha256


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)   # its folder checked by the caller (Home.own_folder)
    if os.path.lexists(dst):
        raise FileExistsError(17, "the archive already holds a file of that name", str(dst))
    os.replace(src, dst)


def _feedback(data, home: Home, ids: list[int], src: Path | None, name: str) -> None:
    """The outbox files of one file; built again on an exception, then said as text (the bureau still hears)."""
    for attempt in range(2):
        try:
            write_feedback(data, home, ids, src)
            return
        except Exception as exc:
            if stops_the_batch(exc):
                raise
            run_logger().error("%s: feedback: %s: %s (attempt %d)", name, type(exc).__name__, exc, attempt + 1)
    write_feedback_text(data, home, ids)


class Filed:
    """Files that left the inbox, marked in the database together (one statement for a batch). A crash before
    the mark leaves them moved and unmarked: the next attempt finds each at its stored path and marks it."""

    def __init__(self, con):
        self.con, self.keys = con, []

    def add(self, source: str, sha256: str) -> None:
        self.keys.append((source, sha256))

    def flush(self) -> None:
        if self.keys:
            wl.mark_moved_many(self.con, self.keys)
            inbox_db.forget(self.con, [path_key(source) for source, _ in self.keys])
            self.keys = []


def _replaced(con, source: str, sha256: str) -> None:
    wl.mark_replaced(con, source, sha256, REPLACED_NOTE)
    inbox_db.forget(con, [path_key(source)])   # what is in the inbox now is a new arrival


def _unchanged(src: Path, sha256: str, signature: tuple[int, int, int] | None) -> bool:
    if signature is not None:   # the run that read it: its size, mtime and inode then
        st = os.stat(src)
        return (st.st_size, st.st_mtime_ns, st.st_ino) == signature
    return same_bytes(src, sha256)


def file_one(con, home: Home, data, ids: list[int], source: str, sha256: str, src: Path, dst: Path,
             filed: Filed, signature: tuple[int, int, int] | None = None, pending: set | None = None,
             written=None) -> str:
    """Feedback, then the move, of one committed file, from wherever an earlier attempt stopped.
    `pending`: the keys not yet filed away, when the caller has them (else they are looked up).
    `written()`: True when the feedback of these bytes was already written (by a child of the batch's pool).
    Returns what happened: filed | already | changed | gone."""
    unfiled = (source, sha256) in pending if pending is not None else bool(wl.file_submissions(con, source, sha256))
    if not unfiled or (source, sha256) in filed.keys:
        return "already"                   # filed away by an earlier attempt
    if not os.path.lexists(src):
        if os.path.lexists(dst):           # moved by an earlier attempt that stopped before marking it
            filed.add(source, sha256)
            return "filed"
        if not src.parent.is_dir():
            raise FileNotFoundError(2, "the bureau's inbox folder is missing", str(src.parent))
        _replaced(con, source, sha256)     # deleted from the inbox after it was loaded
        return "gone"
    unchanged = _unchanged(src, sha256, signature)
    if not unchanged and os.path.lexists(dst):   # moved before, and the bureau has dropped something new since
        filed.add(source, sha256)
        return "filed"
    # the bureau hears what became of the bytes that were loaded (no marked copy of bytes that are not those)
    if not (unchanged and written is not None and written()):
        _feedback(data, home, ids, src if unchanged else None, source)
    spool_feedback(home, data, ids)        # its mail to the bureau, when [mail] is set (never raises, never sends)
    crash_point("after-outbox")
    if not unchanged or not same_bytes(src, sha256):   # what was read is what is archived
        _replaced(con, source, sha256)
        return "changed"
    home.own_folder(dst.parent)          # never through a link out of the home (warehouse.home.OutsideHome)
    _move(src, dst)
    crash_point("after-move")
    filed.add(source, sha256)
    return "filed"


def _hold(con, home: Home, bureau: str, source: str, ids: list[int], exc: BaseException) -> str:
    """A file that cannot be moved stays in the inbox; its bureau gets a note, once."""
    what, fix = CANNOT_MOVE
    # the bureau reads this: a link out of the home is the server's set-up (the operator's log names the link)
    error = "服务器上的存放文件夹设置有误" if isinstance(exc, OutsideHome) else getattr(exc, "strerror", None) or type(exc).__name__
    what = what.format(ids="、".join(map(str, ids)), error=error)
    key = path_key(source)
    try:
        if inbox_db.note_reason(con, key) != "cannot_move":
            path = write_note(home, bureau, source, what, fix, clock.now())
            inbox_db.set_note(con, key, "cannot_move", str(path))
    except Exception as note_exc:   # the note is a courtesy: its failure changes nothing else
        run_logger().error("%s: no note written (%s)", source, note_exc)
    return what


def _isolated(con, home: Home, bureau: str, ids: list[int], source: str, step) -> tuple[str, str | None]:
    """`step` for one file, tried again on an exception; then the file is held. Returns (what happened, a
    storage problem that stops the batch or None)."""
    log = run_logger()
    for attempt in range(2):
        try:
            return step(), None
        except Exception as exc:
            if stops_the_batch(exc):
                return "deferred", storage_problem(str(getattr(exc, "filename", None) or home.share), exc)
            log.error("%s: %s: %s (attempt %d)", visible(source), type(exc).__name__, visible(exc), attempt + 1)
            last = exc
    return "held:" + _hold(con, home, bureau, source, ids, last), None


def _written(future) -> bool:
    """The child's feedback is on disk (False when it failed: the file's own step writes it)."""
    if future is None:
        return False
    try:
        future.result()
        return True
    except Exception as exc:  # any failure: written again in this process, with its retries and text fallback
        run_logger().info("outbox in a child process failed (%s: %s); writing it here", type(exc).__name__, exc)
        return False


@task(name="file-away", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def file_away(home: Home, batch: list[Submission]) -> list[Submission]:
    """Outbox feedback, then the move, file by file (see the module's docstring). The outbox workbooks of a large
    batch are built in child processes meanwhile (tasks/intake/feedback_pool.py)."""
    import contextlib
    log = run_logger()
    with connect(home.writer_db) as con, contextlib.ExitStack() as stack:
        data = FeedbackData.load(con, [i for sub in batch for i in sub.submission_ids])
        pending = wl.unmoved_keys(con)
        futures = feedback_in_children(home, data, [s for s in batch if s.key in pending], stack)
        filed = Filed(con)
        problem = None
        try:
            for sub in batch:
                sub.deferred = None
                if problem:
                    sub.deferred = problem
                    continue
                if not sub.submission_ids or sub.stored_path is None:
                    continue

                future = futures.pop(sub.key, None)

                def step(sub=sub, future=future):
                    return file_one(con, home, data, sub.submission_ids, sub.rel, sub.sha256, sub.path,
                                    sub.stored_path, filed, sub.signature, pending, lambda: _written(future))
                what, problem = _isolated(con, home, sub.bureau, sub.submission_ids, sub.rel, step)
                if problem:
                    sub.deferred = problem
                    log.error(visible(problem))
                    for other in futures.values():   # the rest waits for the next run: no feedback for it now
                        other.cancel()
                elif what == "changed":
                    sub.held = CHANGED
                    log.warning("%s: %s", visible(sub.rel), CHANGED)
                elif what.startswith("held:"):
                    sub.held = what.removeprefix("held:")
        finally:
            filed.flush()
    return batch


@task(name="finish-interrupted-runs", retries=2, retry_delay_seconds=2)
def finish_interrupted(home: Home) -> int:
    """Files an earlier run committed but did not file away (a crash, an exception, a share that refused the
    move): file them now, each on its own. Returns how many were filed."""
    done = 0
    log = run_logger()
    with connect(home.writer_db) as con:
        filed = Filed(con)
        try:
            for sid, source, sha, stored in wl.unmoved_submissions(con):
                ids = wl.unmoved_submission_ids(con, source, sha)
                src, dst = home.inbox / source, Path(stored)
                folder = source.split("/", 1)[0]
                bureau = resolve_bureau(folder) or folder

                def step(source=source, sha=sha, src=src, dst=dst, ids=ids):
                    return file_one(con, home, con, ids, source, sha, src, dst, filed)
                what, problem = _isolated(con, home, bureau, ids, source, step)
                if problem:
                    log.error(visible(problem))
                    break                                   # a full disk: nothing else can be filed either
                if what in ("filed", "changed", "gone"):
                    done += 1
                    if what != "filed":
                        log.warning("submission %s: %s: %s", sid, visible(source), REPLACED_NOTE)
        finally:
            filed.flush()
    return done
