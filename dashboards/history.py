"""The programme across all periods: one self-contained page, rewritten by every rollup beside the period dashboards.

    write_history_dashboard(con, reports_dir)  ->  <reports_dir>/dashboard_history.html   (and the index refreshed)

It reads the rollup tables only (warehouse.history.read_history): what each rolled-up period stored, the rows its
pack shows. Four sections:

- 报送率 (bureau × quarter): each quarter's forms with the verdict of the latest rollup that judged them (a late report
  a later rollup saw is 逾期, no longer 未报送), counted: reported (按时 or 逾期) of owed (deadline passed);
- 企业梯队 per half-year, 发展目标 per half-year, 奖励 per year: each slot shows one rolled-up period, `choose`: the
  one ending latest within the slot, of those the longest (年度总结, then 半年例会, then 季调度: the meeting that
  reviews the slot), then the latest computed. A column says which period it shows and up to when (截至…末), and
  when that is not the slot's end;

A slot no rollup reached is shown as 未汇总, never left out: the slots run without gaps from the first quarter any
rollup judged to the last quarter any rollup reached. Periods are labelled as the packs label them (2022年上半年,
2022年（年度总结）). Like the period pages (dashboards/page.py) it loads nothing and escapes every value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import dashboards.charts as charts
from dashboards.charts import e
from dashboards.page import CITY, HISTORY_FILE as FILE, OFFLINE, _chip, _notice, _section, page, title_of, write_index
from schemas.labels import (COMPLIANCE, REWARD_CATEGORY, REWARD_DUE_WORD, REWARD_PROVISO, REWARD_STATUS,
                            TARGET_STATUS, label, scope_label)
from schemas.periods import period_label, periods_between, quarters_of
from schemas.sections import BY_TABLE
from warehouse.atomic_write import write_text
from warehouse.history import read_history

TITLE = "全程数据看板（各报告期对比）"
NOT_ROLLED_UP = "未汇总"
NOTHING_OWED = "—"
# ladder_counts' level columns, lowest first, as the pack's 企业梯队 sheet heads them; then its 合计 and 停产/注销
LADDER_ROWS = ("seed_count", "city_count", "province_count", "national_count", "total_count", "stopped_count")
LEVELS = LADDER_ROWS[:4]


def _header(table: str, column: str) -> str:
    """A column's header as the pack's sheet prints it (the model's label: the one place)."""
    return next(c.header for c in BY_TABLE[table].sheets[0].cols if c.name == column)


def half_of(quarter: str) -> str:
    return f"{quarter[:4]}H{1 if int(quarter[-1]) <= 2 else 2}"


# ---------------------------------------------------------------- picking rows

def choose(runs: list[dict], slot: str) -> dict | None:
    """The rolled-up period a slot (a half-year, a year) shows: of the runs whose last quarter lies in the slot, the
    one ending latest, then the longest (the meeting that reviews the slot), then the latest computed."""
    inside = set(quarters_of(slot))
    return max((r for r in runs if r["last_quarter"] in inside),
               key=lambda r: (r["last_quarter"], len(quarters_of(r["period"])), r["computed_at"], r["period"]),
               default=None)


@dataclass(frozen=True)
class History:
    runs: list[dict]                                   # rollup_runs, oldest first
    quarters: list[str]                                # every quarter from the first judged to the last reached
    halves: list[tuple[str, dict | None]]              # (2022H1, the chosen run or None: 未汇总)
    years: list[tuple[str, dict | None]]
    reports: dict[tuple[str, str | None], dict] = field(default_factory=dict)   # (quarter, bureau; None: all)
    bureaus: list[str] = field(default_factory=list)
    ladder: dict[str, dict] = field(default_factory=dict)                      # period -> its 合计 row
    targets: list[dict] = field(default_factory=list)                          # one per target: its latest row
    target_rows: dict[tuple[str, str], dict] = field(default_factory=dict)     # (period, target_id) -> row
    rewards: dict[str, dict] = field(default_factory=dict)                     # period -> its ledger counted

    @property
    def covered(self) -> set[str]:
        """The quarters some rolled-up period spans."""
        return {q for r in self.runs for q in quarters_of(r["period"])}


def read_history_data(con) -> History | None:
    frames = read_history(con)
    if frames is None or not frames["runs"].height:
        return None
    runs = frames["runs"].to_dicts()
    reports = {(r["quarter"], None if r["all_bureaus"] else r["bureau"]): r for r in frames["reports"].to_dicts()}
    first = min([r["last_quarter"] for r in runs] + [q for q, _ in reports])
    last = max(r["last_quarter"] for r in runs)
    quarters = periods_between("quarterly", first, last)
    halves = periods_between("midyear", half_of(first), half_of(last))
    years = periods_between("annual", first[:4], last[:4])
    rows = frames["targets"].to_dicts()
    target_rows = {(r["period"], r["target_id"]): r for r in rows}
    # the targets in the policy's order as the latest period lists them, then any only earlier periods list
    newest = {r["period"]: i for i, r in enumerate(sorted(runs, key=lambda r: (r["last_quarter"], r["computed_at"]),
                                                            reverse=True))}
    latest: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (newest[r["period"]], r["place"])):
        latest.setdefault(r["target_id"], r)
    return History(runs=runs, quarters=quarters,
                   halves=[(h, choose(runs, h)) for h in halves], years=[(y, choose(runs, y)) for y in years],
                   reports=reports, bureaus=sorted({b for _, b in reports if b is not None}),
                   ladder={r["period"]: r for r in frames["ladder"].to_dicts()},
                   targets=list(latest.values()), target_rows=target_rows,
                   rewards={r["period"]: r for r in frames["rewards"].to_dicts()})


