"""What the clerk meant (issue #11): each rule on a workbook built on disk the way a hurried clerk makes it
(openpyxl, xlsxwriter, xlwt, CSV bytes as Excel and WPS write them), run through the ingest flow's story in this
process (flows/pipeline.py `ingest_inbox`, no Prefect server), and checked three ways: what the warehouse holds,
what the receipt (or error list) says, and what the next quarter's template carries.

Expected values are worked out by hand from the workbook each test writes, never read back from the code.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt

from samples.workbooks import arrive, credit_code, enterprise_form, task_form, write_xlsx
from tests.helpers import column_of, ingest_in_process
from schemas.findings import Finding
from schemas.forms import ENTERPRISE, TASK
from tasks.bureau import templates as tb
from tasks.bureau.templates import FIRST_DATA, read_prefill, template_name, write_all
from tests.conftest import copy_db, drop
from warehouse.connection import connect

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the ingest, in this process

_TEMPLATE: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def _warehouse_template(warehouse_template):
    _TEMPLATE["warehouse"] = warehouse_template


@dataclass
class Filed:
    """One dropped file as the ingest answered it: its outcome, the period it was read as, its findings as stored
    (validation_errors) and, for a duplicate, the submission it repeats (submissions.duplicate_of)."""
    outcome: str
    period: str | None
    findings: list[Finding]
    duplicate_of: int | None


def intake(home, *files: Path) -> list[Filed]:
    """The ingest as the flow runs it (flows/pipeline.py `ingest_inbox`, no Prefect server), each file's arrival its
    modification time (samples.workbooks.arrive); then each of `files` (in the inbox), in their order, as answered."""
    if not home.writer_db.exists():   # a new home: start from what prepare_warehouse leaves (built once per session)
        copy_db(_TEMPLATE["warehouse"], home.writer_db)
    summary = ingest_in_process(home, trust_mtime=True)
    assert not summary["held"] and not summary["deferred"], summary
    answered = {r["file"]: r for r in summary["results"]}
    out = []
    with connect(home.writer_db, read_only=True) as con:     # one connection for every file's two reads
        for p in files:
            r = answered[str(p.relative_to(home.inbox))]
            ids = [r["submission_ids"]]
            rows = con.execute("""SELECT severity, rule, message, fix, sheet, excel_row, excel_col, field, value
                                  FROM validation_errors WHERE submission_id IN (SELECT unnest(?)) ORDER BY ALL""",
                               ids).fetchall()
            (duplicate_of,) = con.execute("SELECT max(duplicate_of) FROM submissions "
                                          "WHERE submission_id IN (SELECT unnest(?))", ids).fetchone()
            out.append(Filed(r["outcome"], r["period"], [Finding(*row) for row in rows], duplicate_of))
    return out


def db(home, sql: str, params=None) -> list[tuple]:
    with connect(home.writer_db) as con:
        return con.execute(sql, params or []).fetchall()


def sheet_rows(path: Path) -> list[list]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [[c.value for c in r] for r in ws.iter_rows()]


def outbox_file(home, bureau: str, kind: str, name_part: str = "") -> Path:
    (path,) = [p for p in (home.outbox / bureau).glob(f"*_{kind}_*.xlsx") if name_part in p.name]
    return path


def text_of(rows: list[list]) -> str:
    return " ".join(str(v) for r in rows for v in r if v is not None)


def warnings_in(receipt_rows: list[list]) -> dict[str, str]:
    """The receipt's warnings: cell -> 问题说明 (序号, 工作表, 单元格, 表头, 填写内容, 问题说明, 修改建议)."""
    start = next(i for i, r in enumerate(receipt_rows) if r[0] and str(r[0]).startswith("三、警告"))
    return {str(r[2]): str(r[5]) for r in receipt_rows[start + 2:] if isinstance(r[0], int)}


def template(home, bureau: str, form: str, period: str) -> list[dict]:
    """The bureau's template for `period`, written as `srdi templates` writes it (write_all's steps for this one
    bureau and form: the other bureaus' twenty-odd templates are not written), read back: one dict per row."""
    data = read_prefill(home.writer_db, period)
    spec = ENTERPRISE if form == "enterprise" else TASK
    rows = tb.enterprise_rows(data, bureau) if form == "enterprise" else tb.task_rows(data, bureau)
    path = tb.write_template(home.outbox / bureau / template_name(bureau, form, period), bureau=bureau, period=period,
                             form=spec, rows=rows)
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = [spec.match(c.value) for c in ws[FIRST_DATA]]
    out = []
    for r in ws.iter_rows(min_row=FIRST_DATA + 1, values_only=True):
        row = {f.name: v for f, v in zip(header, r) if f is not None}
        if row.get(spec.row_key):
            out.append(row)
    return out


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def fill_template(path: Path, values: dict[str, dict[str, object]], out: Path) -> Path:
    """A clerk filling srdi's task template in Excel: the task's row, by its id in column A."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cols = {TASK.match(c.value).name: c.column for c in ws[FIRST_DATA] if TASK.match(c.value)}
    for row in ws.iter_rows(min_row=FIRST_DATA + 1):
        task_id = row[0].value
        for name, v in values.get(task_id, {}).items():
            ws.cell(row=row[0].row, column=cols[name], value=v)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def labels(form, *names: str) -> list[str]:
    return [form.field(n).label for n in names]


NAMES = ("蛟河市恒盛机械制造有限公司", "吉林鑫源食品有限公司", "蛟河市汇总科技有限公司")


# ---------------------------------------------------------------- 1. period conflict

def test_last_quarters_template_under_this_quarters_name_is_rejected_and_says_both_quarters(home):
    # 工信局's accepted 2022Q4 report: T1-1 推进中 at 40 %
    q4 = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q4.xlsx"),
                    task_form("工信局", {"T1-1": {"status": "推进中", "completion_pct": 40}}))
    (first,) = intake(home, arrive(q4, datetime(2023, 1, 5)))
    assert first.outcome == "loaded"
    # the clerk takes the 2022Q4 template, fills it with 2023Q1's progress and names the file for 2023Q1
    write_all(home, read_prefill(home.writer_db, "2022Q4"))
    tpl = home.outbox / "工信局" / template_name("工信局", "task", "2022Q4")
    filled = fill_template(tpl, {"T1-1": {"status": "已完成", "completion_pct": 100, "progress": "已全部完成。"}},
                           drop(home, "工信局", "工信局任务进展2023年一季度.xlsx"))
    again = filled.read_bytes()
    (sub,) = intake(home, arrive(filled, datetime(2023, 4, 6)))

    # warehouse: rejected under the name's quarter; the real 2022Q4 report is untouched
    assert sub.outcome == "rejected"
    assert db(home, "SELECT submission_id, period, status FROM submissions ORDER BY 1") == [
        (1, "2022Q4", "loaded"), (2, "2023Q1", "rejected")]
    assert db(home, "SELECT period, task_id, status, completion_pct FROM task_progress") == [("2022Q4", "T1-1", "推进中", 40.0)]
    (conflict,) = db(home, "SELECT message, fix FROM validation_errors WHERE rule = 'period.conflict'")
    assert "2023Q1" in conflict[0] and "2022Q4" in conflict[0] and "2023年第一季度" in conflict[0]
    assert "2023Q1" in conflict[1] and "模板" in conflict[1] and "文件名" in conflict[1]   # both ways out
    # what the bureau gets back: the error list says it, never 警告：无
    errors = text_of(sheet_rows(outbox_file(home, "工信局", "错误清单")))
    assert "2023Q1" in errors and "2022Q4" in errors and "退回" in errors
    # the next quarter's template carries the accepted 2022Q4 state, not the rejected file's
    t1 = by(template(home, "工信局", "task", "2023Q1"), "task_id")["T1-1"]
    assert (t1["status"], t1["completion_pct"]) == ("推进中", 40)

    # the same template saved without a quarter in its name is the template's quarter: a correction of 2022Q4
    plain = drop(home, "工信局", "工信局任务进展.xlsx")
    plain.write_bytes(again)
    (third,) = intake(home, arrive(plain, datetime(2023, 4, 7)))
    assert (third.outcome, third.period) == ("loaded", "2022Q4")
    assert db(home, "SELECT period, status, completion_pct FROM task_progress WHERE task_id = 'T1-1'") == [("2022Q4", "已完成", 100.0)]
    assert "已通过校验并入库" in text_of(sheet_rows(outbox_file(home, "工信局", "回执", "工信局任务进展_回执")))
    t1 = by(template(home, "工信局", "task", "2023Q1"), "task_id")["T1-1"]
    assert (t1["status"], t1["completion_pct"]) == ("已完成", 100)


# ---------------------------------------------------------------- 2. total rows

def _enterprise_with_totals(path: Path) -> Path:
    """An own enterprise workbook as Excel saves it: formulas with their cached values. Rows 2-3 enterprises,
    row 4 合计 (SUM), row 5 平均 (AVERAGE), row 6 no name but =C2+C3 … (a total without a label),
    row 7 an enterprise whose name merely contains 汇总."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("企业库")
    ws.write_row(0, 0, ["企业名称", "统一社会信用代码", "专利数量（含软著）", "经营状态", "研发投入（万元）", "销售收入（万元）", "职工总数"])
    ws.write_row(1, 0, [NAMES[0], credit_code(1), 3, "生产", 10, 200, 50])
    ws.write_row(2, 0, [NAMES[1], credit_code(2), 5, "生产", 20, 300, 60])
    ws.write(3, 0, "合  计")
    for col, letter, total, mean in ((2, "C", 8, 4), (4, "E", 30, 15), (5, "F", 500, 250), (6, "G", 110, 55)):
        ws.write_formula(3, col, f"=SUM({letter}2:{letter}3)", None, total)
        ws.write_formula(4, col, f"=AVERAGE({letter}2:{letter}3)", None, mean)
        ws.write_formula(5, col, f"={letter}2+{letter}3", None, total)
    ws.write(4, 0, "平均值")
    ws.write_row(6, 0, [NAMES[2], credit_code(3), 1, "生产", 2, 40, 12])
    wb.close()
    return path


