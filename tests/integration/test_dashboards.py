"""Offline dashboards: built by the rollup flows beside each pack from the rollup tables only (the rows the pack
shows), self-contained, escaped, and checked in a real browser (Debian's chromium, headless, driven over the
DevTools protocol; nothing is downloaded).

In the browser each page must show no console errors, make no network requests (only the file:// page itself
and data: URIs), and draw its charts: every chart has a screenshot that is not blank. Screenshots are kept in
test-artifacts/dashboards/.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from datetime import datetime
from importlib import resources
from pathlib import Path

import openpyxl
import pytest

from dashboards import render_period, write_index, write_period_dashboard
from schemas import labels
from schemas.sections import SECTIONS, TABLES
from tests.e2e.test_docs import HOSTILE_NAMES, build_demo
from warehouse.connection import connect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboards"
CHROMIUM = Path("/usr/bin/chromium")
PERIODS = ("2022Q2", "2022Q3", "2022H1", "2022")
# the pack's sheets are laid out as tasks/rollup/pack.py writes them: title, a line saying what a row is, header
HEADER_ROW = 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory, prefect_server):
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
    assert len(pages) == (1 + len(PERIODS)) + 2   # the demo's index and dashboards; the pre-rollup ones
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
    pages = [demo.reports / p / f"dashboard_{p}.html" for p in PERIODS] + [before_rollups / "2022Q2" / "dashboard_2022Q2.html"]
    for path in pages:
        text = visible_text(read(path))
        found = sorted(c for c in codes if re.search(rf"(?<![A-Za-z_]){c}(?![A-Za-z_])", text))
        assert not found, (path.name, found)
        assert not re.search(r"\b(?:None|True|False|nan|NaT)\b", text), path.name
    assert "有风险" in visible_text(dashboard(demo, "2022"))          # at_risk, in the catalogue's words
    assert "无数据" in visible_text(dashboard(demo, "2022"))          # no_data: the legend names it too


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


@pytest.mark.slow   # a subprocess
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
def single_bureau(tmp_path_factory, prefect_server):
    """Only 农业农村局 reports in 2024Q1: its four Annex 1 enterprises and one new one. The library at the end of
    2024Q1 is still Annex 1's twelve plus the new one: 13, not the 5 that were reported."""
    from flows.ingest import ingest
    from flows.rollups import quarterly_dispatch
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
    ingest(home=str(home.root), settle_seconds=0, trust_mtime=True)
    result = quarterly_dispatch(home=str(home.root), period="2024Q1")
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


# ---------------------------------------------------------------- a real browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
         "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0"]


class Browser:
    """Just enough of the Chrome DevTools Protocol, over one websocket (flattened target sessions)."""

    def __init__(self, workdir: Path):
        from websockets.sync.client import connect
        profile = workdir / "profile"
        self.log = workdir / "chromium.log"
        self.proc = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start:\n" + self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def _recv(self, timeout: float) -> dict | None:
        try:
            m = json.loads(self.ws.recv(timeout=max(timeout, 0.01)))
        except TimeoutError:
            return None
        if "method" in m:
            self.events.append(m)
        return m

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self._recv(deadline - time.monotonic())
            if m and m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
        raise TimeoutError(method)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for m in self.events:
                if m["method"] == method and m.get("sessionId") == session:
                    return m
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self._recv(deadline - time.monotonic())

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._recv(deadline - time.monotonic())

    def new_page(self, width: int = 1400, height: int = 1000) -> str:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        return session

    def evaluate(self, session: str, expression: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      session=session)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def screenshot(self, session: str, clip: dict | None = None) -> bytes:
        params = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = clip
        return base64.b64decode(self.send("Page.captureScreenshot", params, session=session)["data"])

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.ws.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def decode_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) → (width, height, rows, bytes per pixel)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw, stride, rows = zlib.decompress(b"".join(idat)), width * bpp, []
    prev, i = bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def colours(png: bytes) -> Counter:
    _, _, rows, bpp = decode_png(png)
    return Counter(r[x:x + 3] for r in rows for x in range(0, len(r), bpp))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(apt-get install -y chromium); the browser checks need it")
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


def pages(demo_reports: Path, before: Path) -> list[tuple[str, Path]]:
    out = [("index", demo_reports / "index.html")]
    out += [(f"dashboard_{p}", demo_reports / p / f"dashboard_{p}.html") for p in PERIODS]
    out.append(("dashboard_2022Q2_before_rollups", before / "2022Q2" / "dashboard_2022Q2.html"))
    return out


