"""The history dashboard (dashboards/history.py, warehouse/sql/history/) on a small given set of rollup rows, on
in-memory DuckDB: every figure the page shows is compared with a value worked out by hand in the comments below.

Given: five rolled-up periods (rollup_runs)

    period  kind       quarters        as_of        computed_at
    2022Q3  quarterly  2022Q3          2022-10-11   2022-10-11 01:00
    2022    annual     2022Q1–2022Q4   2023-01-11   2023-01-11 01:00
    2022Q4  quarterly  2022Q4          2023-01-12   2023-01-12 01:00   (a dispatch re-run after the annual summary)
    2023Q2  quarterly  2023Q2          2023-07-11   2023-07-11 01:00

Nothing reaches 2022Q1–2022Q2's end (2022H1) or 2023Q1: those show 未汇总.
"""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import polars as pl
import pytest

from dashboards.history import choose, read_history_data, render_history
from warehouse.connection import connect_memory
from warehouse.rollups import apply_rollup_schema

UTC = timezone.utc
GX, NY, RMYH = "工信局", "农业农村局", "人民银行"


def _given(con, table: str, rows: list[dict]) -> None:
    con.register("_given", pl.DataFrame(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _given")
    con.unregister("_given")


def _run(period, kind, first, last, as_of, hour_day):
    return {"period": period, "kind": kind, "first_quarter": first, "last_quarter": last, "as_of": as_of,
            "computed_at": datetime(*hour_day, 1, tzinfo=UTC)}


RUNS = [_run("2022Q3", "quarterly", "2022Q3", "2022Q3", date(2022, 10, 11), (2022, 10, 11)),
        _run("2022", "annual", "2022Q1", "2022Q4", date(2023, 1, 11), (2023, 1, 11)),
        _run("2022Q4", "quarterly", "2022Q4", "2022Q4", date(2023, 1, 12), (2023, 1, 12)),
        _run("2023Q2", "quarterly", "2023Q2", "2023Q2", date(2023, 7, 11), (2023, 7, 11))]


def _c(period, quarter, bureau, form, status):
    return {"period": period, "report_period": quarter, "bureau": bureau, "form": form,
            "due_date": date(2023, 1, 10), "status": status}


# compliance: the 催报清单 rows each period stored
COMPLIANCE = [
    # the 2022Q3 dispatch, before the late reports
    _c("2022Q3", "2022Q3", GX, "enterprise", "on_time"), _c("2022Q3", "2022Q3", GX, "task", "missing"),
    _c("2022Q3", "2022Q3", NY, "enterprise", "missing"), _c("2022Q3", "2022Q3", RMYH, "task", "on_time"),
    # the 2022 annual summary: 2022Q2, 2022Q3 (工信局's task now late: it came after the dispatch), 2022Q4
    _c("2022", "2022Q2", GX, "enterprise", "on_time"), _c("2022", "2022Q2", GX, "task", "on_time"),
    _c("2022", "2022Q2", NY, "enterprise", "late"),
    _c("2022", "2022Q3", GX, "enterprise", "on_time"), _c("2022", "2022Q3", GX, "task", "late"),
    _c("2022", "2022Q3", NY, "enterprise", "missing"), _c("2022", "2022Q3", RMYH, "task", "on_time"),
    _c("2022", "2022Q4", GX, "enterprise", "missing"), _c("2022", "2022Q4", GX, "task", "missing"),
    _c("2022", "2022Q4", NY, "enterprise", "missing"),
    # the 2022Q4 dispatch re-run a day later (as_of 2023-01-12): its 2022Q4 verdicts are the latest
    _c("2022Q4", "2022Q4", GX, "enterprise", "on_time"), _c("2022Q4", "2022Q4", GX, "task", "rejected"),
    _c("2022Q4", "2022Q4", NY, "enterprise", "missing"),
    # 2023Q2: 农业农村局's deadline not passed when it ran
    _c("2023Q2", "2023Q2", GX, "enterprise", "on_time"), _c("2023Q2", "2023Q2", GX, "task", "on_time"),
    _c("2023Q2", "2023Q2", NY, "enterprise", "not_due"),
]


def _ladder(period, breakdown, group, seed, city, province, national, stopped=0):
    return {"period": period, "breakdown": breakdown, "group_value": group, "seed_count": seed, "city_count": city,
            "province_count": province, "national_count": national,
            "total_count": seed + city + province + national, "stopped_count": stopped}


LADDER = [_ladder("2022Q3", "all", "全部企业", 10, 2, 2, 0),
          _ladder("2022", "all", "全部企业", 9, 3, 2, 0, stopped=1),
          _ladder("2022", "service_team", "工业", 1, 1, 0, 0),           # a breakdown, not the 合计 row
          _ladder("2022Q4", "all", "全部企业", 8, 4, 2, 0),
          _ladder("2023Q2", "all", "全部企业", 9, 3, 3, 1)]


def _target(period, tid, name, value, actual, status, scope="cumulative", year=2025):
    return {"period": period, "target_id": tid, "target": name, "scope": scope, "unit": "户", "target_value": value,
            "actual_value": actual, "actual_text": str(actual), "expected_value": 4.0, "gap": value - actual,
            "status": status, "deadline_year": year}


CITY_TOTAL, CITY_2022 = "培育吉林市级“专精特新”中小企业（十四五累计）", "2022年培育吉林市级“专精特新”中小企业"
TARGETS = [_target("2022", "city_2022", CITY_2022, 3, 2, "not_achieved", "year:2022", 2022),   # stored in this order
           _target("2022", "city_total", CITY_TOTAL, 10, 4, "on_track"),
           _target("2022Q4", "city_total", CITY_TOTAL, 10, 99, "achieved"),
           _target("2023Q2", "city_total", CITY_TOTAL, 10, 5, "at_risk")]


def _reward(period, name, category, level, status, amount, change=None):
    return {"period": period, "year": int(period[:4]), "enterprise_name": name, "category": category, "level": level,
            "status": status, "reason": "认定", "amount_yuan": amount, "full_amount_yuan": max(amount, 50000),
            "rule": "r", "repeat_recognition": "top_up", "source": "s", "change_note": change}


REWARDS = [_reward("2022", "甲", "srdi", "吉林省级", "accrued", 100000),
           _reward("2022", "乙", "tech_center", "国家级", "accrued", 200000),
           _reward("2022", "丙", "srdi", "吉林市级", "no_repeat", 0),
           _reward("2022", "丁", "srdi", "吉林市级", "pending", 0),
           _reward("2022Q4", "戊", "srdi", "吉林市级", "provisional", 50000),
           _reward("2023Q2", "己", "srdi", "吉林市级", "provisional", 50000, change="较2023年第一季度季调度预计：新增")]


@pytest.fixture(scope="module")
def page() -> str:
    con = connect_memory()
    apply_rollup_schema(con)
    for table, rows in (("rollup_runs", RUNS), ("compliance", COMPLIANCE), ("ladder_counts", LADDER),
                        ("target_progress", TARGETS), ("rewards", REWARDS)):
        _given(con, table, rows)
    text = render_history(read_history_data(con))
    con.close()
    return text


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()


def cell(page: str, **data) -> tuple[str, list[str]]:
    """(class, the words shown) of the one <td> carrying these data-* attributes, in this order."""
    attrs = "".join(f' data-{k}="{html.escape(v)}"' for k, v in data.items())
    (found,) = re.findall(rf'<td class="([^"]*)"{attrs}[^>]*>(.*?)</td>', page)
    return found[0], _text(found[1])


def test_reporting_rate_per_bureau_and_quarter(page):
    """Each quarter's forms with the latest verdict (latest as_of), counted: reported (按时 or 逾期) / owed."""
    expect = {
        # 2022Q2, judged by the annual only: 工信局 both on time 2/2; 农业农村局 late 1/1; 人民银行 owes nothing
        ("2022Q2", GX): ("rate-full", ["2/2", "100%"]), ("2022Q2", NY): ("rate-late", ["1/1", "100%"]),
        ("2022Q2", RMYH): ("cp-none", ["—"]),
        ("2022Q2", "全部单位"): ("rate-late", ["3/3", "100%"]),
        # 2022Q3: the annual (as_of 2023-01-11) over the dispatch (2022-10-11): 工信局's task late → 2/2 with a late one
        ("2022Q3", GX): ("rate-late", ["2/2", "100%"]), ("2022Q3", NY): ("rate-none", ["0/1", "0%"]),
        ("2022Q3", RMYH): ("rate-full", ["1/1", "100%"]),
        ("2022Q3", "全部单位"): ("rate-part", ["3/4", "75%"]),              # 2 + 0 + 1 of 2 + 1 + 1
        # 2022Q4: the re-run dispatch (as_of 2023-01-12) over the annual: 工信局 on time + rejected → 1/2
        ("2022Q4", GX): ("rate-part", ["1/2", "50%"]), ("2022Q4", NY): ("rate-none", ["0/1", "0%"]),
        ("2022Q4", RMYH): ("cp-none", ["—"]),
        ("2022Q4", "全部单位"): ("rate-part", ["1/3", "33%"]),              # 100 × 1/3 = 33.3 → 33%
        # 2023Q1: no rollup spans it
        ("2023Q1", GX): ("hs-empty", ["未汇总"]), ("2023Q1", "全部单位"): ("hs-empty", ["未汇总"]),
        # 2023Q2: 工信局 2/2 on time; 农业农村局's deadline had not passed (owed 0); 全部单位 2 of 2 owed
        ("2023Q2", GX): ("rate-full", ["2/2", "100%"]), ("2023Q2", NY): ("cp-not_due", ["未到截止"]),
        ("2023Q2", "全部单位"): ("rate-full", ["2/2", "100%"]),
    }
    for (quarter, bureau), want in expect.items():
        assert cell(page, bureau=bureau, quarter=quarter) == want, (quarter, bureau)
    # the grid's columns: every quarter from the first judged (2022Q2) to the last reached (2023Q2), none skipped
    grid = page.split('<table id="report-grid"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th[^>]*>(\d{4}年第.季度)</th>", grid) == [
        "2022年第二季度", "2022年第三季度", "2022年第四季度", "2023年第一季度", "2023年第二季度"]
    # the bureaus by name, then 全部单位 last
    body = page.split('<table id="report-grid"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<tr(?: class="total")?><td class="nw">([^<]+)</td>', body) == sorted([GX, NY, RMYH]) + ["全部单位"]


def test_ladder_per_half_year(page):
    """2022H1: nothing ends in it; 2022H2: the annual 2022 (the longest of the two ending 2022Q4, not the later
    re-run dispatch's 8/4/2/0); 2023H1: the 2023Q2 dispatch. Breakdown rows other than the 合计 are not read."""
    expect = {"2022H1": ["未汇总"] * 6,
              "2022H2": ["9", "3", "2", "0", "14", "1"],
              "2023H1": ["9", "3", "3", "1", "16", "0"]}
    for half, values in expect.items():
        got = [cell(page, level=col, half=half)[1] for col in
               ("seed_count", "city_count", "province_count", "national_count", "total_count", "stopped_count")]
        assert [" ".join(g) for g in got] == values, half
    head = page.split('<table id="ladder-history"', 1)[1].split("</thead>", 1)[0]
    assert "截至2022年第四季度末 · 据2022年（年度总结）" in head
    assert "截至2023年第二季度末 · 据2023年第二季度（季调度）" in head
    assert "没有汇总到该期的会议材料" in head                                  # 2022H1


def test_each_target_over_time_with_its_policy_value(page):
    """Rows in the policy's order as the latest period stores them (city_total, 2023Q2), then the target only 2022
    had; 2023H1 does not judge city_2022 (—)."""
    table = page.split('<table id="target-history"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><td class="wide">([^<]+)</td><td class="nw">([^<]+)</td>', table)
    assert [(html.unescape(a), html.unescape(b)) for a, b in rows] == [
        (CITY_TOTAL, "10 户（累计，2025年）"), (CITY_2022, "3 户（2022年当年，2022年）")]
    assert cell(page, target="city_total", half="2022H1") == ("hs-empty", ["未汇总"])
    assert cell(page, target="city_total", half="2022H2") == ("nw", ["4", "进度正常"])     # the annual, not 99
    assert cell(page, target="city_total", half="2023H1") == ("nw", ["5", "有风险"])
    assert cell(page, target="city_2022", half="2022H2") == ("nw", ["2", "未完成"])
    assert cell(page, target="city_2022", half="2023H1") == ("cp-none", ["—"])


def test_rewards_per_year_final_or_provisional(page):
    """2022: the annual summary's ledger (preferred over the later 2022Q4 dispatch's 50,000 预计): 应兑现 2 rows,
    100,000 + 200,000 = 300,000 (专精特新 100,000, 技术中心 200,000), 1 待核实, 1 不重复奖励, no change.
    2023: the 2023Q2 dispatch's ledger: 预计 1 row, 50,000, one change against the dispatch before."""
    table = page.split('<table id="reward-history"', 1)[1].split("</table>", 1)[0]
    rows = {y: _text(r) for y, r in re.findall(r'<tr data-year="(\d{4})"[^>]*>(.*?)</tr>', table)}
    assert rows["2022"] == ["2022年", "截至2022年第四季度末，据2022年（年度总结）", "应兑现", "2", "300,000",
                            "100,000", "200,000", "1", "1", "0"]
    assert rows["2023"] == ["2023年", "截至2023年第二季度末（未到期末），据2023年第二季度（季调度）",
                            "预计（以年度总结为准）", "1", "50,000", "50,000", "0", "0", "0", "1"]
    assert 'data-year="2022" data-status="accrued"' in table and 'data-year="2023" data-status="provisional"' in table


def test_the_slot_rule():
    """A slot shows the run ending latest inside it, then the longest, then the latest computed."""
    runs = [dict(r) for r in RUNS]
    assert choose(runs, "2022H1") is None
    assert choose(runs, "2022H2")["period"] == "2022"        # 2022 and 2022Q4 both end 2022Q4: the longer
    assert choose(runs, "2022")["period"] == "2022"
    assert choose(runs, "2023")["period"] == "2023Q2"
    assert choose(runs, "2024") is None


def test_before_any_rollup_the_page_says_so():
    con = connect_memory()
    try:
        assert read_history_data(con) is None                 # no rollup tables at all
        apply_rollup_schema(con)
        assert read_history_data(con) is None                 # tables, no rolled-up period
        text = render_history(None)
        assert "尚未汇总任何报告期" in text and "<table" not in text
    finally:
        con.close()
