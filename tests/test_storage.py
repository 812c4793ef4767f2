"""Disk full or permission denied: a clear error, nothing half-written, everything retried next run."""
from __future__ import annotations

import errno

import pytest

from tests.conftest import drop
from samples.workbooks import task_rows, write_xlsx
from tests.helpers import q
from tests.test_ingest import files_under


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
    assert summary["loaded"] == 1 and len(summary["deferred"]) == 2
    assert len(files_under(home.inbox)) == 2 and len(files_under(home.archive)) == 1
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == 1   # nothing half-written
    monkeypatch.setattr(wl, "write_file_submissions", real)
    summary = run_ingest(home)
    assert summary["loaded"] == 2 and summary["storage_error"] is None
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
    assert "没有写入权限" in summary["storage_error"]
    assert len(files_under(home.inbox)) == 3 and files_under(home.archive) == []    # nothing moved
    assert q(home, "SELECT count(*) FROM submissions WHERE status = 'loaded' AND NOT moved")[0][0] == 3
    monkeypatch.setattr(fa, "_move", real)
    summary = run_ingest(home)
    assert summary["files"] == 0 and summary["storage_error"] is None   # nothing new, the three are filed
    assert files_under(home.inbox) == [] and len(files_under(home.archive)) == 3
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == 3       # and not counted twice
    assert q(home, "SELECT count(*) FROM submissions WHERE NOT moved")[0][0] == 0