def test_total_rows_are_skipped_with_a_warning_and_never_become_an_enterprise(home):
    path = _enterprise_with_totals(drop(home, "工信局", "工信局企业库2022Q2.xlsx"))
    (sub,) = intake(home, path)
    assert sub.outcome == "loaded"
    # warehouse: the three enterprises, no 合计, no 平均, no nameless row; not in the registry either
    assert db(home, "SELECT enterprise_name, patents, sales_revenue FROM enterprise_reports ORDER BY excel_row") == [
        (NAMES[0], 3, 200.0), (NAMES[1], 5, 300.0), (NAMES[2], 1, 40.0)]
    assert db(home, "SELECT count(*) FROM enterprise_registry WHERE enterprise_name IN ('合计', '平均值')") == [(0,)]
    assert db(home, "SELECT count(*) FROM enterprises WHERE enterprise_name LIKE '%计%' OR enterprise_name LIKE '平均%'") == [(0,)]
    totals = db(home, "SELECT excel_col || excel_row, value FROM validation_errors WHERE rule = 'row.total' ORDER BY excel_row")
    assert totals == [("A4", "合  计"), ("A5", "平均值"), ("C6", "=C2+C3")]
    # receipt: each total row named, at its row
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert "第 4 行" in w["A4"] and "合计" in w["A4"] and "第 5 行" in w["A5"] and "=C2+C3" in w["C6"]
    assert "已通过校验并入库，共 3 行" in text_of(sheet_rows(outbox_file(home, "工信局", "回执")))
    # next quarter's template: the enterprises, never a 合计 row
    names = [r["enterprise_name"] for r in template(home, "工信局", "enterprise", "2022Q3")]
    assert {NAMES[0], NAMES[1], NAMES[2]} <= set(names) and not [n for n in names if "计" in n or "平均" in n]


def test_a_total_row_in_a_task_form_saved_as_values_is_skipped_too(home):
    """.xls, the 合计 row's label left out and its formulas pasted as values: the figures sum the rows above."""
    rows = task_form("工信局", {"T1-1": {"enterprises_served": 3}, "T1-2": {"enterprises_served": 4}})
    served = [f.name for f in TASK.fields].index("enterprises_served")
    total = [None] * len(TASK.fields)
    total[served] = 7
    path = drop(home, "工信局", "工信局任务进展2022Q2.xls")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("任务进展")
    for r, row in enumerate([*rows, total]):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.save(str(path))
    (sub,) = intake(home, path)
    assert sub.outcome == "loaded"
    assert db(home, "SELECT task_id, enterprises_served FROM task_progress ORDER BY task_id") == [("T1-1", 3), ("T1-2", 4)]
    assert db(home, "SELECT excel_row FROM validation_errors WHERE rule = 'row.total'") == [(4,)]
    receipt = sheet_rows(outbox_file(home, "工信局", "回执"))
    assert any("第 4 行" in str(r[5]) and "合计" in str(r[5]) for r in receipt)
    assert set(by(template(home, "工信局", "task", "2022Q3"), "task_id")) >= {"T1-1", "T1-2"}


# ---------------------------------------------------------------- 3. partial reports