def test_dashboards_in_a_real_browser(demo, before_rollups, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session = browser.new_page()
    report = []
    for name, path in pages(demo.reports, before_rollups):
        url = path.resolve().as_uri()
        browser.events.clear()
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        browser.drain(0.5)
        mine = [m for m in browser.events if m.get("sessionId") == session]

        # 1. no console errors (nor uncaught exceptions, CSP violations or alert dialogs)
        problems = [m["params"] for m in mine
                    if (m["method"] == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "assert"))
                    or m["method"] in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
                    or (m["method"] == "Log.entryAdded" and m["params"]["entry"]["level"] == "error")]
        assert problems == [], (name, problems)

        # 2. no network: the only request is the page itself (data: URIs aside)
        requested = [m["params"]["request"]["url"] for m in mine if m["method"] == "Network.requestWillBeSent"]
        assert [u for u in requested if not u.startswith("data:")] == [url], (name, requested)
        assert not [m for m in mine if m["method"] == "Network.loadingFailed"], name

        dom = browser.evaluate(session, """(() => ({
            scripts: document.querySelectorAll('script').length,
            images: document.querySelectorAll('img, iframe, object, embed').length,
            charts: Array.from(document.querySelectorAll('svg.chart')).map(s => {
                const r = s.getBoundingClientRect();
                return {label: s.getAttribute('aria-label'), shapes: s.querySelectorAll('rect, polygon, line, path').length,
                        x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
            }),
            height: document.documentElement.scrollHeight,
            title: document.title,
        }))()""")
        assert dom["images"] == 0 and dom["scripts"] <= 1, (name, dom)

        # 3. charts drawn: every chart has shapes and a screenshot of it that is not blank
        dashboard = name.startswith("dashboard") and "before" not in name
        if dashboard:
            assert len(dom["charts"]) == 4, (name, dom["charts"])     # targets, ladder, heat map, task status
        else:
            assert dom["charts"] == [], (name, dom["charts"])
        for chart in dom["charts"]:
            assert chart["shapes"] > 0 and chart["width"] > 50 and chart["height"] > 20, (name, chart)
            shot = browser.screenshot(session, {"x": chart["x"], "y": chart["y"], "width": chart["width"],
                                                "height": chart["height"], "scale": 0.5})
            c = colours(shot)
            assert len(c) >= 3 and c.most_common(1)[0][1] < 0.97 * sum(c.values()), (name, chart["label"], len(c))

        full = browser.screenshot(session, {"x": 0, "y": 0, "width": 1400, "height": dom["height"], "scale": 1})
        out = ARTIFACTS / f"{name}.png"
        out.write_bytes(full)
        small = colours(browser.screenshot(session, {"x": 0, "y": 0, "width": 1400, "height": min(dom["height"], 3000),
                                                     "scale": 0.25}))
        assert len(small) > (40 if dashboard else 8), (name, len(small))
        assert small.most_common(1)[0][1] < (0.9 if dashboard else 0.99) * sum(small.values()), name
        report.append(f"{out}  ({len(dom['charts'])} charts, {len(small)} colours)")
    print("\nscreenshots:\n  " + "\n  ".join(report))


def test_search_box_filters_the_enterprise_table_and_hostile_names_stay_text(demo, browser):
    session = browser.new_page()
    browser.events.clear()
    browser.send("Page.navigate", {"url": (demo.reports / "2022Q3" / "dashboard_2022Q3.html").resolve().as_uri()},
                 session=session)
    browser.wait_for("Page.loadEventFired", session)
    visible = """(() => Array.from(document.querySelectorAll('#enterprise-table tbody tr'))
                  .filter(tr => !tr.hidden).map(tr => tr.cells[0].textContent))()"""
    everyone = browser.evaluate(session, visible)
    assert len(everyone) >= 13 and "<script>alert(1)</script>" in everyone

    def search(text: str) -> list[str]:
        browser.evaluate(session, "(() => { const b = document.getElementById('enterprise-search'); b.focus(); b.select(); })()")
        browser.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Backspace", "code": "Backspace",
                                                "windowsVirtualKeyCode": 8}, session=session)
        browser.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Backspace", "code": "Backspace",
                                                "windowsVirtualKeyCode": 8}, session=session)
        if text:
            browser.send("Input.insertText", {"text": text}, session=session)
        return browser.evaluate(session, visible)

    assert search("长白山") == [n for n in everyone if "长白山" in n] != []
    assert search("script") == ["<script>alert(1)</script>"]
    assert browser.evaluate(session, "document.getElementById('enterprise-count').textContent") == "1"
    assert search("onerror") == [HOSTILE_NAMES[1]]
    assert search("没有这家企业") == []
    assert search("") == everyone
    shot = ARTIFACTS / "dashboard_2022Q3_search.png"
    search("吉林 工业")
    shot.write_bytes(browser.screenshot(session))
    print(f"\nsearch screenshot: {shot}")
    problems = [m for m in browser.events if m.get("sessionId") == session and m["method"] in
                ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")]
    assert problems == []
