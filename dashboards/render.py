"""Offline HTML dashboards: one self-contained page per period, and an index linking every period.

    write_period_dashboard(con, reports_dir, "2022Q2")  ->  <reports_dir>/2022Q2/dashboard_2022Q2.html
    write_index(reports_dir)                             ->  <reports_dir>/index.html

Government intranets have no internet: the pages carry their CSS, JavaScript and charts (SVG drawn here, in
Python) inline, load nothing, and work from file://. A Content-Security-Policy allows only this page's own
style and script (by hash), so even a value that slipped past escaping could not run or fetch anything; every
value from the database is escaped with html.escape anyway.

Pure rendering: reads DuckDB through the connection it is given (read-only is enough) and imports nothing
from flows or tasks. Sections whose rollup table is not there yet say so (尚未计算) instead of failing.
"""
from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

LEVELS = ("种子", "吉林市级", "吉林省级", "国家级")          # the ladder, lowest first
LEVEL_COLOURS = ("#9ecae1", "#4292c6", "#2171b5", "#08306b")
TASK_STATUS_ORDER = ("已完成", "持续推进", "推进中", "未启动", "滞后")
TASK_STATUS_COLOURS = {"已完成": "#2e7d32", "持续推进": "#66bb6a", "推进中": "#42a5f5", "未启动": "#bdbdbd",
                       "滞后": "#e53935"}
COMPLIANCE = {  # status -> (label, fill, text colour, severity for "worst of the forms")
    "on_time": ("按时", "#43a047", "#fff", 0),
    "submitted": ("已报送", "#66bb6a", "#fff", 0),
    "late": ("逾期", "#fb8c00", "#fff", 1),
    "rejected": ("退回未重报", "#e53935", "#fff", 2),
    "missing": ("未报送", "#b71c1c", "#fff", 3),
}
TARGET_STATUS = {"achieved": ("已完成", "#2e7d32"), "on_track": ("进度正常", "#1e88e5"),
                 "at_risk": ("有风险", "#fb8c00"), "not_achieved": ("未完成", "#e53935")}
FORMS = {"enterprise": "种子企业库", "task": "任务进展"}
PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4])|H([12]))?$")
CN_NUM = {1: "一", 2: "二", 3: "三", 4: "四"}
MAX_HEAT_QUARTERS = 8


def e(value) -> str:
    """Every value that reaches the page goes through here."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------- periods

def quarters_of(period: str) -> list[str]:
    """2022 -> the four quarters; 2022H1 -> Q1, Q2; 2022Q3 -> itself."""
    m = PERIOD_RE.match(period)
    if not m:
        raise ValueError(f"not a period: {period!r} (expected 2022Q2, 2022H1 or 2022)")
    year, q, h = m.groups()
    if q:
        return [period]
    if h:
        return [f"{year}Q{i}" for i in ((1, 2) if h == "1" else (3, 4))]
    return [f"{year}Q{i}" for i in range(1, 5)]


def period_label(period: str) -> str:
    year, q, h = PERIOD_RE.match(period).groups()
    if q:
        return f"{year}年第{CN_NUM[int(q)]}季度（季调度）"
    if h:
        return f"{year}年{'上' if h == '1' else '下'}半年（半年例会）"
    return f"{year}年（年度总结）"


def _period_key(period: str) -> tuple:
    year, q, h = PERIOD_RE.match(period).groups()
    last = int(q) if q else (2 * int(h) if h else 4)
    return (int(year), last, 0 if q else (1 if h else 2))


# ---------------------------------------------------------------- reading the database

def _relations(con) -> set[str]:
    rows = con.execute("""SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
                          UNION SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'""").fetchall()
    return {r[0] for r in rows}


