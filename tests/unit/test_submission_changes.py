"""The view submission_changes (warehouse/sql/schema/create_views.sql) on an in-memory DuckDB: a resubmission against
the accepted version it superseded. Each test states two versions of a bureau's report and the changes worked out by
hand: rows paired by credit code, then by name, tasks by number; values compared as read and shown as typed; a column
one version lacked not compared; a chain of versions compared link by link.
"""
from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest

from schemas.forms import ENTERPRISE, TASK
from tests.conftest import memory_copy

CODE_A, CODE_B = "91220281150838781C", "91220281151321493H"


@pytest.fixture
def con(rules_template):
    c = memory_copy(rules_template)
    yield c
    c.close()


def given(con, table: str, rows: list[dict]) -> None:
    con.register("_given", pl.DataFrame(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _given")
    con.unregister("_given")


def version(con, sid: int, form: str, rows: list[dict], superseded_by: int | None = None,
            columns: list[str] | None = None, texts: dict[tuple[int, str], str] | None = None) -> None:
    """Submission `sid` of 工信局 2022Q3 with its rows on Sheet1 (row 2 onwards), the columns its sheet had (every
    field of the form unless `columns`), and the texts typed in some cells ((excel_row, field) -> text)."""
    when = datetime(2022, 10, 1, 8, sid, tzinfo=timezone.utc)
    given(con, "submissions", [{
        "submission_id": sid, "bureau": "工信局", "period": "2022Q3", "form": form, "file_name": f"{sid}.xlsx",
        "source_path": f"工信局/{sid}.xlsx", "sha256": f"{sid:064d}", "received_at": when, "processed_at": when,
        "status": "superseded" if superseded_by else "loaded", "superseded_by": superseded_by}])
    table = "enterprise_reports" if form == "enterprise" else "task_reports"
    given(con, table, [{"submission_id": sid, "period": "2022Q3", "bureau": "工信局", "sheet": "Sheet1",
                        "excel_row": i, **r} for i, r in enumerate(rows, start=2)])
    fields = [f.name for f in (ENTERPRISE if form == "enterprise" else TASK).fields]
    given(con, "submission_columns", [{"submission_id": sid, "sheet": "Sheet1", "field": f, "excel_col": chr(65 + i),
                                       "header": f"表头{i}"} for i, f in enumerate(fields) if f in (columns or fields)])
    if texts:
        given(con, "cell_texts", [{"submission_id": sid, "sheet": "Sheet1", "excel_row": r, "field": f, "raw_text": t}
                                  for (r, f), t in texts.items()])


def changes(con, sid: int) -> list[tuple]:
    return con.execute(
        "SELECT change_kind, row_key, field, old_value, new_value FROM submission_changes "
        "WHERE new_submission_id = ? ORDER BY change_kind, row_key, field", [sid]).fetchall()


def enterprise(name: str, code: str | None, **facts) -> dict:
    return {"enterprise_name": name, "name_key": name, "credit_code": code, "srdi_level": "种子", **facts}


def test_every_field_of_the_enterprise_template_is_compared(con):
    old = enterprise("甲公司", CODE_A, industry="医药", tech_center_level="吉林市级", patents=1, operating_status="生产",
                     srdi_level_text="已纳入吉林市培育库", planned_city_year=2023, planned_province_year=2024,
                     responsible_leader="王威", service_team="农业", rd_expense=1.0, sales_revenue=10.0, tech_staff=1,
                     total_staff=10, listing_status="未上市", remarks="无", srdi_level_year=2021, tech_center_year=2020)
    new = enterprise("甲集团公司", CODE_A, industry="装备制造", tech_center_level="吉林省级", patents=2,
                     operating_status="半生产", srdi_level_text="2022年已认定吉林市级", planned_city_year=2024,
                     planned_province_year=2025, responsible_leader="张静", service_team="工业", rd_expense=2.0,
                     sales_revenue=20.0, tech_staff=2, total_staff=20, listing_status="新三板挂牌", remarks="有",
                     srdi_level_year=2022, tech_center_year=2021)
    version(con, 1, "enterprise", [old], superseded_by=2)
    version(con, 2, "enterprise", [new])
    got = changes(con, 2)
    # the code is the key (the same on both); every other column of the template changed, once each
    assert {f for _, _, f, _, _ in got} == {f.name for f in ENTERPRISE.fields} - {"credit_code"}
    assert len(got) == 18 and {(k, key) for k, key, *_ in got} == {("changed", CODE_A)}
    assert ("changed", CODE_A, "enterprise_name", "甲公司", "甲集团公司") in got
    assert ("changed", CODE_A, "patents", "1", "2") in got


def test_every_field_of_the_task_template_is_compared(con):
    old = {"task_id": "T3-1", "task_group": "甲", "item_text": "乙", "responsible_unit": "工信局", "status": "推进中",
           "completion_pct": 10.0, "progress": "丙", "problems": "丁", "next_steps": "戊", "bank_events": 1,
           "trained_persons": 1, "enterprises_served": 1, "remarks": "己"}
    new = {"task_id": "T3-1", "task_group": "甲一", "item_text": "乙一", "responsible_unit": "工信局（金融办）",
           "status": "已完成", "completion_pct": 100.0, "progress": "丙一", "problems": "丁一", "next_steps": "戊一",
           "bank_events": 2, "trained_persons": 2, "enterprises_served": 2, "remarks": "己一"}
    version(con, 1, "task", [old], superseded_by=2)
    version(con, 2, "task", [new])
    got = changes(con, 2)
    assert {f for _, _, f, _, _ in got} == {f.name for f in TASK.fields} - {"task_id"}
    assert {(k, key) for k, key, *_ in got} == {("changed", "T3-1")}
    assert con.execute("SELECT DISTINCT row_label FROM submission_changes").fetchall() == [
        ("T3-1 强化服务，营造良好金融环境",)]     # Annex 2's group name for T3-1


def test_rows_pair_by_code_then_by_name_so_a_rename_or_a_new_code_is_one_cell(con):
    version(con, 1, "enterprise", [enterprise("甲公司", CODE_A), enterprise("乙公司", None), enterprise("丙公司", None)],
            superseded_by=2)
    # 甲 renamed (same code); 乙 gains a code (same name); 丙 gone; 丁 new
    version(con, 2, "enterprise", [enterprise("甲集团公司", CODE_A), enterprise("乙公司", CODE_B),
                                   enterprise("丁公司", None)])
    assert changes(con, 2) == [
        ("added", "丁公司", None, None, None),
        ("changed", CODE_A, "enterprise_name", "甲公司", "甲集团公司"),
        ("changed", CODE_B, "credit_code", None, CODE_B),
        ("removed", "丙公司", None, None, None),
    ]


def test_values_compare_as_read_and_show_as_typed_and_a_column_one_version_lacked_is_not_compared(con):
    version(con, 1, "enterprise", [enterprise("甲公司", CODE_A, sales_revenue=1500.0, rd_expense=30.0, patents=3)],
            superseded_by=2, columns=[f.name for f in ENTERPRISE.fields if f.name != "patents"],
            texts={(2, "sales_revenue"): "1,500", (2, "rd_expense"): "30"})
    version(con, 2, "enterprise", [enterprise("甲公司", CODE_A, sales_revenue=1500.0, rd_expense=45.0, patents=9)],
            texts={(2, "sales_revenue"): "1500", (2, "rd_expense"): "45万"})
    # 1,500 retyped as 1500: no change; 30 → 45万 shown as typed; patents: the old sheet had no such column
    assert changes(con, 2) == [("changed", CODE_A, "rd_expense", "30", "45万")]
    assert con.execute("SELECT header, excel_col, excel_row FROM submission_changes").fetchall() == [("表头11", "L", 2)]


def test_a_chain_of_versions_is_compared_link_by_link_and_a_first_load_has_nothing(con):
    version(con, 1, "enterprise", [enterprise("甲公司", CODE_A, patents=1)], superseded_by=2)
    version(con, 2, "enterprise", [enterprise("甲公司", CODE_A, patents=2)], superseded_by=3)
    version(con, 3, "enterprise", [enterprise("甲公司", CODE_A, patents=2)])
    assert changes(con, 1) == []
    assert changes(con, 2) == [("changed", CODE_A, "patents", "1", "2")]
    assert changes(con, 3) == []          # the same content as version 2: 与上次报送内容相同
    assert con.execute("SELECT DISTINCT old_submission_id, new_submission_id FROM submission_changes").fetchall() == [(1, 2)]
    # what a receipt reads for its own ids is what the view holds for them
    assert con.execute("SELECT change_kind, row_key, field, old_value, new_value FROM submission_changes_of([2])"
                       ).fetchall() == changes(con, 2)
