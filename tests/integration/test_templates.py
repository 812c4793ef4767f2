"""Templates read back with openpyxl: dropdowns, text formats, protection, the very hidden metadata sheet,
what is prefilled — and, through the real ingest flow, that a template filled or left unchanged loads."""
from __future__ import annotations

import re
import shutil
from datetime import date

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from schemas import reference
from schemas.forms import ENTERPRISE, TASK, TASK_STATUSES
from tasks.intake.read import META_SHEET
from tasks.bureau.templates import (
    FIRST_DATA, NEVER_REPORTED_STATUS, PrefillData, current_quarter, enterprise_rows, forms_for,
    read_prefill, registry_prefill, task_rows, template_name, write_all,
)
from tests.conftest import drop
from warehouse.home import Home
from samples.workbooks import credit_code, enterprise_rows as factory_enterprise_rows, write_xlsx
from tests.helpers import check_file, q, templates_in_process

HEADER = FIRST_DATA            # Excel row of the header (1-based): rows 1-2 are title and instructions
DATA = FIRST_DATA + 1          # first data row


def letter(form, name: str) -> str:
    """The column of a field in srdi's template (each recognition year beside its level)."""
    return get_column_letter([f.name for f in form.template_fields].index(name) + 1)


def validations_by_column(ws) -> dict[str, list]:
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out.setdefault("".join(ch for ch in rng.split(":")[0] if ch.isalpha()), []).append(dv)
    return out


@pytest.fixture
def home(empty_home) -> Home:
    """A new home with no writer database yet (not the shared fixture's prepared one): its templates are prefilled
    from the Annex 1 registry CSV alone, which is what these tests read."""
    return empty_home


@pytest.fixture
def written(home):
    """Every bureau's 2022Q3 templates on an empty home (the registry CSV is the only source)."""
    data = read_prefill(home.writer_db, "2022Q3")
    assert data.source == "附件1"
    write_all(home, data)
    return home


def book(home, bureau, form, period="2022Q3"):
    return home.outbox / bureau / template_name(bureau, form, period)


# ---------------------------------------------------------------- what is written, and where

def test_names_periods_and_which_bureaus_get_which_form(written):
    home = written
    assert template_name("工信局", "task", "2022Q3") == "工信局_任务进展_2022Q3_模板.xlsx"
    assert current_quarter(date(2022, 8, 15)) == "2022Q3" and current_quarter(date(2023, 1, 1)) == "2023Q1"
    teams = {"农业农村局", "工信局", "住建局", "商务局", "文广旅局", "发改局"}
    for bureau in reference.bureaus():
        expect = (["enterprise"] if bureau in teams else []) + (["task"] if reference.tasks_of(bureau) else [])
        assert forms_for(bureau) == expect
        for form in ("enterprise", "task"):
            assert book(home, bureau, form).exists() == (form in expect), (bureau, form)


def test_metadata_sheet_is_very_hidden_and_names_bureau_period_form(written):
    for bureau, form in (("工信局", "enterprise"), ("工信局", "task"), ("人社局", "task")):
        wb = openpyxl.load_workbook(book(written, bureau, form))
        meta = wb[META_SHEET]
        assert meta.sheet_state == "veryHidden"
        assert wb.sheetnames[0] != META_SHEET and wb.worksheets[0].sheet_state == "visible"
        values = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
        assert values == {"bureau": bureau, "period": "2022Q3", "form": form, "template_version": "2"}


def test_enterprise_dropdowns_on_the_right_columns_with_chinese_prompts(written):
    ws = openpyxl.load_workbook(book(written, "工信局", "enterprise")).worksheets[0]
    dvs = validations_by_column(ws)
    for f in ENTERPRISE.fields:
        if f.kind != "enum":
            continue
        (dv,) = [d for d in dvs[letter(ENTERPRISE, f.name)] if d.type == "list"]
        assert dv.formula1.strip('"').split(",") == list(f.choices)
        assert dv.showDropDown in (None, False)          # openpyxl: False means the arrow is shown
        assert dv.promptTitle and dv.prompt and any("\u4e00" <= ch <= "\u9fff" for ch in dv.prompt)
        assert dv.errorStyle in (None, "stop")
        top, _ = str(dv.sqref).split(":")
        assert int(re.sub("[A-Z]", "", top)) == DATA
    # 服务专班 is a list of the six teams; 认定级别 suggests wordings but accepts any text
    (team,) = [d for d in dvs[letter(ENTERPRISE, "service_team")] if d.type == "list"]
    assert team.formula1.strip('"').split(",") == list(reference.service_teams())
    (level,) = dvs[letter(ENTERPRISE, "srdi_level_text")]
    assert level.type == "list" and level.errorStyle == "information" and "已纳入吉林市培育库" in level.formula1
    # years, numbers and the credit code's length are checked at entry too
    (year,) = dvs[letter(ENTERPRISE, "planned_city_year")]
    assert year.type == "whole" and (year.formula1, year.formula2) == ("2015", "2035")
    (code,) = dvs[letter(ENTERPRISE, "credit_code")]
    assert code.type == "textLength" and code.formula1 == "18"
    # no dropdown on free-text columns
    assert letter(ENTERPRISE, "remarks") not in dvs


