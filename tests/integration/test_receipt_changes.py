"""A resubmission's receipt says what changed against the bureau's previous accepted version (issue #22 item 3), and
the warehouse view submission_changes says the same.

The scenario drops a workbook, changes it on disk with openpyxl (two cells, a company renamed under the same credit
code, a row removed, a row added), drops it again, and reads the receipt cell by cell against the changes made: every
expected value below is written by hand from those edits. Then the exactly-once rule still holds (the same bytes
under a new name are a duplicate), and a copy that only changes formatting says 与上次报送内容相同.
"""
from __future__ import annotations

import shutil

import openpyxl
from openpyxl.styles import Font, PatternFill

from schemas.forms import ENTERPRISE, TASK
from tests.conftest import drop
from tests.helpers import foreign_text, q, typed_texts
from samples.workbooks import write_xlsx

HEADER = [f.label for f in ENTERPRISE.fields]   # the template's headers, from column A
# enterprise_name, credit_code, industry, tech_center_level, patents, operating_status, srdi_level_text,
# planned_city_year, planned_province_year, responsible_leader, service_team, rd_expense, sales_revenue, tech_staff,
# total_staff, listing_status, remarks, srdi_level_year, tech_center_year
ROWS = [
    ["吉林松江药业有限公司", "91220281150838781C", "医药", "吉林市级", 12, "生产", "2022年已认定吉林市级",
     2022, 2024, "王威", "农业", 81.5, 3200, 30, 200, "未上市", None, None, None],
    ["蛟河兴隆环保科技有限公司", "91220281151321493H", "废弃资源综合利用", None, 3, "生产", None,
     2023, 2025, "张静", "工业", 40, 1800, 12, 90, "未上市", None, None, None],
    ["吉林省众诚食品有限公司", "91220281151804209J", "农副产品加工", None, 5, "半生产", None,
     2024, 2025, "路建国", "商贸", 10, 600, 6, 80, "未上市", None, None, None],
    ["蛟河市永新机械制造有限公司", "912202811522869178", "装备制造", "吉林省级", 20, "生产", "2021年已认定省级",
     2022, 2023, "任峰", "文旅", 50, 1200, 20, 230, "未上市", None, None, None],
]
ADDED = ["蛟河市庆岭食品有限公司", "91220281152769628E", "农副产品加工", None, 2, "生产", None,
         2024, 2026, "尤海阳", "能源", 8, 450, 4, 60, "未上市", None, None, None]

# what the receipt's change table must say, row by row: 序号, 工作表, 单元格, 表头, 企业或任务, 上次报送, 本次报送
EXPECTED_RECEIPT = [
    [1, "Sheet1", "E2", "专利数量（含软著）", "吉林松江药业有限公司", "12", "15"],
    [2, "Sheet1", "J3", "包保领导", "蛟河兴隆环保科技有限公司", "张静", "王媚春"],
    [3, "Sheet1", "A4", "企业名称", "吉林省众诚食品集团有限公司", "吉林省众诚食品有限公司", "吉林省众诚食品集团有限公司"],
    [4, "Sheet1", "第5行", "（整行新增）", "蛟河市庆岭食品有限公司", "（无此行）", "（新增此行）"],
    [5, "Sheet1", "—", "（整行删除）", "蛟河市永新机械制造有限公司", "（上次第5行）", "（已删除此行）"],
]
# the same changes in the warehouse: change_kind, row_key, row_label, sheet, excel_row, excel_col, header, old, new
EXPECTED_VIEW = [
    ("changed", "91220281150838781C", "吉林松江药业有限公司", "Sheet1", 2, "E", "专利数量（含软著）", "12", "15"),
    ("changed", "91220281151321493H", "蛟河兴隆环保科技有限公司", "Sheet1", 3, "J", "包保领导", "张静", "王媚春"),
    ("changed", "91220281151804209J", "吉林省众诚食品集团有限公司", "Sheet1", 4, "A", "企业名称",
     "吉林省众诚食品有限公司", "吉林省众诚食品集团有限公司"),
    ("added", "91220281152769628E", "蛟河市庆岭食品有限公司", "Sheet1", 5, None, None, None, None),
    ("removed", "912202811522869178", "蛟河市永新机械制造有限公司", "Sheet1", 5, None, None, None, None),
]
VIEW_SQL = ("SELECT change_kind, row_key, row_label, sheet, excel_row, excel_col, header, old_value, new_value "
            "FROM submission_changes WHERE new_submission_id = ? "
            "ORDER BY change_kind = 'removed', excel_row, excel_col")


