"""After the commit: feedback to the outbox, then the file moves out of the inbox. Nothing is deleted."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.discover import _logger
from tasks.feedback import write_error_workbook
from tasks.home import Home
from tasks.submission import Submission
from warehouse import load as wl
from warehouse.db import connect

FINDING_SQL = """SELECT severity, sheet, excel_row, excel_col, field, value, rule, message, fix
                 FROM validation_errors WHERE submission_id IN (SELECT unnest(?)) ORDER BY submission_id"""


def _feedback(con, home: Home, ids: list[int]) -> None:
    rows = con.execute(
        "SELECT submission_id, bureau, period, file_name, status FROM submissions WHERE submission_id IN (SELECT unnest(?)) ORDER BY 1",
        [ids]).fetchall()
    if not rows:
        return
    _, bureau, period, file_name, status = rows[0]
    cols = ["severity", "sheet", "excel_row", "excel_col", "field", "value", "rule", "message", "fix"]
    findings = [dict(zip(cols, r)) for r in con.execute(FINDING_SQL, [ids]).fetchall()]
    if status == "rejected" or findings:
        stem = Path(file_name).stem
        kind = "错误清单" if status == "rejected" else "校验提示"
        write_error_workbook(home.outbox / bureau / f"{stem}_{kind}_{ids[0]}.xlsx", bureau=bureau, file_name=file_name,
                             period=period, findings=findings, rejected=status == "rejected")


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


@task(name="file-away", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def file_away(home: Home, batch: list[Submission]) -> list[Submission]:
    with connect(home.writer_db) as con:
        for sub in batch:
            _feedback(con, home, sub.submission_ids)
            _move(sub.path, sub.stored_path)
            wl.mark_moved(con, sub.rel, sub.sha256)
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
                _feedback(con, home, ids)
                _move(src, dst)
            elif not dst.exists():
                _logger().error("submission %s: %s is neither in the inbox nor at %s", sid, source, stored)
                continue
            wl.mark_moved(con, source, sha)
            done += 1
    return done
