"""The meeting pack (xlsx, in Chinese): a 概要 sheet, then the sheets the section registry (schemas/sections.py)
gives this kind of meeting, in its order.

Laid out as every srdi workbook is (tasks/xlsx_layout.py): column widths and row heights measured with
schemas.text_width, a frozen header row repeated on every printed page. Every sheet prints as tasks/print_rules.py
plans it: A4, landscape where it is wide, fitted to the page width with no text under 8 pt on paper (a sheet too
wide for that is narrowed first: its widest columns wrap; its rows are measured at the narrowed widths). Every text
value — above all what bureaus wrote — is written with write_string into a workbook that never turns strings into
formulas or links.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import clock
from schemas.labels import (COMPLIANCE, FORM, KIND, RATIO, REPEAT, REWARD_CATEGORY, REWARD_DUE, REWARD_DUE_WORD,
                            REWARD_PROVISO, TARGET_STATUS)
from schemas.periods import RollupPeriod, period_label
from schemas.rollup_config import RollupConfig
from schemas.sections import Col, Sheet, pack_sheets, with_former_names
from tasks.rollup.compute import pack_path
from tasks import print_rules
from tasks.run_log import run_logger
from tasks.xlsx_layout import FONT_SIZE, Book, fit_row, fit_width, page, print_column, set_widths
from warehouse.atomic_write import write_bytes
from warehouse.home import Home

TITLE_ROWS = 2          # title, then a line saying what one row is
HEADER_ROW = TITLE_ROWS
MAX_WIDTH = {"wide": 46, "normal": 36}
SUMMARY_WIDTHS = (22, 22, 22, 14, 38)   # 项目 | 情况 over the other four; the 报送情况 table uses all five
SMALLEST_FONT = FONT_SIZE               # every text of a pack sheet is 10 pt or larger (the title 16)
COMPLIANCE_HEADER = ("单位", *FORM.values(), "责任领导", "说明")
SEE_TABLE = "各单位各表的情况见下表（需催报的标红）。"

BAD = {"late", "missing", "rejected", "at_risk", "not_achieved", "lagging", "level_down", "停产", "注销", True,
       "pending", "unverified", "excluded", "below", "not_reported"}


# ---------------------------------------------------------------- cell texts

def cell_text(col: Col, v, tz: str | None = None) -> str | None:
    """The text a cell shows; an instant in the programme's zone `tz` (schemas.clock.shown)."""
    if v is None:
        return None
    if col.labels is not None:
        return str(col.labels(v) if callable(col.labels) else col.labels.get(v, v))
    if col.kind == "bool":
        return "是" if v else "否"
    if col.kind in ("num", "pct"):
        return f"{v:,.2f}"
    if col.kind == "yuan":
        return f"{v:,.0f}"
    if isinstance(v, datetime):
        return clock.shown(v, tz)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)


def _cap(col: Col) -> float:
    return MAX_WIDTH["wide"] if col.wide else MAX_WIDTH["normal"]


def _width(col: Col, texts: list[str | None]) -> float:
    return fit_width(col.header, texts, widest=_cap(col))


def _wraps(col: Col) -> bool:
    """Its values are written as wrapped text (write_value): a label, a text, a 是/否; numbers and dates are not."""
    return col.labels is not None or col.kind in ("text", "bool")


# ---------------------------------------------------------------- the workbook

