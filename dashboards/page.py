"""Page assembly: one self-contained page per period, and an index linking every period.

    write_period_dashboard(con, reports_dir, "2022Q2")  ->  <reports_dir>/2022Q2/dashboard_2022Q2.html
    write_index(reports_dir)                             ->  <reports_dir>/index.html

Government intranets have no internet: a page carries its stylesheet (dashboards/style.css), its script
(dashboards/search.js) and its charts (SVG, dashboards/charts.py) inline, loads nothing, and works from file://.
A Content-Security-Policy allows only this page's own style and script (by hash), so even a value that slipped
past escaping could not run or fetch anything; every value is escaped with html.escape anyway.

The figures are the rollup tables' rows (dashboards/data.py), never a computation of the page's own: a section
whose table no rollup has written for the period says so (尚未计算).
"""
from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import dashboards.charts as charts
from dashboards.charts import e
from dashboards.data import LEVEL_COLUMNS, SHOWN, PeriodData, heat, kind_of, ladder_total, read_period_data
from schemas.labels import (COMPLIANCE, KIND, LAGGING, REWARD_CATEGORY, REWARD_COMPUTED, REWARD_DUE, REWARD_DUE_WORD,
                            REWARD_PROVISO, REWARD_STATUS, TARGET_STATUS, TASK_REPORTED, label)
from schemas import clock
from schemas.periods import period_label, quarters_of
from schemas.sections import BY_TABLE, Col
from warehouse.atomic_write import write_text

CITY = "蛟河市“专精特新”中小企业培育工作"
OFFLINE = "本页为离线文件：不联网、不加载任何外部资源"
LAGGING_WORD = LAGGING["lagging"]                  # 滞后
HISTORY_FILE = "dashboard_history.html"            # the programme across all periods (dashboards/history.py)
HISTORY_LINK = "全程数据看板（各报告期对比：报送率、企业梯队、发展目标、奖励）"


@cache
def asset(name: str) -> str:
    """dashboards/<name> (package data): style.css, search.js."""
    return resources.files("dashboards").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page(title: str, body: str, script: str | None = None) -> str:
    css = asset("style.css")
    csp = f"default-src 'none'; style-src {_csp_hash(css)}; img-src data:; base-uri 'none'; form-action 'none'"
    if script:
        csp += f"; script-src {_csp_hash(script)}"
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<link rel=\"icon\" href=\"data:,\">\n"
            f"<title>{e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n"
            + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n")


def _section(sid: str, title: str, inner: str, note: str | None = None) -> str:
    return (f'<section id="{e(sid)}"><h2>{e(title)}</h2>{inner}'
            + (f'<p class="note">{e(note)}</p>' if note else "") + "</section>")


def _notice(text: str) -> str:
    return f'<p class="notice">{e(text)}</p>'


def _chip(text: str, cls: str) -> str:
    return f'<span class="chip {e(cls)}">{e(text)}</span>'


def _source(table: str) -> str:
    sheets = BY_TABLE[table].sheets
    if not sheets:
        return "来源：与会议材料“概要”中的提示相同"
    return f"来源：与会议材料“{sheets[0].name}”表的数据相同"


def _col(table: str, name: str) -> Col:
    return next(c for c in BY_TABLE[table].sheets[0].cols if c.name == name)


def _text(col: Col, v, tz: str | None = None) -> str:
    """A cell as the pack words it: labels from the catalogue, 是/否, whole numbers without separators."""
    if v is None:
        return col.blank or ""
    if col.labels is not None:
        return str(col.labels(v) if callable(col.labels) else label(col.labels, v))
    if col.kind == "bool":
        return "是" if v else "否"
    if col.kind in ("num", "pct", "yuan"):
        return charts.num(v)
    if col.kind == "datetime" and hasattr(v, "strftime"):
        return clock.shown(v, tz)
    return str(v)


# ---------------------------------------------------------------- the sections

