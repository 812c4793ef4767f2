"""Warehouse steps of the ingest: skip duplicates (same bytes, nothing read), then load each file in one
transaction (warehouse/submissions.py), giving each its place in the archive. A disk full or a permission denied
stops the batch cleanly: the files not loaded stay in the inbox for the next run."""
from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.findings import ERROR
from tasks.intake.submission import Submission
from tasks.run_log import run_logger
from warehouse import submissions as wl
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home


@task(name="skip-duplicates", cache_policy=NO_CACHE)
def skip_duplicates(home: Home, batch: list[Submission]) -> list[Submission]:
    """The same bytes dropped again change nothing: no reading, one 'duplicate' row, filed away."""
    seen: set[str] = set()
    with connect(home.writer_db) as con:
        for sub in batch:
            if sub.rejected:
                continue
            original = wl.find_loaded_sha(con, sub.sha256)
            if original is not None or sub.sha256 in seen:
                sub.outcome = "duplicate"   # an in-batch twin learns its original's id at load time
                sub.data = None
                sub.duplicate_of = original
            seen.add(sub.sha256)
    return batch


def _stored_path(home: Home, sub: Submission, taken: set[str]) -> Path:
    if sub.outcome == "rejected":
        base = home.rejected / sub.bureau
    elif sub.outcome == "duplicate":
        base = home.archive / sub.bureau / (sub.period or "未识别报送期") / "重复报送"
    else:
        base = home.archive / sub.bureau / sub.period
    name = Path(sub.safe_name)
    cand = base / name
    n = 0
    while cand.exists() or str(cand) in taken:
        n += 1
        suffix = f"__{sub.sha256[:8]}" + (f"_{n}" if n > 1 else "")
        cand = base / f"{name.stem}{suffix}{name.suffix}"
    return cand


def _records(sub: Submission) -> list[wl.SubmissionRecord]:
    common = dict(bureau=sub.bureau, period=sub.period, file_name=sub.file_name, source_path=sub.rel,
                  sha256=sub.sha256, size_bytes=sub.size_bytes, file_format=sub.file_format,
                  received_at=sub.received_at, status=sub.outcome)
    if sub.outcome == "duplicate":
        return [wl.SubmissionRecord(form=None, duplicate_of=sub.duplicate_of,
                                    message=f"与第 {sub.duplicate_of} 号报送内容完全相同，未重复入库", **common)]
    forms = sub.norm.forms if sub.norm else {}
    findings = [f.as_row() for f in sub.findings]
    if not forms:
        first = next((f for f in sub.findings if f.severity == ERROR), None)
        return [wl.SubmissionRecord(form=None, findings=findings, message=first.message if first else None, **common)]
    recs = []
    for i, (name, parsed) in enumerate(forms.items()):
        mine = [f for f in findings if f["sheet"] in parsed.sheets or (i == 0 and f["sheet"] not in
                {s for p in forms.values() for s in p.sheets})]
        rows = parsed.frame if sub.outcome == "loaded" else None
        columns = [{"sheet": sheet, "field": f, "excel_col": col, "header": parsed.labels.get(sheet, {}).get(f)}
                   for sheet, letters in parsed.letters.items() for f, col in letters.items()]
        recs.append(wl.SubmissionRecord(form=name, findings=mine, rows=rows, columns=columns,
                                        cells=parsed.cells if sub.outcome == "loaded" else None, **common))
    return recs


STORAGE_HELP = "磁盘空间不足或没有写入权限：{where}（{error}）。本批未入库的文件保留在收件箱，问题解决后下次运行会自动重试。"


def storage_problem(where: str, exc: BaseException) -> str:
    return STORAGE_HELP.format(where=where, error=getattr(exc, "strerror", None) or str(exc).splitlines()[0])


@task(name="load-submissions", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def load_submissions(home: Home, batch: list[Submission]) -> list[Submission]:
    log = run_logger()
    with connect(home.writer_db) as con:
        taken = wl.unmoved_stored_paths(con)
        next_id = wl.next_submission_id(con)
        problem = None
        for sub in batch:
            if problem:
                sub.deferred = problem
                continue
            if sub.outcome == "duplicate" and sub.duplicate_of is None:
                sub.duplicate_of = wl.find_original(con, sub.sha256)
            if sub.outcome != "duplicate":
                sub.outcome = "rejected" if sub.rejected else "loaded"
            stored = _stored_path(home, sub, taken)
            taken.add(str(stored))
            recs = _records(sub)
            try:
                next_id = wl.write_file_submissions(con, recs, str(stored), next_id,
                                                    before_commit=lambda: crash_point("before-commit"))
            except wl.STORAGE_ERRORS as exc:   # disk full, read-only or permission denied
                problem = sub.deferred = storage_problem(str(home.writer_db), exc)
                log.error(problem)
                continue
            crash_point("after-commit")
            sub.submission_ids = [r.submission_id for r in recs]
            sub.stored_path = stored
            log.info("%s: %s (%s)", sub.rel, sub.outcome, ", ".join(map(str, sub.submission_ids)))
    return batch