class PackWriter:
    def __init__(self, target: io.BytesIO, title: str, subtitle: str, time_zone: str | None = None):
        self.time_zone = time_zone   # the programme's zone: every instant is shown in it
        self.book = Book(target, {"title": title, "subject": subtitle,
                                  "company": "蛟河市促进中小企业发展工作领导小组办公室"})
        self.wb = self.book.wb
        f = self.book.format
        cell = {"valign": "vcenter"}
        self.fmt = {
            "title": f("title"),
            "sub": f("subtitle", font_size=SMALLEST_FONT, text_wrap=True),   # wrapped: printed whole, never clipped
            "header": f("header"),
            "text": f("text", **cell),
            "int": f("number", **cell, align="right", num_format="0"),
            "num": f("number", **cell, align="right", num_format="#,##0.00"),
            "pct": f("number", **cell, align="right", num_format="0.00"),
            "yuan": f("number", **cell, align="right", num_format="#,##0"),
            "date": f("number", **cell, align="left", num_format="yyyy-mm-dd"),
            "datetime": f("number", **cell, align="left", num_format="yyyy-mm-dd hh:mm"),
            "bad": f("bad", **cell),
            "total": f("number", **cell, align="right", bold=True, num_format="#,##0"),
            "totaltext": f("text", **cell, bold=True),
            "key": f("key"),
        }
        self.title = title
        self.plans: dict[str, print_rules.PrintPlan] = {}    # sheet -> how it prints (write_pack says which narrowed)

    def _page(self, ws, sheet_title: str, plan: print_rules.PrintPlan, last_row: int) -> None:
        """The print area is the table (rows 0..last_row, its columns): a renderer that prints the used range with
        the text running past it (LibreOffice) would otherwise shrink the page to that text."""
        page(ws, header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 0), page_header=(self.title, sheet_title), center=True,
             plan=plan, print_area=(last_row, len(plan.widths) - 1))
        ws.hide_gridlines(2)
        self.plans[ws.name] = plan

    def write_value(self, ws, r: int, c: int, col: Col, v, text: str | None = None) -> None:
        """`text`: cell_text(col, v) when the caller has it already."""
        bad = col.flag and v in BAD
        text_fmt = self.fmt["bad"] if bad else self.fmt["text"]
        if v is None and col.blank:
            ws.write_string(r, c, col.blank, text_fmt)
        elif v is None:
            ws.write_blank(r, c, None, text_fmt)
        elif col.labels is not None or col.kind in ("text", "bool") or isinstance(v, str):
            ws.write_string(r, c, cell_text(col, v, self.time_zone) if text is None else text, text_fmt)
        elif col.kind == "datetime" and isinstance(v, datetime):   # Excel has no zones: the programme's wall clock
            ws.write_datetime(r, c, clock.wall_clock(v, self.time_zone), self.fmt[col.kind])
        elif col.kind in ("date", "datetime") and isinstance(v, date):
            ws.write_datetime(r, c, v, self.fmt[col.kind])
        else:
            ws.write_number(r, c, float(v), self.fmt[col.kind] if col.kind in self.fmt else self.fmt["num"])

    def section(self, sec: Sheet, frame: pl.DataFrame, subtitle: str, total_row: list | None = None) -> None:
        ws = self.wb.add_worksheet(sec.name)
        if sec.where is not None and frame.height:
            frame = frame.filter(sec.where)
        if sec.sort and frame.height:
            frame = frame.sort(list(sec.sort))
        rows = frame.select([c.name for c in sec.cols]).rows() if frame.height else []
        n = len(sec.cols)
        ws.merge_range(0, 0, 0, n - 1, sec.title, self.fmt["title"])
        ws.set_row(0, 28)
        ws.merge_range(1, 0, 1, n - 1, f"{subtitle}　{sec.grain}", self.fmt["sub"])
        sub_row = f"{subtitle}　{sec.grain}"
        texts = [[cell_text(c, r[i], self.time_zone) for r in rows] for i, c in enumerate(sec.cols)]
        totals = [[f"{v:,.0f}" if isinstance(v, (int, float)) else v] for v in (total_row or [None] * n)]
        natural = [_width(c, t + s) for c, t, s in zip(sec.cols, texts, totals)]
        plan = print_rules.plan([print_column(c.header, t + s, w, wraps=_wraps(c)) for c, t, s, w
                                 in zip(sec.cols, texts, totals, natural)], SMALLEST_FONT)
        widths = list(plan.widths)
        set_widths(ws, widths)
        fit_row(ws, 1, [(sub_row, sum(widths))], font_size=SMALLEST_FONT)
        for i, c in enumerate(sec.cols):
            ws.write_string(HEADER_ROW, i, c.header, self.fmt["header"])
        fit_row(ws, HEADER_ROW, [(c.header, w) for c, w in zip(sec.cols, widths)])
        # a column at its natural width below its cap fits its longest line (fit_width), so only a capped or a
        # narrowed column, or a text with a line break, can need a taller row: the other rows are not measured again
        capped = [w >= _cap(c) or w < nat for c, w, nat in zip(sec.cols, widths, natural)]
        r = HEADER_ROW + 1
        for k, row in enumerate(rows):
            for i, (c, v) in enumerate(zip(sec.cols, row)):
                self.write_value(ws, r, i, c, v, texts[i][k])
            if any((text := t[k]) and (cap or "\n" in text) for t, cap in zip(texts, capped)):
                fit_row(ws, r, [(t[k], w) for t, w in zip(texts, widths)])
            r += 1
        if not rows:
            ws.merge_range(r, 0, r, n - 1, sec.empty, self.fmt["text"])
            r += 1
        if total_row is not None and rows:
            for i, v in enumerate(total_row):
                if isinstance(v, (int, float)):
                    ws.write_number(r, i, v, self.fmt["total"])
                else:
                    ws.write_string(r, i, v or "", self.fmt["totaltext"])
            r += 1
        self._page(ws, sec.title, plan, r - 1)

    def summary(self, lines: list[tuple[str, str]], subtitle: str, compliance: list[tuple[list[str], list[bool]]]) -> None:
        """The 概要: one row per line (项目 | 情况, the text across the last four columns); after the 报送情况 line,
        its table (COMPLIANCE_HEADER: one row per bureau, a cell per form, flagged where it needs chasing)."""
        ws = self.wb.add_worksheet("概要")
        last = len(SUMMARY_WIDTHS) - 1
        text_width = sum(SUMMARY_WIDTHS[1:])
        ws.merge_range(0, 0, 0, last, self.title, self.fmt["title"])
        ws.set_row(0, 28)
        ws.merge_range(1, 0, 1, last, subtitle, self.fmt["sub"])
        fit_row(ws, 1, [(subtitle, sum(SUMMARY_WIDTHS))], font_size=SMALLEST_FONT)
        ws.write_string(HEADER_ROW, 0, "项目", self.fmt["header"])
        ws.merge_range(HEADER_ROW, 1, HEADER_ROW, last, "", self.fmt["header"])
        ws.write_string(HEADER_ROW, 1, "情况", self.fmt["header"])
        plan = print_rules.plan([print_rules.Column(w, w) for w in SUMMARY_WIDTHS], SMALLEST_FONT)
        set_widths(ws, plan.widths)
        r = HEADER_ROW + 1
        for k, v in lines:
            if k == "报送情况" and compliance:
                v += SEE_TABLE
            ws.write_string(r, 0, k, self.fmt["key"])
            ws.merge_range(r, 1, r, last, "", self.fmt["text"])
            ws.write_string(r, 1, v, self.fmt["text"])
            fit_row(ws, r, [(k, SUMMARY_WIDTHS[0]), (v, text_width)])
            r += 1
            if k == "报送情况" and compliance:
                r = self._compliance_table(ws, r, compliance)
        self._page(ws, "概要", plan, r - 1)
        ws.activate()

    def _compliance_table(self, ws, r: int, table: list[tuple[list[str], list[bool]]]) -> int:
        for i, h in enumerate(COMPLIANCE_HEADER):
            ws.write_string(r, i, h, self.fmt["header"])
        r += 1
        for cells, bad in table:
            for i, (text, flagged) in enumerate(zip(cells, bad)):
                ws.write_string(r, i, text, self.fmt["key"] if i == 0 else self.fmt["bad"] if flagged else self.fmt["text"])
            fit_row(ws, r, zip(cells, SUMMARY_WIDTHS))
            r += 1
        return r

    def close(self) -> None:
        self.book.close()