# ---------------------------------------------------------------- the sections

def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


def _reached(run: dict, slot: str) -> str:
    """Which period a column shows and up to when: 截至2022年第四季度末 · 2022年（年度总结）."""
    short = "" if run["last_quarter"] == quarters_of(slot)[-1] else "（未到期末）"
    return f"截至{period_label(run['last_quarter'])}末{short} · 据{title_of(run['period'])}"


def _slot_head(slot: str, run: dict | None) -> str:
    note = _reached(run, slot) if run else "没有汇总到该期的会议材料"
    return f'<th class="nw">{e(period_label(slot))}<br><span class="note">{e(note)}</span></th>'


def _empty_cell(slot: str, what: str, attrs: str = "") -> str:
    return (f'<td class="hs-empty"{attrs} title="{e(period_label(slot))}：{e(NOT_ROLLED_UP)}（没有汇总到该期的会议材料，'
            f'无{e(what)}）">{e(NOT_ROLLED_UP)}</td>')


def rate_class(r: dict) -> str:
    """All reported on time, all reported (some late), some, none; nothing due yet."""
    if not r["owed"]:
        return "cp-not_due"
    if r["reported"] == r["owed"]:
        return "rate-full" if not r["late"] else "rate-late"
    return "rate-part" if r["reported"] else "rate-none"


def _report_cell(h: History, q: str, bureau: str | None) -> str:
    who = bureau or "全部单位"
    attrs = f' data-bureau="{e(who)}" data-quarter="{e(q)}"'
    if not any(k[0] == q for k in h.reports):
        if q in h.covered:
            return (f'<td class="cp-none"{attrs} title="{e(who)} {e(period_label(q))}：无应报事项">'
                    f'{e(NOTHING_OWED)}</td>')
        return _empty_cell(q, "报送情况", attrs)
    r = h.reports.get((q, bureau))
    if r is None:
        return f'<td class="cp-none"{attrs} title="{e(who)} {e(period_label(q))}：本季度不需报送">{e(NOTHING_OWED)}</td>'
    detail = (f"{who} {period_label(q)}：应报 {r['owed']} 份，已报 {r['reported']} 份（{COMPLIANCE['on_time']} {r['on_time']}，"
              f"{COMPLIANCE['late']} {r['late']}），{COMPLIANCE['missing']} {r['missing']}，"
              f"{COMPLIANCE['rejected']} {r['rejected']}"
              + (f"，{COMPLIANCE['not_due']} {r['not_due']}" if r["not_due"] else "")
              + f"；据{'、'.join(title_of(p) for p in r['judged_in'])}的催报清单")
    attrs += f' data-reported="{r["reported"]}" data-owed="{r["owed"]}"'
    if not r["owed"]:
        text = e(COMPLIANCE["not_due"])
    else:
        text = f'{r["reported"]}/{r["owed"]}<br><span class="rate">{e(_pct(r["reported"], r["owed"]))}</span>'
    return f'<td class="{rate_class(r)}"{attrs} title="{e(detail)}">{text}</td>'


