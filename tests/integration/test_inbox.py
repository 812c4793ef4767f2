"""The inbox, seen by srdi: when a file arrived (srdi's first sight, not the sender's clock), the names
srdi writes (255 bytes, GB18030 names read), and a note for every entry it will not process, written once."""
from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta, timezone

import pytest

from samples.workbooks import task_rows, write_xlsx
from tasks.intake.discover import MTIME_WINDOW, arrival, discover_submissions, scan_inbox
from tasks.storage import prepare_warehouse
from tests.conftest import drop, memory_copy
from warehouse import inbox as inbox_db
from warehouse.names import cut_to_bytes, fit_name, path_key, repair_name, safe_file_name

FIRST_SEEN = datetime(2022, 10, 11, 0, 5)    # the run after the Q3 deadline day (due 2022-10-10)


# ---------------------------------------------------------------- arrival

@pytest.mark.parametrize("mtime,expected", [
    (datetime(2022, 10, 10, 23, 55), datetime(2022, 10, 10, 23, 55)),   # dropped before midnight, seen after: on time
    (datetime(2022, 10, 10, 23, 50), datetime(2022, 10, 10, 23, 50)),   # exactly one interval (15 min) before
    (datetime(2022, 10, 10, 23, 49, 59), FIRST_SEEN),                    # a second more: the sender's clock
    (datetime(2022, 9, 1, 9, 0), FIRST_SEEN),                            # touched to look weeks older
    (datetime(2023, 1, 1), FIRST_SEEN),                                  # a future mtime says nothing
    (datetime(2022, 10, 11, 0, 6), FIRST_SEEN),                          # still written after the first sight
])
def test_arrival_is_first_sight_unless_the_mtime_is_within_one_interval_before(mtime, expected):
    assert MTIME_WINDOW == timedelta(minutes=15)        # prefect.yaml: the ingest deployment's `interval: 900`
    assert arrival(FIRST_SEEN, mtime) == expected


def test_trusting_mtimes_restores_an_old_share_but_never_a_future_time():
    assert arrival(FIRST_SEEN, datetime(2022, 7, 5, 9), trust_mtime=True) == datetime(2022, 7, 5, 9)
    assert arrival(FIRST_SEEN, datetime(2023, 1, 1), trust_mtime=True) == FIRST_SEEN


def _scan(home, con, settle: float, now: datetime):
    scan = scan_inbox(home, con, settle, now=now)
    inbox_db.replace_entries(con, list(scan.seen.values()))
    return scan


@pytest.fixture
def con(schema_template):
    c = memory_copy(schema_template)   # a new in-memory database with the schema (built once per session)
    yield c
    c.close()


def test_first_sight_is_kept_across_runs_while_the_file_settles(home, con):
    t0 = datetime.now(timezone.utc).replace(microsecond=0)
    path = write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    written = (t0 - timedelta(seconds=5)).timestamp()
    os.utime(path, (written, written))
    first = _scan(home, con, settle=30, now=t0)          # 5 s old: still being written
    assert first.found == [] and first.waiting
    assert inbox_db.entries(con)[path_key("财政局/任务2022Q2.xlsx")].first_seen == t0
    later = _scan(home, con, settle=30, now=t0 + timedelta(minutes=20))
    (sub,) = later.found
    assert sub.first_seen == t0 and sub.received_at == t0 - timedelta(seconds=5)


def test_a_backdated_file_arrives_when_srdi_first_saw_it(home, con):
    t0 = datetime.now(timezone.utc).replace(microsecond=0)
    path = write_xlsx(drop(home, "财政局", "任务2022Q3.xlsx"), task_rows("财政局", 1))
    old = datetime(2022, 10, 9, 9).timestamp()           # a day before the Q3 deadline, says the sender's clock
    os.utime(path, (old, old))
    _scan(home, con, settle=0, now=t0)
    (sub,) = _scan(home, con, settle=0, now=t0 + timedelta(hours=2)).found
    assert sub.received_at == t0


def test_a_future_mtime_settles_by_srdis_clock_in_the_same_run(home, con):
    path = write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    future = time.time() + 3 * 86400
    os.utime(path, (future, future))
    t0 = datetime.now(timezone.utc)
    scan = _scan(home, con, settle=0.3, now=t0)          # waits 0.3 s itself, sees it unchanged, reads it
    (sub,) = scan.found
    assert sub.received_at == t0


