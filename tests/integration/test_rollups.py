"""Rollups on a fixture share: every section's numbers pinned by golden files, plus the rules behind them.

The fixture is the demo share (two quarters of 2022) with arrival times set, plus small factory files:
a late report, a rejected file resubmitted in time, a second bureau contradicting the first, a fourth quarter
with recognitions, a new technology centre and a deregistration, and a 2023Q1 recognition.

Regenerate the golden files with `make golden` (SRDI_UPDATE_GOLDEN=1) and review them in the diff.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from schemas.periods import period_from_name
from schemas.sections import SECTIONS
from samples.share import build_sample_share
from tests.conftest import drop
from samples.workbooks import arrive, credit_code, enterprise_form, keep_as_text, task_form, write_xlsx
from tests.helpers import ingest_in_process, q, rollup_in_process

GOLDEN = Path(__file__).parents[1] / "golden"
UPDATE = os.environ.get("SRDI_UPDATE_GOLDEN") == "1"
Q2_AT, Q3_AT = datetime(2022, 7, 5, 9, 0), datetime(2022, 10, 10, 9, 0)   # on the deadline is on time
FORMULA_LIKE = "=需市政府协调司法鉴定资源 http://www.jiaohe.gov.cn/zjtx"
RUNS = [("quarterly", "2022Q2"), ("quarterly", "2022Q3"), ("quarterly", "2022Q4"), ("midyear", "2022H1"),
        ("annual", "2022")]
TABLES = tuple(s.table for s in SECTIONS)   # the registry's sections, every one in every golden file

KAIPU, SONGJIANG, TIANXIANG = "吉林开普科立辉动力有限公司", "吉林市松江塑料管道设备有限责任公司", "蛟河市天翔炭业有限公司"
PHARMA, TIANZHENG = "长白山制药股份有限公司", "吉林添正生物科技股份有限公司"


def _ent(name, **kw):
    base = {"enterprise_name": name, "operating_status": "生产", "service_team": "工业", "listing_status": "未上市"}
    return {**base, **kw}


def build_rollup_share(home) -> None:
    for p in build_sample_share(home.inbox):
        arrive(p, Q3_AT if period_from_name(p.stem) == "2022Q3" else Q2_AT)
    # late: 银保监's Q3 progress arrives ten days after the deadline (2022-10-10)
    arrive(write_xlsx(drop(home, "银保监", "银保监任务进展2022Q3.xlsx"), task_form("银保监", {
        "T3-1": {"status": "持续推进", "completion_pct": 60, "bank_events": 1, "enterprises_served": 3}})),
        datetime(2022, 10, 20, 9))
    # rejected, then resubmitted in time: 司法局 Q3; the resubmission's problem text looks like a formula and a link
    arrive(write_xlsx(drop(home, "司法局", "司法局任务进展2022Q3.xlsx"), task_form("司法局", {"T2-5": {"status": "差不多"}})),
           datetime(2022, 10, 5, 9))
    good = write_xlsx(drop(home, "司法局", "司法局任务进展2022Q3（修改）.xlsx"),
                      task_form("司法局", {"T2-5": {"status": "推进中", "completion_pct": 40, "problems": "x"}}))
    arrive(keep_as_text(good, {"H2": FORMULA_LIKE}), datetime(2022, 10, 9, 9))
    # a conflict: 发改局 says 天翔 is producing while 工信局 says it stopped; and 发改局's own new enterprise
    arrive(write_xlsx(drop(home, "发改局", "发改局企业情况2022Q3.xlsx"), enterprise_form([
        {"enterprise_name": TIANXIANG, "operating_status": "生产", "industry": "冶金建材"},
        _ent("蛟河市华能热力有限公司", credit_code=credit_code(9001), industry="热力生产", service_team="能源",
             srdi_level_text="已纳入吉林市培育库", planned_city_year=2024, planned_province_year=2025,
             responsible_leader="孙涛", rd_expense=30.0, sales_revenue=2000.0, tech_staff=8, total_staff=90),
    ])), datetime(2022, 10, 8, 9))
    # 2022Q4 from 工信局: two recognitions (开普 city→province in the same year), a national technology centre,
    # a deregistration, and new figures for a provincial enterprise
    arrive(write_xlsx(drop(home, "工信局", "工信局种子企业库2022Q4.xlsx"), enterprise_form([
        _ent(SONGJIANG, industry="冶金建材", tech_center_level="吉林市级", srdi_level_text="2022年已认定吉林市级",
             planned_city_year=2022, planned_province_year=2022, responsible_leader="路建国",
             rd_expense=190.0, sales_revenue=8100.0, tech_staff=13, total_staff=98),
        _ent(KAIPU, industry="装备制造", tech_center_level="吉林市级", srdi_level_text="2022年已认定吉林省级",
             planned_city_year=2022, planned_province_year=2022, responsible_leader="尤海阳",
             rd_expense=80.0, sales_revenue=8800.0, tech_staff=14, total_staff=101),
        _ent(PHARMA, industry="医药", tech_center_level="国家级", srdi_level_text="已纳入吉林市培育库",
             planned_city_year=2022, planned_province_year=2023, responsible_leader="王威",
             rd_expense=450.0, sales_revenue=22000.0, tech_staff=44, total_staff=760),
        _ent(TIANXIANG, industry="冶金建材", operating_status="注销", srdi_level_text="已纳入吉林市培育库",
             planned_city_year=2022, planned_province_year=2023, responsible_leader="路建国"),
        _ent(TIANZHENG, industry="医药", tech_center_level="吉林市级", srdi_level_text="2021年已认定省级国家级拟培育",
             planned_city_year=2022, responsible_leader="张静",
             rd_expense=150.0, sales_revenue=6500.0, tech_staff=26, total_staff=130),
    ])), datetime(2023, 1, 9, 9))
    # 2023Q1: 开普 becomes a national 小巨人 (a later, higher recognition); 长白山制药's 2022 recognition is
    # reported only now (late)
    arrive(write_xlsx(drop(home, "工信局", "工信局种子企业库2023Q1.xlsx"), enterprise_form([
        _ent(KAIPU, industry="装备制造", tech_center_level="吉林市级", srdi_level_text="2023年已认定国家级",
             planned_city_year=2022, planned_province_year=2022, responsible_leader="尤海阳",
             rd_expense=25.0, sales_revenue=2300.0, tech_staff=15, total_staff=103),
        _ent(PHARMA, industry="医药", tech_center_level="国家级", srdi_level_text="2022年已认定吉林市级",
             planned_city_year=2022, planned_province_year=2023, responsible_leader="王威",
             rd_expense=120.0, sales_revenue=5600.0, tech_staff=45, total_staff=755),
    ])), datetime(2023, 4, 8, 9))


@pytest.fixture(scope="module")
def rolled(tmp_path_factory):
    from warehouse.home import Home
    home = Home.resolve(tmp_path_factory.mktemp("rollups")).ensure()
    build_rollup_share(home)
    # the files carry their 2022 arrival times (arrive): an old share restored, so its modification times are believed
    summary = ingest_in_process(home, trust_mtime=True)
    results = {period: rollup_in_process(kind, home, period) for kind, period in RUNS}
    return home, summary, results


def rows(home, table, period):
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM {table} WHERE period = ?", [period])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def _plain(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, Decimal):
        return round(float(v), 6)
    if isinstance(v, datetime):   # an instant, as Beijing wall-clock time (the programme's zone)
        return v.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


# bureau prose copied through unchanged is left out of the golden files, which pin the computed numbers
PROSE = {"item_text", "progress", "next_steps"}


def snapshot(home, period) -> dict:
    out = {}
    for table in TABLES:
        got = [{k: _plain(v) for k, v in r.items() if k not in PROSE} for r in rows(home, table, period)]
        out[table] = sorted(got, key=lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))
    return out


def golden_text(snap: dict) -> str:
    """JSON with one row per line, so a changed number shows as one changed line in the diff."""
    parts = []
    for table in sorted(snap):
        body = ",\n".join("  " + json.dumps(r, ensure_ascii=False, sort_keys=True) for r in snap[table])
        parts.append(f' "{table}": [\n{body}\n ]' if body else f' "{table}": []')
    return "{\n" + ",\n".join(parts) + "\n}\n"


# ---------------------------------------------------------------- golden files: every section's numbers

@pytest.mark.parametrize("kind,period", RUNS, ids=[p for _, p in RUNS])
def test_sections_match_golden(rolled, kind, period):
    home, _, results = rolled
    got = snapshot(home, period)
    path = GOLDEN / f"rollup_{period}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(golden_text(got), encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run `make golden` and review the diff"
    want = json.loads(path.read_text(encoding="utf-8"))
    for table in TABLES:
        assert got[table] == want[table], f"{period} {table} differs from {path.name} (run `make golden` if intended)"
    assert results[period]["tables"]["compliance"] == len(want["compliance"])


def test_the_fixture_loaded_what_it_meant_to(rolled):
    home, summary, _ = rolled
    outcomes = {r["file"]: r["outcome"] for r in summary["results"]}
    assert outcomes["司法局/司法局任务进展2022Q3.xlsx"] == "rejected"
    assert outcomes["司法局/司法局任务进展2022Q3（修改）.xlsx"] == "loaded"
    assert outcomes["工信局/工信局种子企业库2022Q4.xlsx"] == "loaded"
    assert outcomes["发改局/发改局企业情况2022Q3.xlsx"] == "loaded"
    assert q(home, "SELECT problems FROM task_progress WHERE bureau = '司法局'") == [(FORMULA_LIKE,)]


# ---------------------------------------------------------------- compliance

def _compliance(home, period, bureau, form):
    (row,) = [r for r in rows(home, "compliance", period) if r["bureau"] == bureau and r["form"] == form]
    return row


def test_a_rejected_file_not_resubmitted_shows_rejected(rolled):
    home, _, _ = rolled
    row = _compliance(home, "2022Q2", "商务局", "task")
    assert row["status"] == "rejected"
    assert q(home, "SELECT status, file_name FROM submissions WHERE submission_id = ?", [row["submission_id"]]) == [
        ("rejected", "商务局任务进展2022年第二季度.xlsx")]
    # rejected, then resubmitted before the deadline: on time, pointing at the accepted file
    again = _compliance(home, "2022Q3", "司法局", "task")
    assert again["status"] == "on_time"
    assert q(home, "SELECT status FROM submissions WHERE submission_id = ?", [again["submission_id"]]) == [("loaded",)]


def test_a_late_file_shows_late(rolled):
    home, _, _ = rolled
    row = _compliance(home, "2022Q3", "银保监", "task")
    assert (row["status"], row["due_date"], row["days_late"]) == ("late", date(2022, 10, 10), 10)
    assert _compliance(home, "2022Q3", "工信局", "enterprise")["status"] == "on_time"   # arrived on the due date
    assert _compliance(home, "2022Q3", "农业农村局", "enterprise")["status"] == "missing"


def test_obligations_follow_the_config(rolled):
    home, _, _ = rolled
    owed = q(home, "SELECT form, count(*) FROM compliance WHERE period = '2022Q3' GROUP BY form ORDER BY form")
    assert owed == [("enterprise", 6), ("task", 13)]  # six service-team bureaus; every Annex 2 unit
    assert q(home, "SELECT count(*) FROM compliance WHERE period = '2022H1' AND report_period = '2022Q1'") == [(0,)]


# ---------------------------------------------------------------- re-running replaces

def test_rerunning_a_period_replaces_its_rows(rolled):
    home, _, _ = rolled
    counts = {t: q(home, f"SELECT count(*) FROM {t} WHERE period = '2022Q3'")[0][0] for t in TABLES}
    before = snapshot(home, "2022Q3")
    other = snapshot(home, "2022Q2")
    rollup_in_process("quarterly", home, "2022Q3")
    assert {t: q(home, f"SELECT count(*) FROM {t} WHERE period = '2022Q3'")[0][0] for t in TABLES} == counts
    assert snapshot(home, "2022Q3") == before
    assert snapshot(home, "2022Q2") == other            # other periods untouched
    assert q(home, "SELECT count(*) FROM rollup_runs WHERE period = '2022Q3'") == [(1,)]


def test_rerun_after_new_data_changes_rows_not_their_number(home):
    arrive(write_xlsx(drop(home, "人民银行", "人民银行任务2022Q3.xlsx"), task_form("人民银行", {"T3-1": {"bank_events": 1}})),
           datetime(2022, 10, 9, 9))
    ingest_in_process(home, trust_mtime=True)
    rollup_in_process("quarterly", home, "2022Q3")
    first = dict(q(home, "SELECT bureau || '/' || form, status FROM compliance WHERE period = '2022Q3'"))
    assert first["银保监/task"] == "missing" and first["人民银行/task"] == "on_time"
    arrive(write_xlsx(drop(home, "银保监", "银保监任务2022Q3.xlsx"), task_form("银保监", {"T3-1": {"bank_events": 0}})),
           datetime(2022, 10, 12, 9))
    ingest_in_process(home, trust_mtime=True)
    rollup_in_process("quarterly", home, "2022Q3")
    second = dict(q(home, "SELECT bureau || '/' || form, status FROM compliance WHERE period = '2022Q3'"))
    assert len(second) == len(first) == q(home, "SELECT count(*) FROM compliance")[0][0]
    assert second["银保监/task"] == "late"
    assert q(home, "SELECT count(*) FROM task_status WHERE period = '2022Q3' AND task_id = 'T3-1'") == [(4,)]


# ---------------------------------------------------------------- ladder

def test_ladder_changes_flag_stops_and_recognitions(rolled):
    home, _, _ = rolled
    q3 = {(r["enterprise_name"], r["change"]): r for r in rows(home, "ladder_changes", "2022Q3")}
    assert q3[(KAIPU, "new_recognition")]["to_value"].startswith("吉林市级")
    assert q3[(TIANXIANG, "status_change")]["flag"] == "停产"
    assert (("蛟河市华能热力有限公司", "new_entry")) in q3
    q4 = {(r["enterprise_name"], r["change"]): r for r in rows(home, "ladder_changes", "2022Q4")}
    assert q4[(TIANXIANG, "status_change")]["flag"] == "注销"
    assert q4[(PHARMA, "tech_center")]["to_value"] == "国家级"


def test_conflicts_name_both_bureaus(rolled):
    home, _, _ = rolled
    (c,) = rows(home, "ladder_conflicts", "2022Q3")
    assert (c["enterprise_name"], c["field"]) == (TIANXIANG, "operating_status")
    assert {(c["bureau_a"], c["value_a"]), (c["bureau_b"], c["value_b"])} == {("工信局", "停产"), ("发改局", "生产")}
    assert c["adopted_bureau"] == "工信局"          # the owning service team's report


def test_lagging_means_the_planned_year_has_ended(rolled):
    home, _, _ = rolled
    q3 = {(r["enterprise_name"], r["planned_level"]): r["status"] for r in rows(home, "ladder_lagging", "2022Q3")}
    assert set(q3.values()) == {"due_this_year"}     # 2022 plans are not late before the year ends
    year = {(r["enterprise_name"], r["planned_level"]): r["status"] for r in rows(home, "ladder_lagging", "2022")}
    assert year[(PHARMA, "吉林市级")] == "lagging"
    assert (KAIPU, "吉林省级") not in year and (SONGJIANG, "吉林市级") not in year   # recognised in Q4


# ---------------------------------------------------------------- targets: ratios judged per enterprise, sum / sum as context

def test_ratio_targets_are_judged_per_enterprise_with_sum_over_sum_as_context(rolled):
    home, _, _ = rolled
    per = [r for r in rows(home, "ratio_enterprises", "2022Q4") if r["target_id"] == "rd_ratio"]
    assert {r["enterprise_name"] for r in per} == {TIANZHENG, "吉林省松花湖管业有限公司", KAIPU}
    for r in per:
        assert r["ratio_pct"] == pytest.approx(100 * r["numerator"] / r["denominator"])
        assert r["status"] == ("meets" if r["ratio_pct"] >= 2 else "below")
    # 开普 reported 80 / 8800 in 2022Q4: 0.91 % < 2 %: the target is at risk whatever the sum over sum says
    (kaipu,) = [r for r in per if r["enterprise_name"] == KAIPU]
    assert kaipu["status"] == "below"
    (t,) = [r for r in rows(home, "target_progress", "2022Q4") if r["target_id"] == "rd_ratio"]
    assert t["status"] == "at_risk" and t["enterprises_apart"] >= 1
    # independently, from the enterprises' latest accepted figures
    hist = q(home, """SELECT rd_expense, sales_revenue FROM enterprise_history
                      WHERE period <= '2022Q4' AND enterprise_name IN (?, ?, ?)
                      QUALIFY row_number() OVER (PARTITION BY enterprise_name ORDER BY period DESC) = 1""",
             [TIANZHENG, "吉林省松花湖管业有限公司", KAIPU])
    expected = 100 * sum(r[0] for r in hist) / sum(r[1] for r in hist)
    (t,) = [r for r in rows(home, "target_progress", "2022Q4") if r["target_id"] == "rd_ratio"]
    assert t["pooled_pct"] == pytest.approx(expected)       # context, apart (issue 19)
    assert t["numerator"] == pytest.approx(sum(r[0] for r in hist))
    mean_of_ratios = sum(100 * a / b for a, b in hist) / len(hist)
    assert abs(t["pooled_pct"] - mean_of_ratios) > 0.01
    # 实际 is the verdict's basis: the enterprises meeting 2 % of those that must
    meets = sum(1 for a, b in hist if 100 * a / b >= 2)
    assert (t["actual_value"], t["actual_text"]) == (meets, f"{meets}/{len(hist)}户达标")


def test_every_target_row_is_reported(rolled):
    home, _, _ = rolled
    from schemas import reference
    got = [r["target_id"] for r in rows(home, "target_progress", "2022")]
    assert sorted(got) == sorted(t["target_id"] for t in reference.targets())
    year = {r["target_id"]: r for r in rows(home, "target_progress", "2022")}
    assert year["city_2022"]["actual_value"] == 2 and year["city_2022"]["status"] == "not_achieved"
    assert year["province_2022"]["actual_value"] == 1


# ---------------------------------------------------------------- rewards trace to their recognitions

def test_every_reward_traces_to_the_report_that_triggered_it(rolled):
    home, _, _ = rolled
    ledger = rows(home, "rewards", "2022")
    assert ledger
    for r in ledger:
        col = "srdi_level" if r["category"] == "srdi" else "tech_center_level"
        src = q(home, f"""SELECT e.enterprise_name, e.period, e.{col}, s.status FROM enterprise_reports e
                          JOIN submissions s USING (submission_id) WHERE submission_id = ? AND excel_row = ?""",
                [r["submission_id"], r["excel_row"]])
        assert src == [(r["enterprise_name"], r["trigger_period"], r["level"], "loaded")], r
        assert str(r["submission_id"]) in r["source"] and r["trigger_period"] in r["source"]
    paid = {(r["enterprise_name"], r["category"], r["level"]): r["amount_yuan"] for r in ledger}
    assert paid == {(KAIPU, "srdi", "吉林市级"): 0, (KAIPU, "srdi", "吉林省级"): 100_000,
                    (SONGJIANG, "srdi", "吉林市级"): 50_000, (PHARMA, "tech_center", "国家级"): 200_000}


def _rewards(home, year, cfg):
    """The rewards section as the flow computes it (its compute-sections step), on the fixture's data."""
    from schemas.periods import RollupPeriod
    from tasks.rollup.compute import compute_sections
    return compute_sections.fn(home, RollupPeriod.of("annual", year), cfg)["rewards"]