def test_a_left_out_column_is_not_reported_and_keeps_the_last_value(home):
    q2 = enterprise_form([
        {"enterprise_name": NAMES[0], "credit_code": credit_code(1), "patents": 12, "operating_status": "生产",
         "planned_city_year": 2023, "planned_province_year": 2024, "responsible_leader": "王威", "sales_revenue": 800},
        {"enterprise_name": NAMES[1], "credit_code": credit_code(2), "patents": 7, "operating_status": "生产",
         "planned_city_year": 2024, "planned_province_year": 2025, "responsible_leader": "张静", "sales_revenue": 300},
    ])
    intake(home, arrive(write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), q2), datetime(2022, 7, 5)))
    # Q3: an own workbook without the 拟培育 and 专利 columns; 王威 deleted from the first enterprise's cell
    q3 = [["企业名称", "统一社会信用代码", "经营状态", "包保领导", "销售收入（万元）"],
          [NAMES[0], credit_code(1), "生产", None, 1200],
          [NAMES[1], credit_code(2), "停产", "张静", 450]]
    (sub,) = intake(home, arrive(write_xlsx(drop(home, "工信局", "企业库2022Q3.xlsx"), q3), datetime(2022, 10, 9)))
    assert sub.outcome == "loaded"

    # warehouse: the state keeps what Q3 did not report, and takes what it did (a blank cell is blank)
    state = {r[0]: r[1:] for r in db(home, """SELECT enterprise_name, patents, planned_city_year, planned_province_year,
                                                     responsible_leader, operating_status, sales_revenue
                                              FROM enterprise_state_as_of('2022Q3') WHERE enterprise_name IN (?, ?)""", list(NAMES[:2]))}
    assert state == {NAMES[0]: (12, 2023, 2024, None, "生产", 1200.0), NAMES[1]: (7, 2024, 2025, "张静", "停产", 450.0)}
    # the history records the fields as not reported (and the raw Q3 row holds no value for them)
    (nr,) = db(home, "SELECT not_reported FROM enterprise_history WHERE enterprise_name = ? AND period = '2022Q3'", [NAMES[0]])
    assert {"patents", "planned_city_year", "planned_province_year"} <= set(nr[0]) and "responsible_leader" not in nr[0]
    assert db(home, "SELECT patents, responsible_leader FROM enterprise_history WHERE enterprise_name = ? ORDER BY period",
              [NAMES[0]]) == [(12, "王威"), (None, None)]
    # receipt: the columns not reported, and that nothing was emptied
    receipt = sheet_rows(outbox_file(home, "工信局", "回执", "2022Q3"))
    (loaded,) = [r for r in receipt if r[1] == "种子企业库" and r[3] == "Sheet1"]
    for label in labels(ENTERPRISE, "patents", "planned_city_year", "planned_province_year"):
        assert label in loaded[4]
    assert "包保领导" not in loaded[4] and "不会清空" in text_of(receipt)
    # next quarter's template carries the kept values; the emptied cell stays empty
    rows = by(template(home, "工信局", "enterprise", "2022Q4"), "enterprise_name")
    assert (rows[NAMES[0]]["patents"], rows[NAMES[0]]["planned_city_year"], rows[NAMES[0]]["planned_province_year"]) == (12, 2023, 2024)
    assert rows[NAMES[0]]["responsible_leader"] is None and rows[NAMES[1]]["responsible_leader"] == "张静"
    assert rows[NAMES[1]]["operating_status"] == "停产"


def test_a_task_form_without_the_completion_column_keeps_the_last_completion_in_the_template(home):
    intake(home, arrive(write_xlsx(drop(home, "人社局", "任务2022Q2.xlsx"),
                                   task_form("人社局", {"T4-2": {"status": "推进中", "completion_pct": 45}})), datetime(2022, 7, 5)))
    q3 = [["任务编号", "推进状态", "本期进展"], ["T4-2", "推进中", "继续推进。"]]
    (sub,) = intake(home, arrive(write_xlsx(drop(home, "人社局", "任务2022Q3.xlsx"), q3), datetime(2022, 10, 9)))
    assert sub.outcome == "loaded"
    assert db(home, "SELECT period, completion_pct, list_contains(not_reported, 'completion_pct') FROM task_progress ORDER BY period") == [
        ("2022Q2", 45.0, False), ("2022Q3", None, True)]
    receipt = sheet_rows(outbox_file(home, "人社局", "回执", "2022Q3"))
    (loaded,) = [r for r in receipt if r[1] == "任务进展"]
    assert "完成进度（%）" in loaded[4]
    t = by(template(home, "人社局", "task", "2022Q4"), "task_id")["T4-2"]
    assert (t["status"], t["completion_pct"]) == ("推进中", 45)


# ---------------------------------------------------------------- 4. percentages

def test_a_percent_formatted_cell_is_read_as_the_percentage_the_clerk_sees(home):
    rows = task_form("工信局", {"T1-1": {"completion_pct": 0.8}, "T1-2": {"status": "已完成", "completion_pct": 1},
                                "T2-1": {"completion_pct": 1}, "T2-2": {"completion_pct": "85%"},
                                "T2-3": {"completion_pct": 0.85}})
    path = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q2.xlsx"), rows)
    wb = openpyxl.load_workbook(path)
    pct = [f.name for f in TASK.fields].index("completion_pct") + 1        # column F
    wb.active.cell(row=2, column=pct).number_format = "0%"                 # 80% typed: Excel keeps 0.8
    wb.active.cell(row=3, column=pct).number_format = "0.0%"               # 100% typed: Excel keeps 1
    wb.save(path)
    (sub,) = intake(home, path)
    assert sub.outcome == "loaded"
    got = db(home, """SELECT p.task_id, p.completion_pct, t.raw_text, t.understood_as FROM task_progress p
                      JOIN cell_texts t ON t.submission_id = p.submission_id AND t.excel_row = p.excel_row
                      AND t.field = 'completion_pct' ORDER BY p.excel_row""")
    assert got == [("T1-1", 80.0, "80%", None), ("T1-2", 100.0, "100%", None), ("T2-1", 1.0, "1", None),
                   ("T2-2", 85.0, "85%", None), ("T2-3", 85.0, "0.85", "85%")]
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert w["F6"] == "“0.85”已按“85%”理解" and not [c for c in w if c.startswith("F") and c != "F6"]
    t = by(template(home, "工信局", "task", "2022Q3"), "task_id")
    assert [t[k]["completion_pct"] for k in ("T1-1", "T1-2", "T2-1", "T2-2", "T2-3")] == [80, 100, 1, 85, 85]


def test_an_xls_column_of_fractions_is_read_as_percentages_with_a_warning_each(home):
    path = drop(home, "人社局", "人社局任务进展2022Q2.xls")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("任务进展")
    pct = xlwt.easyxf(num_format_str="0%")
    for c, h in enumerate(["任务编号", "推进状态", "完成进度（%）", "本期进展"]):
        ws.write(0, c, h)
    for r, (task, share) in enumerate((("T4-2", 0.5), ("T4-3", 1)), start=1):
        ws.write(r, 0, task)
        ws.write(r, 1, "推进中")
        ws.write(r, 2, share, pct)
        ws.write(r, 3, "推进。")
    wb.save(str(path))
    (sub,) = intake(home, path)
    assert sub.outcome == "loaded"
    assert db(home, "SELECT task_id, completion_pct FROM task_progress ORDER BY task_id") == [("T4-2", 50.0), ("T4-3", 100.0)]
    w = warnings_in(sheet_rows(outbox_file(home, "人社局", "回执")))
    assert w["C2"] == "“0.5”已按“50%”理解" and w["C3"].startswith("“1”已按“100%”理解")
    t = by(template(home, "人社局", "task", "2022Q3"), "task_id")
    assert (t["T4-2"]["completion_pct"], t["T4-3"]["completion_pct"]) == (50, 100)


# ---------------------------------------------------------------- 5. CSV and text exports

def _records(name: str, code: str) -> list[list[str]]:
    return [["企业名称", "统一社会信用代码", "专利数量（含软著）", "经营状态", "销售收入（万元）", "备注"],
            [name, code, "4", "生产", "1,200", "第一行，含逗号\n第二行"]]


def _excel_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)     # Excel: CRLF, quotes around commas and breaks
    return buf.getvalue()