def reports_section(h: History) -> str:
    head = "".join(f'<th class="nw">{e(period_label(q))}</th>' for q in h.quarters)
    body = [f'<tr><td class="nw">{e(b)}</td>' + "".join(_report_cell(h, q, b) for q in h.quarters) + "</tr>"
            for b in h.bureaus]
    body.append('<tr class="total"><td class="nw">全部单位</td>'
                + "".join(_report_cell(h, q, None) for q in h.quarters) + "</tr>")
    inner = (f'<table id="report-grid" class="grid"><thead><tr><th>单位</th>{head}</tr></thead><tbody>'
             + "".join(body) + "</tbody></table>"
             + charts.legend([("全部按时", "rate-full"), ("全部已报（有逾期）", "rate-late"), ("部分已报", "rate-part"),
                              ("均未报", "rate-none"), (COMPLIANCE["not_due"], "cp-not_due"),
                              ("不需报送", "cp-none"), (NOT_ROLLED_UP, "hs-empty")]))
    return _section("report-history", "各单位报送率（单位 × 季度）", inner,
                    "每格：已报送（按时或逾期）份数 / 已过截止日期的应报份数（种子企业库、任务进展各算一份）；"
                    "每个季度取最近一次汇总的催报清单判断（之后才补报的，显示为逾期）；鼠标悬停查看明细。")


def _stack_chart(h: History) -> str:
    """One stacked bar per half-year: its ladder by level, lowest at the bottom; 未汇总 where no rollup reached it."""
    rows = [(slot, h.ladder.get(run["period"]) if run else None) for slot, run in h.halves]
    top = max([int(r["total_count"]) for _, r in rows if r] + [1])
    col_w, bar_w, plot_h, base = 110, 56, 200, 230
    width, height = 60 + col_w * len(rows), base + 44
    names = [_header("ladder_counts", c) for c in LEVELS]
    out = [f'<svg class="chart" role="img" aria-label="企业梯队（每半年末）" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}">',
           f'<line class="axisline" x1="50" x2="{width - 10}" y1="{base}" y2="{base}"/>']
    for i, (slot, r) in enumerate(rows):
        x = 60 + i * col_w + (col_w - bar_w) / 2
        cx = x + bar_w / 2
        out.append(f'<text x="{cx:.1f}" y="{base + 18}" text-anchor="middle" class="axis">{e(period_label(slot))}</text>')
        if r is None:
            out.append(f'<text x="{cx:.1f}" y="{base - 8}" text-anchor="middle" class="axis">{e(NOT_ROLLED_UP)}</text>')
            continue
        y = float(base)
        for lv, (col, name) in enumerate(zip(LEVELS, names)):
            n = int(r[col])
            hgt = plot_h * n / top
            y -= hgt
            out.append(f'<g><title>{e(period_label(slot))}末 {e(name)}：{n} 户</title>'
                       f'<rect class="lv{lv}" x="{x:.1f}" y="{y:.1f}" width="{bar_w}" height="{hgt:.1f}"/></g>')
        out.append(f'<text x="{cx:.1f}" y="{y - 6:.1f}" text-anchor="middle" class="val">{int(r["total_count"])} 户</text>')
    out.append("</svg>")
    return "".join(out) + charts.legend([(n, f"lv{i}") for i, n in enumerate(names)])


def ladder_section(h: History) -> str:
    head = "".join(_slot_head(slot, run) for slot, run in h.halves)
    body = []
    for col in LADDER_ROWS:
        name = _header("ladder_counts", col)
        cells = []
        for slot, run in h.halves:
            r = h.ladder.get(run["period"]) if run else None
            attrs = f' data-level="{e(col)}" data-half="{e(slot)}"'
            if run is None:
                cells.append(_empty_cell(slot, "企业梯队", attrs))
            elif r is None:
                cells.append(f'<td class="num"{attrs}>{e(BY_TABLE["ladder_counts"].sheets[0].empty)}</td>')
            else:
                cells.append(f'<td class="num"{attrs}>{e(r[col])}</td>')
        row = '<tr class="total">' if col == "total_count" else "<tr>"
        body.append(f'{row}<td class="nw">{e(name)}</td>' + "".join(cells) + "</tr>")
    inner = (_stack_chart(h) + f'<table id="ladder-history" class="grid"><thead><tr><th>级别（户）</th>{head}</tr></thead>'
             "<tbody>" + "".join(body) + "</tbody></table>")
    return _section("ladder-history-section", "企业梯队（每半年末：种子 → 吉林市级 → 吉林省级 → 国家级小巨人）", inner,
                    "来源：各期会议材料“企业梯队”表的合计行：每半年取截至该半年末的汇总（有年度总结或半年例会时取其一）；"
                    "期末状态为每个企业截至当时最近一次已入库报送（无报送时为附件1）。")


def _target_value(r: dict) -> str:
    year = f"，{r['deadline_year']}年" if r["deadline_year"] else ""
    return f"{charts.num(r['target_value'])} {r['unit'] or ''}（{scope_label(r['scope']) or ''}{year}）"