@pytest.mark.parametrize("option,y2022,y2023", [
    ("top_up", 100_000, 100_000),        # 2022: 省级 10万 (市级 the same year: once); 2023: 20万 − 10万
    ("full", 100_000, 200_000),          # each year's recognition in full, never twice in one year
    ("highest_only", 100_000, 0),        # one reward ever
])
def test_repeated_recognition_option(rolled, option, y2022, y2023):
    from schemas.rollup_config import load
    home, _, _ = rolled
    cfg = load(repeat_recognition=option)
    for year, want in (("2022", y2022), ("2023", y2023)):
        frame = _rewards(home, year, cfg)
        kaipu = frame.filter(frame["enterprise_name"] == KAIPU)
        assert int(kaipu["amount_yuan"].sum()) == want, (option, year, kaipu.to_dicts())


def test_a_late_reported_recognition_is_paid_in_the_year_it_was_reported(rolled):
    from schemas.rollup_config import load
    home, _, _ = rolled
    assert not any(r["enterprise_name"] == PHARMA and r["category"] == "srdi" for r in rows(home, "rewards", "2022"))
    ledger = _rewards(home, "2023", load()).to_dicts()
    (late,) = [r for r in ledger if r["enterprise_name"] == PHARMA]
    assert (late["year"], late["level"], late["amount_yuan"], late["trigger_period"]) == (2023, "吉林市级", 50_000, "2023Q1")
    assert "2022年首次认定" in late["reason"] and "2023年补报" in late["reason"]