def test_recognition_years_sit_beside_their_levels_with_year_checks_and_annex1_years(written):
    """#14: 技术中心认定年份 right of 技术中心, 认定年份 right of 认定级别; whole years, never after the template's
    year; the level text without its year, the year in its own column (Annex 1: 吉林添正 “ 2021年已认定省级国家级拟培育”)."""
    ws = openpyxl.load_workbook(book(written, "工信局", "enterprise")).worksheets[0]
    header = {ws.cell(row=HEADER, column=c).value.replace("\n", ""): get_column_letter(c) for c in range(1, ws.max_column + 1)}
    assert column_index_from_string(header["技术中心认定年份"]) == column_index_from_string(header["技术中心"]) + 1
    assert column_index_from_string(header["认定年份"]) == column_index_from_string(header["“专精特新”认定级别"]) + 1
    dvs = validations_by_column(ws)
    (srdi,) = dvs[header["认定年份"]]
    (centre,) = dvs[header["技术中心认定年份"]]
    assert (srdi.type, srdi.formula1, srdi.formula2) == ("whole", "2011", "2022")          # 2022Q3's template
    assert (centre.type, centre.formula1, centre.formula2) == ("whole", "1990", "2022")
    for dv in (srdi, centre):
        assert dv.errorStyle in (None, "stop") and "四位" in dv.prompt and "留空" in dv.prompt
    (level,) = dvs[header["“专精特新”认定级别"]]
    assert not re.search(r"\d{4}", level.formula1) and "认定年份" in level.prompt     # years go in their column
    rows = {ws.cell(row=r, column=1).value: r for r in range(DATA, ws.max_row + 1) if ws.cell(row=r, column=1).value}
    tz = rows["吉林添正生物科技股份有限公司"]
    assert ws[f"{header['“专精特新”认定级别']}{tz}"].value == "已认定省级国家级拟培育"
    assert ws[f"{header['认定年份']}{tz}"].value == 2021
    assert (ws[f"{header['技术中心']}{tz}"].value, ws[f"{header['技术中心认定年份']}{tz}"].value) == ("吉林市级", None)
    assert ws[f"{header['认定年份']}{DATA}"].protection.locked is False


def test_the_template_order_is_the_forms_fields():
    assert sorted(f.name for f in ENTERPRISE.template_fields) == sorted(f.name for f in ENTERPRISE.fields)
    assert TASK.template_fields == TASK.fields


def test_task_form_dropdowns_and_metric_cells_only_where_the_task_has_the_metric(written):
    ws = openpyxl.load_workbook(book(written, "工信局", "task")).worksheets[0]
    dvs = validations_by_column(ws)
    (status,) = dvs[letter(TASK, "status")]
    assert status.type == "list" and status.formula1.strip('"').split(",") == list(TASK_STATUSES)
    assert "上期" in status.prompt
    (pct,) = dvs[letter(TASK, "completion_pct")]
    assert pct.type == "decimal" and (pct.formula1, pct.formula2) == ("0", "100")
    rows = {ws.cell(row=r, column=1).value: r for r in range(DATA, ws.max_row + 1) if ws.cell(row=r, column=1).value}
    bank = " ".join(str(d.sqref) for d in dvs[letter(TASK, "bank_events")])
    assert bank == f"{letter(TASK, 'bank_events')}{rows['T3-1']}"           # only T3-1 counts bank events
    grey = ws[f"{letter(TASK, 'bank_events')}{rows['T1-1']}"]
    assert grey.protection.locked and grey.fill.fgColor.rgb.endswith("BFBFBF")