# ---------------------------------------------------------------- what the summary says

def _count(frame: pl.DataFrame | None, expr=None) -> int:
    if frame is None or not frame.height:
        return 0
    return frame.height if expr is None else frame.filter(expr).height


def _names(rows: list[str]) -> str:
    return "：" + "、".join(rows) if rows else ""


def _compliance_lines(rp: RollupPeriod, c: pl.DataFrame) -> list[tuple[str, str]]:
    """报送情况: the counts; who is to be chased, who sent late and who is still inside the reporting window are in
    its table (compliance_table), which the 概要 shows under this line (SEE_TABLE) and the run's summary artifact
    after its lines."""
    by = {k: _count(c, pl.col("status") == k) for k in COMPLIANCE}
    due = sorted({r["due_date"].isoformat() for r in c.filter(pl.col("status") == "not_due").iter_rows(named=True)}) \
        if by["not_due"] else []
    text = (f"应报 {c.height} 份：按时 {by['on_time']}，逾期已报 {by['late']}，未报送 {by['missing']}，"
            f"被退回未重报 {by['rejected']}，未到截止 {by['not_due']}"
            + (f"（截止日期 {'、'.join(due)}）" if due else "") + "。")
    return [("报送情况", text)]


CHASE = ("rejected", "missing")                      # the statuses to chase (未报送、被退回未重报)
ACTION = (("需催报", CHASE), ("逾期已报，已入库，不需催报", ("late",)), ("未到截止", ("not_due",)), ("按时", ("on_time",)))