def test_the_same_name_dropped_again_after_filing_is_a_new_arrival(home, con):
    t0 = datetime.now(timezone.utc).replace(microsecond=0)
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    _scan(home, con, settle=0, now=t0)
    inbox_db.forget(con, [path_key("财政局/任务2022Q2.xlsx")])    # filed away
    (sub,) = _scan(home, con, settle=0, now=t0 + timedelta(days=3)).found
    assert sub.first_seen == t0 + timedelta(days=3)


# ---------------------------------------------------------------- names

def test_fit_name_keeps_the_tail_and_the_extension_and_cuts_between_characters():
    assert fit_name("企业库.xlsx", "_回执_12") == "企业库_回执_12.xlsx"
    long = "字" * 100 + ".xlsx"                         # 305 bytes
    fitted = fit_name(long, "_回执_7")
    # 239 bytes at most (255 less the room of a temporary name); "_回执_7" is 9 bytes, ".xlsx" 5: 225 for the stem
    assert fitted == "字" * 75 + "_回执_7.xlsx" and len(fitted.encode()) == 239
    assert cut_to_bytes("企业", 5) == "企"               # never half of a character
    assert fit_name("报送.2022年第二季度", "_x") == "报送.2022年第二季度_x"   # not an extension


def test_gbk_names_are_read_as_gb18030_and_other_bytes_become_underscores():
    assert repair_name(os.fsdecode("企业库2022Q2.xlsx".encode("gbk"))) == ("企业库2022Q2.xlsx", True)
    assert repair_name(os.fsdecode(b"\xff2022Q2.xlsx")) == ("_2022Q2.xlsx", False)
    assert path_key(os.fsdecode(b"\xe5\xb7\xa5/\xff.xlsx")) == "工/\\xff.xlsx"
    assert safe_file_name(".隐藏\u202e.xlsx") == "隐藏_.xlsx"


# ---------------------------------------------------------------- notes, once

