"""The ingest flow end to end on real files: printed layouts, duplicates, supersession, history, filing away."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

from samples.share import build_sample_share
from tests.conftest import drop
from samples.workbooks import enterprise_rows, task_rows, write_xlsx
from tests.helpers import ingest_in_process, q


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    from warehouse.home import Home
    home = Home.resolve(tmp_path_factory.mktemp("demo")).ensure()
    written = build_sample_share(home.inbox)
    summary = ingest_in_process(home)
    return home, written, summary


def test_printed_annex1_xlsx_loads_every_enterprise_with_its_cells(demo_home):
    home, _, _ = demo_home
    rows = q(home, """
        SELECT enterprise_name, industry, srdi_level, srdi_level_year, cultivating_level, in_seed_pool,
               planned_city_year, planned_province_year, responsible_leader, excel_row
        FROM enterprise_reports h JOIN submissions s USING (submission_id)
        WHERE s.file_format = 'xlsx' AND h.bureau = '工信局' AND h.period = '2022Q2' ORDER BY excel_row""")
    assert len(rows) == 12
    by_name = {r[0]: r for r in rows}
    # 冶金\n建材 is one word; "2022年" is 2022; "王  威" is 王威; the level text becomes fields
    assert by_name["吉林市松江塑料管道设备有限责任公司"][1] == "冶金建材"
    assert by_name["长白山制药股份有限公司"][6:9] == (2022, 2023, "王威")
    assert by_name["吉林添正生物科技股份有限公司"][2:6] == ("吉林省级", 2021, "国家级", False)
    assert by_name["长白山制药股份有限公司"][2:6] == ("种子", None, "吉林市级", True)
    # title row and blank row above, header on row 3 (or later): the first enterprise is not on row 1 or 2
    assert rows[0][-1] >= 4 and rows[-1][-1] == rows[0][-1] + 11
    # the 备注 note row is not an enterprise
    assert not any(r[0].startswith("备注") for r in rows)


def test_printed_layout_xls_with_two_row_header_loads(demo_home):
    home, _, _ = demo_home
    rows = q(home, """SELECT enterprise_name, planned_city_year, planned_province_year, srdi_level, operating_status
                      FROM enterprise_reports WHERE period = '2022Q3' AND bureau = '工信局'""")
    assert len(rows) == 13
    fmt = q(home, "SELECT DISTINCT file_format FROM submissions WHERE period = '2022Q3' AND form = 'enterprise'")
    assert fmt == [("xls",)]
    by_name = {r[0]: r for r in rows}
    assert by_name["长白山制药股份有限公司"][1:3] == (2022, 2023)  # 拟培育 over 吉林市级/吉林省级
    assert by_name["吉林开普科立辉动力有限公司"][3] == "吉林市级"
    assert by_name["蛟河市天翔炭业有限公司"][4] == "停产"


def test_history_across_two_quarters_keeps_both_states(demo_home):
    home, _, _ = demo_home
    # one accepted row per enterprise per period, even when two bureaus report the same enterprise
    assert q(home, "SELECT count(*) FROM (SELECT enterprise_name, period FROM enterprise_history GROUP BY ALL HAVING count(*) > 1)")[0][0] == 0
    team = q(home, "SELECT bureau FROM enterprise_history WHERE enterprise_name = '吉林金亿食品有限责任公司' AND period = '2022Q2'")
    assert team == [("农业农村局",)]  # the owning service team's report wins
    hist = q(home, """SELECT period, srdi_level FROM enterprise_history
                      WHERE enterprise_name = '吉林开普科立辉动力有限公司' ORDER BY period""")
    assert hist == [("2022Q2", "种子"), ("2022Q3", "吉林市级")]
    current = q(home, "SELECT srdi_level, last_period FROM enterprises WHERE enterprise_name = '吉林开普科立辉动力有限公司'")
    assert current == [("吉林市级", "2022Q3")]
    # a new enterprise entered the registry from the enterprise form
    assert q(home, "SELECT count(*) FROM enterprises")[0][0] >= 13
    assert q(home, "SELECT count(*) FROM enterprise_registry WHERE source = '企业库报送'")[0][0] >= 1


def test_every_file_ends_in_exactly_one_place(demo_home):
    home, written, summary = demo_home
    assert files_under(home.inbox) == []
    archived = files_under(home.archive)
    rejected = files_under(home.rejected)
    assert len(archived) + len(rejected) == len(written) == summary["files"]
    assert {p.name for p in rejected} == {"企业情况.xlsx", "商务局任务进展2022年第二季度.xlsx"}
    statuses = q(home, "SELECT status, count(*) FROM submissions GROUP BY 1 ORDER BY 1")
    assert dict(statuses) == {"loaded": len(archived), "rejected": 2}
    assert q(home, "SELECT count(*) FROM submissions WHERE NOT moved")[0][0] == 0


def test_rejected_file_gets_a_chinese_error_workbook_naming_cells(demo_home):
    home, _, _ = demo_home
    (book,) = (home.outbox / "商务局").glob("*错误清单*.xlsx")
    ws = openpyxl.load_workbook(book).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    cells = {r[3]: r for r in rows}
    assert "退回" in ws["A1"].value
    assert cells["F5"][5] == "差不多" and "推进状态" in cells["F5"][6]
    assert "B9" in cells and "T9-9" in cells["B9"][6]
    assert all(r[7] for r in rows)  # every problem says how to fix it
    (no_period,) = (home.outbox / "住建局").glob("*错误清单*.xlsx")
    text = " ".join(str(c.value) for r in openpyxl.load_workbook(no_period).active.iter_rows() for c in r if c.value)
    assert "2022Q2" in text and "2022年第二季度" in text  # says how to name the file


def test_duplicate_bytes_change_nothing(home, run_ingest):
    src = write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_rows(5, seed=1))
    copy = drop(home, "工信局", "企业库 副本 2022Q2.xlsx")
    shutil.copyfile(src, copy)
    summary = run_ingest(home)
    assert sorted(r["outcome"] for r in summary["results"]) == ["duplicate", "loaded"]
    assert q(home, "SELECT count(*) FROM enterprise_reports")[0][0] == 5
    before = q(home, "SELECT * FROM enterprise_history ORDER BY 1")
    # and again in a later run
    write_xlsx(drop(home, "工信局", "again2022Q2.xlsx"), enterprise_rows(5, seed=1))
    shutil.copyfile(next(home.archive.rglob("企业库2022Q2.xlsx")), drop(home, "工信局", "again2022Q2.xlsx"))
    assert [r["outcome"] for r in run_ingest(home)["results"]] == ["duplicate"]
    assert q(home, "SELECT * FROM enterprise_history ORDER BY 1") == before
    assert q(home, "SELECT count(*) FROM submissions WHERE status = 'duplicate' AND duplicate_of IS NOT NULL")[0][0] == 2


def test_later_submission_supersedes_and_earlier_stays_for_audit(home, run_ingest):
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    rows = task_rows("人民银行", seed=2)
    rows[1][5] = 77  # completion_pct
    write_xlsx(drop(home, "人民银行", "任务2022Q2（更正）.xlsx"), rows)
    run_ingest(home)
    subs = q(home, "SELECT submission_id, status, superseded_by FROM submissions ORDER BY 1")
    assert subs == [(1, "superseded", 2), (2, "loaded", None)]
    assert q(home, "SELECT completion_pct FROM task_progress WHERE task_id = 'T3-1'") == [(77.0,)]
    assert q(home, "SELECT count(*) FROM task_reports WHERE submission_id = 1")[0][0] == 1  # kept for audit
    # both files are archived, neither overwrote the other
    assert len(files_under(home.archive)) == 2


def test_a_rejected_resubmission_does_not_supersede(home, run_ingest):
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    bad = task_rows("人民银行", seed=1)
    bad[1][4] = "差不多"
    write_xlsx(drop(home, "人民银行", "任务2022年第二季度.xlsx"), bad)
    run_ingest(home)
    assert q(home, "SELECT status FROM submissions ORDER BY 1") == [("loaded",), ("rejected",)]
    assert q(home, "SELECT count(*) FROM task_progress")[0][0] == 1


@pytest.mark.parametrize("content,expected_rule", [
    (b"", "file.empty"),
    (b"this is not a workbook at all \x00\x01\x02", "file.unknown"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "form.unrecognised"),
    (b"<html><body><p>no table here</p></body></html>", "file.html"),
    (b"PK\x03\x04 broken zip", "file.unknown"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "file.unknown"),
])
def test_a_file_that_is_not_a_workbook_is_rejected_with_a_reason(home, run_ingest, content, expected_rule):
    drop(home, "工信局", "企业库2022Q2.xlsx").write_bytes(content)
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", seed=1))
    summary = run_ingest(home)
    outcomes = {r["file"]: r["outcome"] for r in summary["results"]}
    assert outcomes == {"工信局/企业库2022Q2.xlsx": "rejected", "财政局/任务2022Q2.xlsx": "loaded"}  # the batch goes on
    rules = [r[0] for r in q(home, "SELECT rule FROM validation_errors WHERE severity = 'error'")]
    assert rules == [expected_rule]
    assert (home.rejected / "工信局" / "企业库2022Q2.xlsx").read_bytes() == content


def test_unknown_bureau_folder_is_left_in_place_and_reported(home, run_ingest):
    write_xlsx(drop(home, "某某局", "任务2022Q2.xlsx"), task_rows("财政局", seed=1))
    summary = run_ingest(home)
    assert summary["files"] == 0
    assert (home.inbox / "某某局" / "任务2022Q2.xlsx").exists()
    (note,) = (home.outbox / "_未处理").glob("*.txt")      # the sender hears, in the outbox for no known bureau
    assert "某某局/任务2022Q2.xlsx" in note.read_text(encoding="utf-8-sig")


def test_bureau_alias_folder_and_extension_lies(home, run_ingest):
    # folder named with the full name; an .xlsx saved with an .xls extension
    write_xlsx(drop(home, "蛟河市工业和信息化局", "企业库2022年二季度.xls"), enterprise_rows(3, seed=4))
    summary = run_ingest(home)
    assert summary["results"][0]["outcome"] == "loaded"
    assert q(home, "SELECT bureau, file_format FROM submissions") == [("工信局", "xlsx")]


def test_template_metadata_gives_the_period_and_guards_the_bureau(home, run_ingest):
    from samples.workbooks import write_xlsx as w
    import openpyxl

    def with_meta(path, bureau, period):
        wb = openpyxl.load_workbook(path)
        meta = wb.create_sheet("_srdi_meta")
        for k, v in (("bureau", bureau), ("period", period), ("form", "task"), ("template_version", "1")):
            meta.append([k, v])
        meta.sheet_state = "veryHidden"
        wb.save(path)

    ok = w(drop(home, "人民银行", "任务进展.xlsx"), task_rows("人民银行", seed=1))  # no period in the name
    with_meta(ok, "人民银行", "2022Q3")
    other = w(drop(home, "财政局", "任务进展2022Q3.xlsx"), task_rows("财政局", seed=1))
    with_meta(other, "人民银行", "2022Q3")  # another bureau's template in 财政局's folder
    results = {r["file"]: (r["outcome"], r["period"]) for r in run_ingest(home)["results"]}
    assert results["人民银行/任务进展.xlsx"] == ("loaded", "2022Q3")
    assert results["财政局/任务进展2022Q3.xlsx"][0] == "rejected"
    assert q(home, "SELECT rule FROM validation_errors") == [("bureau.mismatch",)]