def compliance_table(rp: RollupPeriod, c: pl.DataFrame) -> list[tuple[list[str], list[bool]]]:
    """报送情况 as a table, one row per bureau (COMPLIANCE_HEADER): 单位, a cell per form (its status in each
    quarter of the pack; "—" where the bureau does not report that form), 责任领导 (or （未配置）), 说明 (需催报,
    逾期已报, 未到截止 or 按时, the first that applies). Each row with which of its cells are flagged (to chase).
    Bureaus to chase first, then those late, pending, on time; by name within each."""
    if not c.height:
        return []
    one_quarter = rp.first_quarter == rp.last_quarter
    rows = []
    for bureau in sorted(set(c["bureau"])):
        mine = c.filter(pl.col("bureau") == bureau).sort("report_period")
        cells, bad = [bureau], [False]
        for form in FORM:
            fr = list(mine.filter(pl.col("form") == form).iter_rows(named=True))
            cells.append(_status_cell(rp, fr, one_quarter) if fr else "—（不需报送）")
            bad.append(any(r["status"] in CHASE for r in fr))
        leaders = sorted({r["responsible_leader"] for r in mine.iter_rows(named=True) if r["responsible_leader"]})
        cells.append("、".join(leaders) or "（未配置）")
        bad.append(False)
        statuses = set(mine["status"])
        rank, action = next((i, word) for i, (word, sts) in enumerate(ACTION) if statuses & set(sts))
        cells.append(action)
        bad.append(rank == 0)
        rows.append((rank, cells, bad))
    return [(cells, bad) for _, cells, bad in sorted(rows, key=lambda x: (x[0], x[1][0]))]


def _status_cell(rp: RollupPeriod, rows: list[dict], one_quarter: bool) -> str:
    """A bureau's status for one form: 按时 / 逾期10天 / 未报送 …; over several quarters one line per status,
    naming its quarters (未报送（第三季度、第四季度）)."""
    def word(r: dict) -> str:
        return f"逾期{r['days_late']}天" if r["status"] == "late" and r["days_late"] else COMPLIANCE[r["status"]]
    if one_quarter:
        return "；".join(word(r) for r in rows)
    lines = []
    for status in ("rejected", "missing", "late", "not_due", "on_time"):
        mine = [r for r in rows if r["status"] == status]
        if mine:
            quarters = "、".join(period_label(r["report_period"]).removeprefix(f"{rp.year}年")
                                + (f"{r['days_late']}天" if status == "late" and r["days_late"] else "") for r in mine)
            lines.append(f"{COMPLIANCE[status]}（{quarters}）")
    return "\n".join(lines)