def receipt_rows(home, bureau: str, marker: str) -> list[list]:
    (path,) = [p for p in (home.outbox / bureau).glob("*_回执_*.xlsx") if marker in p.name]
    return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


CHANGE_HEADER = ["序号", "工作表", "单元格", "表头", "企业或任务", "上次报送", "本次报送"]


def change_table_absent(rows: list[list]) -> bool:
    return not any(r[:7] == CHANGE_HEADER for r in rows)


def change_table(rows: list[list]) -> list[list]:
    """The rows under the change table's header, up to the first row that is not a numbered change."""
    start = next(i for i, r in enumerate(rows) if r[:7] == CHANGE_HEADER)
    out = []
    for r in rows[start + 1:]:
        if not isinstance(r[0], int):
            break
        out.append(r[:7])
    return out


def section_four(rows: list[list]) -> list[str]:
    start = next(i for i, r in enumerate(rows) if r[0] == "四、与上次报送相比的变动")
    return [r[0] for r in rows[start + 1:] if isinstance(r[0], str)]


def test_a_resubmission_receipt_lists_each_change_made_on_disk_and_the_view_says_the_same(home, run_ingest):
    write_xlsx(drop(home, "工信局", "企业库2022Q3.xlsx"), [HEADER, *ROWS])
    run_ingest(home)
    first = receipt_rows(home, "工信局", "企业库2022Q3_回执")
    assert section_four(first) == ["种子企业库：本单位本期该表种首次报送，无上次报送可比。"]
    assert change_table_absent(first)

    # the clerk corrects the file in Excel: two cells, a rename keeping the code, a row removed, a row added
    wb = openpyxl.load_workbook(next(home.archive.rglob("企业库2022Q3.xlsx")))
    ws = wb.active
    assert (ws["E2"].value, ws["J3"].value, ws["A4"].value, ws["A5"].value) == (
        12, "张静", "吉林省众诚食品有限公司", "蛟河市永新机械制造有限公司")
    ws["E2"] = 15
    ws["J3"] = "王媚春"
    ws["A4"] = "吉林省众诚食品集团有限公司"
    ws.delete_rows(5)
    ws.append(ADDED)
    wb.save(drop(home, "工信局", "企业库2022Q3（更正）.xlsx"))
    run_ingest(home)
    assert q(home, "SELECT submission_id, status, superseded_by FROM submissions ORDER BY 1") == [
        (1, "superseded", 2), (2, "loaded", None)]

    rows = receipt_rows(home, "工信局", "更正")
    (summary,) = section_four(rows)[:1]
    assert summary.startswith("种子企业库：与上次报送相比（上次为第 1 号报送《企业库2022Q3.xlsx》")
    assert summary.endswith("修改 3 个单元格，新增 1 行，删除 1 行，见下表。")
    assert change_table(rows) == EXPECTED_RECEIPT
    assert q(home, VIEW_SQL, [2]) == EXPECTED_VIEW
    assert q(home, "SELECT DISTINCT bureau, period, form, old_submission_id FROM submission_changes") == [
        ("工信局", "2022Q3", "enterprise", 1)]

    # exactly once: the same bytes under another name are a duplicate, nothing new to compare
    shutil.copyfile(next(home.archive.rglob("企业库2022Q3（更正）.xlsx")), drop(home, "工信局", "企业库2022Q3 再次.xlsx"))
    run_ingest(home)
    assert q(home, "SELECT submission_id, status, duplicate_of FROM submissions WHERE submission_id = 3") == [
        (3, "duplicate", 2)]
    again = " ".join(str(v) for r in receipt_rows(home, "工信局", "再次") for v in r if v is not None)
    assert "内容完全相同" in again and "四、与上次报送相比的变动" not in again

    # only formatting changed (a bold font, a fill, a column width): new bytes, the same content
    wb = openpyxl.load_workbook(next(home.archive.rglob("企业库2022Q3（更正）.xlsx")))
    ws = wb.active
    ws["A2"].font = Font(bold=True, color="FF0000")
    ws["E3"].fill = PatternFill("solid", fgColor="FFFF00")
    ws.column_dimensions["A"].width = 40
    wb.save(drop(home, "工信局", "企业库2022Q3（格式）.xlsx"))
    run_ingest(home)
    assert q(home, "SELECT submission_id, status FROM submissions WHERE submission_id >= 2 ORDER BY 1") == [
        (2, "superseded"), (3, "duplicate"), (4, "loaded")]
    rows = receipt_rows(home, "工信局", "格式")
    (line,) = section_four(rows)
    assert line.startswith("种子企业库：与上次报送内容相同（上次为第 2 号报送《企业库2022Q3（更正）.xlsx》")
    assert change_table_absent(rows)
    assert q(home, "SELECT count(*) FROM submission_changes WHERE new_submission_id = 4") == [(0,)]

    # Chinese only for the bureau (what it typed may be quoted back)
    receipts = sorted((home.outbox / "工信局").glob("*_回执_*.xlsx"))
    assert len(receipts) == 4
    assert foreign_text(receipts, typed=typed_texts(home.archive.rglob("*.xlsx"))) == []


