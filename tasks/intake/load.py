"""Warehouse steps of the ingest: skip duplicates (same bytes, nothing read), then load each file in one
transaction (warehouse/submissions.py), giving each its place in the archive.

Exactly once: a file is identified by (its place in the inbox, the sha256 of its bytes); loading it again finds
what was committed instead of inserting it twice. One file's failure is that file's: tried once more, then rejected
with the reason, and the batch goes on. A full disk or a database that cannot be written stops the batch cleanly:
the files not loaded stay in the inbox for the next run."""
from __future__ import annotations

import errno
import os
from functools import partial
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.findings import ERROR
from schemas.terminal import visible        # bureau names in the log: shown, never obeyed
from tasks.intake.submission import Submission
from tasks.run_log import run_logger
from warehouse import submissions as wl
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home
from warehouse.names import NAME_BYTES, byte_length, fit_name, safe_file_name


# Findings about the file's name that its bytes can settle (a filled-in template names its period inside): they
# never keep the same bytes from being known as a re-drop (issue 19, finding 8)
NAME_RULES = ("period.",)


def _only_name_findings(sub: Submission) -> bool:
    return all(f.rule.startswith(NAME_RULES) for f in sub.findings if f.severity == ERROR)


def _as_duplicate(sub: Submission, original: int | None, period: str | None = None) -> None:
    """The same bytes as submission `original` (None: an in-batch twin, which learns its original at load time):
    nothing is read; a name without a period takes the original's, and what the name lacked is no longer a fault."""
    sub.outcome = "duplicate"
    sub.data, sub.to_read = None, False
    sub.duplicate_of = original
    if sub.period is None and period is not None:
        sub.period = period
    sub.findings = [f for f in sub.findings if not f.rule.startswith(NAME_RULES)]


@task(name="skip-duplicates", cache_policy=NO_CACHE)
def skip_duplicates(home: Home, batch: list[Submission]) -> list[Submission]:
    """The same bytes dropped again change nothing: no reading, one 'duplicate' row, filed away. Whatever the name
    says: a filled-in template dropped again under a name without a quarter (whose period only its metadata
    sheet names, so it is not yet settled here) is a duplicate as much as a CSV is. Twins inside one batch whose
    name alone could not place them are caught at load time (load._load_one), once their template was read."""
    seen: set[str] = set()
    with connect(home.writer_db) as con:
        loaded = wl.find_loaded_shas(con, [sub.sha256 for sub in batch if sub.readable and _only_name_findings(sub)])
        for sub in batch:
            if not sub.readable or not _only_name_findings(sub):
                continue
            original = loaded.get(sub.sha256)
            if original is not None:
                _as_duplicate(sub, *original)
            elif not sub.rejected and sub.sha256 in seen:
                _as_duplicate(sub, None)   # an in-batch twin learns its original's id at load time
            if not sub.rejected:
                seen.add(sub.sha256)
    return batch


def _stored_path(home: Home, sub: Submission, taken: set[str]) -> Path:
    """Where the file goes: its own name (made safe, and cut to fit with its hash's first 8 digits kept when it
    is too long), with __<hash> added when another file already has that name there."""
    if sub.outcome == "rejected":
        base = home.rejected / sub.bureau
    elif sub.outcome == "duplicate":
        base = home.archive / sub.bureau / (sub.period or "未识别报送期") / "重复报送"
    else:
        assert sub.period is not None, "a file without a period is rejected (period.missing), never loaded"
        base = home.archive / sub.bureau / sub.period
    name = safe_file_name(sub.path.name)
    if byte_length(name) > NAME_BYTES:
        name = fit_name(name, f"__{sub.short_hash}")
    cand = base / name
    n = 0
    while cand.exists() or str(cand) in taken:
        n += 1
        cand = base / fit_name(name, f"__{sub.short_hash}" + (f"_{n}" if n > 1 else ""))
    return cand


def _records(sub: Submission) -> list[wl.SubmissionRecord]:
    assert sub.outcome is not None, "the file's outcome is decided (_load_one) before its records are made"
    record = partial(wl.SubmissionRecord, bureau=sub.bureau, period=sub.period, file_name=sub.file_name,
                     source_path=sub.rel, sha256=sub.sha256, size_bytes=sub.size_bytes, file_format=sub.file_format,
                     received_at=sub.received_at, status=sub.outcome)
    if sub.outcome == "duplicate":
        return [record(form=None, duplicate_of=sub.duplicate_of,
                       message=f"与第 {sub.duplicate_of} 号报送内容完全相同，未重复入库")]
    forms = sub.norm.forms if sub.norm else {}
    findings = [f.as_row() for f in sub.findings]
    if not forms:
        first = next((f for f in sub.findings if f.severity == ERROR), None)
        return [record(form=None, findings=findings, message=first.message if first else None)]
    recs = []
    for i, (name, parsed) in enumerate(forms.items()):
        mine = [f for f in findings if f["sheet"] in parsed.sheets or (i == 0 and f["sheet"] not in
                {s for p in forms.values() for s in p.sheets})]
        rows = parsed.frame if sub.outcome == "loaded" else None
        columns = [{"sheet": sheet, "field": f, "excel_col": col, "header": parsed.labels.get(sheet, {}).get(f)}
                   for sheet, letters in parsed.letters.items() for f, col in letters.items()]
        recs.append(record(form=name, findings=mine, rows=rows, columns=columns,
                           cells=parsed.cells if sub.outcome == "loaded" else None))
    return recs