def _not_computed(d: PeriodData, what: str) -> str:
    return _notice(f"{what}尚未计算：{period_label(d.period)}还没有汇总结果，请系统管理员运行本期汇总后生成。")


def targets_section(d: PeriodData) -> str:
    table = "target_progress"
    rows = d.rows(table)
    if not d.computed(table):
        inner = _not_computed(d, "目标进度")
    elif not rows:
        inner = _notice(BY_TABLE[table].sheets[0].empty)
    else:
        inner = charts.svg_target_bars(rows) + charts.legend(
            [(t, charts.target_class(code)) for code, t in TARGET_STATUS.items()])
    return _section(table, "发展目标进度（实际 / 目标）", inner,
                    _source(table) + "。竖线为目标值，条长为实际值占目标的比例（超过目标按 100% 显示）。")


def ladder_section(d: PeriodData) -> str:
    table = "ladder_counts"
    total = ladder_total(d)
    last = d.quarters[-1]
    if not d.computed(table):
        inner = _not_computed(d, "企业梯队")
    elif total is None:
        inner = _notice(BY_TABLE[table].sheets[0].empty)
    else:
        inner = charts.svg_funnel(charts.funnel_tiers(total, LEVEL_COLUMNS))
        inner += (f'<p class="note" id="ladder-stopped">其中经营状态为停产或注销 '
                  f'<b>{e(total["stopped_count"])}</b> 户（计入各自级别）。</p>')
    return _section(table, "企业梯队（种子 → 吉林市级 → 吉林省级 → 国家级）", inner,
                    f"{_source(table)}（合计行）。期末状态：截至{period_label(last)}末，每个企业取最近一次已入库报送（无报送时为附件1）。")


def compliance_section(d: PeriodData) -> str:
    table = "compliance"
    if not d.computed(table):
        inner = _not_computed(d, "催报清单")
    else:
        h = heat(d)
        if not h.cells:
            inner = _notice(BY_TABLE[table].sheets[0].empty)
        else:
            inner = charts.svg_heatmap(h.bureaus, h.columns, h.cells, d.time_zone) + charts.legend(
                [(t, charts.compliance_class(code)) for code, t in COMPLIANCE.items()]
                + [(charts.NOTHING_OWED, "cp-none")])
    return _section(table, "各单位报送情况（单位 × 季度 × 表种）", inner,
                    _source(table) + "：每格为一个单位当季应报的一张表；鼠标悬停查看截止日期、报送时间与说明。")


def _task_status_text(r: dict) -> str:
    """The unit's own status; else 未报送, or 未到截止 while its deadline has not passed (task_status.due)."""
    if r["reported"] and r["status"]:
        return r["status"]
    return TASK_REPORTED[False] if r["due"] else COMPLIANCE["not_due"]