def _change_line(ch: pl.DataFrame) -> str:
    """Each enterprise once, under its weightiest change (新认定, then 停产/注销, then 新入库), the others in brackets."""
    seen: dict[str, list[dict]] = {}
    for r in ch.iter_rows(named=True):
        seen.setdefault(r["enterprise_name"], []).append(r)
    groups: dict[str, list[str]] = {"新认定": [], "停产/注销": [], "新入库": []}
    for name, rs in seen.items():
        kinds = {r["change"]: r for r in rs}
        stop = next((r for r in rs if r["flag"] in ("停产", "注销")), None)
        parts = []
        if "new_recognition" in kinds:
            r = kinds["new_recognition"]
            parts.append(f"{r['from_value']}→{r['to_value']}")
        if stop is not None:
            parts.append(stop["flag"])
        if "new_entry" in kinds and "new_recognition" not in kinds:
            parts.append("新入库")
        if "new_recognition" in kinds:
            group = "新认定"
        elif stop is not None:
            group = "停产/注销"
        elif "new_entry" in kinds:
            group = "新入库"
        else:
            continue
        shown = [x for x in parts if x != group]
        groups[group].append(name + (f"（{'；'.join(shown)}）" if shown else ""))
    total = sum(len(v) for v in groups.values())
    return (f"变动企业 {total} 户（每户只计一次）：" + "；".join(f"{k} {len(v)} 户{_names(v)}" for k, v in groups.items())
            + "。")


def _lagging_line(lag: pl.DataFrame) -> str:
    """Each enterprise once: 滞后 when any planned level is overdue, else 临期 when one is due this year."""
    lagging = sorted(set(lag.filter(pl.col("status") == "lagging")["enterprise_name"])) if lag.height else []
    due = sorted(set(lag.filter(pl.col("status") == "due_this_year")["enterprise_name"]) - set(lagging)) if lag.height else []
    return (f"拟培育年份已过仍未认定 {len(lagging)} 户{_names(lagging)}；"
            f"本年到期尚未认定 {len(due)} 户{_names(due)}（已计入前者的不重复计）。")