def test_a_task_resubmission_names_the_task_and_shows_the_values_as_typed(home, run_ingest):
    header = [f.label for f in TASK.fields]
    # task_id, task_group, item_text, responsible_unit, status, completion_pct, progress, problems, next_steps,
    # bank_events, trained_persons, enterprises_served, remarks
    row = ["T3-1", "（三）强化服务，营造良好金融环境", "每季度开展一次银企对接活动", "人民银行", "推进中", 40,
           "本季度开展银企对接活动一次。", None, "继续开展。", 1, None, 5, None]
    write_xlsx(drop(home, "人民银行", "任务进展2022Q3.xlsx"), [header, row])
    run_ingest(home)
    wb = openpyxl.load_workbook(next(home.archive.rglob("任务进展2022Q3.xlsx")))
    ws = wb.active
    assert (ws["F2"].value, ws["H2"].value) == (40, None)
    ws["F2"] = "60%"                       # typed as a percentage: read as 60, shown as typed
    ws["H2"] = "贷款贴息资金不足"
    wb.save(drop(home, "人民银行", "任务进展2022Q3（二）.xlsx"))
    run_ingest(home)
    rows = receipt_rows(home, "人民银行", "（二）")
    assert section_four(rows)[0].endswith("修改 2 个单元格，见下表。")
    assert change_table(rows) == [
        [1, "Sheet1", "F2", "完成进度（%）", "T3-1 强化服务，营造良好金融环境", "40", "60%"],
        [2, "Sheet1", "H2", "需市政府协调解决的问题", "T3-1 强化服务，营造良好金融环境", "（空白）", "贷款贴息资金不足"],
    ]
    assert q(home, "SELECT row_key, field, old_value, new_value FROM submission_changes ORDER BY excel_col") == [
        ("T3-1", "completion_pct", "40", "60%"), ("T3-1", "problems", None, "贷款贴息资金不足")]


def test_a_long_change_list_is_cut_with_one_line_counting_the_rest(home, run_ingest, monkeypatch, tmp_path):
    """The same cap as the warnings (MAX_LISTED), here lowered to 2 of the scenario's 5 changes."""
    from tasks.bureau import receipt
    from tasks.bureau.outbox import write_feedback_text
    from warehouse.connection import connect

    write_xlsx(drop(home, "工信局", "企业库2022Q3.xlsx"), [HEADER, *ROWS])
    run_ingest(home)
    wb = openpyxl.load_workbook(next(home.archive.rglob("企业库2022Q3.xlsx")))
    ws = wb.active
    ws["E2"], ws["J3"], ws["A4"] = 15, "王媚春", "吉林省众诚食品集团有限公司"
    ws.delete_rows(5)
    ws.append(ADDED)
    wb.save(drop(home, "工信局", "企业库2022Q3（更正）.xlsx"))
    run_ingest(home)
    monkeypatch.setattr(receipt, "MAX_LISTED", 2)
    con = connect(home.writer_db, read_only=True)
    try:
        data = receipt.receipt_data(con, [2])
        text = write_feedback_text(con, home, [2])     # the text receipt, when the workbook cannot be built
    finally:
        con.close()
    (line,) = [t for t in text.read_text(encoding="utf-8-sig").splitlines() if t.startswith("种子企业库：")]
    assert line.startswith("种子企业库：与上次报送相比（上次为第 1 号报送《企业库2022Q3.xlsx》")
    assert line.endswith("修改 3 个单元格，新增 1 行，删除 1 行。")
    path = receipt.write_receipt(tmp_path / "回执.xlsx", data)
    rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
    assert change_table(rows) == EXPECTED_RECEIPT[:2]
    assert any(r[0] == "以上只列出前 2 处变动，另有 3 处变动未列出（共 5 处）；全部变动已记录在系统中备查。" for r in rows)