def test_csv_and_text_exports_as_excel_and_wps_save_them_load(home):
    utf8 = drop(home, "工信局", "企业库2022Q2.csv")
    utf8.write_bytes(b"\xef\xbb\xbf" + _excel_csv(_records(NAMES[0], credit_code(1))).encode("utf-8"))   # Excel: CSV UTF-8
    gbk = drop(home, "农业农村局", "企业库2022Q2.csv")
    gbk.write_bytes(_excel_csv(_records(NAMES[1], credit_code(2))).encode("gb18030"))                  # WPS: CSV (GBK)
    utf16 = drop(home, "住建局", "企业库2022Q2.txt")                                                    # Unicode text
    text = "\r\n".join("\t".join(f'"{v}"' if "\n" in v else v for v in r) for r in _records(NAMES[2], credit_code(3))) + "\r\n"
    utf16.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    subs = intake(home, utf8, gbk, utf16)
    assert [s.outcome for s in subs] == ["loaded"] * 3, [s.findings for s in subs]
    assert db(home, "SELECT bureau, enterprise_name, patents, sales_revenue, remarks FROM enterprise_reports ORDER BY 1") == [
        ("住建局", NAMES[2], 4, 1200.0, "第一行，含逗号\n第二行"), ("农业农村局", NAMES[1], 4, 1200.0, "第一行，含逗号\n第二行"),
        ("工信局", NAMES[0], 4, 1200.0, "第一行，含逗号\n第二行")]
    assert db(home, "SELECT DISTINCT raw_text FROM cell_texts WHERE field = 'sales_revenue'") == [("1,200",)]
    for bureau in ("工信局", "农业农村局", "住建局"):
        assert "已通过校验并入库，共 1 行" in text_of(sheet_rows(outbox_file(home, bureau, "回执")))
    assert by(template(home, "住建局", "enterprise", "2022Q3"), "enterprise_name")[NAMES[2]]["patents"] == 4


def test_a_text_file_that_still_cannot_be_read_says_why(home):
    broken = drop(home, "工信局", "企业库2022Q2.csv")
    broken.write_bytes(_excel_csv([["企业名称", "备注"], [NAMES[0], "长" * 200_000]]).encode("utf-8"))   # a field csv refuses
    (sub,) = intake(home, broken)
    assert sub.outcome == "rejected"
    ((rule, message, fix),) = db(home, "SELECT rule, message, fix FROM validation_errors")
    assert rule.startswith("file.") and "Error" not in message and "CSV" in message and "另存为" in fix
    assert "CSV" in text_of(sheet_rows(outbox_file(home, "工信局", "错误清单")))
    assert NAMES[0] not in [r["enterprise_name"] for r in template(home, "工信局", "enterprise", "2022Q3")]


# ---------------------------------------------------------------- 6. placeholders and units

def test_placeholders_are_empty_and_units_are_read_against_the_column(home):
    tasks = task_form("工信局", {
        "T1-1": {"problems": "无", "enterprises_served": "/"},
        "T1-2": {"problems": "暂无", "enterprises_served": "—"},
        "T2-1": {"problems": "/", "enterprises_served": "无"},
        "T2-2": {"problems": "—", "enterprises_served": "5户"},
        "T2-3": {"problems": "企业智能化改造资金压力较大，需协调争取上级技改资金。", "enterprises_served": "3家"},
        "T3-1": {"problems": "无问题。", "bank_events": "2次", "enterprises_served": "-"},
    })
    ent = enterprise_form([{"enterprise_name": NAMES[0], "credit_code": credit_code(1), "patents": "3项",
                            "operating_status": "生产", "rd_expense": "45万", "sales_revenue": "1200万元",
                            "tech_staff": "15人", "total_staff": "/"}])
    bad = enterprise_form([{"enterprise_name": NAMES[1], "credit_code": credit_code(2), "operating_status": "生产",
                            "sales_revenue": "1200000元"}])
    t, e, b = (write_xlsx(drop(home, "工信局", n), rows) for n, rows in
               (("任务进展2022Q2.xlsx", tasks), ("企业库2022Q2.xlsx", ent), ("企业库2022Q2（补）.xlsx", bad)))
    subs = intake(home, t, e, b)
    assert [s.outcome for s in subs] == ["loaded", "loaded", "rejected"]
    # warehouse: no placeholder is a problem for the city government; no placeholder is an error
    assert db(home, "SELECT task_id, problems, enterprises_served, bank_events FROM task_progress ORDER BY task_id") == [
        ("T1-1", None, None, None), ("T1-2", None, None, None), ("T2-1", None, None, None), ("T2-2", None, 5, None),
        ("T2-3", "企业智能化改造资金压力较大，需协调争取上级技改资金。", 3, None), ("T3-1", None, None, 2)]
    assert db(home, "SELECT patents, rd_expense, sales_revenue, tech_staff, total_staff FROM enterprise_reports") == [
        (3, 45.0, 1200.0, 15, None)]
    # receipts: the task form has no warning at all; the enterprise form says how 45万 was read
    assert "无警告" in text_of(sheet_rows(outbox_file(home, "工信局", "回执", "任务进展")))
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执", "企业库2022Q2_")))
    assert list(w.values()) == ["“45万”已按“45万元”理解"]
    # the contradicting unit: an error that says how to convert
    ((message, fix),) = db(home, "SELECT message, fix FROM validation_errors WHERE rule = 'parse.unit'")
    assert message == "“1200000元”的单位“元”与本列单位“万元”不符" and "120" in fix and "万元" in fix
    assert "1200000元" in text_of(sheet_rows(outbox_file(home, "工信局", "错误清单")))
    # the template of the same quarter (a correction form) carries the figures as read; no 无 comes back
    rows = by(template(home, "工信局", "enterprise", "2022Q2"), "enterprise_name")
    assert (rows[NAMES[0]]["rd_expense"], rows[NAMES[0]]["sales_revenue"], rows[NAMES[0]]["tech_staff"]) == (45, 1200, 15)
    assert NAMES[1] not in rows
    tasks_tpl = by(template(home, "工信局", "task", "2022Q2"), "task_id")
    assert [tasks_tpl[k]["problems"] for k in ("T1-1", "T1-2", "T2-1", "T2-2", "T3-1")] == [None] * 5


# ---------------------------------------------------------------- 7. dates in year columns

