"""Every validation rule, each on a workbook with one bad cell: the finding names that cell."""
from __future__ import annotations

import pytest

from schemas.forms import ENTERPRISE, TASK
from samples.workbooks import credit_code, enterprise_rows, task_rows, write_xlsx
from tests.helpers import check_file, column_of

# (rule, severity, field to spoil, data row index (0-based), new value, field the finding points at)
ENTERPRISE_CASES = [
    ("required.enterprise_name", "error", "enterprise_name", 1, None, "enterprise_name"),
    ("parse.int", "error", "patents", 0, "约20", "patents"),
    ("range.min", "error", "patents", 2, -3, "patents"),
    ("parse.year", "error", "planned_city_year", 1, "明年", "planned_city_year"),
    ("range.year", "error", "planned_city_year", 1, "2099年", "planned_city_year"),
    ("parse.credit_code", "error", "credit_code", 0, "12345", "credit_code"),
    ("credit_code.check_digit", "error", "credit_code", 0, 912202810000012345, "credit_code"),  # typed as a number
    ("credit_code.check_digit", "error", "credit_code", 1, credit_code(5)[:17] + ("0" if credit_code(5)[17] != "0" else "1"), "credit_code"),
    ("enum.operating_status", "error", "operating_status", 2, "倒闭", "operating_status"),
    ("enum.tech_center_level", "error", "tech_center_level", 0, "县级", "tech_center_level"),
    ("enum.listing_status", "error", "listing_status", 0, "准备上市", "listing_status"),
    ("parse.srdi_level", "error", "srdi_level_text", 1, "正在研究", "srdi_level_text"),
    ("staff.tech_gt_total", "error", "tech_staff", 0, 99999, "tech_staff"),
    ("parse.number", "error", "rd_expense", 0, "很多", "rd_expense"),
    ("parse.unit", "error", "sales_revenue", 0, "1200000元", "sales_revenue"),   # 元 in a 万元 column
    ("parse.unit", "error", "total_staff", 1, "15户", "total_staff"),
    ("cell.too_long", "error", "enterprise_name", 2, "长" * 201, "enterprise_name"),
    ("normalised.unit", "warning", "rd_expense", 0, "45万", "rd_expense"),
    ("normalised.enum", "warning", "operating_status", 1, "半停产", "operating_status"),
    ("normalised.year", "warning", "planned_city_year", 0, "2023/5/1", "planned_city_year"),
    ("missing.operating_status", "warning", "operating_status", 1, None, "operating_status"),
    ("planned.order", "warning", "planned_province_year", 0, 2021, "planned_province_year"),
    ("rd.above_sales", "warning", "rd_expense", 2, 999999, "rd_expense"),
    ("patents.implausible", "warning", "patents", 1, 50000, "patents"),
    # #14's recognition years (the row's level is set first, see LEVEL_FOR)
    ("range.year", "error", "srdi_level_year", 1, 2009, "srdi_level_year"),
    ("range.year", "error", "srdi_level_text", 0, "2009年已认定吉林市级", "srdi_level_text"),   # the year in the text
    ("range.year", "error", "tech_center_year", 0, 1985, "tech_center_year"),
    ("recognition_year.conflict", "warning", "srdi_level_year", 2, 2019, "srdi_level_year"),
    ("recognition_year.no_level", "warning", "srdi_level_year", 0, 2022, "srdi_level_year"),
    ("recognition_year.no_level", "warning", "tech_center_year", 1, 2022, "tech_center_year"),
    ("normalised.year", "warning", "tech_center_year", 2, "2022/9/1", "tech_center_year"),
    # issue 19: a recognition date that does not exist, in the column or in the 认定级别 text
    ("parse.recognition_date", "error", "srdi_level_year", 1, "2022年13月", "srdi_level_year"),
    ("parse.recognition_date", "error", "srdi_level_text", 0, "2022年13月认定吉林市级", "srdi_level_text"),
]
# the level a recognition-year case needs on its row: (认定级别, 技术中心)
LEVEL_FOR = {("range.year", "srdi_level_year"): ("已认定吉林市级", None),
             ("range.year", "tech_center_year"): (None, "吉林省级"),
             ("recognition_year.conflict", "srdi_level_year"): ("2021年已认定省级", None),
             ("recognition_year.no_level", "srdi_level_year"): ("已纳入吉林市培育库", None),
             ("recognition_year.no_level", "tech_center_year"): (None, None),
             ("normalised.year", "tech_center_year"): (None, "国家级"),
             ("parse.recognition_date", "srdi_level_year"): ("已认定吉林市级", None)}


