"""The meeting pack (xlsx, in Chinese): a 概要 sheet, then the sheets the section registry (schemas/sections.py)
gives this kind of meeting, in its order.

Laid out as every srdi workbook is (tasks/xlsx_layout.py): A4 landscape fitted to the page width, a frozen header
row repeated on every printed page, column widths and row heights measured with schemas.text_width. Every text
value — above all what bureaus wrote — is written with write_string into a workbook that never turns strings into
formulas or links.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import COMPLIANCE, FORM, KIND, RATIO, REPEAT, TARGET_STATUS
from schemas.periods import RollupPeriod
from schemas.rollup_config import RollupConfig
from schemas.sections import Col, Sheet, pack_sheets
from tasks.rollup.compute import pack_path
from tasks.run_log import run_logger
from tasks.xlsx_layout import Book, fit_row, fit_width, page, set_widths
from warehouse.atomic_write import write_bytes
from warehouse.home import Home

TITLE_ROWS = 2          # title, then a line saying what one row is
HEADER_ROW = TITLE_ROWS
MAX_WIDTH = {"wide": 46, "normal": 36}
SUMMARY_WIDTHS = (22, 96)

BAD = {"late", "missing", "rejected", "at_risk", "not_achieved", "lagging", "level_down", "停产", "注销", True}


# ---------------------------------------------------------------- cell texts

def cell_text(col: Col, v) -> str | None:
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
    if col.kind == "datetime" and isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)


def _width(col: Col, texts: list[str]) -> float:
    return fit_width(col.header, texts, widest=MAX_WIDTH["wide"] if col.wide else MAX_WIDTH["normal"])


# ---------------------------------------------------------------- the workbook

class PackWriter:
    def __init__(self, target: io.BytesIO, title: str, subtitle: str):
        self.book = Book(target, {"title": title, "subject": subtitle,
                                  "company": "蛟河市促进中小企业发展工作领导小组办公室"})
        self.wb = self.book.wb
        f = self.book.format
        cell = {"valign": "vcenter"}
        self.fmt = {
            "title": f("title"),
            "sub": f("subtitle"),
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

    def _page(self, ws, sheet_title: str) -> None:
        page(ws, header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 0), page_header=(self.title, sheet_title), center=True)
        ws.hide_gridlines(2)

    def write_value(self, ws, r: int, c: int, col: Col, v) -> None:
        bad = col.flag and v in BAD
        text_fmt = self.fmt["bad"] if bad else self.fmt["text"]
        if v is None and col.blank:
            ws.write_string(r, c, col.blank, text_fmt)
        elif v is None:
            ws.write_blank(r, c, None, text_fmt)
        elif col.labels is not None or col.kind in ("text", "bool") or isinstance(v, str):
            ws.write_string(r, c, cell_text(col, v), text_fmt)
        elif col.kind in ("date", "datetime") and isinstance(v, (date, datetime)):
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
        texts = [[cell_text(c, r[i]) for r in rows] for i, c in enumerate(sec.cols)]
        widths = [_width(c, t) for c, t in zip(sec.cols, texts)]
        set_widths(ws, widths)
        for i, c in enumerate(sec.cols):
            ws.write_string(HEADER_ROW, i, c.header, self.fmt["header"])
        fit_row(ws, HEADER_ROW, [(c.header, w) for c, w in zip(sec.cols, widths)])
        r = HEADER_ROW + 1
        for k, row in enumerate(rows):
            for i, (c, v) in enumerate(zip(sec.cols, row)):
                self.write_value(ws, r, i, c, v)
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
        self._page(ws, sec.title)

    def summary(self, lines: list[tuple[str, str]], subtitle: str) -> None:
        ws = self.wb.add_worksheet("概要")
        ws.merge_range(0, 0, 0, 1, self.title, self.fmt["title"])
        ws.set_row(0, 28)
        ws.merge_range(1, 0, 1, 1, subtitle, self.fmt["sub"])
        ws.write_string(HEADER_ROW, 0, "项目", self.fmt["header"])
        ws.write_string(HEADER_ROW, 1, "情况", self.fmt["header"])
        set_widths(ws, SUMMARY_WIDTHS)
        for r, (k, v) in enumerate(lines, HEADER_ROW + 1):
            ws.write_string(r, 0, k, self.fmt["key"])
            ws.write_string(r, 1, v, self.fmt["text"])
            fit_row(ws, r, zip((k, v), SUMMARY_WIDTHS))
        self._page(ws, "概要")
        ws.activate()

    def close(self) -> None:
        self.book.close()


# ---------------------------------------------------------------- what the summary says

def _count(frame: pl.DataFrame | None, expr=None) -> int:
    if frame is None or not frame.height:
        return 0
    return frame.height if expr is None else frame.filter(expr).height


def summary_lines(rp: RollupPeriod, cfg: RollupConfig, s: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    c = s["compliance"]
    by = {k: _count(c, pl.col("status") == k) for k in COMPLIANCE}
    owed = "、".join(f"{r['bureau']}（{FORM[r['form']]}{'，' + r['report_period'] if rp.kind != 'quarterly' else ''}："
                     f"{COMPLIANCE[r['status']]}）" for r in c.filter(pl.col("status") != "on_time").iter_rows(named=True))
    out.append(("报送情况", f"应报 {c.height} 份：按时 {by['on_time']}，逾期 {by['late']}，未报送 {by['missing']}，"
                        f"被退回未重报 {by['rejected']}。" + (f"\n需催报：{owed}" if owed else "")))
    allrow = s["ladder_counts"].filter(pl.col("breakdown") == "all").row(0, named=True) if _count(s["ladder_counts"]) else None
    if allrow:
        out.append(("企业梯队", f"库内企业 {allrow['total_count']} 户：种子 {allrow['seed_count']}，吉林市级 {allrow['city_count']}，"
                            f"吉林省级 {allrow['province_count']}，国家级小巨人 {allrow['national_count']}；"
                            f"其中停产或注销 {allrow['stopped_count']} 户。"))
    ch = s["ladder_changes"]
    news = [f"{r['enterprise_name']}（{r['from_value']}→{r['to_value']}）" for r in
            ch.filter(pl.col("change") == "new_recognition").iter_rows(named=True)]
    stops = [f"{r['enterprise_name']}（{r['to_value']}）" for r in ch.filter(pl.col("flag").is_in(["停产", "注销"])).iter_rows(named=True)]
    entries = [r["enterprise_name"] for r in ch.filter(pl.col("change") == "new_entry").iter_rows(named=True)]
    out.append(("企业变动", f"新认定 {len(news)} 户" + (f"：{'、'.join(news)}" if news else "") + "；"
                        f"停产/注销 {len(stops)} 户" + (f"：{'、'.join(stops)}" if stops else "") + "；"
                        f"新入库 {len(entries)} 户" + (f"：{'、'.join(entries)}" if entries else "") + "。"))
    lag = s["ladder_lagging"]
    out.append(("滞后企业", f"拟培育年份已过仍未认定 {lag.filter(pl.col('status') == 'lagging')['enterprise_name'].n_unique() if lag.height else 0} 户，"
                        f"本年到期尚未认定 {lag.filter(pl.col('status') == 'due_this_year')['enterprise_name'].n_unique() if lag.height else 0} 户。"))
    out.append(("数据冲突", f"{_count(s['ladder_conflicts'])} 处（同一季度两个单位对同一企业填报不一致，详见“数据冲突”）。"))
    t = s["task_status"]
    out.append(("工作任务", f"任务×责任单位 {t.height} 项：已报 {_count(t, pl.col('reported'))}，"
                        f"已完成 {_count(t, pl.col('status') == '已完成')}，滞后 {_count(t, pl.col('lagging'))}。"))
    out.append(("报市政府问题", f"{_count(s['task_problems'])} 条（详见“报市政府问题”）。"))
    b = s["bank_events"]
    held = [f"{r['report_period']}{'已开展' if r['held'] else '未开展'}" for r in b.iter_rows(named=True)]
    out.append(("银企对接", "；".join(held) + "。" if held else "本期无应开展的季度。"))
    tp = s["target_progress"]
    risky = [f"{r['target']}（{TARGET_STATUS[r['status']]}）" for r in
             tp.filter(pl.col("status").is_in(["at_risk", "not_achieved"])).iter_rows(named=True)]
    judged = "，".join(f"{TARGET_STATUS[s]} {_count(tp, pl.col('status') == s)}"
                       for s in ("achieved", "on_track", "at_risk", "not_achieved"))
    out.append(("发展目标", f"{tp.height} 项：{judged}。" + (f"\n需关注：{'；'.join(risky)}" if risky else "")))
    if "rewards" in s:
        rw = s["rewards"]
        total = int(rw["amount_yuan"].sum()) if rw.height else 0
        out.append(("奖励台账", f"{rp.year}年应兑现一次性奖励 {_count(rw, pl.col('amount_yuan') > 0)} 笔，合计 {total:,} 元"
                            f"（重复认定口径：{REPEAT[cfg.repeat_recognition]}）。"))
    if "cultivation_list" in s:
        cl = s["cultivation_list"]
        out.append(("明年培育名单", f"{rp.year + 1}年拟培育 {cl['enterprise_name'].n_unique() if cl.height else 0} 户企业、{cl.height} 个目标级别。"))
    out.append(("口径", f"截止日期为季度结束后 {cfg.deadline_days} 天；只使用已入库（未被退回、未被替代）的报送；"
                      f"规则文件：{cfg.source}；说明见 docs/rollups.md。"))
    return out


# ---------------------------------------------------------------- tasks

@task(name="write-pack", cache_policy=NO_CACHE)
def write_pack(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> str:
    path = pack_path(home, rp)
    write_bytes(path, pack_bytes(rp, cfg, sections))
    run_logger().info("pack written: %s", path)
    return str(path)


def pack_bytes(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> bytes:
    title = f"蛟河市“专精特新”中小企业{KIND[rp.kind]}（{rp.label}）"
    span = rp.first_quarter if rp.first_quarter == rp.last_quarter else f"{rp.first_quarter}–{rp.last_quarter}"
    subtitle = f"数据：{span} 已入库报送；计算日期 {rp.as_of.isoformat()}（北京时间）；领导小组办公室"
    buf = io.BytesIO()
    w = PackWriter(buf, title, subtitle)
    try:
        w.summary(summary_lines(rp, cfg, sections), subtitle)
        for section, sheet in pack_sheets(rp.kind):
            frame = sections.get(section.table, pl.DataFrame())
            if sheet.appendix == "ratio_totals":
                frame = _with_ratio_totals(frame, sections["target_progress"])
            total = None
            if sheet.total and frame.height:
                total = [("合计" if i == 0 else None) for i in range(len(sheet.cols))]
                for i, col in enumerate(sheet.cols):
                    if col.name in sheet.total:
                        total[i] = float(frame[col.name].sum())
            w.section(sheet, frame, subtitle, total)
    finally:
        w.close()
    return buf.getvalue()


def _with_ratio_totals(frame: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Append, per ratio target, a 合计 row whose ratio is sum(numerator) / sum(denominator) (from target_progress)."""
    if not frame.height:
        return frame
    totals = targets.filter(pl.col("target_id").is_in(list(RATIO))).select(
        "period", "target_id", pl.lit("合计（分子合计÷分母合计）").alias("enterprise_name"), pl.lit("—").alias("srdi_level"),
        "numerator", "denominator", pl.col("actual_value").alias("ratio_pct"), pl.col("target_value").alias("threshold_pct"),
        (pl.col("actual_value") >= pl.col("target_value")).alias("meets"),
        pl.lit(None, pl.Utf8).alias("report_period"), pl.lit(None, pl.Int32).alias("submission_id"))
    frame = frame.with_columns(pl.lit(0).alias("_order"))
    totals = totals.with_columns(pl.lit(1).alias("_order")).cast({c: frame.schema[c] for c in totals.columns if c in frame.schema})
    return pl.concat([frame, totals], how="diagonal_relaxed").sort(["target_id", "_order"], maintain_order=True).drop("_order")