def tasks_section(d: PeriodData) -> str:
    table = "task_status"
    rows = d.rows(table)
    if not d.computed(table):
        inner = _not_computed(d, "任务进展")
    elif not rows:
        inner = _notice(BY_TABLE[table].sheets[0].empty)
    else:
        counts: dict[str, int] = {}
        for r in rows:
            counts[_task_status_text(r)] = counts.get(_task_status_text(r), 0) + 1
        lagging = sum(1 for r in rows if r["lagging"])
        h = {c: e(_col(table, c).header) for c in ("task_id", "responsible_unit", "status",
                                                    "completion_pct", "progress", "lagging")}
        body = []
        span: dict[str, int] = {}
        for r in rows:
            span[r["task_id"]] = span.get(r["task_id"], 0) + 1
        shown: set[str] = set()
        for r in rows:
            status = _task_status_text(r)
            flag = (_chip(LAGGING_WORD, "ts-lagging") + f'<span class="reason">{e(r["lagging_reason"])}</span>'
                    if r["lagging"] else "")
            pct = (f'{charts.svg_pct(r["completion_pct"])} {e(charts.num(r["completion_pct"]))}%'
                   if r["completion_pct"] is not None else "")
            item = ""
            if r["task_id"] not in shown:        # Annex 2's text once per work item, folded: it runs to 200 characters
                shown.add(r["task_id"])
                text = r["item_text"] or ""
                short = text if len(text) <= 22 else text[:21] + "…"
                item = (f'<td class="wide" rowspan="{span[r["task_id"]]}"><details><summary>{e(short)}</summary>'
                        f'<p>{e(text)}</p><p class="note">{e(r["group_name"])}；{span[r["task_id"]]} 个责任单位</p>'
                        '</details></td>')
            body.append(f'<tr><td class="nw" title="{e(r["group_name"])}">{e(r["task_id"])}</td>'
                        f'{item}<td class="nw">{e(r["responsible_unit"])}</td>'
                        f'<td class="nw">{_chip(status, charts.task_class(status))}</td>'
                        f'<td class="num">{pct}</td><td class="text">{e(r["progress"])}</td>'
                        f'<td class="nw">{flag}</td></tr>')
        inner = (charts.svg_task_status(counts)
                 + f'<p class="note" id="tasks-lagging">其中{LAGGING_WORD} <b>{lagging}</b> 项（见“{h["lagging"]}”列及原因）。</p>'
                 + f'<table id="task-table"><thead><tr><th>{h["task_id"]}</th><th>工作内容</th>'
                   f'<th>{h["responsible_unit"]}</th><th>{h["status"]}</th><th>{h["completion_pct"]}</th>'
                   f'<th>{h["progress"]}</th><th>{h["lagging"]}</th></tr></thead><tbody>' + "".join(body)
                 + "</tbody></table>")
    return _section(table, "附件2 工作任务推进情况", inner,
                    _source(table) + f"：每个责任单位每项任务一行，期内未报送的单位也列出（{TASK_REPORTED[False]}）；"
                    "附件2原文每项任务只列一次，点击展开。")


def enterprises_section(d: PeriodData) -> str:
    table = "ladder_enterprises"
    rows = d.rows(table)
    sheet = BY_TABLE[table].sheets[0]
    if not d.computed(table):
        inner = _not_computed(d, "企业名单")
    elif not rows:
        inner = _notice(sheet.empty)
    else:
        body = "".join("<tr>" + "".join(f'<td class="nw">{e(_text(c, r[c.name], d.time_zone))}</td>' for c in sheet.cols) + "</tr>"
                       for r in rows)
        inner = ('<div class="search"><label for="enterprise-search">搜索企业：</label>'
                 '<input id="enterprise-search" type="search" placeholder="企业名称、专班、行业、包保领导……" autocomplete="off">'
                 f'<span>显示 <b id="enterprise-count">{len(rows)}</b> / {len(rows)} 户</span></div>'
                 '<table id="enterprise-table"><thead><tr>' + "".join(f"<th>{e(c.header)}</th>" for c in sheet.cols)
                 + "</tr></thead><tbody>" + body + "</tbody></table>")
    return _section(table, f"企业名单（{sheet.title}）", inner, _source(table) + "。")


def notices_section(d: PeriodData) -> str:
    table = "rollup_notices"
    rows = d.rows(table)
    if not d.computed(table):
        inner = _not_computed(d, "汇总提示")
    elif not rows:
        inner = '<p class="note" id="no-notices">本期无提示：各单位责任领导均已配置。</p>'
    else:
        inner = "".join(_notice(r["notice"]) for r in rows)
    return _section(table, "汇总提示", inner, _source(table) + "。")


