"""The dashboards' charts: SVG drawn here, in Python, so a page needs nothing but itself.

Each chart takes plain rows (dicts of a rollup table) and returns SVG text. Every value goes through `e`
(html.escape); colours are not chosen here: a shape names a class (tg-at_risk, cp-missing, ts-done, lv2) and
dashboards/style.css colours it, so a status has one colour on every chart, chip and legend.
"""
from __future__ import annotations

import html

from schemas import clock
from schemas.forms import SRDI_LEVELS, TASK_STATUSES
from schemas.labels import COMPLIANCE, FORM, TARGET_STATUS, TASK_REPORTED, label
from schemas.periods import period_label

# a task status as the unit reported it (schemas.forms.TASK_STATUSES) -> its class in style.css
TASK_STATUS_CLASS = {"已完成": "ts-done", "持续推进": "ts-ongoing", "推进中": "ts-active", "未启动": "ts-idle",
                     "滞后": "ts-behind"}
if set(TASK_STATUS_CLASS) != set(TASK_STATUSES):
    raise ValueError(f"dashboards: a colour for each task status {TASK_STATUSES}, got {sorted(TASK_STATUS_CLASS)}")
UNREPORTED = TASK_REPORTED[False]                 # 未报送: an owed unit that sent no report in the period
TASK_ORDER = ("已完成", "持续推进", "推进中", "未启动", "滞后", UNREPORTED)   # the status bar, left to right
FUNNEL_TIERS = ("培育库企业（种子及以上）", "吉林市级及以上", "吉林省级及以上", "国家级小巨人")
NOTHING_OWED = "无应报事项"


def e(value) -> str:
    """Every value that reaches the page goes through here."""
    return html.escape("" if value is None else str(value), quote=True)


def num(v) -> str:
    if v is None:
        return "—"
    v = float(v)
    return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}".rstrip("0").rstrip(".")


def target_class(status) -> str:
    return f"tg-{status}" if status in TARGET_STATUS else "unknown"


def compliance_class(status) -> str:
    return f"cp-{status}" if status in COMPLIANCE else "unknown"


def task_class(status) -> str:
    if status == UNREPORTED:
        return "ts-unreported"
    if status == COMPLIANCE["not_due"]:
        return "cp-not_due"
    return TASK_STATUS_CLASS.get(status, "ts-other")


def swatch(cls: str) -> str:
    return (f'<svg class="sw" viewBox="0 0 12 12" width="12" height="12">'
            f'<rect class="{e(cls)}" width="12" height="12" rx="2"/></svg>')


def legend(items: list[tuple[str, str]]) -> str:
    """(text, class) pairs."""
    return '<div class="legend">' + "".join(f"<span>{swatch(c)} {e(t)}</span>" for t, c in items) + "</div>"


# ---------------------------------------------------------------- target_progress

def is_ratio(r: dict) -> bool:
    """A ratio target (scope 'ratio'): judged per provincial enterprise, its bar counts the enterprises that meet it."""
    return r.get("scope") == "ratio"


