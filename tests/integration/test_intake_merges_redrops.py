"""Issue 19, findings 7, 8 and 11, on workbooks built on disk as a clerk makes them (openpyxl with real merged
ranges, xlwt .xls, hand-written .ods, CSV bytes), run through the ingest's own steps (tests/integration/test_clerk.py's
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
from tests.integration import test_clerk as clerk
from tests.integration.test_clerk import db, intake

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


# ---------------------------------------------------------------- finding 7: merged cells

PROBLEM = "见习基地补贴资金缺口约30万元，需市财政协调解决。"


def _tasks_with_problem() -> list[list]:
    """Header on row 1 in the template's columns (A 任务编号 … G 本期进展, H 需市政府协调解决的问题, I 下步计划);
    T1-1 on row 2 with a problem typed in H2, T1-2 on row 3 without."""
    rows = task_form("工信局", {"T1-1": {"status": "推进中", "completion_pct": 40, "problems": PROBLEM},
                                "T1-2": {"status": "推进中", "completion_pct": 60}})
    assert rows[0][6:9] == ["本期进展", "需市政府协调解决的问题", "下步计划"]   # the layout the merges below assume
    return rows


def _problems(home) -> list[tuple]:
    return db(home, "SELECT task_id, problems FROM task_reports ORDER BY task_id")


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_header_merged_over_the_problems_column_of_the_template_layout_keeps_the_problems(home, fmt):
    write = write_xlsx if fmt == "xlsx" else write_ods
    path = write(drop(home, "工信局", f"工信局任务进展2022Q3.{fmt}"), _tasks_with_problem(), merges=["G1:H1"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert sub.outcome == "loaded"
    assert _problems(home) == [("T1-1", PROBLEM), ("T1-2", None)]
    (w,) = [f for f in sub.findings if f.rule.startswith("header.merged")]
    assert (w.severity, w.rule, w.cell) == ("warning", "header.merged_read", "H1")
    assert "G1:H1" in w.message and "H2" in w.message and "需市政府协调解决的问题" in w.message
    # the receipt tells the clerk, at the cell
    assert "G1:H1" in clerk.warnings_in(clerk.sheet_rows(clerk.outbox_file(home, "工信局", "回执")))["H1"]


def test_a_header_merge_that_hides_a_column_outside_the_template_layout_rejects_the_file_naming_the_range(home):
    # a 序号 column first: every column one to the right of the template's, so H is not where 问题 would be
    rows = [["序号", *r] if i == 0 else [i, *r] for i, r in enumerate(_tasks_with_problem())]
    path = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q3.xlsx"), rows, merges=["H1:I1"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert sub.outcome == "rejected"
    assert db(home, "SELECT count(*) FROM task_reports") == [(0,)]
    (rule, message, col, row) = db(home, "SELECT rule, message, excel_col, excel_row FROM validation_errors "
                                         "WHERE severity = 'error'")[0]
    assert (rule, col, row) == ("header.merged", "I", 1)
    assert "H1:I1" in message and "I2" in message and "本期进展" in message
    errors = clerk.text_of(clerk.sheet_rows(clerk.outbox_file(home, "工信局", "错误清单")))
    assert "H1:I1" in errors


def test_a_header_merged_over_an_empty_column_says_nothing(home):
    rows = _tasks_with_problem()
    rows[1][7] = None   # no problem typed: column H is empty under the merge
    path = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q3.xlsx"), rows, merges=["G1:H1"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert sub.outcome == "loaded"
    assert [f for f in sub.findings if "merged" in f.rule] == []


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_a_status_merged_over_two_task_rows_is_each_rows_status_and_names_the_range(home, fmt):
    rows = _tasks_with_problem()
    rows[2][4] = None   # E3 is covered by the merge E2:E3 (推进中)
    write = write_xlsx if fmt == "xlsx" else write_ods
    path = write(drop(home, "工信局", f"工信局任务进展2022Q3.{fmt}"), rows, merges=["E2:E3"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert sub.outcome == "loaded"
    assert db(home, "SELECT task_id, status FROM task_reports ORDER BY 1") == [("T1-1", "推进中"), ("T1-2", "推进中")]
    (w,) = [f for f in sub.findings if f.rule == "cell.merged"]
    assert (w.severity, w.cell) == ("warning", "E2")
    assert "E2:E3" in w.message and "推进中" in w.message and "第 2–3 行" in w.message


def test_a_service_team_merged_down_eight_enterprises_is_each_ones_team(home):
    from samples.workbooks import enterprise_form
    from tests.helpers import column_of
    from schemas.forms import ENTERPRISE
    names = [f"蛟河市第{i}机械制造有限公司" for i in "一二三四五六七八"]
    rows = enterprise_form([{"enterprise_name": n, "operating_status": "生产", "service_team": "工业" if i == 0 else None,
                             "rd_expense": 30 if i == 0 else 5}
                            for i, n in enumerate(names)])
    team, rd = column_of(ENTERPRISE, "service_team"), column_of(ENTERPRISE, "rd_expense")
    path = write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), rows, merges=[f"{team}2:{team}9", f"{rd}2:{rd}3"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert sub.outcome == "loaded"
    stored = db(home, "SELECT enterprise_name, service_team, rd_expense FROM enterprise_reports ORDER BY excel_row")
    # the team is each of the eight's; the R&D figure merged over rows 2-3 counts once, in row 2 (row 3's was
    # covered by the merge, so its 5 was never in the file); rows 4-9 keep their own 5
    assert stored == [(names[0], "工业", 30.0), (names[1], "工业", None)] + [(n, "工业", 5.0) for n in names[2:]]
    merged = {f.cell: f for f in sub.findings if f.rule == "cell.merged"}
    assert sorted(merged) == sorted([f"{rd}2", f"{team}2"])
    assert f"{team}2:{team}9" in merged[f"{team}2"].message and "第 2–9 行" in merged[f"{team}2"].message
    assert f"{rd}2:{rd}3" in merged[f"{rd}2"].message and "按空白处理" in merged[f"{rd}2"].message


def test_a_heading_row_merged_across_the_table_is_not_a_merge_over_data(home):
    rows = _tasks_with_problem()
    rows.insert(1, ["（一）分级培育，扶持企业做大做强"] + [None] * 12)
    path = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q3.xlsx"), rows, merges=["A2:M2"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    assert [f for f in sub.findings if f.rule == "cell.merged"] == []


def test_an_xls_whose_header_merge_hid_the_problems_column_says_the_column_was_not_read(home):
    """An .xls gives the reader no merges: the column under an empty header is at least told, cell by cell."""
    path = write_xls(drop(home, "工信局", "工信局任务进展2022Q3.xls"), _tasks_with_problem(), merges=["G1:H1"])
    (sub,) = intake(home, arrive(path, datetime(2022, 10, 8, 9, 0)))
    (w,) = [f for f in sub.findings if f.rule == "header.empty"]
    assert (w.severity, w.cell) == ("warning", "H1")
    assert "H2" in w.message and "未读取" in w.message
