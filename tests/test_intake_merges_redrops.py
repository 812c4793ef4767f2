"""Issue 19, findings 7, 8 and 11, on workbooks built on disk as a clerk makes them (openpyxl with real merged
ranges, xlwt .xls, hand-written .ods, CSV bytes), run through the ingest's own steps (tests/test_clerk.py's
`intake`):

* the same bytes dropped again are `duplicate`, whatever the format and whether the file is a filled-in template
  whose hidden metadata sheet names bureau and period (finding 8);
* a merged header never hides a column, a merge over data rows is told with its range (finding 7);
* a note for an entry outside a bureau folder whose name names a bureau reaches that bureau's outbox (finding 11).

Expected values are worked out by hand from the workbook each test writes, never read back from the code.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from samples.workbooks import arrive, task_form, write_ods, write_xls, write_xlsx
from tests.conftest import drop
from tests import test_clerk as clerk
from tests.test_clerk import db, intake

META = {"bureau": "工信局", "period": "2022Q3", "form": "task", "template_version": "2"}


@pytest.fixture(autouse=True)
def _warehouse_template(warehouse_template):
    clerk._TEMPLATE["warehouse"] = warehouse_template


def _rows() -> list[list]:
    return task_form("工信局", {"T1-1": {"status": "推进中", "completion_pct": 40},
                                "T1-2": {"status": "已完成", "completion_pct": 100}})


def _template_xlsx(path: Path) -> Path:
    return write_xlsx(path, _rows(), hidden_sheets={"_srdi_meta": [[k, v] for k, v in META.items()]})


def _template_xls(path: Path) -> Path:
    return write_xls(path, _rows(), meta=META)


def _template_ods(path: Path) -> Path:
    return write_ods(path, _rows(), meta=META)


def _csv(path: Path) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(_rows())
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


# (format, writer, first name, re-drop name): a template's name needs no quarter (its metadata sheet names it);
# a CSV or a workbook without template names its quarter
FORMATS = [
    ("xlsx-template", _template_xlsx, "任务进展.xlsx", "任务进展（重报）.xlsx"),
    ("xls-template", _template_xls, "任务进展.xls", "任务进展 - 副本.xls"),
    ("ods-template", _template_ods, "任务进展.ods", "任务进展(1).ods"),
    ("xlsx", lambda p: write_xlsx(p, _rows()), "工信局任务进展2022Q3.xlsx", "任务进展2022年第三季度-再次报送.xlsx"),
    ("csv", _csv, "工信局任务进展2022Q3.csv", "任务进展2022年三季度.csv"),
]


# ---------------------------------------------------------------- finding 8: the same bytes, exactly once

@pytest.mark.parametrize("kind, write, first_name, again_name", FORMATS, ids=[f[0] for f in FORMATS])
def test_the_same_bytes_dropped_again_under_another_name_and_folder_are_a_duplicate(home, kind, write, first_name, again_name):
    first = write(drop(home, "工信局", first_name))
    data = first.read_bytes()
    (sub,) = intake(home, arrive(first, datetime(2022, 10, 8, 9, 0)))
    assert (sub.outcome, sub.period) == ("loaded", "2022Q3")
    # the same bytes, a day later, under another name, into the bureau's folder under its full name
    again = drop(home, "工业和信息化局", again_name)
    again.write_bytes(data)
    (dup,) = intake(home, arrive(again, datetime(2022, 10, 9, 9, 0)))
    assert (dup.outcome, dup.period, dup.duplicate_of) == ("duplicate", "2022Q3", 1)
    # the first submission still holds the slot: nothing superseded, its two task rows the only ones
    assert db(home, "SELECT submission_id, bureau, period, status, duplicate_of FROM submissions ORDER BY 1") == [
        (1, "工信局", "2022Q3", "loaded", None), (2, "工信局", "2022Q3", "duplicate", 1)]
    assert db(home, "SELECT submission_id, count(*) FROM task_reports GROUP BY 1") == [(1, 2)]
    assert db(home, "SELECT count(*) FROM validation_errors WHERE submission_id = 2") == [(0,)]
    # the bureau is told: a receipt that says nothing changed
    receipt = clerk.text_of(clerk.sheet_rows(clerk.outbox_file(home, "工信局", "回执", Path(again_name).stem)))
    assert "内容完全相同，未重复入库" in receipt


@pytest.mark.parametrize("kind, write, first_name, again_name", FORMATS, ids=[f[0] for f in FORMATS])
def test_twins_in_one_batch_load_once(home, kind, write, first_name, again_name):
    first = write(drop(home, "工信局", first_name))
    again = drop(home, "工信局", again_name)
    again.write_bytes(first.read_bytes())
    subs = intake(home, arrive(first, datetime(2022, 10, 8, 9, 0)), arrive(again, datetime(2022, 10, 8, 9, 5)))
    assert [(s.outcome, s.period) for s in subs] == [("loaded", "2022Q3"), ("duplicate", "2022Q3")]
    assert db(home, "SELECT submission_id, status, duplicate_of FROM submissions ORDER BY 1") == [
        (1, "loaded", None), (2, "duplicate", 1)]
    assert db(home, "SELECT count(*) FROM task_reports") == [(2,)]


def test_a_changed_template_under_the_same_name_still_supersedes(home):
    """The other side of finding 8: other bytes for the same slot are a correction, not a duplicate."""
    first = _template_xlsx(drop(home, "工信局", "任务进展.xlsx"))
    (one,) = intake(home, arrive(first, datetime(2022, 10, 8, 9, 0)))
    rows = _rows()
    rows[1][4], rows[1][5] = "已完成", 100   # T1-1 now done
    second = write_xlsx(drop(home, "工信局", "任务进展.xlsx"), rows,
                        hidden_sheets={"_srdi_meta": [[k, v] for k, v in META.items()]})
    (two,) = intake(home, arrive(second, datetime(2022, 10, 9, 9, 0)))
    assert (one.outcome, two.outcome) == ("loaded", "loaded")
    assert db(home, "SELECT submission_id, status, superseded_by FROM submissions ORDER BY 1") == [
        (1, "superseded", 2), (2, "loaded", None)]


# ---------------------------------------------------------------- finding 11: a note where the bureau reads it

def test_a_file_outside_every_bureau_folder_whose_name_names_a_bureau_gets_its_note_in_that_bureaus_outbox(home):
    from tasks.intake.discover import discover_submissions
    from tasks.storage import prepare_warehouse
    prepare_warehouse.fn(home)
    write_xlsx(home.inbox / "工信局任务进展2022Q3.xlsx", _rows())                      # at the inbox root
    write_xlsx(drop(home, "新建文件夹", "蛟河市农业农村局企业库2022Q3.xlsx"), _rows())   # a folder no bureau owns
    write_xlsx(drop(home, "新建文件夹", "任务进展2022Q3.xlsx"), _rows())                # names no bureau
    write_xlsx(home.inbox / "工信局和商务局汇总2022Q3.xlsx", _rows())                   # names two: cannot tell
    write_xlsx(home.inbox / "电子商务企业名单2022Q3.xlsx", _rows())                     # 商务 alone is not 商务局
    assert discover_submissions.fn(home, 0) == []
    notes = {str(p.relative_to(home.outbox)): p.read_text(encoding="utf-8-sig")
             for p in home.outbox.rglob("*_未处理说明.txt")}
    assert sorted(notes) == sorted([
        "_未处理/工信局任务进展2022Q3.xlsx_未处理说明.txt",
        "工信局/工信局任务进展2022Q3.xlsx_未处理说明.txt",
        "_未处理/新建文件夹_蛟河市农业农村局企业库2022Q3.xlsx_未处理说明.txt",
        "农业农村局/新建文件夹_蛟河市农业农村局企业库2022Q3.xlsx_未处理说明.txt",
        "_未处理/新建文件夹_任务进展2022Q3.xlsx_未处理说明.txt",
        "_未处理/工信局和商务局汇总2022Q3.xlsx_未处理说明.txt",
        "_未处理/电子商务企业名单2022Q3.xlsx_未处理说明.txt"])
    mine = notes["农业农村局/新建文件夹_蛟河市农业农村局企业库2022Q3.xlsx_未处理说明.txt"]
    assert "“新建文件夹/蛟河市农业农村局企业库2022Q3.xlsx”未被处理" in mine
    assert "不是已知的责任单位" in mine and "“农业农村局”文件夹" in mine
    assert "根目录" in notes["工信局/工信局任务进展2022Q3.xlsx_未处理说明.txt"]
    # once: the next run writes neither copy again
    stamps = {p: p.stat().st_mtime_ns for p in home.outbox.rglob("*.txt")}
    assert discover_submissions.fn(home, 0) == []
    assert {p: p.stat().st_mtime_ns for p in home.outbox.rglob("*.txt")} == stamps
