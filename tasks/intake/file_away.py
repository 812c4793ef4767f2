"""After the commit: feedback to the outbox, then the file moves out of the inbox. Nothing is deleted.

What the bureau gets back in `share/outbox/<bureau>/` (N = the file's first submission id):
  rejected  …_错误清单_N.xlsx   the error list
            …_批注版_N.xlsx     its own workbook with each problem cell marked (when a finding points at
                                a cell and the file is not too large; otherwise the error list says why)
  loaded    …_回执_N.xlsx       the receipt: rows loaded per sheet, warnings, what it superseded
  duplicate …_回执_N.xlsx       the receipt says which submission it repeats and that nothing changed

Every name is fixed by the submission id and every file is written to a temporary name and swapped
in, so `finish_interrupted` can redo the feedback of a run that crashed before the move.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.bureau.annotated_copy import AnnotationSkipped, annotate_workbook
from tasks.run_log import run_logger
from warehouse.crash_points import crash_point
from tasks.bureau.error_list import write_error_workbook
from warehouse.home import Home
from tasks.intake.load import storage_problem
from tasks.bureau.receipt import FeedbackData, receipt_data, write_receipt
from tasks.intake.submission import Submission
from warehouse import submissions as wl
from warehouse.connection import connect

def outbox_names(stem: str, first_id: int) -> dict[str, str]:
    return {"errors": f"{stem}_错误清单_{first_id}.xlsx", "annotated": f"{stem}_批注版_{first_id}.xlsx",
            "receipt": f"{stem}_回执_{first_id}.xlsx"}


def _feedback(data, home: Home, ids: list[int], source: Path) -> None:
    """`data`: a FeedbackData covering `ids` (or a DuckDB connection, to fetch it for this file alone)."""
    if not isinstance(data, FeedbackData):
        data = FeedbackData.load(data, ids)
    subs = [data.subs[i] for i in sorted(ids) if i in data.subs]
    if not subs:
        return
    bureau, period, file_name, status = subs[0]["bureau"], subs[0]["period"], subs[0]["file_name"], subs[0]["status"]
    findings = [f for i in sorted(ids) for f in data.findings.get(i, [])]
    out = home.outbox / bureau
    names = outbox_names(Path(file_name).stem, ids[0])
    if status != "rejected":
        write_receipt(out / names["receipt"], receipt_data(data, ids))
        return
    note = None
    if any(f["sheet"] and f["excel_row"] and f["excel_col"] for f in findings):   # something to mark in the file
        try:
            annotate_workbook(source, out / names["annotated"], findings=findings, bureau=bureau, period=period,
                              file_name=file_name, rejected=True)
            note = f"另附《{names['annotated']}》：在您报送的表格中用红色标出了每个错误单元格，鼠标移到单元格上可看修改说明。"
        except AnnotationSkipped as exc:
            note = str(exc)
        except Exception as exc:  # an exotic workbook openpyxl cannot open must not stop the filing away
            run_logger().warning("%s: no annotated copy (%s: %s)", file_name, type(exc).__name__, exc)
            note = "未能生成批注副本，请按本清单逐条修改。"
    write_error_workbook(out / names["errors"], bureau=bureau, file_name=file_name, period=period,
                         findings=findings, rejected=True, note=note)


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
                _feedback(data, home, sub.submission_ids, sub.path)
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
            ids = [r[0] for r in con.execute(
                "SELECT submission_id FROM submissions WHERE source_path = ? AND sha256 = ? AND NOT moved", [source, sha]).fetchall()]
            if src.exists() and hashlib.sha256(src.read_bytes()).hexdigest() == sha:
                try:
                    _feedback(con, home, ids, src)
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