def rewards_lines(rp: RollupPeriod, cfg: RollupConfig, s: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """The rewards ledger in two lines: what accrued this year and what waits for evidence; then the rewards srdi
    does not compute, with their clauses."""
    out = []
    rw = s.get("rewards")
    if rw is not None:
        paid = rw.filter(pl.col("status").is_in(list(REWARD_DUE))) if rw.height else rw
        total = int(paid["amount_yuan"].sum()) if paid.height else 0
        due = "accrued" if rp.kind == "annual" else "provisional"
        text = (f"{rp.year}年截至{period_label(rp.last_quarter).removeprefix(f'{rp.year}年')}末 "
                f"{REWARD_DUE_WORD[due]}一次性奖励 {paid.height} 笔"
                f"（{paid['enterprise_name'].n_unique() if paid.height else 0} 户），合计 {total:,} 元"
                + (f"，{REWARD_PROVISO}" if due == "provisional" else "")
                + f"（重复认定口径：{REPEAT[cfg.repeat_recognition]}；同一企业同一年度只奖励一次）。")
        changed = rw.filter(pl.col("change_note").is_not_null()) if rw.height and "change_note" in rw.columns else rw.clear()
        if changed.height:
            text += (f"\n较上次预计的变化 {changed.height} 项：" + "；".join(
                f"{r['enterprise_name']} {r['change_note']}" for r in changed.sort("enterprise_name").iter_rows(named=True)))
        waiting = rw.filter(pl.col("status") == "pending") if rw.height else rw
        if waiting.height:
            names = [f"{r['enterprise_name']}（{REWARD_CATEGORY.get(r['category'], r['category'])} {r['level']}）"
                     for r in waiting.sort("enterprise_name", "category", "level").iter_rows(named=True)]
            text += (f"\n待核实 {waiting.height} 项（金额暂为0，缺少首次认定的依据，见“奖励台账”的“需补充的依据”）："
                     + "、".join(names))
        else:
            text += "\n待核实：无。"
        out.append(("奖励台账", text))
    cats = s.get("reward_categories")
    if cats is not None and cats.height:
        missing = [f"{r['name']}（{r['clause']}{'，' + r['amount'] if r['amount'] else ''}）"
                   for r in cats.filter(~pl.col("computed")).sort("sort_order").iter_rows(named=True)]
        if missing:
            out.append(("未计算的奖励", "、".join(missing) + "：本系统不计算，不在奖励台账中，需人工核定（原因见“奖励类别”）。"))
    return out


def notice_lines(s: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """责任领导 (configured or not: where to set them), then any other notice of the run (rollup_notices)."""
    notes = s.get("rollup_notices")
    rows = list(notes.iter_rows(named=True)) if notes is not None and notes.height else []
    leaders = [r["notice"] for r in rows if r["topic"] == "leaders"]
    out = [("责任领导", leaders[0] if leaders else "催报清单中的各单位责任领导均已配置（rollup_config.toml [leaders]）。")]
    others = [r["notice"] for r in rows if r["topic"] != "leaders"]
    if others:
        out.append(("提示", "\n".join(others)))
    return out


def summary_lines(rp: RollupPeriod, cfg: RollupConfig, s: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    out += _compliance_lines(rp, s["compliance"])
    out += notice_lines(s)
    allrow = s["ladder_counts"].filter(pl.col("breakdown") == "all").row(0, named=True) if _count(s["ladder_counts"]) else None
    if allrow:
        out.append(("企业梯队", f"库内企业 {allrow['total_count']} 户：种子 {allrow['seed_count']}，吉林市级 {allrow['city_count']}，"
                            f"吉林省级 {allrow['province_count']}，国家级小巨人 {allrow['national_count']}；"
                            f"其中停产或注销 {allrow['stopped_count']} 户（计入各自级别）。"))
    out.append(("企业变动", _change_line(s["ladder_changes"])))
    out.append(("滞后企业", _lagging_line(s["ladder_lagging"])))
    out.append(("数据冲突", f"{_count(s['ladder_conflicts'])} 处（同一季度两个单位对同一企业填报不一致，详见“数据冲突”）。"))
    t = s["task_status"]
    out.append(("工作任务", f"任务×责任单位 {t.height} 项：已报 {_count(t, pl.col('reported'))}，"
                        f"未报送 {_count(t, ~pl.col('reported') & pl.col('due'))}，"
                        f"未到截止 {_count(t, ~pl.col('reported') & ~pl.col('due'))}；"
                        f"已完成 {_count(t, pl.col('status') == '已完成')}，滞后 {_count(t, pl.col('lagging'))}。"))
    out.append(("报市政府问题", f"{_count(s['task_problems'])} 条（详见“报市政府问题”）。"))
    b = s["bank_events"]
    held = [f"{period_label(r['report_period'])}{'已开展' if r['held'] else '未开展'}" for r in b.iter_rows(named=True)]
    out.append(("银企对接", f"{rp.year}年截至期末：" + "；".join(held) + "（只计任务T3-1的报送）。" if held else "本期无应开展的季度。"))
    tp = s["target_progress"]
    risky = [f"{r['target']}（{TARGET_STATUS[r['status']]}）" for r in
             tp.filter(pl.col("status").is_in(["at_risk", "not_achieved"])).iter_rows(named=True)]
    judged = "，".join(f"{TARGET_STATUS[k]} {_count(tp, pl.col('status') == k)}"
                       for k in ("achieved", "on_track", "in_progress", "at_risk", "not_achieved", "no_data")
                       if k in ("achieved", "on_track", "at_risk", "not_achieved") or _count(tp, pl.col("status") == k))
    out.append(("发展目标", f"{tp.height} 项：{judged}。" + (f"\n需关注：{'；'.join(risky)}" if risky else "")
                + "\n十四五目标只计考核期内达到该级别的企业，逐户列在“目标明细”；比例目标逐户判断，见“比例指标”。"))
    out += rewards_lines(rp, cfg, s)
    teams = s.get("service_team_comparison")
    if teams is not None and teams.height:
        out.append(("专班比较", "；".join(
            f"{r['service_team']} 企业{r['enterprises']}户、新认定{r['new_recognitions']}、滞后企业{r['lagging_enterprises']}、"
            f"报表按时{r['reports_on_time']}/{r['reports_due']}、滞后任务{r['tasks_lagging']}"
            for r in teams.iter_rows(named=True)) + "（详见“专班比较”）。"))
    if "cultivation_list" in s:
        cl = s["cultivation_list"]
        out.append(("明年培育名单", f"{rp.year + 1}年拟培育 {cl['enterprise_name'].n_unique() if cl.height else 0} 户企业、{cl.height} 个目标级别。"))
    out.append(("口径", f"截止日期为季度结束后 {cfg.deadline_days} 天；只使用已入库（未被退回、未被替代）的报送；"
                      f"奖励以方案印发日 {cfg.plan_issued.isoformat()} 为界；汇总规则：{rules_word(cfg)}。"))
    return out


def rules_word(cfg: RollupConfig) -> str:
    """Which rules a pack was computed with, as a leader reads it: never the file's path or its syntax (the CLI and
    rollup_runs.config_source name the file)."""
    from warehouse.home import CONFIG_NAME
    local = cfg.source.endswith(CONFIG_NAME) and not cfg.source.startswith("schemas/")
    return "本地配置" if local else "系统默认（按方案原文）"


# ---------------------------------------------------------------- tasks

@task(name="write-pack", cache_policy=NO_CACHE)
def write_pack(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> str:
    path = pack_path(home, rp)
    data, plans = pack_workbook(rp, cfg, sections)
    write_bytes(path, data)
    log = run_logger()
    for sheet, plan in plans.items():     # a narrowed sheet wraps more than its measured widths would: said, not silent
        if plan.narrowed:
            how = "one page wide" if plan.fit_width else f"in {len(plan.breaks) + 1} blocks of columns"
            log.info("pack sheet %s: columns narrowed to print %s at %d%% (smallest text %.1f pt)",
                     sheet, how, plan.scale, plan.smallest_printed)
    log.info("pack written: %s", path)
    return str(path)


def pack_bytes(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> bytes:
    return pack_workbook(rp, cfg, sections)[0]


def pack_workbook(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]
                  ) -> tuple[bytes, dict[str, print_rules.PrintPlan]]:
    """The pack's bytes, and how each of its sheets prints (tasks/print_rules.py)."""
    title = f"蛟河市“专精特新”中小企业{KIND[rp.kind]}（{rp.label}）"
    span = period_label(rp.first_quarter) if rp.first_quarter == rp.last_quarter \
        else f"{period_label(rp.first_quarter)}至{period_label(rp.last_quarter)}"
    subtitle = f"数据：{span} 已入库报送；计算日期 {rp.as_of.isoformat()}（北京时间）；领导小组办公室"
    buf = io.BytesIO()
    w = PackWriter(buf, title, subtitle, cfg.time_zone)
    try:
        w.summary(summary_lines(rp, cfg, sections), subtitle, compliance_table(rp, sections["compliance"]))
        for section, sheet in pack_sheets(rp.kind):
            frame = with_former_names(sections.get(section.table, pl.DataFrame()), sections.get("former_names"))
            if sheet.appendix == "ratio_totals":
                frame = _with_ratio_totals(frame, sections["target_progress"])
            total: list[str | float | None] | None = None
            if sheet.total and frame.height:
                total = [("合计" if i == 0 else None) for i in range(len(sheet.cols))]
                for i, col in enumerate(sheet.cols):
                    if col.name in sheet.total:
                        total[i] = float(frame[col.name].sum())
            w.section(sheet, frame, subtitle, total)
    finally:
        w.close()
    return buf.getvalue(), w.plans


def _with_ratio_totals(frame: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Append, per ratio target, a 合计 row whose ratio is sum(numerator) / sum(denominator) (from target_progress)."""
    if not frame.height:
        return frame
    totals = targets.filter(pl.col("target_id").is_in(list(RATIO))).select(
        "period", "target_id", pl.lit("合计（分子合计÷分母合计）").alias("enterprise_name"), pl.lit("—").alias("srdi_level"),
        "numerator", "denominator", pl.col("pooled_pct").alias("ratio_pct"), pl.col("target_value").alias("threshold_pct"),
        (pl.col("pooled_pct") >= pl.col("target_value")).alias("meets"), pl.lit("合计比例（仅供参考）").alias("status"),
        pl.lit(None, pl.Utf8).alias("report_period"), pl.lit(None, pl.Int32).alias("submission_id"))
    frame = frame.with_columns(pl.lit(0).alias("_order"))
    totals = totals.with_columns(pl.lit(1).alias("_order")).cast({c: frame.schema[c] for c in totals.columns if c in frame.schema})
    return pl.concat([frame, totals], how="diagonal_relaxed").sort(["target_id", "_order"], maintain_order=True).drop("_order")