def test_every_entry_gets_a_note_once_and_the_log_says_it_once(home, caplog):
    prepare_warehouse.fn(home)
    write_xlsx(drop(home, "财政局", ".任务2022Q2.xlsx"), task_rows("财政局", 1))
    os.mkfifo(drop(home, "财政局", "管道2022Q2.xlsx"))
    os.symlink(home.root, drop(home, "财政局", "链接"))
    write_xlsx(drop(home, "财政局/.草稿", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    write_xlsx(drop(home, "科技局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    write_xlsx(home.inbox / "任务2022Q2.xlsx", task_rows("财政局", 1))
    for silent in ("~$任务2022Q2.xlsx", ".~lock.任务2022Q2.xlsx#", "Thumbs.db", "desktop.ini", ".DS_Store"):
        drop(home, "财政局", silent).write_bytes(b"x")
    with caplog.at_level(logging.INFO):
        assert discover_submissions.fn(home, 0) == []
    notes = {str(p.relative_to(home.outbox)): p.read_text(encoding="utf-8-sig")
             for p in home.outbox.rglob("*_未处理说明.txt")}
    assert sorted(notes) == sorted([
        "财政局/任务2022Q2.xlsx_未处理说明.txt", "财政局/管道2022Q2.xlsx_未处理说明.txt", "财政局/链接_未处理说明.txt",
        "财政局/草稿_未处理说明.txt", "_未处理/科技局_任务2022Q2.xlsx_未处理说明.txt",
        "_未处理/任务2022Q2.xlsx_未处理说明.txt"])
    assert "财政局/管道2022Q2.xlsx" in notes["财政局/管道2022Q2.xlsx_未处理说明.txt"]
    assert "不是已知的责任单位" in notes["_未处理/科技局_任务2022Q2.xlsx_未处理说明.txt"]
    assert all(text.count("办法：") == 1 for text in notes.values())
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 6
    caplog.clear()
    stamps = {p: p.stat().st_mtime_ns for p in home.outbox.rglob("*.txt")}
    with caplog.at_level(logging.INFO):
        assert discover_submissions.fn(home, 0) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []      # said once, not every run
    assert {p: p.stat().st_mtime_ns for p in home.outbox.rglob("*.txt")} == stamps


def test_files_first_seen_together_keep_the_order_of_their_modification_times(home, con):
    """A file and its correction copied in together with their old times: the correction still comes second
    (and so supersedes), though neither time is believed as an arrival."""
    correction = write_xlsx(drop(home, "财政局", "A任务2022Q2（更正）.xlsx"), task_rows("财政局", 2))
    original = write_xlsx(drop(home, "财政局", "B任务2022Q2.xlsx"), task_rows("财政局", 1))
    for path, day in ((original, 1), (correction, 2)):
        t = datetime(2022, 7, day, 9).timestamp()
        os.utime(path, (t, t))
    t0 = datetime.now(timezone.utc)
    found = _scan(home, con, settle=0, now=t0).found
    assert [s.path.name for s in found] == ["B任务2022Q2.xlsx", "A任务2022Q2（更正）.xlsx"]
    assert {s.received_at for s in found} == {t0}


# ---------------------------------------------------------------- one walk: what `srdi status` shows is what the ingest does

def test_status_shows_what_the_ingest_takes_and_notes_in_one_tricky_inbox(home, con, tmp_path):
    """warehouse/inbox_walk.py serves both: a bureau folder under its full name with a nested folder, a hidden file
    and a hidden folder, a link, a pipe, a lock file, a file at the root, and a folder of no bureau holding a file
    and a link to a folder. What status shows waiting is what discovery takes; what it shows unanswered or in an
    unknown folder is what discovery notes."""
    from warehouse.status import inbox_view
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    nested = write_xlsx(drop(home, "蛟河市工业和信息化局/三季度", "任务进展2022Q3.xlsx"), task_rows("工信局", 1))
    good = write_xlsx(drop(home, "财政局", "财政局任务进展2022Q3.xlsx"), task_rows("财政局", 1))
    write_xlsx(drop(home, "财政局", ".隐藏2022Q3.xlsx"), task_rows("财政局", 2))
    write_xlsx(drop(home, "财政局/.草稿", "任务2022Q3.xlsx"), task_rows("财政局", 3))
    os.symlink(good, drop(home, "财政局", "链接2022Q3.xlsx"))
    os.mkfifo(drop(home, "财政局", "管道"))
    drop(home, "财政局", "~$财政局任务进展2022Q3.xlsx").write_bytes(b"lock")
    write_xlsx(home.inbox / "放错了2022Q3.xlsx", task_rows("财政局", 4))
    write_xlsx(drop(home, "新建文件夹", "a2022Q3.xlsx"), task_rows("财政局", 5))
    os.symlink(elsewhere, drop(home, "新建文件夹/sub", "链接"))
    later = datetime.now(timezone.utc) + timedelta(hours=1)          # everything settled

    read = [("蛟河市工业和信息化局/三季度/任务进展2022Q3.xlsx", "工信局"), ("财政局/财政局任务进展2022Q3.xlsx", "财政局")]
    noted = [("放错了2022Q3.xlsx", None, "root"),
             ("新建文件夹/a2022Q3.xlsx", None, "unknown_folder"), ("新建文件夹/sub/链接", None, "unknown_folder"),
             ("财政局/.草稿", "财政局", "hidden_folder"), ("财政局/.隐藏2022Q3.xlsx", "财政局", "hidden"),
             ("财政局/管道", "财政局", "special"), ("财政局/链接2022Q3.xlsx", "财政局", "symlink")]

    scan = scan_inbox(home, con, 0, now=later)
    assert sorted((s.rel, s.bureau) for s in scan.found) == read
    assert sorted((n.rel, n.bureau, n.reason) for n in scan.notes) == noted

    view = inbox_view(home, settle_seconds=0, now=later)
    assert sorted((w["file"], w["bureau"]) for w in view.waiting) == read and view.settling == []
    assert sorted((u["entry"], u["bureau"]) for u in view.unanswered) == \
        [(rel, bureau) for rel, bureau, reason in noted if reason != "unknown_folder"]
    assert view.unknown_folders == [{"folder": "新建文件夹", "files": 2, "noted": 0,
                                     "entries": ["新建文件夹/a2022Q3.xlsx", "新建文件夹/sub/链接"]}]
    assert view.bureau_folders == 2
    assert nested.exists()