def targets_section(h: History) -> str:
    if not h.targets:
        return _section("target-history-section", "发展目标（每半年末）",
                        _notice(BY_TABLE["target_progress"].sheets[0].empty))
    head = "".join(_slot_head(slot, run) for slot, run in h.halves)
    body = []
    for t in h.targets:
        cells = []
        for slot, run in h.halves:
            attrs = f' data-target="{e(t["target_id"])}" data-half="{e(slot)}"'
            if run is None:
                cells.append(_empty_cell(slot, "目标进度", attrs))
                continue
            r = h.target_rows.get((run["period"], t["target_id"]))
            if r is None:
                cells.append(f'<td class="cp-none"{attrs} title="{e(title_of(run["period"]))}不考核此目标">'
                             f'{e(NOTHING_OWED)}</td>')
                continue
            status = label(TARGET_STATUS, r["status"])
            detail = (f"{r['target']}：实际 {r['actual_text'] or NOTHING_OWED}，目标值 {charts.num(r['target_value'])} "
                      f"{r['unit'] or ''}，按进度应达 {charts.num(r['expected_value'])}，差距 {charts.num(r['gap'])}；"
                      f"{status}（{_reached(run, slot)}）")
            cells.append(f'<td class="nw"{attrs} data-status="{e(r["status"])}" title="{e(detail)}">'
                         f'{e(r["actual_text"] or NOTHING_OWED)} {_chip(status, charts.target_class(r["status"]))}</td>')
        body.append(f'<tr><td class="wide">{e(t["target"])}</td><td class="nw">{e(_target_value(t))}</td>'
                    + "".join(cells) + "</tr>")
    inner = (f'<table id="target-history" class="grid"><thead><tr><th>{e(_header("target_progress", "target"))}</th>'
             f'<th>{e(_header("target_progress", "target_value"))}</th>{head}</tr></thead><tbody>' + "".join(body)
             + "</tbody></table>"
             + charts.legend([(t, charts.target_class(code)) for code, t in TARGET_STATUS.items()]))
    return _section("target-history-section", "发展目标（每半年末，实际与判断）", inner,
                    "来源：各期会议材料“目标进度”表：每格为该期的实际（比例目标为达标户数/应达标户数）与判断；"
                    "目标值为实施方案一、（三）所定；“—”为该期不考核的目标。")


def _due(r: dict, run: dict) -> tuple[str, int, int]:
    """(the ledger's word for its due amounts, how many, how much): 应兑现 in a 年度总结, else 预计."""
    if r["accrued_count"] or (not r["provisional_count"] and run["kind"] == "annual"):
        return "accrued", r["accrued_count"], r["accrued_yuan"]
    return "provisional", r["provisional_count"], r["provisional_yuan"]


def _yuan(v) -> str:
    return f"{int(v):,}"


def _reward_chart(h: History) -> str:
    bars: list[tuple[str, tuple[str, int] | None]] = []
    for year, run in h.years:
        r = h.rewards.get(run["period"]) if run else None
        if run is None or r is None:
            bars.append((year, None))
        else:
            status, _, amount = _due(r, run)
            bars.append((year, (status, amount)))
    top = max([b[1] for _, b in bars if b] + [1])
    col_w, bar_w, plot_h, base = 130, 60, 160, 190
    width, height = 60 + col_w * len(bars), base + 44
    out = [f'<svg class="chart" role="img" aria-label="各年度奖励" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}">',
           f'<line class="axisline" x1="50" x2="{width - 10}" y1="{base}" y2="{base}"/>']
    for i, (year, b) in enumerate(bars):
        x = 60 + i * col_w + (col_w - bar_w) / 2
        cx = x + bar_w / 2
        out.append(f'<text x="{cx:.1f}" y="{base + 18}" text-anchor="middle" class="axis">{e(period_label(year))}</text>')
        if b is None:
            out.append(f'<text x="{cx:.1f}" y="{base - 8}" text-anchor="middle" class="axis">{e(NOT_ROLLED_UP)}</text>')
            continue
        status, amount = b
        hgt = plot_h * amount / top
        word = REWARD_DUE_WORD[status]
        out.append(f'<g><title>{e(period_label(year))}：{e(word)} {e(_yuan(amount))} 元</title>'
                   f'<rect class="rw-{status}" x="{x:.1f}" y="{base - hgt:.1f}" width="{bar_w}" height="{hgt:.1f}"/>'
                   f'<text x="{cx:.1f}" y="{base - hgt - 6:.1f}" text-anchor="middle" class="val">{e(_yuan(amount))} 元'
                   f'（{e(word)}）</text></g>')
    out.append("</svg>")
    return "".join(out) + charts.legend([(REWARD_STATUS["accrued"] + "（年度总结）", "rw-accrued"),
                                         (REWARD_STATUS["provisional"], "rw-provisional")])


