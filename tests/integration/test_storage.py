"""Disk full or permission denied: a clear error, nothing half-written, everything retried next run."""
from __future__ import annotations

import errno
from datetime import datetime

import polars as pl
import pytest

from tests.conftest import drop
from samples.workbooks import task_rows, write_xlsx
from tests.helpers import q
from tests.integration.test_ingest import files_under
from warehouse import submissions as wl
from warehouse.connection import apply_schema, connect_memory


@pytest.fixture
def three_files(home):
    for bureau in ("人民银行", "人社局", "财政局"):
        write_xlsx(drop(home, bureau, f"{bureau}任务2022Q2.xlsx"), task_rows(bureau, 1))
    return home


def test_disk_full_while_loading_keeps_files_for_the_next_run(three_files, run_ingest, monkeypatch):
    home = three_files
    import warehouse.submissions as wl
    real = wl.write_file_submissions
    calls = {"n": 0}

    def full_after_first(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(wl, "write_file_submissions", full_after_first)
    summary = run_ingest(home)
    assert "磁盘空间不足" in summary["storage_error"] and "下次运行" in summary["storage_error"]
    # The batch is one transaction: the disk full at its second file rolls it back, and file by file the disk is
    # still full. Whatever got in before the disk filled is whole; the rest waits in the inbox.
    loaded, deferred = summary["loaded"], len(summary["deferred"])
    assert loaded < 3 and loaded + deferred == 3
    assert len(files_under(home.inbox)) == deferred and len(files_under(home.archive)) == loaded
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == loaded   # nothing half-written
    monkeypatch.setattr(wl, "write_file_submissions", real)
    summary = run_ingest(home)
    assert summary["loaded"] == deferred and summary["storage_error"] is None
    assert files_under(home.inbox) == [] and len(files_under(home.archive)) == 3
    assert q(home, "SELECT count(*) FROM submissions WHERE status = 'loaded'")[0][0] == 3


def test_permission_denied_on_the_share_moves_nothing_and_the_next_run_files_it(three_files, run_ingest, monkeypatch):
    home = three_files
    import tasks.intake.file_away as fa
    real = fa._move

    def denied(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(fa, "_move", denied)
    summary = run_ingest(home)
    # one file's move refused is that file's: each stays in the inbox, committed, with a note to its bureau
    assert summary["storage_error"] is None and summary["loaded"] == 3
    assert sorted(h["file"] for h in summary["held"]) == sorted(str(p.relative_to(home.inbox)) for p in files_under(home.inbox))
    assert all("无法把它移出收件箱" in h["reason"] for h in summary["held"])
    assert len(files_under(home.inbox)) == 3 and files_under(home.archive) == []    # nothing moved
    assert q(home, "SELECT count(*) FROM submissions WHERE status = 'loaded' AND NOT moved")[0][0] == 3
    notes = sorted(p.name for p in home.outbox.rglob("*_未处理说明.txt"))
    assert len(notes) == 3
    summary = run_ingest(home)                       # still refused: no second note, nothing counted twice
    assert summary["files"] == 0 and sorted(p.name for p in home.outbox.rglob("*_未处理说明.txt")) == notes
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == 3
    monkeypatch.setattr(fa, "_move", real)
    summary = run_ingest(home)
    assert summary["files"] == 0 and summary["storage_error"] is None   # nothing new, the three are filed
    assert files_under(home.inbox) == [] and len(files_under(home.archive)) == 3
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == 3       # and not counted twice
    assert q(home, "SELECT count(*) FROM submissions WHERE NOT moved")[0][0] == 0


def test_disk_full_while_filing_away_stops_the_batch_and_the_next_run_files_it(three_files, run_ingest, monkeypatch):
    home = three_files
    import tasks.intake.file_away as fa
    real = fa._move

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(fa, "_move", full)
    summary = run_ingest(home)
    assert "磁盘空间不足" in summary["storage_error"]
    assert len(files_under(home.inbox)) == 3 and files_under(home.archive) == []
    monkeypatch.setattr(fa, "_move", real)
    summary = run_ingest(home)
    assert summary["storage_error"] is None and files_under(home.inbox) == [] and len(files_under(home.archive)) == 3
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == 3


# ---------------------------------------------------------------- one file's transaction, no Prefect

def _task_file(sha: str, rows: int) -> wl.SubmissionRecord:
    """One task form of 人民银行 for 2022Q2 with `rows` rows, one warning and two mapped columns."""
    frame = pl.DataFrame({"_sheet": ["任务进展"] * rows, "_row": list(range(3, 3 + rows)),
                          "task_id": [f"1.{i + 1}" for i in range(rows)], "status": ["推进中"] * rows})
    finding = {"severity": "warning", "sheet": "任务进展", "excel_row": 3, "excel_col": "F", "field": "completion_pct",
               "value": None, "rule": "task.pct_missing", "message": "完成比例未填写", "fix": "请填写"}
    columns = [{"sheet": "任务进展", "field": "task_id", "excel_col": "A", "header": "任务编号"},
               {"sheet": "任务进展", "field": "status", "excel_col": "E", "header": "推进状态"}]
    return wl.SubmissionRecord(bureau="人民银行", period="2022Q2", form="task", file_name=f"任务{sha}.xlsx",
                               source_path=f"人民银行/任务{sha}.xlsx", sha256=sha, size_bytes=100, file_format="xlsx",
                               received_at=datetime(2022, 7, 5), status="loaded", rows=frame, findings=[finding],
                               columns=columns)


def test_a_file_that_fails_before_its_commit_writes_nothing_and_the_next_write_is_whole():
    con = connect_memory()
    apply_schema(con)
    tables = ("submissions", "task_reports", "validation_errors", "submission_columns")

    def counts():
        return [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]

    assert wl.write_file_submissions(con, [_task_file("a", 2)], "/archive/a.xlsx", 1) == 2
    assert counts() == [1, 2, 1, 2]

    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):   # everything of file b was written, then the commit could not happen
        wl.write_file_submissions(con, [_task_file("b", 3)], "/archive/b.xlsx", 2, before_commit=disk_full)
    assert counts() == [1, 2, 1, 2]   # nothing of b, not even its supersession of a
    assert con.execute("SELECT status, superseded_by FROM submissions").fetchall() == [("loaded", None)]

    # the connection is not left inside a transaction: b again, whole, superseding a
    assert wl.write_file_submissions(con, [_task_file("b", 3)], "/archive/b.xlsx", 2) == 3
    assert counts() == [2, 5, 2, 4]
    assert con.execute("SELECT submission_id, status, superseded_by FROM submissions ORDER BY 1").fetchall() == [
        (1, "superseded", 2), (2, "loaded", None)]
    assert wl.unmoved_stored_paths(con) == {"/archive/a.xlsx", "/archive/b.xlsx"}
    wl.mark_moved_many(con, [("人民银行/任务a.xlsx", "a")])
    assert wl.unmoved_submissions(con) == [(2, "人民银行/任务b.xlsx", "b", "/archive/b.xlsx")]
    assert wl.unmoved_submission_ids(con, "人民银行/任务b.xlsx", "b") == [2]
    con.close()