def test_text_format_for_codes_and_task_ids_locked_headers_open_data_cells(written):
    ent = openpyxl.load_workbook(book(written, "工信局", "enterprise")).worksheets[0]
    assert ent.protection.sheet is True
    code = letter(ENTERPRISE, "credit_code")
    assert ent[f"{code}{DATA}"].number_format == "@"
    assert ent.column_dimensions[code].number_format == "@"            # the blank rows below too
    for c in range(1, len(ENTERPRISE.fields) + 1):
        assert ent.cell(row=HEADER, column=c).protection.locked is True
        assert ent.cell(row=1, column=c).protection.locked is True      # title
        assert ent.cell(row=DATA, column=c).protection.locked is False   # prefilled row, editable
    assert ent.column_dimensions["A"].protection.locked is False        # rows for new enterprises
    # headers are the forms' labels (ingest recognises them; a line break before the unit is ignored)
    assert [ENTERPRISE.match(ent.cell(row=HEADER, column=c).value).name for c in range(1, len(ENTERPRISE.fields) + 1)] \
        == [f.name for f in ENTERPRISE.template_fields]

    task = openpyxl.load_workbook(book(written, "工信局", "task")).worksheets[0]
    assert task.protection.sheet is True
    tid = task[f"{letter(TASK, 'task_id')}{DATA}"]
    assert tid.number_format == "@" and tid.value == "T1-1" and tid.protection.locked is True   # the policy's
    assert task[f"{letter(TASK, 'item_text')}{DATA}"].protection.locked is True
    assert task[f"{letter(TASK, 'status')}{DATA}"].protection.locked is False
    assert task[f"{letter(TASK, 'progress')}{DATA}"].protection.locked is False
    assert task.page_setup.orientation == "landscape" and task.page_setup.paperSize == 9


def test_task_form_has_exactly_the_bureaus_annex2_items(written):
    for bureau in ("工信局", "人社局", "财政局", "农业农村局"):
        ws = openpyxl.load_workbook(book(written, bureau, "task")).worksheets[0]
        ids = [ws.cell(row=r, column=1).value for r in range(DATA, ws.max_row + 1) if ws.cell(row=r, column=1).value]
        assert ids == [t.task_id for t in reference.tasks_of(bureau)]
        units = {ws.cell(row=r, column=column_index_from_string(letter(TASK, "responsible_unit"))).value
                 for r in range(DATA, DATA + len(ids))}
        assert units == {bureau}


def test_enterprise_form_falls_back_to_the_annex1_registry(written):
    ws = openpyxl.load_workbook(book(written, "农业农村局", "enterprise")).worksheets[0]
    names = [ws.cell(row=r, column=1).value for r in range(DATA, ws.max_row + 1) if ws.cell(row=r, column=1).value]
    assert names == [e["enterprise_name"] for e in reference.registry_enterprises() if e["service_team"] == "农业"]
    # a team with no enterprise yet gets an empty form to add them
    ws = openpyxl.load_workbook(book(written, "文广旅局", "enterprise")).worksheets[0]
    assert ws.cell(row=DATA, column=1).value is None


def test_unchanged_template_passes_every_check_of_ingest(written):
    """The pure ingest steps: no error on any template; the only findings are 本期进展 reminders."""
    for path in sorted(written.outbox.rglob("*_模板.xlsx")):
        sub = check_file(path, path.parent.name)
        assert [f for f in sub.findings if f.severity == "error"] == [], path.name
        assert {f.rule for f in sub.findings} <= {"missing.progress"}
        assert sub.period == "2022Q3"   # from the metadata sheet


def test_a_template_edited_in_the_outbox_is_not_overwritten(written):
    path = book(written, "工信局", "task")
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0]["G4"] = "写了一半的进展"
    wb.save(path)
    again = write_all(written, read_prefill(written.writer_db, "2022Q3"))
    assert str(path) in again["kept"] and str(path) not in again["written"]
    assert openpyxl.load_workbook(path).worksheets[0]["G4"].value == "写了一半的进展"
    assert str(book(written, "人社局", "task")) in again["written"]    # untouched ones are refreshed