def svg_target_bars(rows: list[dict]) -> str:
    """One bar per target: actual as a share of the target value (capped at 100%), the target as a line."""
    label_w, bar_w, row_h, right = 330, 380, 34, 190
    width, height = label_w + bar_w + right, 24 + row_h * len(rows)
    out = [f'<svg class="chart" role="img" aria-label="目标进度" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
           f'<text x="{label_w}" y="14" class="axis">0</text>'
           f'<text x="{label_w + bar_w}" y="14" class="axis" text-anchor="end">目标 100%</text>']
    for i, r in enumerate(rows):
        y = 24 + i * row_h
        target, actual = r["target_value"], r["actual_value"]
        status = label(TARGET_STATUS, r["status"])
        cls = target_class(r["status"])
        name = r["target"] or r["target_id"]
        short = name if len(name) <= 24 else name[:23] + "…"
        if is_ratio(r):
            # judged per enterprise: the bar is the share of provincial enterprises that meet the ratio
            met, apart = int(r.get("enterprises_counted") or 0), int(r.get("enterprises_apart") or 0)
            share = met / (met + apart) if met + apart else 0.0
            pooled = r.get("pooled_pct")
            said = (f"达标 {met} / {met + apart} 户（逐户判断，目标 {num(target)}{r['unit']}；合计比例（参考）"
                    f"{'—' if pooled is None else num(pooled) + r['unit']}）")
            shown = f"达标 {met} / {met + apart} 户"
        elif r.get("scope") == "quarterly":
            # one event per quarter: the quarters held against the quarters due so far this year
            due = r.get("expected_value") or 0
            share = float(actual) / float(due) if due and actual is not None else 0.0
            said = f"开展 {num(actual)} / 应开展 {num(due)} 个季度（每季度 {num(target)} 次）"
            shown = f"{num(actual)} / {num(due)} 个季度"
        else:
            share = 0.0 if not target or actual is None else max(0.0, float(actual) / float(target))
            said = f"{num(actual)} / 目标 {num(target)} {r['unit']}"
            shown = f"{num(actual)} / {num(target)} {r['unit']}"
        out.append(f'<g class="target" data-target="{e(r["target_id"])}">'
                   f'<title>{e(name)}：实际 {e(said)}（{e(status)}）</title>'
                   f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="lbl">{e(short)}</text>'
                   f'<rect class="track" x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" rx="3"/>'
                   f'<rect class="{cls}" x="{label_w}" y="{y + 4}" width="{min(share, 1.0) * bar_w:.1f}" height="18" rx="3"/>'
                   f'<line class="goal" x1="{label_w + bar_w}" x2="{label_w + bar_w}" y1="{y}" y2="{y + 26}"/>'
                   f'<text x="{label_w + bar_w + 8}" y="{y + 17}" class="val">{e(shown)} '
                   f'· <tspan class="{cls} status">{e(status)}</tspan></text></g>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- ladder_counts

def funnel_tiers(total: dict, level_columns: dict[str, str]) -> list[tuple[str, int, str, int]]:
    """(tier name, enterprises at this level or above, level, enterprises at exactly this level), lowest first.
    The first tier is the 合计 the pack shows (total_count); each later one sums its level and those above."""
    exact = [int(total[level_columns[lv]] or 0) for lv in SRDI_LEVELS]
    at_least = [int(total["total_count"] or 0)] + [sum(exact[i:]) for i in range(1, len(exact))]
    return list(zip(FUNNEL_TIERS, at_least, SRDI_LEVELS, exact))


def svg_funnel(tiers: list[tuple[str, int, str, int]]) -> str:
    """Widths are "at this level or above", so the ladder narrows; labels give both figures."""
    width, row_h, max_w, cx = 760, 58, 520, 300
    top = max(tiers[0][1], 1)
    out = [f'<svg class="chart" role="img" aria-label="企业梯队" viewBox="0 0 {width} {row_h * 4 + 10}" '
           f'width="{width}" height="{row_h * 4 + 10}">']
    for i, (name, n, level, exact) in enumerate(tiers):
        w = max(max_w * n / top, 70)          # wide enough for its label, even at zero
        nxt = max(max_w * tiers[i + 1][1] / top, 70) if i + 1 < len(tiers) else w * 0.8
        y = 5 + i * row_h
        pts = f"{cx - w / 2:.1f},{y} {cx + w / 2:.1f},{y} {cx + nxt / 2:.1f},{y + row_h - 6} {cx - nxt / 2:.1f},{y + row_h - 6}"
        ink = "on-dark" if i else "on-light"
        out.append(f'<g class="tier" data-tier="{i}"><title>{e(name)}：{n} 户；其中当前为{e(level)} {exact} 户</title>'
                   f'<polygon class="lv{i}" points="{pts}"/>'
                   f'<text x="{cx}" y="{y + 32}" text-anchor="middle" class="big {ink}">{n} 户</text>'
                   f'<text x="{cx + max_w / 2 + 30}" y="{y + 24}" class="lbl">{e(name)}</text>'
                   f'<text x="{cx + max_w / 2 + 30}" y="{y + 42}" class="axis">当前为{e(level)}：{exact} 户</text></g>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- compliance

def cell_detail(r: dict, tz: str | None = None) -> str:
    """What hovering over a heat-map cell says: the 催报清单 row in words."""
    parts = [f"截止 {r['due_date']}"]
    if r.get("received_at") is not None:
        parts.append(f"报送于 {clock.shown(r['received_at'], tz)}")
    if r.get("days_late"):
        parts.append(f"逾期 {r['days_late']} 天")
    if r.get("submission_id") is not None:
        parts.append(f"报送编号 {r['submission_id']}")
    if r.get("note"):
        parts.append(r["note"])
    return "；".join(parts)


def svg_heatmap(bureaus: list[str], columns: list[tuple[str, str]], cells: dict, tz: str | None = None) -> str:
    """Bureaus down, (quarter, form) across: each coloured cell is one row of the 催报清单."""
    label_w, cell_w, cell_h, head = 130, 92, 28, 46
    width, height = label_w + cell_w * len(columns) + 10, head + cell_h * len(bureaus) + 4
    out = [f'<svg class="chart" role="img" aria-label="报送情况热力图" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}">']
    quarters: list[str] = []
    for q, _ in columns:
        if q not in quarters:
            quarters.append(q)
    for q in quarters:
        xs = [j for j, (cq, _) in enumerate(columns) if cq == q]
        centre = label_w + (xs[0] + xs[-1] + 1) * cell_w / 2
        out.append(f'<text x="{centre:.1f}" y="16" text-anchor="middle" class="lbl">{e(period_label(q))}</text>')
    for j, (_, form) in enumerate(columns):
        out.append(f'<text x="{label_w + j * cell_w + cell_w / 2:.1f}" y="36" text-anchor="middle" class="axis">'
                   f'{e(label(FORM, form))}</text>')
    for i, b in enumerate(bureaus):
        y = head + i * cell_h
        out.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="lbl">{e(b)}</text>')
        for j, (q, form) in enumerate(columns):
            x = label_w + j * cell_w
            r = cells.get((b, q, form))
            box = f'x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3"'
            mid = f'x="{x + cell_w / 2:.1f}" y="{y + 19}" text-anchor="middle"'
            if r is None:
                out.append(f'<g><title>{e(b)} {e(period_label(q))} {e(label(FORM, form))}：{NOTHING_OWED}</title>'
                           f'<rect class="cp-none" {box}/><text {mid} class="cell none">—</text></g>')
                continue
            status = label(COMPLIANCE, r["status"])
            out.append(f'<g class="heat-cell" data-bureau="{e(b)}" data-quarter="{e(q)}" data-form="{e(label(FORM, form))}">'
                       f'<title>{e(b)} {e(period_label(q))} {e(label(FORM, form))}：{e(status)}（{e(cell_detail(r, tz))}）</title>'
                       f'<rect class="{compliance_class(r["status"])}" {box}/>'
                       f'<text {mid} class="cell">{e(status)}</text></g>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- task_status

def svg_task_status(counts: dict[str, int]) -> str:
    """One bar split by status (every owed unit, 未报送 included)."""
    order = [s for s in TASK_ORDER if counts.get(s)] + sorted(s for s in counts if s not in TASK_ORDER)
    total = sum(counts.values()) or 1
    width, bar_w = 760, 720
    out = [f'<svg class="chart" role="img" aria-label="任务推进状态" viewBox="0 0 {width} 92" width="{width}" height="92">']
    x = 20.0
    for s in order:
        w = bar_w * counts[s] / total
        out.append(f'<g><title>{e(s)}：{counts[s]} 项</title>'
                   f'<rect class="{task_class(s)}" x="{x:.1f}" y="8" width="{w:.1f}" height="34"/>')
        if w > 34:
            out.append(f'<text x="{x + w / 2:.1f}" y="30" text-anchor="middle" class="cell">{counts[s]}</text>')
        out.append("</g>")
        x += w
    lx = 20
    for s in order:
        out.append(f'<rect class="{task_class(s)}" x="{lx}" y="60" width="14" height="14"/>'
                   f'<text x="{lx + 20}" y="72" class="lbl">{e(s)} {counts[s]} 项</text>')
        lx += 40 + 14 * len(s) + 10 * len(str(counts[s])) + 30
    out.append("</svg>")
    return "".join(out)


def svg_pct(pct) -> str:
    w = 0 if pct is None else max(0.0, min(float(pct), 100.0))
    return (f'<svg class="pct" viewBox="0 0 100 10" width="100" height="10">'
            f'<rect class="track" width="100" height="10" rx="2"/>'
            f'<rect class="{"pct-done" if w >= 100 else "pct-part"}" width="{w:.0f}" height="10" rx="2"/></svg>')