STORAGE_HELP = "磁盘空间不足或没有写入权限：{where}（{error}）。本批未入库的文件保留在收件箱，问题解决后下次运行会自动重试。"
# What stops the whole batch (the disk or the database, not one file): the files not yet loaded wait for the next run
SHARE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def storage_problem(where: str, exc: BaseException) -> str:
    return STORAGE_HELP.format(where=where, error=getattr(exc, "strerror", None) or str(exc).splitlines()[0])


def stops_the_batch(exc: BaseException) -> bool:
    """A disk full, a read-only file system, a database that cannot be written: no file can go on."""
    if isinstance(exc, OSError):
        return exc.errno in SHARE_FULL
    return isinstance(exc, wl.STORAGE_ERRORS)


def changed_since_read(sub: Submission) -> bool:
    """The file at sub.path is not the one read (replaced, rewritten or gone since discovery)."""
    if sub.signature is None:
        return False
    try:
        st = os.stat(sub.path)
    except FileNotFoundError:
        return True
    return (st.st_size, st.st_mtime_ns, st.st_ino) != sub.signature


CHANGED = "文件在读取后被修改或替换，本次未入库，留待下次运行按新内容处理"


class _Queue(wl.FileBatch):
    """The files of a batch queued for its one transaction, and what later files of it need to know."""

    def __init__(self) -> None:
        super().__init__()
        self.originals: dict[str, int] = {}   # sha256 -> the batch's first submission of these bytes, not a duplicate
        self.loaded: dict[str, int] = {}      # sha256 -> the batch's first submission that loaded these bytes
        self.stored: list[tuple[Submission, Path]] = []


def _load_one(con, home: Home, sub: Submission, taken: set[str], next_id: int, queue: _Queue | None = None) -> int:
    """One file in one transaction, or what an earlier attempt of this step committed for it (its key). With
    `queue`, the file is only queued for its batch's one transaction (_load_batch looked up earlier attempts)."""
    if queue is None:
        earlier = wl.file_submissions(con, sub.rel, sub.sha256)
        if earlier:   # a retry: committed before, not filed away yet — nothing is written again
            _take_earlier(sub, earlier)
            return next_id
    if sub.outcome == "duplicate" and sub.duplicate_of is None:   # an in-batch twin
        sub.duplicate_of = wl.find_original(con, sub.sha256)
        if sub.duplicate_of is None and queue is not None:   # its original is queued in the same batch
            sub.duplicate_of = queue.originals.get(sub.sha256)
    if sub.outcome != "duplicate" and not sub.rejected:
        # bytes loaded earlier in this batch (a twin that only its template's metadata placed: skip_duplicates
        # could not tell it before reading): the same bytes are loaded once, whatever the format (finding 8)
        earlier_load = queue.loaded.get(sub.sha256) if queue is not None else \
            next(iter(wl.find_loaded_shas(con, [sub.sha256]).values()), (None,))[0]
        if earlier_load is not None:
            _as_duplicate(sub, earlier_load)
    if sub.outcome != "duplicate":
        sub.outcome = "rejected" if sub.rejected else "loaded"
        if queue is not None:
            queue.originals.setdefault(sub.sha256, next_id)
            if sub.outcome == "loaded":
                queue.loaded.setdefault(sub.sha256, next_id)
    stored = _stored_path(home, sub, taken)
    recs = _records(sub)

    def before_commit():
        crash_point("before-commit")
        if changed_since_read(sub):
            raise FileChanged(CHANGED)

    next_id = wl.write_file_submissions(con, recs, str(stored), next_id, before_commit=before_commit, batch=queue)
    taken.add(str(stored))
    sub.submission_ids = []
    for r in recs:
        assert r.submission_id is not None, "write_file_submissions gives every record its id"
        sub.submission_ids.append(r.submission_id)
    if queue is not None:
        queue.stored.append((sub, stored))
        return next_id
    sub.stored_path = stored
    crash_point("after-commit")
    return next_id


class FileChanged(Exception):
    """The file in the inbox is no longer the one read: nothing of it is committed, it waits for the next run."""


def _quarantine(sub: Submission, exc: BaseException) -> None:
    """A file whose load failed twice over is rejected with the reason: what it had read is dropped."""
    sub.norm = None
    sub.outcome = "rejected"
    sub.add_finding("file.internal_error", error=type(exc).__name__)


