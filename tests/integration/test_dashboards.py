"""Offline dashboards: built by the rollup flows beside each pack from the rollup tables only (the rows the pack
shows), self-contained and escaped. The same pages in a real browser: tests/e2e/test_dashboards_browser.py.
"""
from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from importlib import resources
from pathlib import Path

import openpyxl
import pytest

from dashboards import write_index, write_period_dashboard
from schemas import labels
from schemas.sections import SECTIONS, TABLES
from tests.helpers import HOSTILE_NAMES, build_demo, ingest_in_process, rollup_in_process
from warehouse.connection import connect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboards"
CHROMIUM = Path("/usr/bin/chromium")
PERIODS = ("2022Q2", "2022Q3", "2022H1", "2022")
# the pack's sheets are laid out as tasks/rollup/pack.py writes them: title, a line saying what a row is, header
HEADER_ROW = 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def before_rollups(demo, tmp_path_factory) -> Path:
    """The same data as an analyst copy that no rollup has touched: dashboards must still render."""
    root = tmp_path_factory.mktemp("before-rollups")
    db = root / "warehouse.duckdb"
    shutil.copyfile(demo.warehouse, db)
    con = connect(db)
    for name in TABLES:                      # every table a rollup writes
        con.execute(f"DROP TABLE IF EXISTS {name}")
    assert "compliance" not in {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    write_period_dashboard(con, root / "reports", "2022Q2")
    con.close()
    return root / "reports"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def dashboard(demo, period: str) -> str:
    return read(demo.reports / period / f"dashboard_{period}.html")


def visible_text(page: str) -> str:
    """What a reader can see or hover over: no style, script, tags or attributes."""
    page = re.sub(r"<(style|script)>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


# ---------------------------------------------------------------- the files

def test_the_rollup_flows_put_a_dashboard_beside_each_pack(demo):
    index = read(demo.reports / "index.html")
    for p in PERIODS:
        folder = demo.reports / p
        assert (folder / f"dashboard_{p}.html").is_file()
        assert list(folder.glob("*.xlsx")), f"no meeting pack beside the {p} dashboard"
        assert f'href="{p}/dashboard_{p}.html"' in index
    # newest first: the year, then its second half's quarters, the half-year, the first quarters
    order = [index.index(f'href="{p}/dashboard_{p}.html"') for p in ("2022", "2022Q3", "2022H1", "2022Q2")]
    assert order == sorted(order)
    assert "2022年上半年（半年例会） 数据看板" in index and "2022年（年度总结） 数据看板" in index


def test_every_value_is_escaped(demo):
    page = dashboard(demo, "2022Q3")
    for name in HOSTILE_NAMES:
        assert html.escape(name, quote=True) in page, name
        assert name not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1
    assert "<img" not in page and "<b>粗体" not in page


def test_pages_load_nothing_from_anywhere(demo, before_rollups):
    pages = sorted(demo.reports.rglob("*.html")) + sorted(before_rollups.rglob("*.html"))
    # the demo's index, dashboards and history page; the pre-rollup ones (a period page and its index)
    assert len(pages) == (1 + len(PERIODS) + 1) + 2
    for path in pages:
        page = read(path)
        assert not re.search(r"(?i)\b(?:https?|ftp|wss?):|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(", page), path
        for attr, value in re.findall(r'\b(src|href|action|srcset)\s*=\s*"([^"]*)"', page):
            assert value.startswith("data:") or (":" not in value and not value.startswith("/")), (path, attr, value)
        assert re.findall(r"<link\b[^>]*>", page) == ['<link rel="icon" href="data:,">']
        assert " style=" not in page    # an inline style attribute would need 'unsafe-inline': colours are classes


def test_the_content_security_policy_allows_only_the_pages_own_style_and_script(demo):
    page = dashboard(demo, "2022")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    for tag, directive, asset in (("style", "style-src", "style.css"), ("script", "script-src", "search.js")):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.S)
        # the inlined text is the package's own file, byte for byte
        assert body == resources.files("dashboards").joinpath(asset).read_text(encoding="utf-8")
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def _tbody_rows(page: str, table_id: str) -> int:
    table = page.split(f'<table id="{table_id}">', 1)[1].split("</table>", 1)[0]
    return table.split("<tbody>", 1)[1].count("<tr>")


def _funnel(page: str) -> list[int]:
    """The four tiers' figures, widest first."""
    return [int(n) for n in re.findall(r'<g class="tier" data-tier="\d">.*?class="big [^"]*">(\d+) 户</text>', page)]


def test_the_registry_decides_which_sections_the_page_shows(demo):
    shown = [s.table for s in SECTIONS if s.dashboard]
    assert set(shown) == {"target_progress", "ladder_counts", "ladder_enterprises", "compliance", "task_status",
                          "ladder_lagging", "rewards", "reward_categories", "rollup_notices"}
    for p in PERIODS:
        ids = re.findall(r'<section id="([^"]+)">', dashboard(demo, p))
        assert sorted(ids) == sorted(shown), (p, ids)


def test_the_ladder_is_the_library_at_the_period_end_not_who_reported_that_quarter(demo):
    """Policy Annex 1 (附件1) puts 12 enterprises in the library in 2022, two of them already 吉林省级 (2021年已认定省级:
    吉林添正生物科技、吉林省松花湖管业). In 2022Q2 only two bureaus sent the enterprise form, and none of the demo's
    reports changes a level that quarter: the ladder at the end of 2022Q2 is those 12, not the ones reported."""
    page = dashboard(demo, "2022Q2")
    assert _funnel(page) == [12, 2, 2, 0]
    assert _tbody_rows(page, "enterprise-table") == 12
    assert 'id="ladder-stopped">其中经营状态为停产或注销 <b>0</b> 户' in page


def test_no_code_reaches_the_page_untranslated(demo, before_rollups):
    codes = {*labels.COMPLIANCE, *labels.TARGET_STATUS, *labels.FORM, *labels.BREAKDOWN, *labels.LAGGING,
             *labels.REWARD_STATUS, "tech_center"}          # ("srdi", the other category, is also the tool's name)
    pages = [demo.reports / p / f"dashboard_{p}.html" for p in PERIODS] + [before_rollups / "2022Q2" / "dashboard_2022Q2.html",
                                                                          demo.reports / "dashboard_history.html"]
    for path in pages:
        text = visible_text(read(path))
        found = sorted(c for c in codes if re.search(rf"(?<![A-Za-z_]){c}(?![A-Za-z_])", text))
        assert not found, (path.name, found)
        assert not re.search(r"\b(?:None|True|False|nan|NaT)\b", text), path.name
    assert "有风险" in visible_text(dashboard(demo, "2022"))          # at_risk, in the catalogue's words
    assert "无数据" in visible_text(dashboard(demo, "2022"))          # no_data: the legend names it too


def test_the_history_page_is_written_with_every_rollup_and_linked_from_the_index(demo):
    """The demo rolls up 2022Q2, 2022Q3, 2022H1 and 2022 (docs/rollups.md): the history page spans 2022Q2 (the first
    quarter owed, 2022H1's first quarter owes nothing) to 2022Q4, half-years 2022H1 and 2022H2, the year 2022."""
    index = read(demo.reports / "index.html")
    assert index.count('href="dashboard_history.html"') == 1
    assert index.index('href="dashboard_history.html"') < index.index('href="2022/dashboard_2022.html"')   # first
    page = read(demo.reports / "dashboard_history.html")
    grid = page.split('<table id="report-grid"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th[^>]*>(\d{4}年第.季度)</th>", grid) == ["2022年第二季度", "2022年第三季度", "2022年第四季度"]
    head = page.split('<table id="ladder-history"', 1)[1].split("</thead>", 1)[0]
    # 2022H1: the half-year meeting (longer than the 2022Q2 dispatch, both end 2022Q2); 2022H2: the annual summary
    assert "截至2022年第二季度末 · 据2022年上半年（半年例会）" in head
    assert "截至2022年第四季度末 · 据2022年（年度总结）" in head
    assert '<td class="hs-empty"' not in page and "没有汇总到该期" not in page   # every slot of the demo is reached


@pytest.mark.parametrize("period, half", [("2022H1", "2022H1"), ("2022", "2022H2")])
def test_the_history_page_shows_the_packs_figures(demo, period, half):
    """The half-year's ladder is the 合计 row of the pack the history names for it, its targets that pack's
    目标进度; the year's rewards are the 年度总结's 应兑现 total."""
    (pack,) = (demo.reports / period).glob("*.xlsx")
    wb = openpyxl.load_workbook(pack, read_only=True)
    page = read(demo.reports / "dashboard_history.html")

    def shown(**data) -> str:
        attrs = "".join(f' data-{k}="{v}"' for k, v in data.items())
        (found,) = re.findall(rf'<td class="[^"]*"{attrs}[^>]*>(.*?)</td>', page)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())

    (total,) = [r for r in sheet_rows(wb["企业梯队"]) if r["分组"] == labels.BREAKDOWN["all"]]
    for col, header in (("seed_count", "种子企业"), ("city_count", "吉林市级"), ("province_count", "吉林省级"),
                        ("national_count", "国家级小巨人"), ("total_count", "合计"), ("stopped_count", "其中停产/注销")):
        assert shown(level=col, half=half) == str(total[header]), (period, col)
    targets = sheet_rows(wb["目标进度"])
    table = page.split('<table id="target-history"', 1)[1].split("</table>", 1)[0]
    assert [html.unescape(n) for n in re.findall(r'<tr><td class="wide">([^<]+)</td>', table)] == [
        r["目标"] for r in targets]
    ids = re.findall(rf'data-target="([^"]+)" data-half="{half}"', table)
    assert [shown(target=i, half=half) for i in ids] == [f"{r['实际']} {r['判断']}" for r in targets]
    if period == "2022":
        ledger = [r for r in sheet_rows(wb["奖励台账"]) if r["企业名称"] != "合计"]
        accrued = [r for r in ledger if r["状态"] == labels.REWARD_STATUS["accrued"]]
        row = page.split('<tr data-year="2022" data-status="accrued">', 1)[1].split("</tr>", 1)[0]
        cells = html.unescape(re.sub(r"<[^>]+>", " ", row)).split()
        assert cells[3:5] == [str(len(accrued)), f"{sum(int(r['金额（元）']) for r in accrued):,}"]


def test_before_any_rollup_the_page_says_not_yet_computed(before_rollups):
    page = read(before_rollups / "2022Q2" / "dashboard_2022Q2.html")
    assert "2022年第二季度尚未计算" in page and "本期尚未汇总" in page
    for what in ("目标进度", "企业梯队", "催报清单", "任务进展", "企业名单", "滞后企业", "奖励台账", "奖励类别", "汇总提示"):
        assert f"{what}尚未计算" in page, what
    assert "<svg class=\"chart\"" not in page and "<table" not in page   # nothing drawn from data it does not have


def test_rendering_is_deterministic_across_processes_and_periods_are_checked(demo, tmp_path):
    """Two fresh interpreters with different hash seeds render the same bytes, and the same bytes the rollup
    flow wrote (later rollups do not touch this period's rows)."""
    code = ("import sys; from warehouse.connection import connect; from dashboards import render_period; "
            "con = connect(sys.argv[1], read_only=True); "
            "sys.stdout.buffer.write(render_period(con, sys.argv[2]).encode('utf-8')); con.close()")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore"}
        res = subprocess.run([sys.executable, "-c", code, str(demo.warehouse), "2022H1"], capture_output=True,
                             env=env, cwd=ROOT, timeout=120)
        assert res.returncode == 0, res.stderr.decode(errors="replace")
        outputs.append(res.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0] == (demo.reports / "2022H1" / "dashboard_2022H1.html").read_bytes()
    con = connect(demo.warehouse, read_only=True)
    try:
        for bad in ("../etc", "2022Q5", "2022H3", "22Q1", "2022-Q1", "２０２２Q1", ""):
            with pytest.raises(ValueError):
                write_period_dashboard(con, tmp_path, bad)
        assert not any(tmp_path.iterdir())
    finally:
        con.close()


def test_the_index_lists_only_periods_with_a_dashboard(tmp_path):
    (tmp_path / "2021").mkdir()                                       # a pack but no dashboard
    (tmp_path / "2021" / "年度总结_2021.xlsx").write_bytes(b"")
    (tmp_path / "notes").mkdir()
    (tmp_path / "2020Q4").mkdir()
    (tmp_path / "2020Q4" / "dashboard_2020Q4.html").write_text("x", encoding="utf-8")
    (tmp_path / "2020Q4" / "季调度_2020Q4.xlsx").write_bytes(b"")
    page = read(write_index(tmp_path))
    assert 'href="2020Q4/dashboard_2020Q4.html"' in page
    assert "2021/" not in page and "notes" not in page
    assert 'href="2020Q4/%E5%AD%A3%E8%B0%83%E5%BA%A6_2020Q4.xlsx"' in page   # the pack, linked beside it
    empty = read(write_index(tmp_path / "none"))
    assert "还没有生成" in empty


def test_dashboards_import_nothing_from_flows_or_tasks():
    code = ("import sys, dashboards; bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flows', 'tasks', 'prefect', 'srdi', 'samples')); print(bad); sys.exit(1 if bad else 0)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


# ---------------------------------------------------------------- the pack and the dashboard agree

def sheet_rows(ws) -> list[dict]:
    """A pack sheet's data rows as {header: value} (title and grain lines above the header; none when （无）)."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    header, data = rows[0], rows[1:]
    out = [dict(zip(header, r)) for r in data if r[0] is not None]
    return [r for r in out if r[header[0]] != "（无）"]


def _heat_cells(page: str) -> set[tuple[str, str, str, str]]:
    """(bureau, quarter as the pack shows it: 2022年第二季度, form, status) of every cell of the heat map."""
    from schemas.periods import period_label
    return {(b, period_label(q), f, s) for b, q, f, s in _heat_raw(page)}


def _heat_raw(page: str) -> set[tuple[str, str, str, str]]:
    return {tuple(html.unescape(x) for x in m) for m in re.findall(
        r'<g class="heat-cell" data-bureau="([^"]*)" data-quarter="([^"]*)" data-form="([^"]*)">'
        r'<title>.*?</title><rect [^>]*/><text [^>]*class="cell">([^<]*)</text></g>', page)}


def _target_bars(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(name), html.unescape(status)) for name, status in re.findall(
        r'<g class="target" data-target="[^"]*"><title>(.*?)：实际 .*?<tspan class="[^"]*">([^<]*)</tspan>', page)]


@pytest.mark.parametrize("period", PERIODS)
def test_the_pack_and_the_dashboard_show_the_same_figures(demo, period):
    """Read the meeting pack as a person would (openpyxl, the Chinese headers) and the page the same period's
    rollup wrote beside it: every figure the page shows is one the pack shows."""
    (pack,) = (demo.reports / period).glob("*.xlsx")
    wb = openpyxl.load_workbook(pack, read_only=True)
    page = dashboard(demo, period)

    # 企业梯队: the 合计 row is the funnel's first tier and its levels the narrower tiers; 企业名单 is the table
    (total,) = [r for r in sheet_rows(wb["企业梯队"]) if r["分组"] == labels.BREAKDOWN["all"]]
    levels = [total["种子企业"], total["吉林市级"], total["吉林省级"], total["国家级小巨人"]]
    assert _funnel(page) == [total["合计"], sum(levels[1:]), sum(levels[2:]), levels[3]]
    assert f'id="ladder-stopped">其中经营状态为停产或注销 <b>{total["其中停产/注销"]}</b> 户' in page
    names = [r["企业名称"] for r in sheet_rows(wb["企业名单"])]
    assert len(names) == total["合计"] == _tbody_rows(page, "enterprise-table")
    table = page.split('<table id="enterprise-table">', 1)[1]
    assert [html.unescape(n) for n in re.findall(r"<tr><td[^>]*>([^<]*)</td>", table)] == names

    # 催报清单: one heat-map cell per row, same unit, quarter, form and status
    rows = sheet_rows(wb["催报清单"])
    assert _heat_cells(page) == {(r["单位"], r["应报季度"], r["表种"], r["报送情况"]) for r in rows}
    assert len(_heat_cells(page)) == len(rows) > 0
    assert f"<b>{sum(r['报送情况'] == labels.COMPLIANCE['on_time'] for r in rows)}/{len(rows)}</b>" in page

    # 目标进度: one bar per target, in the pack's order, with the pack's judgement
    assert _target_bars(page) == [(r["目标"], r["判断"]) for r in sheet_rows(wb["目标进度"])] != []

    # 任务进展: every owed unit is a row; the lagging ones are flagged 滞后; Annex 2's text once per work item, folded
    tasks = sheet_rows(wb["任务进展"])
    assert _tbody_rows(page, "task-table") == len(tasks) > 0
    lagging = sum(r["滞后"] == "是" for r in tasks)
    assert f'id="tasks-lagging">其中滞后 <b>{lagging}</b> 项' in page
    assert page.count('<span class="chip ts-lagging">滞后</span>') == lagging
    assert len(sheet_rows(wb["滞后任务"])) == lagging
    table = page.split('<table id="task-table">', 1)[1].split("</table>", 1)[0]
    items = {r["编号"] for r in tasks}
    assert table.count("<details>") == len(items) == 11                  # Annex 2 has 11 work items (T1-1 … T4-3)
    for text in set(re.findall(r"<p>([^<]*)</p>", table)):            # the full text, once
        assert table.count(f"<p>{text}</p>") == 1

    # 滞后企业: the same rows; each enterprise counted once
    lag_rows = sheet_rows(wb["滞后企业"])
    assert (_tbody_rows(page, "lagging-table") if lag_rows else 0) == len(lag_rows)
    overdue = {r["企业名称"] for r in lag_rows if r["情况"] == labels.LAGGING["lagging"]}
    due = {r["企业名称"] for r in lag_rows if r["情况"] == labels.LAGGING["due_this_year"]} - overdue
    assert f'{labels.LAGGING["lagging"]} <b>{len(overdue)}</b> 户，{labels.LAGGING["due_this_year"]} <b>{len(due)}</b> 户' in page

    # 奖励台账: the same entries, the same total accrued; the categories not computed, named as in 奖励类别
    ledger = sheet_rows(wb["奖励台账"])
    ledger = [r for r in ledger if r["企业名称"] != "合计"]
    # a dispatch's or a half-year's amounts are provisional (预计), only the annual summary's due (应兑现): issue 19
    due = "accrued" if period.isdigit() else "provisional"
    accrued = [r for r in ledger if r["状态"] == labels.REWARD_STATUS[due]]
    assert not [r for r in ledger if r["状态"] == labels.REWARD_STATUS["provisional" if due == "accrued" else "accrued"]]
    total = sum(int(r["金额（元）"]) for r in accrued)
    assert f"{labels.REWARD_DUE_WORD[due]} <b>{len(accrued)}</b> 笔，合计 <b>{total:,}</b> 元" in page
    assert (_tbody_rows(page, "rewards-table") if ledger else 0) == len(ledger)   # data rows; 合计 is <tr class="total">
    if ledger:
        assert f'<tr class="total"><td>合计</td><td></td><td></td><td class="money">{total:,}</td>' in page
    cats = sheet_rows(wb["奖励类别"])
    not_computed = [r["类别"] for r in cats if r["计算情况"] == labels.REWARD_COMPUTED[False]]
    assert len(not_computed) == 3
    for name in not_computed:
        assert f'未计算（需人工核定）"><b>{name}</b>' in page

    # 汇总提示: the 概要's 责任领导 line is the dashboard's notice
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0]}
    assert html.escape(summary["责任领导"], quote=True) in page


# ---------------------------------------------------------------- a quarter in which a single bureau reported

@pytest.fixture(scope="module")
def single_bureau(tmp_path_factory):
    """Only 农业农村局 reports in 2024Q1: its four Annex 1 enterprises and one new one. The library at the end of
    2024Q1 is still Annex 1's twelve plus the new one: 13, not the 5 that were reported."""
    from samples.share import ANNEX1_TEAMS
    from samples.workbooks import arrive, enterprise_form, write_xlsx
    from warehouse.home import Home
    home = Home.resolve(tmp_path_factory.mktemp("single-bureau") / "home").ensure()
    farm = [n for n, team in ANNEX1_TEAMS.items() if team == "农业"]
    assert len(farm) == 4
    records = [{"enterprise_name": n, "operating_status": "生产", "service_team": "农业"} for n in farm]
    records.append({"enterprise_name": "蛟河市新农食品有限公司", "operating_status": "生产", "service_team": "农业",
                    "industry": "农副产品加工", "srdi_level_text": "已纳入吉林市培育库"})
    path = home.inbox / "农业农村局" / "农业农村局种子企业库2024Q1.xlsx"
    arrive(write_xlsx(path, enterprise_form(records)), datetime(2024, 4, 8, 9))
    ingest_in_process(home, trust_mtime=True)
    result = rollup_in_process("quarterly", home, "2024Q1")
    return home, result


def test_a_quarter_with_a_single_bureau_shows_the_library_not_the_reporters(single_bureau):
    home, result = single_bureau
    wb = openpyxl.load_workbook(result["pack"], read_only=True)
    page = read(home.reports / "2024Q1" / "dashboard_2024Q1.html")
    (total,) = [r for r in sheet_rows(wb["企业梯队"]) if r["分组"] == labels.BREAKDOWN["all"]]
    assert total["合计"] == 13                                           # 12 of Annex 1 + the new one, by hand
    assert _funnel(page)[0] == 13 == _tbody_rows(page, "enterprise-table") == len(sheet_rows(wb["企业名单"]))
    rows = sheet_rows(wb["催报清单"])
    assert _heat_cells(page) == {(r["单位"], r["应报季度"], r["表种"], r["报送情况"]) for r in rows}
    assert {r["报送情况"] for r in rows if r["单位"] == "农业农村局" and r["表种"] == "种子企业库"} == {"按时"}
    assert sum(r["报送情况"] == labels.COMPLIANCE["missing"] for r in rows) == len(rows) - 1   # everyone else: 未报送
    assert f"<b>1/{len(rows)}</b>" in page