def _columns(con, name: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ?", [name]).fetchall()}


def _dicts(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass
class Data:
    period: str
    quarters: list[str]
    relations: set[str]
    ladder_quarter: str | None = None
    task_quarter: str | None = None
    updated: str | None = None


def _latest_with_data(con, relation: str, quarters: list[str]) -> str | None:
    row = con.execute(f"SELECT max(period) FROM {relation} WHERE period IN (SELECT unnest(?))", [quarters]).fetchone()
    return row[0] if row else None


def read_targets(con, d: Data) -> list[dict] | None:
    if "target_progress" not in d.relations:
        return None
    cols = _columns(con, "target_progress")
    order = "ORDER BY " + ("CASE WHEN t.target_id IS NULL THEN 1 ELSE 0 END, " if "ref_targets" in d.relations else "") + "p.target_id"
    join = "LEFT JOIN ref_targets t USING (target_id)" if "ref_targets" in d.relations else ""
    extra = ", p.note" if "note" in cols else ", NULL AS note"
    return _dicts(con, f"""SELECT p.target_id, p.target, p.target_value, p.actual_value, p.unit, p.status{extra}
                           FROM target_progress p {join} WHERE p.period = ? {order}""", [d.period])


def read_ladder(con, d: Data) -> tuple[dict[str, int], dict[str, int]]:
    if d.ladder_quarter is None:
        return {}, {}
    levels = dict(con.execute("SELECT srdi_level, count(*) FROM enterprise_history WHERE period = ? GROUP BY 1",
                              [d.ladder_quarter]).fetchall())
    status = dict(con.execute("""SELECT operating_status, count(*) FROM enterprise_history
                                 WHERE period = ? AND operating_status IN ('停产', '注销') GROUP BY 1""",
                              [d.ladder_quarter]).fetchall())
    return levels, status


def _heat_quarters(con, d: Data, sql: str) -> list[str]:
    last = d.quarters[-1]
    found = [r[0] for r in con.execute(sql).fetchall() if r[0] and re.fullmatch(r"\d{4}Q[1-4]", r[0]) and r[0] <= last]
    return sorted(set(found))[-MAX_HEAT_QUARTERS:]


def read_compliance(con, d: Data) -> tuple[str, list[str], list[str], dict]:
    """(source, bureaus, quarters, {(bureau, quarter): (status, detail)}) for the bureau × period heat map."""
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    if "compliance" in d.relations:
        cols = _columns(con, "compliance")
        q = "report_period" if "report_period" in cols else "period"
        quarters = _heat_quarters(con, d, f"SELECT DISTINCT {q} FROM compliance")
        rows = _dicts(con, f"""
            SELECT {q} AS quarter, bureau, form, status, due_date
            FROM compliance WHERE {q} IN (SELECT unnest(?))
            QUALIFY row_number() OVER (PARTITION BY {q}, bureau, form
                                       ORDER BY (period = ?) DESC, period DESC) = 1
            ORDER BY bureau, quarter, form""", [quarters, d.period])
        by_cell: dict[tuple[str, str], list[dict]] = {}
        for r in rows:
            by_cell.setdefault((r["bureau"], r["quarter"]), []).append(r)
        for key, rs in by_cell.items():
            worst = max(rs, key=lambda r: COMPLIANCE.get(r["status"], ("", "", "", 9))[3])
            detail = "；".join(f"{FORMS.get(r['form'], r['form'])}：{COMPLIANCE.get(r['status'], (r['status'],))[0]}"
                              f"（截止 {r['due_date']}）" for r in rs)
            cells[key] = (worst["status"], detail)
        bureaus = sorted({b for b, _ in cells})
        return "compliance", bureaus, quarters, cells
    # no 催报 list computed yet: derive from what arrived (no deadlines, so no on-time/late)
    quarters = _heat_quarters(con, d, "SELECT DISTINCT period FROM submissions")
    owing: set[str] = set()
    if "ref_task_items" in d.relations:
        owing |= {b for (units,) in con.execute("SELECT responsible_units FROM ref_task_items").fetchall()
                  for b in (units or "").split("|") if b}
    if "ref_service_teams" in d.relations:
        owing |= {b for (b,) in con.execute("SELECT bureau FROM ref_service_teams").fetchall() if b}
    rows = _dicts(con, """SELECT bureau, period AS quarter,
                                 bool_or(status IN ('loaded', 'superseded')) AS accepted,
                                 bool_or(status = 'rejected') AS rejected,
                                 string_agg(DISTINCT coalesce(form, '未识别'), '、' ORDER BY coalesce(form, '未识别')) AS forms
                          FROM submissions WHERE period IN (SELECT unnest(?)) AND bureau IS NOT NULL
                          GROUP BY ALL""", [quarters])
    got = {(r["bureau"], r["quarter"]): r for r in rows}
    bureaus = sorted(owing | {b for b, _ in got})
    for b in bureaus:
        for qt in quarters:
            r = got.get((b, qt))
            if r and r["accepted"]:
                forms = "、".join(FORMS.get(f, f) for f in r["forms"].split("、"))
                cells[(b, qt)] = ("submitted", f"已入库：{forms}")
            elif r and r["rejected"]:
                cells[(b, qt)] = ("rejected", "报送被退回，尚未重新报送")
            else:
                cells[(b, qt)] = ("missing", "本季度未收到报送")
    return "submissions", bureaus, quarters, cells


def read_tasks(con, d: Data) -> list[dict]:
    if d.task_quarter is None:
        return []
    return _dicts(con, """SELECT task_id, bureau, status, completion_pct, task_group, item_text, progress, problems
                          FROM task_progress WHERE period = ? ORDER BY task_id, bureau""", [d.task_quarter])


def read_enterprises(con, d: Data) -> list[dict]:
    if d.ladder_quarter is None:
        return []
    return _dicts(con, """SELECT enterprise_name, service_team, industry, srdi_level, srdi_level_year, operating_status,
                                 cultivating_level, planned_city_year, planned_province_year, responsible_leader, bureau
                          FROM enterprise_history WHERE period = ?
                          ORDER BY list_position(['国家级', '吉林省级', '吉林市级', '种子'], srdi_level), enterprise_name""",
                  [d.ladder_quarter])


# ---------------------------------------------------------------- SVG charts

def _num(v) -> str:
    if v is None:
        return "—"
    v = float(v)
    return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}".rstrip("0").rstrip(".")


def svg_target_bars(rows: list[dict]) -> str:
    label_w, bar_w, row_h, right = 330, 380, 34, 190
    width, height = label_w + bar_w + right, 24 + row_h * len(rows)
    out = [f'<svg class="chart" role="img" aria-label="目标进度" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
           f'<text x="{label_w}" y="14" class="axis">0</text><text x="{label_w + bar_w}" y="14" class="axis" text-anchor="end">目标 100%</text>']
    for i, r in enumerate(rows):
        y = 24 + i * row_h
        target, actual = r["target_value"], r["actual_value"]
        share = 0.0 if not target or actual is None else max(0.0, float(actual) / float(target))
        label, colour = TARGET_STATUS.get(r["status"], (r["status"] or "—", "#757575"))
        fill = min(share, 1.0) * bar_w
        name = r["target"] or r["target_id"]
        short = name if len(name) <= 24 else name[:23] + "…"
        out.append(f'<g><title>{e(name)}：实际 {e(_num(actual))} / 目标 {e(_num(target))} {e(r["unit"])}（{e(label)}）</title>')
        out.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="lbl">{e(short)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" rx="3" fill="#eceff1"/>')
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{fill:.1f}" height="18" rx="3" fill="{colour}"/>')
        out.append(f'<line x1="{label_w + bar_w}" x2="{label_w + bar_w}" y1="{y}" y2="{y + 26}" stroke="#37474f" stroke-width="2"/>')
        out.append(f'<text x="{label_w + bar_w + 8}" y="{y + 17}" class="val">{e(_num(actual))} / {e(_num(target))} {e(r["unit"])} · '
                   f'<tspan fill="{colour}">{e(label)}</tspan></text></g>')
    out.append("</svg>")
    return "".join(out)


def svg_funnel(levels: dict[str, int]) -> str:
    """Widths are "at this level or above", so the ladder narrows; labels give both figures."""
    at_least = [sum(levels.get(l, 0) for l in LEVELS[i:]) for i in range(len(LEVELS))]
    names = ("培育库企业（种子及以上）", "吉林市级及以上", "吉林省级及以上", "国家级小巨人")
    width, row_h, max_w = 760, 58, 520
    top = max(at_least[0], 1)
    out = [f'<svg class="chart" role="img" aria-label="企业梯队" viewBox="0 0 {width} {row_h * 4 + 10}" width="{width}" height="{row_h * 4 + 10}">']
    cx = 300
    for i, (name, n) in enumerate(zip(names, at_least)):
        w = max(max_w * n / top, 70)          # wide enough for its label, even at zero
        nxt = max(max_w * at_least[i + 1] / top, 70) if i + 1 < len(at_least) else w * 0.8
        y = 5 + i * row_h
        pts = f"{cx - w / 2:.1f},{y} {cx + w / 2:.1f},{y} {cx + nxt / 2:.1f},{y + row_h - 6} {cx - nxt / 2:.1f},{y + row_h - 6}"
        text_fill = "#fff" if i else "#0d2b45"
        out.append(f'<g><title>{e(name)}：{n} 户；其中当前为{e(LEVELS[i])} {levels.get(LEVELS[i], 0)} 户</title>'
                   f'<polygon points="{pts}" fill="{LEVEL_COLOURS[i]}"/>'
                   f'<text x="{cx}" y="{y + 32}" text-anchor="middle" class="big" fill="{text_fill}">{n} 户</text>'
                   f'<text x="{cx + max_w / 2 + 30}" y="{y + 24}" class="lbl">{e(name)}</text>'
                   f'<text x="{cx + max_w / 2 + 30}" y="{y + 42}" class="axis">当前为{e(LEVELS[i])}：{levels.get(LEVELS[i], 0)} 户</text></g>')
    out.append("</svg>")
    return "".join(out)


def svg_heatmap(bureaus: list[str], quarters: list[str], cells: dict) -> str:
    label_w, cell_w, cell_h, head = 130, 92, 28, 30
    width, height = label_w + cell_w * len(quarters) + 10, head + cell_h * len(bureaus) + 4
    out = [f'<svg class="chart" role="img" aria-label="报送情况热力图" viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    for j, q in enumerate(quarters):
        out.append(f'<text x="{label_w + j * cell_w + cell_w / 2}" y="20" text-anchor="middle" class="lbl">{e(q)}</text>')
    for i, b in enumerate(bureaus):
        y = head + i * cell_h
        out.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="lbl">{e(b)}</text>')
        for j, q in enumerate(quarters):
            x = label_w + j * cell_w
            status, detail = cells.get((b, q), (None, "本季度无应报事项"))
            label, fill, ink, _ = COMPLIANCE.get(status, ("—", "#eeeeee", "#9e9e9e", 0))
            out.append(f'<g><title>{e(b)} {e(q)}：{e(detail)}</title>'
                       f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="{fill}"/>'
                       f'<text x="{x + cell_w / 2}" y="{y + 19}" text-anchor="middle" class="cell" fill="{ink}">{e(label)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def svg_task_status(counts: dict[str, int]) -> str:
    order = [s for s in TASK_STATUS_ORDER if counts.get(s)] + sorted(s for s in counts if s not in TASK_STATUS_ORDER)
    total = sum(counts.values()) or 1
    width, bar_w = 760, 720
    out = [f'<svg class="chart" role="img" aria-label="任务推进状态" viewBox="0 0 {width} 92" width="{width}" height="92">']
    x = 20.0
    for s in order:
        w = bar_w * counts[s] / total
        colour = TASK_STATUS_COLOURS.get(s, "#8d6e63")
        out.append(f'<g><title>{e(s)}：{counts[s]} 项</title><rect x="{x:.1f}" y="8" width="{w:.1f}" height="34" fill="{colour}"/>')
        if w > 34:
            out.append(f'<text x="{x + w / 2:.1f}" y="30" text-anchor="middle" class="cell" fill="#fff">{counts[s]}</text>')
        out.append("</g>")
        x += w
    lx = 20
    for s in order:
        colour = TASK_STATUS_COLOURS.get(s, "#8d6e63")
        out.append(f'<rect x="{lx}" y="60" width="14" height="14" fill="{colour}"/><text x="{lx + 20}" y="72" class="lbl">{e(s)} {counts[s]} 项</text>')
        lx += 40 + 14 * len(s) + 10 * len(str(counts[s])) + 30
    out.append("</svg>")
    return "".join(out)


def svg_pct(pct) -> str:
    w = 0 if pct is None else max(0.0, min(float(pct), 100.0))
    colour = "#2e7d32" if w >= 100 else "#42a5f5"
    return (f'<svg class="pct" viewBox="0 0 100 10" width="100" height="10">'
            f'<rect width="100" height="10" rx="2" fill="#eceff1"/><rect width="{w:.0f}" height="10" rx="2" fill="{colour}"/></svg>')


# ---------------------------------------------------------------- the page

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;
 color:#1c2833;background:#f4f6f8;font-size:14px}
header{background:#0d47a1;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px}
header p{margin:6px 0 0;opacity:.85}
header a{color:#fff}
main{padding:18px 28px;max-width:1280px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:0 0 18px;padding:16px 20px;overflow-x:auto}
h2{font-size:17px;margin:0 0 10px;color:#0d47a1}
.note{color:#607d8b;font-size:12.5px;margin:6px 0 0}
.notice{background:#fff8e1;border-left:4px solid #ffb300;padding:10px 14px;color:#6d4c00}
.cards{display:flex;gap:14px;flex-wrap:wrap;margin:0 0 18px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:12px 18px;min-width:170px}
.card b{display:block;font-size:26px;color:#0d47a1}
.card span{color:#607d8b}
svg.chart{display:block;max-width:100%;height:auto}
svg .lbl{font-size:13px;fill:#263238}
svg .axis{font-size:11px;fill:#78909c}
svg .val{font-size:12.5px;fill:#263238}
svg .big{font-size:18px;font-weight:bold}
svg .cell{font-size:12px;font-weight:bold}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin-top:8px;font-size:12.5px;color:#455a64}
.legend svg.sw{vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e0e6eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef3f8;position:sticky;top:0}
td.num{text-align:right;white-space:nowrap}
td.nw{white-space:nowrap}
td.wide{min-width:280px}
td.text{min-width:200px}
tr[hidden]{display:none}
.search{display:flex;gap:12px;align-items:center;margin:0 0 10px}
.search input{font:inherit;padding:7px 10px;width:340px;border:1px solid #b0bec5;border-radius:6px}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;white-space:nowrap}
ul.periods{list-style:none;padding:0;margin:0}
ul.periods li{padding:8px 0;border-bottom:1px solid #eceff1}
ul.periods a{font-size:15px}
footer{color:#90a4ae;font-size:12px;padding:0 28px 24px}
@media print{body{background:#fff}section{box-shadow:none;border:1px solid #ddd;break-inside:avoid}.search{display:none}}
"""
CSS += "".join(f".st{i}{{background:{TASK_STATUS_COLOURS[s]}}}" for i, s in enumerate(TASK_STATUS_ORDER)) + ".stx{background:#8d6e63}\n"

SEARCH_JS = """
(function () {
  var box = document.getElementById('enterprise-search');
  if (!box) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll('#enterprise-table tbody tr'));
  var shown = document.getElementById('enterprise-count');
  function filter() {
    var words = box.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (tr) {
      var text = tr.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
      tr.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  box.addEventListener('input', filter);
  filter();
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page(title: str, body: str, script: str | None = None) -> str:
    csp = f"default-src 'none'; style-src {_csp_hash(CSS)}; img-src data:; base-uri 'none'; form-action 'none'"
    if script:
        csp += f"; script-src {_csp_hash(script)}"
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<link rel=\"icon\" href=\"data:,\">\n"
            f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
            + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n")


def _section(sid: str, title: str, inner: str, note: str | None = None) -> str:
    return (f'<section id="{sid}"><h2>{e(title)}</h2>{inner}'
            + (f'<p class="note">{e(note)}</p>' if note else "") + "</section>")


def _notice(text: str) -> str:
    return f'<p class="notice">{e(text)}</p>'


def _swatch(colour: str) -> str:
    return (f'<svg class="sw" viewBox="0 0 12 12" width="12" height="12">'
            f'<rect width="12" height="12" rx="2" fill="{e(colour)}"/></svg>')


def _legend(items: list[tuple[str, str]]) -> str:
    return '<div class="legend">' + "".join(f"<span>{_swatch(c)} {e(t)}</span>" for t, c in items) + "</div>"


def _chip(status: str | None) -> str:
    cls = {s: f"st{i}" for i, s in enumerate(TASK_STATUS_ORDER)}.get(status, "stx")
    return f'<span class="chip {cls}">{e(status)}</span>'


def render_period(con, period: str) -> str:
    quarters = quarters_of(period)
    d = Data(period=period, quarters=quarters, relations=_relations(con))
    if "enterprise_history" in d.relations:
        d.ladder_quarter = _latest_with_data(con, "enterprise_history", quarters)
    if "task_progress" in d.relations:
        d.task_quarter = _latest_with_data(con, "task_progress", quarters)
    if "submissions" in d.relations:
        row = con.execute("SELECT max(processed_at) FROM submissions").fetchone()
        d.updated = row[0].strftime("%Y-%m-%d %H:%M") if row and row[0] else None

    label = period_label(period)
    levels, stopped = read_ladder(con, d)
    tasks = read_tasks(con, d)
    task_counts: dict[str, int] = {}
    for t in tasks:
        task_counts[t["status"]] = task_counts.get(t["status"], 0) + 1
    source, bureaus, heat_quarters, cells = read_compliance(con, d)
    targets = read_targets(con, d)
    enterprises = read_enterprises(con, d)

    parts = [f'<header><h1>蛟河市“专精特新”中小企业培育工作数据看板 · {e(label)}</h1>'
             f'<p>汇总期 {e(period)}（{e("、".join(quarters))}）'
             + (f' · 数据更新至 {e(d.updated)}' if d.updated else "")
             + ' · <a href="../index.html">全部报告期</a></p></header><main>']

    city_up = sum(levels.get(l, 0) for l in LEVELS[1:])
    on_time = sum(1 for s, _ in cells.values() if COMPLIANCE.get(s, ("", "", "", 9))[3] == 0)
    cards = [(sum(levels.values()), "企业（户）", f"依据 {d.ladder_quarter or '—'} 报送"),
             (city_up, "吉林市级及以上（户）", "专精特新认定"),
             (task_counts.get("已完成", 0), f"任务已完成 / 共 {len(tasks)} 项", f"依据 {d.task_quarter or '—'} 报送"),
             (f"{on_time}/{len(cells)}", "单位报送到位（单元格）", "见热力图")]
    parts.append('<div class="cards">' + "".join(
        f'<div class="card"><b>{e(v)}</b><span>{e(t)}</span><br><span class="note">{e(n)}</span></div>' for v, t, n in cards) + "</div>")

    # targets vs actual
    if targets is None:
        inner = _notice("目标进度尚未计算：运行本期汇总（srdi rollup）后生成。")
    elif not targets:
        inner = _notice(f"目标进度尚未计算：{period} 暂无汇总结果。")
    else:
        inner = svg_target_bars(targets) + _legend([(v[0], v[1]) for v in TARGET_STATUS.values()])
    parts.append(_section("targets", "发展目标进度（实际 / 目标）", inner,
                          "来源：target_progress（汇总结果）。竖线为目标值，条长为实际值占目标的比例（超过目标按 100% 显示）。"))

    # ladder
    if d.ladder_quarter is None:
        inner = _notice(f"{period} 各季度均无企业库报送。")
    else:
        inner = svg_funnel(levels)
        if stopped:
            inner += f'<p class="note">其中经营状态为 {e("、".join(f"{k} {v} 户" for k, v in sorted(stopped.items())))}。</p>'
    parts.append(_section("ladder", "企业梯队（种子 → 吉林市级 → 吉林省级 → 国家级）", inner,
                          f"来源：enterprise_history，{d.ladder_quarter or period}（汇总期为半年或全年时取其中有报送的最近一个季度）。"))

    # compliance heat map
    if not heat_quarters or not bureaus:
        inner = _notice("暂无报送记录。")
    else:
        shown = ["on_time", "late", "rejected", "missing"] if source == "compliance" else ["submitted", "rejected", "missing"]
        inner = svg_heatmap(bureaus, heat_quarters, cells) + _legend([(COMPLIANCE[s][0], COMPLIANCE[s][1]) for s in shown]
                                                                      + [("无应报事项", "#eeeeee")])
    note = ("来源：compliance（催报清单），每格取该单位当季各表中最差的情况；鼠标悬停查看明细。" if source == "compliance"
            else "催报清单尚未计算：按 submissions 报送记录推算（已入库 / 被退回未重报 / 未报送），未计截止日期。")
    parts.append(_section("compliance", "各单位报送情况（单位 × 季度）", inner, note))

    # tasks
    if not tasks:
        inner = _notice(f"{period} 各季度均无任务进展报送。")
    else:
        rows = "".join(
            f'<tr><td class="nw">{e(t["task_id"])}</td><td class="nw">{e(t["bureau"])}</td><td class="wide">{e(t["item_text"])}</td>'
            f'<td class="nw">{_chip(t["status"])}</td>'
            f'<td class="num">{svg_pct(t["completion_pct"])} {e(_num(t["completion_pct"]))}%</td>'
            f'<td class="text">{e(t["progress"])}</td><td class="text">{e(t["problems"])}</td></tr>' for t in tasks)
        inner = (svg_task_status(task_counts)
                 + '<table id="task-table"><thead><tr><th>任务编号</th><th>责任单位</th><th>工作内容</th><th>推进状态</th>'
                   '<th>完成进度</th><th>本期进展</th><th>需市政府协调的问题</th></tr></thead><tbody>' + rows + "</tbody></table>")
    parts.append(_section("tasks", "附件2 任务推进状态", inner, f"来源：task_progress，{d.task_quarter or period}。"))

    # enterprises with search
    if not enterprises:
        inner = _notice("暂无企业数据。")
    else:
        head = ("企业名称", "服务专班", "行业", "专精特新级别", "认定年份", "经营状态", "拟培育级别", "拟培育市级", "拟培育省级", "包保领导", "报送单位")
        keys = ("enterprise_name", "service_team", "industry", "srdi_level", "srdi_level_year", "operating_status",
                "cultivating_level", "planned_city_year", "planned_province_year", "responsible_leader", "bureau")
        body_rows = "".join("<tr>" + "".join(f'<td class="nw">{e(r[k])}</td>' for k in keys) + "</tr>" for r in enterprises)
        inner = ('<div class="search"><label for="enterprise-search">搜索企业：</label>'
                 '<input id="enterprise-search" type="search" placeholder="企业名称、专班、行业、包保领导……" autocomplete="off">'
                 f'<span>显示 <b id="enterprise-count">{len(enterprises)}</b> / {len(enterprises)} 户</span></div>'
                 '<table id="enterprise-table"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head)
                 + "</tr></thead><tbody>" + body_rows + "</tbody></table>")
    parts.append(_section("enterprises", "企业名单", inner, f"来源：enterprise_history，{d.ladder_quarter or period}。"))

    parts.append("</main><footer>本页为离线文件：不联网、不加载任何外部资源；由 srdi 根据数据仓库生成。</footer>")
    return page(f"专精特新数据看板 {period}", "".join(parts), SEARCH_JS)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_period_dashboard(con, reports_dir: Path, period: str) -> Path:
    """<reports_dir>/<period>/dashboard_<period>.html; the index is refreshed too."""
    quarters_of(period)  # validates: the period becomes a folder name
    reports_dir = Path(reports_dir)
    out = _write(reports_dir / period / f"dashboard_{period}.html", render_period(con, period))
    write_index(reports_dir)
    return out


def write_index(reports_dir: Path) -> Path:
    """<reports_dir>/index.html linking every period that has a dashboard (and its meeting packs)."""
    reports_dir = Path(reports_dir)
    periods = sorted((p.name for p in reports_dir.iterdir() if p.is_dir() and PERIOD_RE.match(p.name)
                      and (p / f"dashboard_{p.name}.html").exists()), key=_period_key, reverse=True) if reports_dir.exists() else []
    items = []
    for p in periods:
        packs = sorted(f.name for f in (reports_dir / p).glob("*.xlsx") if not f.name.startswith((".", "~$")))
        links = "".join(f' · <a href="{e(quote(p))}/{e(quote(f))}">{e(f)}</a>' for f in packs)
        items.append(f'<li><a href="{e(quote(p))}/{e(quote(f"dashboard_{p}.html"))}">{e(period_label(p))} 数据看板</a>'
                     f' <span class="note">{e(p)}</span>{links}</li>')
    inner = '<ul class="periods">' + "".join(items) + "</ul>" if items else _notice("还没有生成任何报告期的数据看板。")
    body = ('<header><h1>蛟河市“专精特新”中小企业培育工作 · 报告期</h1><p>季调度、半年例会、年度总结的数据看板与会议材料</p></header>'
            f'<main>{_section("periods", "全部报告期", inner)}</main>'
            '<footer>本页为离线文件：不联网、不加载任何外部资源。</footer>')
    return _write(reports_dir / "index.html", page("专精特新数据看板 · 报告期", body))
