"""#14 through the real flows: recognition years typed into a bureau's workbook reach the annual pack's rewards
ledger, and the next quarter's template carries them beside their levels.

The workbook is tests/integration/test_clerk.py's `_recognitions_2022q4` (工信局, 2022Q4); the expected ledger is worked out by
hand from 二、（一）（二） and docs/rollups.md rule 23 (paid only when the evidence dates the recognition on or after
2022-04-28; a bare year on a new enterprise cannot, so it waits as 待核实).
"""
from __future__ import annotations

import duckdb
import openpyxl

from tests.integration.test_clerk import KAIPU, NAMES, SONGJIANG, TIANXIANG, _recognitions_2022q4


def _published(home, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_workbook_with_recognition_years_through_ingest_and_the_annual_rollup(home):
    from tasks.bureau.templates import template_name
    from tests.helpers import ingest_in_process, rollup_in_process, templates_in_process

    _recognitions_2022q4(home)
    summary = ingest_in_process(home, trust_mtime=True)
    assert [r["outcome"] for r in summary["results"]] == ["loaded"]
    result = rollup_in_process("annual", home, "2022")

    ledger = _published(home, """SELECT enterprise_name, category, level, status, amount_yuan FROM rewards
                                  WHERE period = '2022' ORDER BY 1, 2, 3""")
    assert ledger == sorted([
        (TIANXIANG, "tech_center", "吉林省级", "accrued", 100_000),   # no centre in Annex 1, 2022: after the plan
        (NAMES[0], "tech_center", "吉林省级", "pending", 0),          # new, a bare 2022: maybe before 28 April
        (NAMES[1], "tech_center", "国家级", "predates", 0),           # its 2019 centre predates the plan (issue 19)
        (SONGJIANG, "srdi", "吉林市级", "accrued", 50_000),           # the text's 2022 (the column said 2021)
        (KAIPU, "srdi", "吉林市级", "accrued", 50_000),               # 认定年份 typed as a date in 2022
    ])

    # the pack's 奖励台账 says the same, in Chinese
    ws = openpyxl.load_workbook(result["pack"])["奖励台账"]
    lines = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    tianxiang = next(r for r in lines if TIANXIANG in r)
    assert "企业技术中心" in tianxiang and "应兑现" in tianxiang and 100_000 in tianxiang
    pending = next(r for r in lines if NAMES[0] in r)
    assert "待核实" in pending and any("2022-01-01至2022-12-31之间" in str(v) for v in pending)
    predates = next(r for r in lines if NAMES[1] in r)               # its 2019 centre predates the plan: named, unpaid
    assert any("方案印发前认定" in str(v) for v in predates) and "应兑现" not in predates

    # `srdi templates` for 2023Q1: both years beside their levels, prefilled
    templates_in_process(home, "2023Q1")
    ws = openpyxl.load_workbook(home.outbox / "工信局" / template_name("工信局", "enterprise", "2023Q1")).worksheets[0]
    header = [str(c.value).replace("\n", "") if c.value else None for c in ws[3]]
    at = {h: i for i, h in enumerate(header)}
    assert at["技术中心认定年份"] == at["技术中心"] + 1 and at["认定年份"] == at["“专精特新”认定级别"] + 1
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert (rows[TIANXIANG][at["技术中心"]], rows[TIANXIANG][at["技术中心认定年份"]]) == ("吉林省级", 2022)
    assert (rows[SONGJIANG][at["“专精特新”认定级别"]], rows[SONGJIANG][at["认定年份"]]) == ("已认定吉林市级", 2022)