def test_a_date_in_a_year_column_gives_its_year_and_errors_show_what_the_clerk_sees(home):
    path = write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_form([
        {"enterprise_name": NAMES[0], "credit_code": credit_code(1), "operating_status": "生产",
         "planned_city_year": date(2023, 5, 1), "planned_province_year": 2024}]))
    wb = openpyxl.load_workbook(path)
    city, prov = ([f.name for f in ENTERPRISE.fields].index(n) + 1 for n in ("planned_city_year", "planned_province_year"))
    wb.active.cell(row=2, column=city).number_format = "yyyy/m/d"
    wb.active.cell(row=2, column=prov).number_format = "yyyy/m/d"     # 2024 typed into a date cell: Excel shows 1905/7/16
    wb.save(path)
    bad = write_xlsx(drop(home, "工信局", "企业库2022Q2（二）.xlsx"), enterprise_form([
        {"enterprise_name": NAMES[1], "credit_code": credit_code(2), "operating_status": "生产",
         "planned_city_year": date(2040, 1, 1)}]))
    subs = intake(home, path, bad)
    assert [s.outcome for s in subs] == ["loaded", "rejected"]
    assert db(home, "SELECT planned_city_year, planned_province_year FROM enterprise_reports") == [(2023, 2024)]
    assert db(home, "SELECT field, raw_text, understood_as FROM cell_texts WHERE field LIKE 'planned%' ORDER BY field") == [
        ("planned_city_year", "2023/5/1", "2023年"), ("planned_province_year", "1905/7/16", "2024年")]
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert w["H2"] == "日期“2023/5/1”已按“2023年”理解"
    assert "1905/7/16" in w["I2"] and "2024年" in w["I2"]
    ((message, value),) = db(home, "SELECT message, value FROM validation_errors WHERE rule = 'range.year'")
    assert message == "年份“2040/1/1”不合理" and value == "2040/1/1"
    assert "00:00:00" not in text_of(sheet_rows(outbox_file(home, "工信局", "错误清单")))
    row = by(template(home, "工信局", "enterprise", "2022Q3"), "enterprise_name")[NAMES[0]]
    assert (row["planned_city_year"], row["planned_province_year"]) == (2023, 2024)


# ---------------------------------------------------------------- 8. headers by meaning

def test_a_longer_header_is_taken_by_its_meaning_and_an_unknown_one_is_named_by_its_letter(home):
    rows = [["任务编号", "推进状态", "完成进度（%）", "本期工作进展情况", "需要市政府协调解决的主要问题", "联系电话"],
            ["T3-1", "推进中", 60, "组织银企对接会1次。", "企业缺少抵押物。", "0432-1234567"]]
    (sub,) = intake(home, write_xlsx(drop(home, "人民银行", "人民银行任务进展2022Q2.xlsx"), rows))
    assert sub.outcome == "loaded"
    assert db(home, "SELECT progress, problems FROM task_progress") == [("组织银企对接会1次。", "企业缺少抵押物。")]
    assert db(home, "SELECT field, excel_col, header FROM submission_columns WHERE field IN ('progress', 'problems') ORDER BY 2") == [
        ("progress", "D", "本期工作进展情况"), ("problems", "E", "需要市政府协调解决的主要问题")]
    w = warnings_in(sheet_rows(outbox_file(home, "人民银行", "回执")))
    assert w == {"D1": "D 列表头“本期工作进展情况”已按“本期进展”读取",
                 "E1": "E 列表头“需要市政府协调解决的主要问题”已按“需市政府协调解决的问题”读取",
                 "F1": "F 列“联系电话”不是本表的栏目，该列未读取"}
    t = by(template(home, "人民银行", "task", "2022Q2"), "task_id")["T3-1"]
    assert (t["progress"], t["problems"]) == ("组织银企对接会1次。", "企业缺少抵押物。")
    assert by(template(home, "人民银行", "task", "2022Q3"), "task_id")["T3-1"]["completion_pct"] == 60


# ---------------------------------------------------------------- 9. srdi's own sheets

def test_a_corrected_annotated_copy_loads_without_a_word_about_srdis_own_sheets(home):
    write_all(home, read_prefill(home.writer_db, "2022Q2"))
    tpl = home.outbox / "财政局" / template_name("财政局", "task", "2022Q2")
    progress = {t: {"progress": f"{t}按计划推进。"} for t in ("T1-2", "T2-1", "T2-2")}
    bad = fill_template(tpl, {**progress, "T2-1": {"status": "差不多", "progress": "推进。"}},
                        drop(home, "财政局", "财政局任务进展2022Q2.xlsx"))
    (first,) = intake(home, bad)
    assert first.outcome == "rejected"
    annotated = outbox_file(home, "财政局", "批注版")
    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames[0] == "校验结果" and wb["_srdi_meta"].sheet_state == "veryHidden"
    ws = wb[wb.sheetnames[1]]
    status = next(c.column for c in ws[FIRST_DATA] if TASK.match(c.value) is TASK.field("status"))
    row = next(r[0].row for r in ws.iter_rows(min_row=FIRST_DATA + 1) if r[0].value == "T2-1")
    ws.cell(row=row, column=status, value="推进中")       # the clerk fixes the marked cell and saves the copy
    fixed = drop(home, "财政局", "财政局任务进展2022Q2（更正）.xlsx")
    wb.save(fixed)
    (second,) = intake(home, fixed)
    assert second.outcome == "loaded" and second.findings == []
    assert db(home, "SELECT task_id, status FROM task_progress ORDER BY 1") == [
        ("T1-2", "未启动"), ("T2-1", "推进中"), ("T2-2", "未启动")]
    assert db(home, "SELECT count(*) FROM validation_errors WHERE submission_id = 2") == [(0,)]
    assert "无警告" in text_of(sheet_rows(outbox_file(home, "财政局", "回执")))
    assert by(template(home, "财政局", "task", "2022Q3"), "task_id")["T2-1"]["status"] == "推进中"


def test_srdis_own_sheet_names_are_the_annotated_copys():
    from tasks.bureau import annotated_copy
    from tasks.intake.read import META_SHEET, OWN_SHEETS, SUMMARY_SHEET
    assert set(OWN_SHEETS) == {annotated_copy.SUMMARY_SHEET, META_SHEET}
    # one definition: the annotated copy takes the name from the reader, never spells it again
    source = (ROOT / "tasks" / "bureau" / "annotated_copy.py").read_text(encoding="utf-8")
    assert '"校验结果"' not in source and not re.search(r"^SUMMARY_SHEET\s*=", source, re.M)
    assert annotated_copy.SUMMARY_SHEET is SUMMARY_SHEET


# ---------------------------------------------------------------- 10. what was typed is kept