HELD_ERROR = "系统处理此文件时一再出错（{error}），文件留在收件箱，下次运行再试"


def _load_isolated(con, home: Home, sub: Submission, taken: set[str]) -> str | None:
    """One file, isolated: tried again on an exception, then rejected with the reason, then left in the inbox
    (sub.held). Returns a storage problem that stops the batch, or None."""
    log = run_logger()
    for attempt in range(3):
        try:
            _load_one(con, home, sub, taken, wl.next_submission_id(con))
            return None
        except FileChanged as exc:
            sub.held = str(exc)
            log.warning("%s: %s", visible(sub.rel), visible(sub.held))
            return None
        except Exception as exc:
            if stops_the_batch(exc):
                return storage_problem(str(home.writer_db), exc)
            log.error("%s: %s: %s (attempt %d)", visible(sub.rel), type(exc).__name__, visible(exc), attempt + 1)
            if attempt == 1:
                _quarantine(sub, exc)    # the last attempt writes the rejection alone
            error = type(exc).__name__
    sub.held = HELD_ERROR.format(error=error)
    return None


def _earlier_commits(con) -> dict[tuple[str, str], list[dict]]:
    """(source_path, sha256) -> the submissions committed for that file and not yet filed away (one query)."""
    out: dict[tuple[str, str], list[dict]] = {}
    for r in wl.unmoved_file_submissions(con):
        out.setdefault((r["source_path"], r["sha256"]), []).append(r)
    return out


def _take_earlier(sub: Submission, earlier: list[dict]) -> None:
    """A retry: the file was committed before and not filed away yet — nothing is written again."""
    sub.submission_ids = [r["submission_id"] for r in earlier]
    sub.outcome = earlier[0]["status"] if earlier[0]["status"] != "superseded" else "loaded"
    sub.duplicate_of = earlier[0]["duplicate_of"]
    sub.stored_path = Path(earlier[0]["stored_path"])


def _load_batch(con, home: Home, batch: list[Submission], taken: set[str]) -> None:
    """Every file of the batch in ONE transaction (warehouse.submissions.write_many_file_submissions): the same
    rows and ids as loading them one by one, for a handful of statements instead of a dozen per file. Raises on
    any trouble, with nothing committed: the caller then loads file by file (_load_isolated), which finds the
    culprit. A file committed by an earlier attempt is taken as it is."""
    earlier = _earlier_commits(con)
    todo = []
    for sub in batch:
        if sub.key in earlier:
            _take_earlier(sub, earlier[sub.key])
        else:
            todo.append(sub)
    if not todo:
        return
    queue = _Queue()
    promised = set(taken)   # `taken` itself learns the batch's paths once they are committed
    next_id = wl.next_submission_id(con)
    for sub in todo:
        next_id = _load_one(con, home, sub, promised, next_id, queue)
    queue.commit(con)
    for sub, stored in queue.stored:
        taken.add(str(stored))
        sub.stored_path = stored
    for _ in queue.stored:
        crash_point("after-commit")


@task(name="load-submissions", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def load_submissions(home: Home, batch: list[Submission]) -> list[Submission]:
    """The batch's files in one transaction; on any trouble, each file in its own. Done again (a Prefect retry, a
    re-run), a file already committed is found by its key and not written twice. A file that fails on its own is
    tried once more, then rejected with the reason; a file changed since it was read is left for the next run; a
    full disk or a database that cannot be written stops the batch (the rest waits in the inbox)."""
    log = run_logger()
    lines: list[str] = []
    with connect(home.writer_db) as con:
        taken = wl.unmoved_stored_paths(con)
        for sub in batch:
            sub.deferred = None          # what an earlier attempt of this task said no longer holds
        todo = [sub for sub in batch if not sub.held]
        before = [(sub.outcome, sub.duplicate_of) for sub in todo]
        try:
            _load_batch(con, home, todo, taken)
            todo = []
        except Exception as exc:   # nothing of the batch was committed: file by file, as before, finds the culprit
            log.info("loading the batch in one transaction failed (%s: %s); loading file by file",
                     type(exc).__name__, exc)
            for sub, (outcome, duplicate_of) in zip(todo, before):
                if not sub.stored_path:   # not committed by the batch (a fault after its commit keeps what it did)
                    sub.outcome, sub.duplicate_of, sub.submission_ids = outcome, duplicate_of, []
        problem = None
        for sub in todo:
            if problem:
                sub.deferred = problem
                continue
            problem = _load_isolated(con, home, sub, taken)
            if problem:
                sub.deferred = problem
                log.error(problem)
        lines = [f"{visible(sub.rel)}: {sub.outcome} ({', '.join(map(str, sub.submission_ids))})"
                 for sub in batch if sub.submission_ids and not sub.deferred and not sub.held]
    if lines:   # one log record for the batch: a record per file costs an API call each
        log.info("committed %d file(s):\n%s", len(lines), "\n".join(lines))
    return batch