def lagging_section(d: PeriodData) -> str:
    table = "ladder_lagging"
    rows = d.rows(table)
    sheet = BY_TABLE[table].sheets[0]
    if not d.computed(table):
        inner = _not_computed(d, "滞后企业")
    elif not rows:
        inner = _notice(sheet.empty)
    else:
        lagging = {r["enterprise_name"] for r in rows if r["status"] == "lagging"}
        due = {r["enterprise_name"] for r in rows if r["status"] == "due_this_year"} - lagging
        cols = [c for c in sheet.cols]
        body = []
        for r in rows:
            cells = []
            for c in cols:
                if c.name == "status":
                    cells.append(f'<td class="nw">{_chip(_text(c, r[c.name], d.time_zone), "lg-" + str(r[c.name]))}</td>')
                else:
                    cells.append(f'<td class="nw">{e(_text(c, r[c.name], d.time_zone))}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        inner = (f'<p class="note" id="lagging-count">{e(LAGGING["lagging"])} <b>{len(lagging)}</b> 户，'
                 f'{e(LAGGING["due_this_year"])} <b>{len(due)}</b> 户（每户只计一次，已滞后的不再计入临期）。</p>'
                 '<table id="lagging-table"><thead><tr>' + "".join(f"<th>{e(c.header)}</th>" for c in cols)
                 + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")
    return _section(table, f"滞后企业（{sheet.title}）", inner, _source(table) + "。")


def _yuan(v) -> str:
    return "—" if v is None else f"{int(v):,}"


def rewards_section(d: PeriodData) -> str:
    table = "rewards"
    rows = d.rows(table)
    sheet = BY_TABLE[table].sheets[0]
    if not d.computed(table):
        inner = _not_computed(d, "奖励台账")
    else:
        year = d.quarters[-1][:4]
        paid = [r for r in rows if r["status"] in REWARD_DUE]
        waiting = [r for r in rows if r["status"] == "pending"]
        changed = [r for r in rows if r.get("change_note")]
        total = sum(int(r["amount_yuan"]) for r in paid)
        head = (f'<p class="note" id="rewards-total">{e(year)}年截至{e(period_label(d.quarters[-1]).removeprefix(f"{year}年"))}末 '
                f'{e(REWARD_DUE_WORD[_due_status(d)])} <b>{len(paid)}</b> 笔，合计 <b>{e(_yuan(total))}</b> 元'
                + (f'（{e(REWARD_PROVISO)}）' if _due_status(d) == "provisional" else "") + '；'
                f'{e(REWARD_STATUS["pending"])} <b>{len(waiting)}</b> 项（金额暂为0，需补充首次认定的依据）'
                + (f'；较上次预计的变化 <b>{len(changed)}</b> 项' if changed else '') + '。</p>')
        if not rows:
            inner = head + _notice(sheet.empty)
        else:
            h = {c.name: e(c.header) for c in sheet.cols}
            body = []
            for r in rows:
                body.append(
                    f'<tr><td class="nw">{e(r["enterprise_name"])}</td>'
                    f'<td class="nw">{e(label(REWARD_CATEGORY, r["category"]))} {e(r["level"])}</td>'
                    f'<td class="nw">{_chip(label(REWARD_STATUS, r["status"]), "rw-" + str(r["status"]))}</td>'
                    f'<td class="money">{e(_yuan(r["amount_yuan"]))}</td><td class="text">{e(_text(_col(table, "reason"), r["reason"]))}</td>'
                    f'<td class="text">{e(r.get("change_note") or "")}</td>'
                    f'<td class="text">{e(_text(_col(table, "evidence"), r["evidence"]))}</td>'
                    f'<td class="text">{e(_text(_col(table, "evidence_needed"), r["evidence_needed"]))}</td></tr>')
            body.append(f'<tr class="total"><td>合计</td><td></td><td></td><td class="money">{e(_yuan(total))}</td>'
                        '<td></td><td></td><td></td><td></td></tr>')
            inner = head + (f'<table id="rewards-table"><thead><tr><th>{h["enterprise_name"]}</th><th>{h["category"]}</th>'
                            f'<th>{h["status"]}</th><th>{h["amount_yuan"]}</th><th>{h["reason"]}</th>'
                            f'<th>{h["change_note"]}</th>'
                            f'<th>{h["evidence"]}</th><th>{h["evidence_needed"]}</th></tr></thead><tbody>'
                            + "".join(body) + "</tbody></table>")
    return _section(table, f"一次性奖励台账（本年截至期末{REWARD_DUE_WORD[_due_status(d)]}，及待核实）", inner,
                    _source(table) + "。")


def _due_status(d: PeriodData) -> str:
    """Only the annual summary's ledger says 应兑现; a quarter's or a half-year's is provisional (预计)."""
    return "accrued" if d.period.isdigit() else "provisional"


def reward_categories_section(d: PeriodData) -> str:
    table = "reward_categories"
    rows = d.rows(table)
    sheet = BY_TABLE[table].sheets[0]
    if not d.computed(table):
        inner = _not_computed(d, "奖励类别")
    elif not rows:
        inner = _notice(sheet.empty)
    else:
        items = "".join(
            f'<li data-computed="{e(label(REWARD_COMPUTED, r["computed"]))}"><b>{e(r["name"])}</b>（{e(r["clause"])}'
            + (f"，{e(r['amount'])}" if r["amount"] else "") + f'）：{e(label(REWARD_COMPUTED, r["computed"]))}。'
            f'{e(r["note"])}</li>' for r in rows)
        inner = f'<ul id="reward-categories">{items}</ul>'
    return _section(table, sheet.title, inner, _source(table) + "。")


SECTION_PAGES = {"rollup_notices": notices_section, "target_progress": targets_section,
                 "ladder_counts": ladder_section, "ladder_lagging": lagging_section, "compliance": compliance_section,
                 "task_status": tasks_section, "rewards": rewards_section, "reward_categories": reward_categories_section,
                 "ladder_enterprises": enterprises_section}   # in page order
if set(SECTION_PAGES) != set(SHOWN):
    raise ValueError(f"dashboards: the registry shows {sorted(SHOWN)}, the page draws {sorted(SECTION_PAGES)}")


def _cards(d: PeriodData) -> str:
    total = ladder_total(d)
    comp = d.rows("compliance")
    tasks = d.rows("task_status")
    dash = "—"
    on_time = sum(1 for r in comp if r["status"] == "on_time")
    done = sum(1 for r in tasks if r["reported"] and r["status"] == "已完成")
    paid = [r for r in d.rows("rewards") if r["status"] in REWARD_DUE]
    cards = [
        (total["total_count"] if total else dash, "库内企业（户）", f"{period_label(d.quarters[-1])}末，企业梯队合计"),
        (sum(total[LEVEL_COLUMNS[lv]] for lv in list(LEVEL_COLUMNS)[1:]) if total else dash, "吉林市级及以上（户）",
         "专精特新认定"),
        (f"{on_time}/{len(comp)}" if comp else dash, f"{COMPLIANCE['on_time']}报送（份）", "见各单位报送情况"),
        (f"{done}/{len(tasks)}" if tasks else dash, "任务已完成（项）", "任务 × 责任单位"),
        (sum(1 for r in tasks if r["lagging"]) if tasks else dash, f"{LAGGING_WORD}任务（项）", "见工作任务推进情况"),
        (_yuan(sum(int(r["amount_yuan"]) for r in paid)) if d.computed("rewards") else dash,
         f"{REWARD_DUE_WORD[_due_status(d)]}奖励（元）",
         f"{d.quarters[-1][:4]}年截至期末，见奖励台账" + ("" if _due_status(d) == "accrued" else f"；{REWARD_PROVISO}")),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><b>{e(v)}</b><span>{e(t)}</span><br><span class="note">{e(n)}</span></div>'
        for v, t, n in cards) + "</div>"


def title_of(period: str) -> str:
    return f"{period_label(period)}（{KIND[kind_of(period)]}）"


def render(d: PeriodData) -> str:
    run = d.run
    when = (f" · 汇总计算于 {clock.shown(run['computed_at'], d.time_zone)}（计算日期 {run['as_of']}）" if run else " · 本期尚未汇总")
    parts = [f'<header><h1>{CITY}数据看板 · {e(title_of(d.period))}</h1>'
             f'<p>汇总期 {e(period_label(d.period))}（{e("、".join(map(period_label, d.quarters)))}）{e(when)}'
             ' · <a href="../index.html">全部报告期</a></p></header><main>']
    if run is None:
        parts.append(_notice(f"{period_label(d.period)}尚未计算：还没有运行本期汇总，以下各部分待汇总后生成（请系统管理员运行本期汇总）。"))
    parts.append(_cards(d))
    parts += [draw(d) for draw in SECTION_PAGES.values()]
    parts.append(f"</main><footer>{OFFLINE}；由本系统根据数据库中的汇总结果生成，与同期会议材料一致。</footer>")
    return page(f"专精特新数据看板 {period_label(d.period)}", "".join(parts), asset("search.js"))


def render_period(con, period: str, time_zone: str | None = None) -> str:
    """The page for `period` from the rollup tables (a read-only connection is enough); times in `time_zone`."""
    return render(read_period_data(con, period, time_zone))


def write_period_dashboard(con, reports_dir: Path, period: str, time_zone: str | None = None) -> Path:
    """<reports_dir>/<period>/dashboard_<period>.html; the index is refreshed too."""
    kind_of(period)  # checks the period before it becomes a folder name
    reports_dir = Path(reports_dir)
    out = write_text(reports_dir / period / f"dashboard_{period}.html", render_period(con, period, time_zone))
    write_index(reports_dir)
    return out


# ---------------------------------------------------------------- the index

def _is_period(name: str) -> bool:
    try:
        kind_of(name)
    except ValueError:
        return False
    return True


def _newest_first(period: str) -> tuple[str, int]:
    """Later periods first; of two ending in the same quarter, the longer one (the year before its Q4)."""
    quarters = quarters_of(period)
    return quarters[-1], len(quarters)


def write_index(reports_dir: Path) -> Path:
    """<reports_dir>/index.html linking the history page (when written) and every period that has a dashboard (and
    its meeting packs and briefs)."""
    reports_dir = Path(reports_dir)
    periods = sorted((p.name for p in reports_dir.iterdir() if p.is_dir() and _is_period(p.name)
                      and (p / f"dashboard_{p.name}.html").exists()),
                     key=_newest_first, reverse=True) if reports_dir.exists() else []
    items = []
    for p in periods:
        packs = sorted(f.name for f in (reports_dir / p).iterdir()     # the xlsx pack and its docx brief
                       if f.suffix in (".xlsx", ".docx") and not f.name.startswith((".", "~$")))
        links = "".join(f' · <a href="{e(quote(p))}/{e(quote(f))}">{e(f)}</a>' for f in packs)
        items.append(f'<li><a href="{e(quote(p))}/{e(quote(f"dashboard_{p}.html"))}">{e(title_of(p))} 数据看板</a>'
                     f'{links}</li>')
    inner = '<ul class="periods">' + "".join(items) + "</ul>" if items else _notice("还没有生成任何报告期的数据看板。")
    history = (_section("history", "全程", f'<ul class="periods"><li><a href="{e(quote(HISTORY_FILE))}">'
                                           f'{e(HISTORY_LINK)}</a></li></ul>')
               if (reports_dir / HISTORY_FILE).exists() else "")
    body = (f'<header><h1>{CITY} · 报告期</h1><p>季调度、半年例会、年度总结的数据看板与会议材料</p></header>'
            f'<main>{history}{_section("periods", "全部报告期", inner)}</main>'
            f'<footer>{OFFLINE}。</footer>')
    return write_text(reports_dir / "index.html", page("专精特新数据看板 · 报告期", body))