def _lineage(home, name: str, params: dict[str, str]) -> list[dict]:
    """The saved query `name` (docs/queries/), its parameters bound as `srdi query --saved name --param …` binds them."""
    from warehouse.query_text import bind, saved
    q = saved(name)
    with connect(home.writer_db) as con:
        cur = con.execute(q.sql, bind(q, params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_what_was_typed_is_kept_and_every_reading_that_changes_it_is_said(home):
    typed = "组织对接会：签约3项，\n授信2600万元。"
    tasks = task_form("工信局", {"T1-1": {"status": "完成", "completion_pct": 100, "progress": f"  {typed} "},
                                 "T1-2": {"status": "进行中", "completion_pct": 50}})
    ent = enterprise_form([{"enterprise_name": NAMES[0], "credit_code": credit_code(1), "operating_status": "半停产",
                            "rd_expense": "1,500"}])
    t, e = (write_xlsx(drop(home, "工信局", n), rows) for n, rows in (("任务2022Q2.xlsx", tasks), ("企业2022Q2.xlsx", ent)))
    assert [s.outcome for s in intake(home, t, e)] == ["loaded", "loaded"]
    # free text as typed, only trimmed: the full-width ： and ， and the line break stay
    assert db(home, "SELECT progress FROM task_progress WHERE task_id = 'T1-1'") == [(typed,)]
    assert db(home, "SELECT status FROM task_progress ORDER BY task_id") == [("已完成",), ("推进中",)]
    assert db(home, "SELECT operating_status, rd_expense FROM enterprise_reports") == [("半生产", 1500.0)]
    # the lineage queries show both: the value and the text typed
    hit = _lineage(home, "lineage_task_figure", {"bureau": "工信局", "period": "2022Q2", "task_id": "T1-1",
                                                 "field": "status"})
    assert [(h["数值"], h["填写原文"], h["理解为"], h["单元格"]) for h in hit] == [("已完成", "完成", "已完成", "E2")]
    hit = _lineage(home, "lineage_enterprise_figure", {"enterprise_name": NAMES[0], "period": "2022Q2",
                                                       "field": "rd_expense"})
    assert [(h["数值"], h["填写原文"], h["报送情况"]) for h in hit] == [("1500.0", "1,500", "已填写")]
    hit = _lineage(home, "lineage_enterprise_figure", {"enterprise_name": NAMES[0], "period": "2022Q2",
                                                       "field": "listing_status"})
    assert [(h["数值"], h["填写原文"], h["报送情况"]) for h in hit] == [(None, None, "空白")]
    # receipts list each reading that changed what the cell says, at its cell
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执", "任务2022Q2")))
    assert w == {"E2": "“完成”已按“已完成”理解", "E3": "“进行中”已按“推进中”理解"}
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执", "企业2022Q2")))
    assert w == {"F2": "“半停产”已按“半生产”理解"}
    # the next quarter's template: the listed values
    t = by(template(home, "工信局", "task", "2022Q3"), "task_id")
    assert (t["T1-1"]["status"], t["T1-2"]["status"]) == ("已完成", "推进中")
    assert by(template(home, "工信局", "enterprise", "2022Q3"), "enterprise_name")[NAMES[0]]["operating_status"] == "半生产"


TYPED = "吉林某某有限公司（新）"       # issue 19 finding 10: full-width brackets, as Chinese enterprise names are written
ASCII = "吉林某某有限公司(新)"        # the same name typed with ASCII brackets


def test_a_name_is_stored_and_shown_as_typed_and_matched_by_its_key(home):
    """A name typed with full-width brackets is stored, listed and prefilled with them; the same enterprise typed
    with ASCII brackets in a later report is still one enterprise, under the latest typed form; choice values and
    numbers typed full-width still read (docs/rollups.md rule 7a)."""
    code = credit_code(31)
    q3 = enterprise_form([{"enterprise_name": f" {TYPED} ", "credit_code": code, "operating_status": "生　产",
                           "patents": "１２", "responsible_leader": "王　威"}])
    (sub,) = intake(home, arrive(write_xlsx(drop(home, "工信局", "企业库2022Q3.xlsx"), q3), datetime(2022, 10, 9)))
    assert sub.outcome == "loaded"
    # stored as typed (trimmed; the ideographic space inside 王　威 is a layout artefact), keyed by NFKC
    assert db(home, "SELECT enterprise_name, name_key, operating_status, patents, responsible_leader "
                    "FROM enterprise_reports") == [(TYPED, ASCII, "生产", 12, "王威")]
    assert db(home, "SELECT name_key FROM enterprise_registry WHERE enterprise_name = ?", [TYPED]) == [(ASCII,)]
    assert db(home, "SELECT enterprise_name, former_names FROM enterprises WHERE credit_code = ?", [code]) == [(TYPED, [])]
    # the next quarter's template prefills the name as typed
    rows = by(template(home, "工信局", "enterprise", "2022Q4"), "enterprise_name")
    assert TYPED in rows and ASCII not in rows and rows[TYPED]["credit_code"] == code

    # 2022Q4: 工信局 types the ASCII form; 商务局 the full-width one, without a code: one enterprise, no conflict
    q4 = enterprise_form([{"enterprise_name": ASCII, "credit_code": code, "operating_status": "生产"}])
    other = enterprise_form([{"enterprise_name": TYPED, "operating_status": "生产"}])
    subs = intake(home, arrive(write_xlsx(drop(home, "商务局", "企业库2022Q4.xlsx"), other), datetime(2023, 1, 5)),
                  arrive(write_xlsx(drop(home, "工信局", "企业库2022Q4.xlsx"), q4), datetime(2023, 1, 6)))
    assert [s.outcome for s in subs] == ["loaded", "loaded"]
    # one identity (the code), under the name of the latest accepted report (工信局's, received last), as it typed
    # it; the other way of typing the same name is no former name
    assert db(home, "SELECT enterprise_name, credit_code, former_names FROM enterprises "
                    "WHERE enterprise_name IN (?, ?)", [TYPED, ASCII]) == [(ASCII, code, [])]
    assert db(home, "SELECT DISTINCT identity_key, current_name FROM enterprise_names WHERE name_key = ?", [ASCII]) == [
        (code, ASCII)]
    assert db(home, "SELECT period, enterprise_name, reported_name FROM enterprise_history WHERE identity_key = ? "
                    "ORDER BY period", [code]) == [("2022Q3", ASCII, TYPED), ("2022Q4", ASCII, ASCII)]


def test_one_name_typed_twice_with_different_brackets_in_one_file_is_a_duplicate(home):
    rows = enterprise_form([{"enterprise_name": TYPED, "credit_code": credit_code(31), "operating_status": "生产"},
                            {"enterprise_name": ASCII, "credit_code": credit_code(32), "operating_status": "生产"}])
    (sub,) = intake(home, write_xlsx(drop(home, "工信局", "企业库2022Q3.xlsx"), rows))
    assert sub.outcome == "rejected"
    found = db(home, "SELECT rule, excel_row, value FROM validation_errors WHERE rule LIKE 'identity.%' "
                     "OR rule LIKE 'duplicate.%' ORDER BY rule, excel_row")
    assert ("identity.name_two_codes", 2, credit_code(31)) in found and ("identity.name_two_codes", 3, credit_code(32)) in found


# ---------------------------------------------------------------- #10 item 8: control characters, lengths

def test_control_and_bidi_characters_are_removed_with_a_warning_and_overlong_cells_are_errors(home):
    spoofed = "吉林\u202e司公限有\u202c恒盛\x07机械有限公司"     # a bell character only .xls can hold
    ok = drop(home, "工信局", "企业库2022Q2.xls")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate(enterprise_form([{"enterprise_name": spoofed, "credit_code": credit_code(1),
                                              "operating_status": "生产"}])):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.save(str(ok))
    long_name = write_xlsx(drop(home, "工信局", "企业库2022Q2（二）.xlsx"), enterprise_form([
        {"enterprise_name": "长" * 201, "credit_code": credit_code(2), "operating_status": "生产"}]))
    long_text = write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"),
                           task_form("人民银行", {"T3-1": {"progress": "进" * 4001}}))
    subs = intake(home, ok, long_name, long_text)
    assert [s.outcome for s in subs] == ["loaded", "rejected", "rejected"]
    clean = "吉林司公限有恒盛机械有限公司"
    assert db(home, "SELECT enterprise_name FROM enterprise_reports") == [(clean,)]
    assert db(home, "SELECT raw_text FROM cell_texts WHERE field = 'enterprise_name'") == [(clean,)]
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert set(w) == {"A2"} and "U+202E" in w["A2"] and "U+202C" in w["A2"] and "U+0007" in w["A2"]
    too_long = db(home, "SELECT excel_col || excel_row, message FROM validation_errors WHERE rule = 'cell.too_long' ORDER BY 2")
    assert too_long == [("A2", "内容过长（201 字，本列最多 200 字）"), ("G2", "内容过长（4001 字，本列最多 4000 字）")]
    assert by(template(home, "工信局", "enterprise", "2022Q3"), "enterprise_name").get(clean) is not None


# the README's table is the finding catalogue's: tests/unit/test_finding_catalogue.py

# ---------------------------------------------------------------- the demo's faulty workbook

def test_the_demos_faulty_workbook_shows_the_period_conflict_and_a_total_row(home):
    from samples.share import build_sample_share
    (faulty,) = [p for p in build_sample_share(home.inbox) if p.parent.name == "商务局"]
    (sub,) = intake(home, faulty)
    assert sub.outcome == "rejected" and sub.period == "2022Q2"
    rules = {f.rule: f for f in sub.findings}
    assert "2022Q1" in rules["period.conflict"].message and "2022Q2" in rules["period.conflict"].message
    assert (rules["row.total"].cell, rules["row.total"].value) == ("A11", "合计")
    listed = text_of(sheet_rows(outbox_file(home, "商务局", "错误清单")))
    assert "2022Q1" in listed and "第 11 行“合计”" in listed


# ---------------------------------------------------------------- #14: recognition years and figures on other tasks

TIANXIANG, SONGJIANG, KAIPU, HONGYUAN, TIANZHENG = (
    "蛟河市天翔炭业有限公司", "吉林市松江塑料管道设备有限责任公司", "吉林开普科立辉动力有限公司", "吉林鸿源绿洲环保科技有限公司",
    "吉林添正生物科技股份有限公司")


def _section(home, kind: str, period: str, table: str):
    """A rollup section as the flow computes it (its compute-sections step) on the home."""
    from schemas.periods import RollupPeriod
    from schemas.rollup_config import load
    from tasks.rollup.compute import compute_sections
    return compute_sections.fn(home, RollupPeriod.of(kind, period, as_of=date(2030, 1, 1)), load())[table]


def _rewards(home, year: str) -> dict:
    """The annual rollup's rewards ledger."""
    frame = _section(home, "annual", year, "rewards")
    return {(r["enterprise_name"], r["category"], r["level"]): r for r in frame.iter_rows(named=True)}


def _recognitions_2022q4(home) -> Path:
    """工信局's 2022Q4 enterprise workbook with the recognition-year columns (Annex 1: 天翔 no centre, 松江 and 开普
    seeds with 吉林市级 centres, 鸿源 no centre):
      row 2  天翔: 技术中心 吉林省级, 技术中心认定年份 2022;
      row 3  恒盛 (new): 技术中心 吉林省级, 技术中心认定年份 2022;
      row 4  鑫源 (new): 技术中心 国家级, 技术中心认定年份 2019;
      row 5  松江: 认定级别 2022年已认定吉林市级, 认定年份 2021 (the two disagree);
      row 6  开普: 认定级别 已认定吉林市级, 认定年份 typed as the date 2022/11/20;
      row 7  鸿源: 技术中心认定年份 2022 but no 技术中心."""
    common = {"operating_status": "生产", "service_team": "工业"}
    path = write_xlsx(drop(home, "工信局", "工信局企业库2022年四季度.xlsx"), enterprise_form([
        {"enterprise_name": TIANXIANG, "tech_center_level": "吉林省级", "tech_center_year": 2022,
         "srdi_level_text": "已纳入吉林市培育库", **common},
        {"enterprise_name": NAMES[0], "tech_center_level": "吉林省级", "tech_center_year": 2022, **common},
        {"enterprise_name": NAMES[1], "tech_center_level": "国家级", "tech_center_year": 2019, **common},
        {"enterprise_name": SONGJIANG, "tech_center_level": "吉林市级", "srdi_level_text": "2022年已认定吉林市级",
         "srdi_level_year": 2021, **common},
        {"enterprise_name": KAIPU, "tech_center_level": "吉林市级", "srdi_level_text": "已认定吉林市级",
         "srdi_level_year": date(2022, 11, 20), **common},
        {"enterprise_name": HONGYUAN, "tech_center_year": 2022, "srdi_level_text": "已纳入吉林市培育库", **common},
    ]))
    wb = openpyxl.load_workbook(path)
    year_col = [f.name for f in ENTERPRISE.fields].index("srdi_level_year") + 1
    wb.active.cell(row=6, column=year_col).number_format = "yyyy/m/d"
    wb.save(path)
    return arrive(path, datetime(2023, 1, 6))


def test_recognition_years_reach_the_rewards_and_the_next_template(home):
    (sub,) = intake(home, _recognitions_2022q4(home))
    assert sub.outcome == "loaded"

    # warehouse: each recognition with its year; the text's year where the two disagree; a year dating nothing dropped
    got = db(home, """SELECT enterprise_name, tech_center_level, tech_center_year, srdi_level, srdi_level_year
                      FROM enterprise_reports ORDER BY excel_row""")
    assert got == [(TIANXIANG, "吉林省级", 2022, "种子", None), (NAMES[0], "吉林省级", 2022, "种子", None),
                   (NAMES[1], "国家级", 2019, "种子", None), (SONGJIANG, "吉林市级", None, "吉林市级", 2022),
                   (KAIPU, "吉林市级", None, "吉林市级", 2022), (HONGYUAN, None, None, "种子", None)]
    assert db(home, "SELECT raw_text, understood_as FROM cell_texts WHERE field = 'srdi_level_year' ORDER BY excel_row") == [
        ("2021", None), ("2022/11/20", "2022年11月20日")]   # issue 19: a recognition date keeps its month and day

    # receipt: the three readings, at their cells (认定年份 is column R, 技术中心认定年份 column S of this workbook)
    year, centre_year = (column_of(ENTERPRISE, n) for n in ("srdi_level_year", "tech_center_year"))
    assert (year, centre_year) == ("R", "S")
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert w == {"R5": "认定年份“2021”与认定级别“2022年已认定吉林市级”中写明的2022年不一致，已按2022年（认定级别中的年份）理解",
                 "R6": "“2022/11/20”已按“2022年11月20日”理解",
                 "S7": "填写了技术中心认定年份“2022”，但技术中心级别为空，该年份未使用"}

    # the annual rollup pays what 二、（一）（二） say (docs/rollups.md rule 23):
    ledger = _rewards(home, "2022")
    paid = {k: (r["status"], r["amount_yuan"]) for k, r in ledger.items()}
    assert paid == {
        # no centre in Annex 1 (the plan's day), 吉林省级 in 2022: recognised after 2022-04-28 → 100,000
        (TIANXIANG, "tech_center", "吉林省级"): ("accrued", 100_000),
        # new, a bare 2022: may be January–April, before the plan → 待核实, nothing paid yet
        (NAMES[0], "tech_center", "吉林省级"): ("pending", 0),
        # the text's 2022, after Annex 1's seed → 50,000 (the column's 2021 would contradict Annex 1)
        (SONGJIANG, "srdi", "吉林市级"): ("accrued", 50_000),
        (KAIPU, "srdi", "吉林市级"): ("accrued", 50_000),
        # 鑫源's 国家级 centre of 2019 predates the plan: listed as not paid (issue 19), not 待核实
        (NAMES[1], "tech_center", "国家级"): ("predates", 0),
    }
    assert db(home, "SELECT srdi_level_year, srdi_level_month, srdi_level_day FROM enterprise_reports WHERE enterprise_name = ?",
              [KAIPU]) == [(2022, 11, 20)]
    assert "2022-01-01至2022-12-31之间" in ledger[(NAMES[0], "tech_center", "吉林省级")]["evidence_needed"]
    assert ledger[(TIANXIANG, "tech_center", "吉林省级")]["recognised_year"] == 2022

    # the next quarter's template carries both years beside their levels, the level text without its year
    rows = by(template(home, "工信局", "enterprise", "2023Q1"), "enterprise_name")
    cells = {n: (rows[n]["tech_center_level"], rows[n]["tech_center_year"], rows[n]["srdi_level_text"],
                 rows[n]["srdi_level_year"]) for n in (TIANXIANG, NAMES[0], NAMES[1], SONGJIANG, KAIPU, HONGYUAN, TIANZHENG)}
    assert cells == {TIANXIANG: ("吉林省级", 2022, "已纳入吉林市培育库", None),
                     NAMES[0]: ("吉林省级", 2022, None, None), NAMES[1]: ("国家级", 2019, None, None),
                     SONGJIANG: ("吉林市级", None, "已认定吉林市级", 2022), KAIPU: ("吉林市级", None, "已认定吉林市级", 2022),
                     HONGYUAN: (None, None, "已纳入吉林市培育库", None),
                     TIANZHENG: ("吉林市级", None, "已认定省级国家级拟培育", 2021)}    # Annex 1: 2021年已认定省级…

    # that template sent back unchanged loads with no error and no word about the years; nothing changes
    tpl = home.outbox / "工信局" / template_name("工信局", "enterprise", "2023Q1")
    back = drop(home, "工信局", tpl.name)
    back.write_bytes(tpl.read_bytes())
    (again,) = intake(home, arrive(back, datetime(2023, 4, 6)))
    assert again.outcome == "loaded" and not [f for f in again.findings if f.severity == "error"]
    assert not [f for f in again.findings if f.rule.startswith(("recognition_year", "normalised"))]
    assert db(home, """SELECT enterprise_name, tech_center_year, srdi_level_year FROM enterprise_reports
                       WHERE period = '2023Q1' AND enterprise_name IN (?, ?, ?, ?) ORDER BY 1""",
              [TIANXIANG, SONGJIANG, KAIPU, TIANZHENG]) == sorted(
        [(TIANXIANG, 2022, None), (SONGJIANG, None, 2022), (KAIPU, None, 2022), (TIANZHENG, None, 2021)])


def test_a_workbook_without_the_year_columns_keeps_the_year_of_an_unchanged_level(home):
    intake(home, _recognitions_2022q4(home))
    # 2023Q1: an own workbook of the old layout, no 认定年份 and no 技术中心认定年份 columns
    q1 = [["企业名称", "技术中心", "“专精特新”认定级别", "经营状态"],
          [TIANXIANG, "吉林省级", "已纳入吉林市培育库", "生产"],      # centre unchanged: its year stays
          [NAMES[0], "国家级", None, "生产"],                      # centre risen: the old year does not date it
          [SONGJIANG, "吉林市级", "吉林市级", "生产"],               # level unchanged, no year written: 2022 stays
          [KAIPU, "吉林市级", "吉林省级", "生产"]]                   # level risen: no year for it yet
    (sub,) = intake(home, arrive(write_xlsx(drop(home, "工信局", "企业库2023Q1.xlsx"), q1), datetime(2023, 4, 6)))
    assert sub.outcome == "loaded"
    state = {r[0]: r[1:] for r in db(home, """SELECT enterprise_name, tech_center_level, tech_center_year, srdi_level,
                                                     srdi_level_year FROM enterprise_state_as_of('2023Q1')""")}
    assert state[TIANXIANG] == ("吉林省级", 2022, "种子", None)
    assert state[NAMES[0]] == ("国家级", None, "种子", None)
    assert state[SONGJIANG] == ("吉林市级", None, "吉林市级", 2022)
    assert state[KAIPU] == ("吉林市级", None, "吉林省级", None)
    (nr,) = db(home, "SELECT not_reported FROM enterprise_history WHERE enterprise_name = ? AND period = '2023Q1'", [TIANXIANG])
    assert {"srdi_level_year", "tech_center_year"} <= set(nr[0])
    receipt = sheet_rows(outbox_file(home, "工信局", "回执", "2023Q1"))
    (loaded,) = [r for r in receipt if r[1] == "种子企业库" and r[3] == "Sheet1"]
    assert "认定年份" in loaded[4] and "技术中心认定年份" in loaded[4]


def test_a_figure_typed_on_a_task_that_does_not_count_it_is_a_warning_at_its_cell(home):
    """银企对接 counts only on T3-1, 培训人才 only on T4-x (task_items.csv metrics), as the rollups count them."""
    rows = task_form("工信局", {"T1-1": {"bank_events": 1}, "T3-1": {"bank_events": 2},
                                "T4-1": {"trained_persons": 40, "bank_events": 0}, "T2-1": {"trained_persons": "30人次"}})
    path = write_xlsx(drop(home, "工信局", "工信局任务进展2022Q4.xlsx"), rows)
    (sub,) = intake(home, arrive(path, datetime(2023, 1, 6)))
    assert sub.outcome == "loaded"
    bank, trained = (column_of(TASK, n) for n in ("bank_events", "trained_persons"))
    assert (bank, trained) == ("J", "K")
    found = db(home, "SELECT excel_col || excel_row, field, value, message, fix FROM validation_errors "
                     "WHERE rule = 'metric.other_task' ORDER BY excel_row")
    assert [f[:4] for f in found] == [
        ("J2", "银企对接活动（次）", "1", "任务 T1-1 不统计“银企对接活动”：本行填写的“1”不计入汇总"),
        ("K5", "培训人才（人次）", "30人次", "任务 T2-1 不统计“培训人才”：本行填写的“30人次”不计入汇总")]
    assert "T3-1" in found[0][4] and "T4-1、T4-2、T4-3" in found[1][4]      # where each figure belongs
    # the receipt says it at the cell; the figure is kept as typed, and the rollup does not count it
    w = warnings_in(sheet_rows(outbox_file(home, "工信局", "回执")))
    assert w["J2"] == found[0][3] and w["K5"] == found[1][3]
    assert db(home, "SELECT task_id, bank_events FROM task_progress WHERE bank_events IS NOT NULL ORDER BY 1") == [
        ("T1-1", 1), ("T3-1", 2), ("T4-1", 0)]
    (q4,) = [r for r in _section(home, "quarterly", "2022Q4", "bank_events").iter_rows(named=True)
             if r["report_period"] == "2022Q4"]
    assert (q4["events_reported"], q4["units_reported"]) == (2, 1)        # T3-1's 2; T1-1's 1 is not an event
    # the next template greys the cell again: nothing to fill there
    t = by(template(home, "工信局", "task", "2023Q1"), "task_id")
    assert t["T1-1"]["bank_events"] is None and t["T3-1"]["bank_events"] is None