@pytest.mark.parametrize("rule,severity,field,row,value,points_at", ENTERPRISE_CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[4]}" for c in ENTERPRISE_CASES])
def test_enterprise_rule_names_its_cell(tmp_path, rule, severity, field, row, value, points_at):
    rows = enterprise_rows(3, seed=11)
    names = [f.name for f in ENTERPRISE.fields]
    rows[1 + row][names.index(field)] = value
    if rule == "planned.order":
        rows[1 + row][names.index("planned_city_year")] = 2024
    if (rule, field) in LEVEL_FOR:
        text, centre = LEVEL_FOR[(rule, field)]
        rows[1 + row][names.index("srdi_level_text")] = text
        rows[1 + row][names.index("tech_center_level")] = centre
    sub = check_file(write_xlsx(tmp_path / "e2022Q2.xlsx", rows, sheet="企业库"), "工信局")
    hits = [f for f in sub.findings if f.rule == rule]
    assert hits, [(f.rule, f.cell) for f in sub.findings]
    cell = f"{column_of(ENTERPRISE, points_at)}{row + 2}"
    assert any(f.cell == cell and f.sheet == "企业库" and f.severity == severity for f in hits), [(f.rule, f.cell) for f in hits]
    assert sub.rejected == (severity == "error")
    # the finding tells a bureau what is wrong and how to fix it, in Chinese
    assert all(f.message and f.fix for f in hits)


def test_duplicate_enterprise_and_code_name_both_rows(tmp_path):
    rows = enterprise_rows(4, seed=3)
    rows[3] = list(rows[1])  # row 4 repeats row 2
    sub = check_file(write_xlsx(tmp_path / "dup2022Q2.xlsx", rows), "工信局")
    name_col, code_col = column_of(ENTERPRISE, "enterprise_name"), column_of(ENTERPRISE, "credit_code")
    assert {f.cell for f in sub.findings if f.rule == "duplicate.enterprise"} == {f"{name_col}2", f"{name_col}4"}
    assert {f.cell for f in sub.findings if f.rule == "duplicate.credit_code"} == {f"{code_col}2", f"{code_col}4"}


def test_one_name_with_two_codes_in_one_report_is_an_error_at_both_code_cells(tmp_path):
    """#19: the same enterprise name written twice with different credit codes: which enterprise the figures belong
    to is unknown, so the file is rejected, both code cells named, each with its own code."""
    rows = enterprise_rows(4, seed=3)
    names = [f.name for f in ENTERPRISE.fields]
    name, code = names.index("enterprise_name"), names.index("credit_code")
    rows[3][name] = rows[1][name]                 # row 4 repeats row 2's name, keeps its own (valid) code
    sub = check_file(write_xlsx(tmp_path / "codes2022Q2.xlsx", rows, sheet="企业库"), "工信局")
    code_col = column_of(ENTERPRISE, "credit_code")
    hits = [f for f in sub.findings if f.rule == "identity.name_two_codes"]
    assert {(f.sheet, f.cell, f.value) for f in hits} == {("企业库", f"{code_col}2", rows[1][code]),
                                                          ("企业库", f"{code_col}4", rows[3][code])}
    assert all(f.severity == "error" and rows[1][name] in f.message and "统一社会信用代码" in f.message for f in hits)
    assert not [f for f in sub.findings if f.rule == "duplicate.enterprise"]   # said once, as what it is
    assert sub.rejected