def rewards_section(h: History) -> str:
    heads = ["年度", "台账依据", "口径", "笔数", "金额（元）", f"其中{REWARD_CATEGORY['srdi']}（元）",
             f"其中{REWARD_CATEGORY['tech_center']}（元）", f"{REWARD_STATUS['pending']}（项）",
             f"{REWARD_STATUS['no_repeat']}（项）", "较上次预计的变化（项）"]
    body = []
    for year, run in h.years:
        r = h.rewards.get(run["period"]) if run else None
        if run is None or r is None:
            body.append(f'<tr data-year="{e(year)}"><td class="nw">{e(period_label(year))}</td>'
                        + _empty_cell(year, "奖励台账").replace("<td ", f'<td colspan="{len(heads) - 1}" ', 1) + "</tr>")
            continue
        status, count, amount = _due(r, run)
        word = REWARD_STATUS[status] if status == "accrued" else f"{REWARD_DUE_WORD[status]}（{REWARD_PROVISO}）"
        cells = [period_label(year), _reached(run, year).replace(" · ", "，"), word, count, _yuan(amount),
                 _yuan(r["srdi_yuan"]), _yuan(r["tech_center_yuan"]), r["pending_count"], r["no_repeat_count"],
                 r["changed_count"]]
        body.append(f'<tr data-year="{e(year)}" data-status="{e(status)}">'
                    + "".join(f'<td class="{"num" if i > 2 else "nw"}">'
                              + (_chip(str(c), "rw-" + status) if i == 2 else e(c)) + "</td>"
                              for i, c in enumerate(cells)) + "</tr>")
    inner = (_reward_chart(h) + '<table id="reward-history" class="grid"><thead><tr>'
             + "".join(f"<th>{e(t)}</th>" for t in heads) + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")
    return _section("reward-history-section", "一次性奖励（每年）", inner,
                    "来源：各期会议材料“奖励台账”：每年取该年最近一期的台账（有年度总结时取年度总结，金额为应兑现；"
                    f"否则为季调度或半年例会的预计金额，{REWARD_PROVISO}）；待核实的金额暂为0。")


def periods_section(h: History, reports_dir: Path | None) -> str:
    items = []
    for r in sorted(h.runs, key=lambda r: (r["last_quarter"], len(quarters_of(r["period"]))), reverse=True):
        p = r["period"]
        span = (period_label(r["first_quarter"]) if r["first_quarter"] == r["last_quarter"]
                else f"{period_label(r['first_quarter'])}至{period_label(r['last_quarter'])}")
        text = f"{title_of(p)}：{span}，计算日期 {r['as_of']}"
        page_file = f"dashboard_{p}.html"
        if reports_dir is not None and (reports_dir / p / page_file).exists():
            text_html = f'<a href="{e(quote(p))}/{e(quote(page_file))}">{e(text)}</a>'
        else:
            text_html = e(text)
        items.append(f"<li>{text_html}</li>")
    return _section("rolled-up-periods", "已汇总的报告期", f'<ul class="periods">{"".join(items)}</ul>',
                    "本页各图表只取以上各期汇总保存的结果，与各期会议材料一致。")


def render_history(h: History | None, reports_dir: Path | None = None) -> str:
    head = (f'<header><h1>{CITY}{TITLE}</h1><p>'
            + (f"{e(period_label(h.quarters[0]))}至{e(period_label(h.quarters[-1]))} · 已汇总报告期 {len(h.runs)} 个"
               if h else "尚未汇总任何报告期")
            + ' · <a href="index.html">全部报告期</a></p></header><main>')
    if h is None:
        parts = [head, _notice("尚未汇总任何报告期：请系统管理员运行汇总后生成。")]
    else:
        parts = [head, reports_section(h), ladder_section(h), targets_section(h), rewards_section(h),
                 periods_section(h, reports_dir)]
    parts.append(f"</main><footer>{OFFLINE}；由本系统根据数据库中各期的汇总结果生成，与各期会议材料一致。</footer>")
    return page(f"专精特新{TITLE}", "".join(parts))


def write_history_dashboard(con, reports_dir: Path) -> Path:
    """<reports_dir>/dashboard_history.html from the rollup tables (a read-only connection is enough); the index,
    which links it, refreshed too."""
    reports_dir = Path(reports_dir)
    out = write_text(reports_dir / FILE, render_history(read_history_data(con), reports_dir))
    write_index(reports_dir)
    return out


__all__ = ["FILE", "History", "choose", "read_history_data", "render_history", "write_history_dashboard"]