# ---------------------------------------------------------------- tasks

def test_tasks_lagging_problems_and_bank_events(rolled):
    home, _, _ = rolled
    t = {(r["task_id"], r["responsible_unit"]): r for r in rows(home, "task_status", "2022Q2")}
    assert t[("T3-1", "人民银行")]["lagging_reason"] == "自报滞后"
    assert t[("T2-5", "工信局")]["lagging"] is False        # 未启动 in the plan's first quarter: grace
    assert t[("T2-5", "司法局")]["lagging_reason"] == "应报未报"
    q3 = {(r["task_id"], r["responsible_unit"]): r for r in rows(home, "task_status", "2022Q3")}
    assert q3[("T2-5", "司法局")]["status"] == "推进中"
    problems = {r["bureau"]: r["problem"] for r in rows(home, "task_problems", "2022Q3")}
    assert problems["司法局"] == FORMULA_LIKE
    banks = {r["report_period"]: r["held"] for r in rows(home, "bank_events", "2022")}
    assert banks == {"2022Q2": True, "2022Q3": True, "2022Q4": False}


def test_midyear_compares_the_six_service_teams(rolled):
    home, _, _ = rolled
    teams = {r["service_team"]: r for r in rows(home, "service_team_comparison", "2022H1")}
    assert set(teams) == {"农业", "工业", "建筑", "商贸", "文旅", "能源"}
    assert teams["农业"]["enterprises"] == 4 and teams["农业"]["reports_on_time"] == 1