def test_prefill_rules_carry_status_not_period_figures():
    data = PrefillData("2022Q4", enterprises=[
        {"enterprise_name": "甲公司", "service_team": "工业", "srdi_level_text": None, "srdi_level": "吉林省级",
         "srdi_level_year": 2021, "cultivating_level": "国家级", "report_period": "2022Q3", "sales_revenue": 900.0,
         "tech_staff": 9, "total_staff": 90, "rd_expense": 40.0, "listing_status": "未上市"},
        {"enterprise_name": "乙公司", "service_team": "工业", "report_period": "2022Q4", "sales_revenue": 500.0},
        {"enterprise_name": "丙公司", "service_team": "农业"},
    ], tasks={("工信局", "T1-1"): {"period": "2022Q3", "status": "持续推进", "completion_pct": 60.0, "progress": "上季度的话"},
              ("工信局", "T1-2"): {"period": "2022Q4", "status": "推进中", "completion_pct": 30.0, "progress": "本季度已报",
                                  "problems": None, "next_steps": "x", "bank_events": None, "trained_persons": None,
                                  "enterprises_served": 2, "remarks": None}})
    ents = {r["enterprise_name"]: r for r in enterprise_rows(data, "工信局")}
    assert set(ents) == {"甲公司", "乙公司"}
    # the level written back so that it parses to the same; its year in 认定年份, not twice
    assert (ents["甲公司"]["srdi_level_text"], ents["甲公司"]["srdi_level_year"]) == ("已认定吉林省级，国家级拟培育", 2021)
    assert ents["甲公司"]["sales_revenue"] is None and ents["甲公司"]["listing_status"] == "未上市"
    assert ents["乙公司"]["sales_revenue"] == 500.0            # this period already accepted: kept for correction
    tasks = {r["task_id"]: r for r in task_rows(data, "工信局")}
    assert (tasks["T1-1"]["status"], tasks["T1-1"]["completion_pct"], tasks["T1-1"]["progress"]) == ("持续推进", 60.0, None)
    assert (tasks["T1-2"]["progress"], tasks["T1-2"]["enterprises_served"]) == ("本季度已报", 2)
    assert (tasks["T2-1"]["status"], tasks["T2-1"]["completion_pct"]) == (NEVER_REPORTED_STATUS, 0)
    from schemas.values import parse_level
    assert parse_level(ents["甲公司"]["srdi_level_text"])["srdi_level"] == "吉林省级"
    assert len(registry_prefill()) == len(reference.registry_enterprises())