def test_one_code_under_two_names_in_one_report_is_an_error_at_both_code_cells(tmp_path):
    """#19: one credit code under two names (an old and a new name listed side by side, or a code copied to the
    wrong row): counting both would count one enterprise twice, so the file is rejected, naming both rows' names."""
    rows = enterprise_rows(4, seed=3)
    names = [f.name for f in ENTERPRISE.fields]
    name, code = names.index("enterprise_name"), names.index("credit_code")
    rows[3][code] = rows[1][code]                 # row 4 (another name) carries row 2's code
    sub = check_file(write_xlsx(tmp_path / "names2022Q2.xlsx", rows, sheet="企业库"), "工信局")
    code_col = column_of(ENTERPRISE, "credit_code")
    hits = [f for f in sub.findings if f.rule == "identity.code_two_names"]
    assert {(f.sheet, f.cell) for f in hits} == {("企业库", f"{code_col}2"), ("企业库", f"{code_col}4")}
    assert {next(n for n in (rows[1][name], rows[3][name]) if n in f.message) for f in hits} == {rows[1][name], rows[3][name]}
    assert all(f.severity == "error" and f.value == rows[1][code] for f in hits)
    assert not [f for f in sub.findings if f.rule == "duplicate.credit_code"]
    assert sub.rejected


TASK_CASES = [
    ("required.task_id", "error", "task_id", 0, None, "task_id"),
    ("required.status", "error", "status", 0, None, "status"),
    ("enum.status", "error", "status", 1, "差不多", "status"),
    ("range.completion_pct", "error", "completion_pct", 0, 150, "completion_pct"),
    ("parse.number", "error", "completion_pct", 0, "八成", "completion_pct"),
    ("task.unknown", "error", "task_id", 1, "T9-9", "task_id"),
    ("task.not_responsible", "error", "task_id", 1, "T2-4", "task_id"),
    ("range.min", "error", "trained_persons", 0, -5, "trained_persons"),
    ("missing.progress", "warning", "progress", 0, None, "progress"),
    ("unit.mismatch", "warning", "responsible_unit", 0, "人社局", "responsible_unit"),
    ("cell.too_long", "error", "progress", 0, "进" * 4001, "progress"),
    ("parse.unit", "error", "enterprises_served", 0, "12人", "enterprises_served"),
    ("normalised.enum", "warning", "status", 1, "进行中", "status"),
    ("normalised.percent", "warning", "completion_pct", 0, 0.5, "completion_pct"),
    ("metric.other_task", "warning", "bank_events", 0, 3, "bank_events"),          # T1-1: bank events only on T3-1
    ("metric.other_task", "warning", "trained_persons", 1, 20, "trained_persons"),  # T1-2: training only on T4-x
]


@pytest.mark.parametrize("rule,severity,field,row,value,points_at", TASK_CASES, ids=[f"{c[0]}-{c[2]}" for c in TASK_CASES])
def test_task_rule_names_its_cell(tmp_path, rule, severity, field, row, value, points_at):
    rows = task_rows("工信局", seed=5)
    names = [f.name for f in TASK.fields]
    rows[1 + row][names.index(field)] = value
    sub = check_file(write_xlsx(tmp_path / "t2022Q2.xlsx", rows, sheet="任务进展"), "工信局")
    hits = [f for f in sub.findings if f.rule == rule]
    cell = f"{column_of(TASK, points_at)}{row + 2}"
    assert any(f.cell == cell and f.severity == severity for f in hits), [(f.rule, f.cell) for f in sub.findings]
    assert sub.rejected == (severity == "error")


def test_done_but_incomplete_is_a_warning(tmp_path):
    rows = task_rows("工信局", seed=5)
    names = [f.name for f in TASK.fields]
    rows[1][names.index("status")] = "已完成"
    rows[1][names.index("completion_pct")] = 60
    sub = check_file(write_xlsx(tmp_path / "t2022Q2.xlsx", rows), "工信局")
    assert [f.cell for f in sub.findings if f.rule == "status.done_incomplete"] == [f"{column_of(TASK, 'completion_pct')}2"]
    assert not sub.rejected


def test_duplicate_task_names_both_rows(tmp_path):
    rows = task_rows("工信局", seed=5)
    rows[3] = list(rows[1])
    sub = check_file(write_xlsx(tmp_path / "t2022Q2.xlsx", rows), "工信局")
    col = column_of(TASK, "task_id")
    assert {f.cell for f in sub.findings if f.rule == "duplicate.task"} == {f"{col}2", f"{col}4"}


def test_clean_template_rows_have_no_findings(tmp_path):
    for rows, bureau in ((enterprise_rows(20, 1), "工信局"), (task_rows("人民银行", 2), "人民银行")):
        sub = check_file(write_xlsx(tmp_path / f"{bureau}2022Q2.xlsx", rows), bureau)
        assert sub.findings == []