def test_annual_cultivation_list_is_next_year(rolled):
    home, _, _ = rolled
    cl = rows(home, "cultivation_list", "2022")
    assert {r["next_year"] for r in cl} == {2023}
    names = {(r["enterprise_name"], r["target_level"], r["reason"]) for r in cl}
    assert (PHARMA, "吉林市级", "carried_over") in names
    assert (TIANZHENG, "国家级", "cultivating") in names
    assert not any(r["enterprise_name"] == TIANXIANG for r in cl)     # 注销 leaves the list


# ---------------------------------------------------------------- the pack

def test_pack_is_chinese_a4_with_frozen_headers(rolled):
    home, _, results = rolled
    path = Path(results["2022Q3"]["pack"])
    assert path == home.reports / "2022Q3" / "季调度_2022Q3.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["概要", "催报清单", "企业梯队"]
    for ws in wb.worksheets:
        # landscape where wide, at no less than 8 pt: tests/integration/test_pack_print.py
        assert ws.page_setup.orientation in ("landscape", "portrait") and str(ws.page_setup.paperSize) == "9", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title   # one page wide
        assert ws.freeze_panes == "A4", ws.title
        assert ws.print_title_rows == "$3:$3", ws.title
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页", ws.title
        assert {c.font.name for r in ws.iter_rows() for c in r if c.value is not None} == {"宋体"}, ws.title
    ws = wb["催报清单"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["应报季度", "单位", "表种", "截止日期", "报送情况"]
    status = {(r[1], r[2]): r[4] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert status[("银保监", "任务进展")] == "逾期" and status[("农业农村局", "种子企业库")] == "未报送"
    widths = {c: ws.column_dimensions[c].width for c in "ABJ"}
    assert widths["J"] > widths["A"]                          # the note column is wider than the quarter
    # a short header with a unit stays on one line: 银企对接（次） is 7 CJK characters, 1.7 units each, + 2
    ws = wb["任务进展"]
    col = next(c for c in ws[3] if c.value == "银企对接（次）").column_letter
    assert ws.column_dimensions[col].width >= 7 * 1.7 + 2 and ws.row_dimensions[3].height is None


def _summary(path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)["概要"]
    return {r[0]: r[1] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}


def _compliance_table(path) -> tuple[list[str], dict[str, tuple], dict[str, bool], list[str]]:
    """The 概要's 报送情况 table: its header, {单位: (种子企业库, 任务进展, 责任领导, 说明)}, {单位: 说明 flagged red}
    and its bureaus in order."""
    ws = openpyxl.load_workbook(path)["概要"]
    rows = list(ws.iter_rows(min_row=4))
    start = next(i for i, r in enumerate(rows) if r[0].value == "单位")
    header = [c.value for c in rows[start]]
    table, red, order = {}, {}, []
    for r in rows[start + 1:]:
        if r[2].value is None:          # the next summary line: 情况 spans the last four columns
            break
        table[r[0].value] = tuple(c.value for c in r[1:5])
        red[r[0].value] = r[4].fill.fgColor.rgb.endswith("FFC7CE")
        order.append(r[0].value)
    return header, table, red, order


def test_the_summary_chases_the_missing_apart_from_the_late_and_says_who_has_no_leader(rolled):
    home, _, results = rolled
    s = _summary(results["2022Q3"]["pack"])
    # #22: 报送情况 is a table (one row per bureau, a cell per form), no longer a run of names
    assert s["报送情况"].startswith("应报 ") and "逾期已报 1，" in s["报送情况"] and "见下表" in s["报送情况"]
    header, table, red, order = _compliance_table(results["2022Q3"]["pack"])
    assert header == ["单位", "种子企业库", "任务进展", "责任领导", "说明"]
    # 银保监's Q3 progress arrived 10 days late: not chased; it reports no enterprise form
    assert table["银保监"] == ("—（不需报送）", "逾期10天", "（未配置）", "逾期已报，已入库，不需催报") and not red["银保监"]
    assert table["农业农村局"][0] == "未报送" and table["农业农村局"][3] == "需催报" and red["农业农村局"]   # never sent
    assert table["司法局"][1] == "按时"           # rejected, then resubmitted in time
    notes = [table[b][3] for b in order]          # to chase first, then late, then on time
    assert notes == sorted(notes, key=["需催报", "逾期已报，已入库，不需催报", "未到截止", "按时"].index)
    assert s["责任领导"].startswith("责任领导未配置：") and "请系统管理员在配置中填写" in s["责任领导"]
    assert "[leaders]" not in s["责任领导"] and "rollup_config" not in s["责任领导"]     # leaders read the pack (#19)
    assert "国家技术创新示范企业奖励（二、（二）" in s["未计算的奖励"] and "高校毕业生补贴（二、（四）" in s["未计算的奖励"]
    assert s["奖励台账"].startswith("2022年截至第三季度末 预计一次性奖励 1 笔")   # a dispatch: provisional (issue 19); 开普 吉林市级, 50,000
    # the flow's result says the same as the 概要
    assert any(n.startswith("责任领导未配置：") for n in results["2022Q3"]["notices"])


def test_no_enterprise_is_counted_twice_in_a_summary_line(rolled):
    home, _, results = rolled
    s = _summary(results["2022"]["pack"])
    lag = s["滞后企业"]
    lagging, due = lag.split("；本年到期")
    for name in re.findall(r"[\u4e00-\u9fff]+有限(?:责任)?公司", due):
        assert name not in lagging, name
    changes = s["企业变动"]
    for name in set(re.findall(r"[\u4e00-\u9fff]+有限(?:责任)?公司", changes)):
        assert changes.count(name) == 1, (name, changes)


def test_bureau_text_stays_text_in_the_pack(rolled):
    home, _, results = rolled
    wb = openpyxl.load_workbook(results["2022Q3"]["pack"])
    ws = wb["报市政府问题"]
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.value == FORMULA_LIKE]
    assert cells and all(c.data_type == "s" and c.hyperlink is None for c in cells)


def test_every_pack_exists(rolled):
    home, _, results = rolled
    names = {p: Path(r["pack"]).name for p, r in results.items()}
    assert names == {"2022Q2": "季调度_2022Q2.xlsx", "2022Q3": "季调度_2022Q3.xlsx", "2022Q4": "季调度_2022Q4.xlsx",
                     "2022H1": "半年例会_2022H1.xlsx", "2022": "年度总结_2022.xlsx"}
    assert all(Path(r["pack"]).exists() for r in results.values())
    for period, result in results.items():        # every pack: the ledger, the categories not computed, the teams
        names = openpyxl.load_workbook(result["pack"]).sheetnames
        assert {"奖励台账", "奖励类别", "专班比较", "目标明细"} <= set(names), (period, names)
    assert "明年培育名单" in openpyxl.load_workbook(results["2022"]["pack"]).sheetnames


# ---------------------------------------------------------------- default periods, CLI, config, SQL
# (the backfill flow and the artifacts: tests/e2e/test_flows.py)

@pytest.mark.parametrize("kind,today,expected", [
    ("quarterly", date(2023, 1, 10), "2022Q4"), ("quarterly", date(2022, 7, 10), "2022Q2"),
    ("midyear", date(2022, 7, 15), "2022H1"), ("midyear", date(2023, 1, 15), "2022H2"),
    ("annual", date(2023, 1, 10), "2022"),
])
def test_default_period_is_the_one_just_ended(kind, today, expected):
    from schemas.periods import default_period
    assert default_period(kind, today) == expected


def test_periods_between_and_bad_periods():
    from schemas.periods import check_period, periods_between
    assert periods_between("quarterly", "2022Q3", "2023Q2") == ["2022Q3", "2022Q4", "2023Q1", "2023Q2"]
    assert periods_between("midyear", "2022H1", "2023H1") == ["2022H1", "2022H2", "2023H1"]
    with pytest.raises(ValueError):
        check_period("midyear", "2022Q1")
    with pytest.raises(ValueError):
        periods_between("annual", "2023", "2022")


def test_cli_has_rollup_and_backfill(capsys, tmp_path):
    from srdi.cli import main
    for cmd in (["rollup", "--help"], ["backfill", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(cmd)
        assert exc.value.code == 0
    assert main(["rollup", "quarterly", "--period", "2022H1", "--home", str(tmp_path)]) == 2
    assert "2022Q2" in capsys.readouterr().err


def test_config_defaults_and_validation(tmp_path):
    from schemas.rollup_config import ConfigError, default_text, load
    cfg = load()
    assert cfg.owes("enterprise") == ("农业农村局", "工信局", "住建局", "商务局", "文广旅局", "发改局")
    assert len(cfg.owes("task")) == 13 and "组织部" not in cfg.owes("task")
    assert cfg.deadline_days == 10 and cfg.repeat_recognition == "top_up"
    assert cfg.obligations_for("2022Q1") == []
    bad = tmp_path / "rules.toml"
    bad.write_text(default_text().replace('repeat_recognition = "top_up"', 'repeat_recognition = "twice"'), encoding="utf-8")
    with pytest.raises(ConfigError):
        load(bad)
    leaders = tmp_path / "leaders.toml"
    leaders.write_text(default_text().replace("[leaders]\n", '[leaders]\n"市工信局" = "张三"\n'), encoding="utf-8")
    assert load(leaders).leader("工信局") == "张三"


def test_every_rollup_sql_file_states_its_grain_and_takes_parameters():
    from importlib import resources
    files = [f for area in ("rollups", "models", "audit") for f in resources.files("warehouse.sql").joinpath(area).iterdir()
             if f.name.endswith(".sql")]
    assert len(files) >= 30
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert text.startswith("-- grain: "), f.name
        # values are bound parameters; the placeholders are names from the models (tables, columns) and what
        # warehouse/rollups.py derives from them (a table's definitions, a comment's quoted text)
        for allowed in ("{}", "{table}", "{column}", "{columns}", "{counts}", "{parent}", "{definitions}", "{comment}"):
            text = text.replace(allowed, "")
        assert "{" not in text, f.name


def test_every_section_of_the_registry_has_its_sql_and_its_table():
    from schemas.sections import SECTIONS
    from warehouse.sql import load
    from warehouse.rollups import rollup_ddl
    ddl = rollup_ddl()
    for s in SECTIONS:
        assert s.sql == f"models/{s.table}" and load(s.sql).startswith("-- grain: "), s.sql
        assert f"CREATE TABLE IF NOT EXISTS {s.table} (" in ddl, s.table


@pytest.mark.parametrize("kind,period", RUNS, ids=[p for _, p in RUNS])
def test_each_table_holds_one_row_per_key_of_its_stated_grain(rolled, kind, period):
    from schemas.sections import sections_for
    home, _, _ = rolled
    for s in sections_for(kind):
        got = rows(home, s.table, period)
        keys = [tuple(r[k] for k in s.key) for r in got]
        assert len(keys) == len(set(keys)), f"{s.table} {period}: key {s.key} repeats"


def test_a_rollup_reads_the_identity_views_once_and_leaves_nothing_behind(rolled):
    """compute_all snapshots the identity views as temporary tables of the same names (#23: computed once a run, not
    once a statement): inside the snapshot the macros read it (emptied, the library's state is empty too), and after
    the run no temporary table is left and the views answer as before."""
    from tasks.rollup.compute import compute_all, load_rollup_config, resolve_period
    from warehouse import rollups as wr
    from warehouse.connection import connect, transaction
    home, _, _ = rolled
    state = "SELECT count(*) FROM enterprise_state_as_of('2022Q4')"
    temporary = "SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY ALL"
    with connect(home.writer_db) as con:
        before = con.execute(state).fetchone()[0]
        assert before > 0
        with transaction(con), wr.staged(con, {}, ("identities",)):
            assert [r[0] for r in con.execute(temporary).fetchall()] == [
                "enterprise_baseline_identities", "enterprise_history", "enterprise_names",
                "enterprise_registry_identities"]
            assert con.execute(state).fetchone()[0] == before
            con.execute("DELETE FROM temp.enterprise_registry_identities")
            assert con.execute(state).fetchone()[0] == 0       # the macro read the snapshot, not the view
        cfg = load_rollup_config(home)
        compute_all(con, resolve_period("quarterly", "2022Q4", cfg.time_zone), cfg)
        assert con.execute(temporary).fetchall() == []
        assert con.execute(state).fetchone()[0] == before


# ---------------------------------------------------------------- data tests in production (#20 item 4)

def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_rollup_whose_data_test_fails_stores_publishes_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """A compute SQL that repeats a row (compliance's first row twice) fails the rollup with the one-line message
    naming the table, the test and the key; the period's stored rows, the analyst copy, the previous pack and the
    dashboard stay as the good run left them; `srdi rollup` says that line and exits 5."""
    from srdi.cli import main
    from srdi.commands import rollup as cli_rollup
    from warehouse import rollups as wr
    from warehouse.audit import RollupAuditFailed
    from warehouse.home import Home
    home = Home.resolve(tmp_path / "home").ensure()
    build_rollup_share(home)
    ingest_in_process(home, trust_mtime=True)
    rollup_in_process("quarterly", home, "2022Q2")
    before = {"reports": _files(home.reports), "analyst": home.warehouse.read_bytes(),
              "runs": rows(home, "rollup_runs", "2022Q2"), "compliance": rows(home, "compliance", "2022Q2")}
    assert before["compliance"] and any(name.endswith(".xlsx") for name in before["reports"])

    original = wr.rollup_sql

    def repeat_a_row(name: str) -> str:
        text = original(name)
        if name != "models/compliance":
            return text
        body = text.rstrip().rstrip(";")
        return f"WITH computed AS ({body}\n) SELECT * FROM computed UNION ALL (SELECT * FROM computed LIMIT 1)"
    monkeypatch.setattr(wr, "rollup_sql", repeat_a_row)

    with pytest.raises(RollupAuditFailed) as failed:
        rollup_in_process("quarterly", home, "2022Q2")
    message = str(failed.value)
    assert "\n" not in message and "汇总数据检查未通过" in message
    keys = {f"2022Q2 / {r['report_period']} / {r['bureau']} / {r['form']} ×2" for r in before["compliance"]}
    (shown,) = re.findall(r"compliance unique \(period, report_period, bureau, form\): (.*?×2)", message)
    assert shown in keys
    after = {"reports": _files(home.reports), "analyst": home.warehouse.read_bytes(),
             "runs": rows(home, "rollup_runs", "2022Q2"), "compliance": rows(home, "compliance", "2022Q2")}
    assert after == before

    # the command: one line, exit 6 (the library is run in process here, on the lock the command holds; tests/e2e
    # run the flow under Prefect)
    from flows.pipeline import compute_rollup
    from srdi.exits import Exit
    monkeypatch.setattr(cli_rollup, "run_flow", lambda flow, home, period, lock=None:
                        compute_rollup("quarterly", Home.resolve(home), period, lock=lock))
    monkeypatch.setattr(cli_rollup, "quiet_prefect", lambda home: None)   # no Prefect server: this tier has none
    code = main(["rollup", "quarterly", "--period", "2022Q2", "--home", str(home.root)])
    err = capsys.readouterr().err
    assert code == Exit.AUDIT == 6
    assert [line for line in err.splitlines() if "汇总数据检查未通过" in line] == [f"srdi rollup: {message}"]
    assert _files(home.reports) == before["reports"]