def test_srdi_templates_command_is_registered(capsys):
    from srdi.cli import main
    with pytest.raises(SystemExit) as exc:
        main(["templates", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--period" in out and "--home" in out


def test_srdi_templates_refuses_a_period_that_is_not_a_quarter(tmp_path, capsys):
    from srdi.cli import main
    assert main(["templates", "--home", str(tmp_path / "h"), "--period", "明年"]) == 2
    err = capsys.readouterr().err
    assert "“明年”不是报告期" in err and "2022年第二季度" in err     # what was typed, and the forms that work


# ---------------------------------------------------------------- through the flows' steps (tests/helpers.py)

def test_templates_filled_or_unchanged_load_through_ingest_and_the_next_template_carries_them(home, run_ingest):
    info = templates_in_process(home, "2022Q3")
    assert info["source"] == "附件1" and len(info["written"]) == 19

    # 人社局 returns its task template unchanged (no period in the new name: the metadata gives it)
    shutil.copyfile(book(home, "人社局", "task"), drop(home, "人社局", "任务进展.xlsx"))

    # 工信局 fills both forms in openpyxl, as a clerk would in Excel
    ent_wb = openpyxl.load_workbook(book(home, "工信局", "enterprise"))
    ws = ent_wb.worksheets[0]
    col = {f.name: i + 1 for i, f in enumerate(ENTERPRISE.template_fields)}
    first = ws.cell(row=DATA, column=1).value
    ws.cell(row=DATA, column=col["credit_code"], value=credit_code(7))
    ws.cell(row=DATA, column=col["sales_revenue"], value=5230.5)
    ws.cell(row=DATA, column=col["total_staff"], value=310)
    ws.cell(row=DATA, column=col["tech_staff"], value=41)
    new_row = next(r for r in range(DATA, DATA + 100) if ws.cell(row=r, column=1).value is None)
    for name, v in (("enterprise_name", "蛟河市新增测试机械有限公司"), ("credit_code", credit_code(8)), ("industry", "装备制造"),
                    ("operating_status", "生产"), ("planned_city_year", 2024), ("service_team", "工业")):
        ws.cell(row=new_row, column=col[name], value=v)
    ent_wb.save(drop(home, "工信局", template_name("工信局", "enterprise", "2022Q3")))

    task_wb = openpyxl.load_workbook(book(home, "工信局", "task"))
    ws = task_wb.worksheets[0]
    tcol = {f.name: i + 1 for i, f in enumerate(TASK.fields)}
    for r in range(DATA, ws.max_row + 1):
        if ws.cell(row=r, column=1).value:
            ws.cell(row=r, column=tcol["status"], value="推进中")
            ws.cell(row=r, column=tcol["completion_pct"], value=40)
            ws.cell(row=r, column=tcol["progress"], value=f"{ws.cell(row=r, column=1).value} 本季度按计划推进。")
    task_wb.save(drop(home, "工信局", "工信局任务进展（填好）.xlsx"))

    summary = run_ingest(home)
    outcomes = {r["file"]: (r["outcome"], r["period"]) for r in summary["results"]}
    assert set(outcomes.values()) == {("loaded", "2022Q3")}, outcomes
    errors = q(home, "SELECT file_name, error_count FROM submissions WHERE error_count > 0")
    assert errors == []
    warn = dict(q(home, "SELECT file_name, warning_count FROM submissions"))
    assert warn["工信局任务进展（填好）.xlsx"] == 0 and warn["任务进展.xlsx"] == len(reference.tasks_of("人社局"))
    assert q(home, "SELECT count(*) FROM task_reports WHERE bureau = '工信局'")[0][0] == len(reference.tasks_of("工信局"))
    assert q(home, "SELECT credit_code, sales_revenue, total_staff FROM enterprise_reports WHERE enterprise_name = ?",
             [first]) == [(credit_code(7), 5230.5, 310)]
    assert q(home, "SELECT source FROM enterprise_registry WHERE enterprise_name = '蛟河市新增测试机械有限公司'") == [("企业库报送",)]
    # receipts came back for all three
    assert len(list(home.outbox.rglob("*_回执_*.xlsx"))) == 3

    # next quarter's template carries what was accepted: the new enterprise, statuses, not the figures
    info = templates_in_process(home, "2022Q4")
    assert info["source"] == "warehouse"
    ws = openpyxl.load_workbook(book(home, "工信局", "enterprise", "2022Q4")).worksheets[0]
    rows = {ws.cell(row=r, column=1).value: r for r in range(DATA, ws.max_row + 1) if ws.cell(row=r, column=1).value}
    assert "蛟河市新增测试机械有限公司" in rows
    assert ws.cell(row=rows[first], column=col["credit_code"]).value == credit_code(7)
    assert ws.cell(row=rows[first], column=col["sales_revenue"]).value is None
    ws = openpyxl.load_workbook(book(home, "工信局", "task", "2022Q4")).worksheets[0]
    assert ws.cell(row=DATA, column=tcol["status"]).value == "推进中"
    assert ws.cell(row=DATA, column=tcol["completion_pct"]).value == 40
    assert ws.cell(row=DATA, column=tcol["progress"]).value is None

    # each template shows the state as of its own quarter: a 2022Q2 one knows nothing reported for 2022Q3
    earlier = {e["enterprise_name"]: e for e in read_prefill(home.writer_db, "2022Q2").enterprises}
    assert "蛟河市新增测试机械有限公司" not in earlier
    assert (earlier[first]["report_period"], earlier[first]["total_staff"]) == (None, None)   # Annex 1 as printed
    later = {e["enterprise_name"]: e for e in read_prefill(home.writer_db, "2022Q4").enterprises}
    assert "蛟河市新增测试机械有限公司" in later
    assert (later[first]["report_period"], later[first]["total_staff"]) == ("2022Q3", 310)


def test_an_unchanged_template_of_every_bureau_loads_with_no_errors(home, run_ingest):
    write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), factory_enterprise_rows(3, seed=5))   # warehouse not empty
    run_ingest(home)
    templates_in_process(home, "2022Q3")
    templates = sorted(home.outbox.rglob("*_模板.xlsx"))
    for path in templates:
        shutil.copyfile(path, drop(home, path.parent.name, path.name))
    summary = run_ingest(home)
    assert len(summary["results"]) == len(templates) == 19
    assert {r["outcome"] for r in summary["results"]} == {"loaded"}
    assert q(home, "SELECT sum(error_count) FROM submissions")[0][0] == 0
    assert {r[0] for r in q(home, "SELECT DISTINCT rule FROM validation_errors")} <= {"missing.progress"}
