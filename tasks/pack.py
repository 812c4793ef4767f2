"""Outputs of a rollup: the meeting pack (xlsx, in Chinese), the HTML dashboard, Prefect artifacts.

The pack has one sheet per section, A4 landscape fitted to the page width, a frozen header row repeated on
every printed page, and column widths measured in display width (a CJK character is two). Every text value —
above all what bureaus wrote — is written with write_string into a workbook that never turns strings into
formulas or links.
"""
from __future__ import annotations

import math
import os
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.rollup_config import RollupConfig
from tasks.discover import _logger
from tasks.home import Home
from tasks.rollup import RollupPeriod, pack_path
from warehouse.db import connect

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
A4 = 9
FONT = "宋体"
TITLE_ROWS = 2          # title, then a line saying what one row is
HEADER_ROW = TITLE_ROWS
MAX_WIDTH = {"wide": 46, "normal": 36}

KIND_CN = {"quarterly": "季调度", "midyear": "半年例会", "annual": "年度总结"}
FORM_CN = {"enterprise": "种子企业库", "task": "任务进展"}
COMPLIANCE_CN = {"on_time": "按时", "late": "逾期", "missing": "未报送", "rejected": "退回未重报"}
CHANGE_CN = {"new_recognition": "新认定", "status_change": "经营状态变化", "new_entry": "新入库",
             "tech_center": "技术中心升级", "level_down": "级别下降"}
LAGGING_CN = {"lagging": "滞后", "due_this_year": "临期（本年到期）"}
TARGET_STATUS_CN = {"achieved": "已完成", "on_track": "进度正常", "at_risk": "存在风险", "not_achieved": "未完成",
                    "no_data": "无数据"}
BREAKDOWN_CN = {"all": "合计", "service_team": "服务专班", "industry": "行业"}
CATEGORY_CN = {"srdi": "专精特新认定", "tech_center": "企业技术中心"}
CULTIVATION_CN = {"planned": "按计划培育", "carried_over": "滞后结转", "cultivating": "拟培育（未定年份）"}
RATIO_CN = {"rd_ratio": "研发投入占销售收入", "tech_staff_ratio": "科技人员占职工总数"}
REPEAT_CN = {"top_up": "补差（高级别奖励只享受一次，差额补足）", "full": "每个级别首次认定全额奖励",
             "highest_only": "只奖励一次（首次获奖年度的最高级别）"}
BAD = {"late", "missing", "rejected", "at_risk", "not_achieved", "lagging", "level_down", "停产", "注销", True}


def scope_cn(v: str | None) -> str | None:
    if v is None:
        return None
    if v.startswith("year:"):
        return f"{v[5:]}年当年"
    return {"cumulative": "累计", "ratio": "比例", "quarterly": "每季度"}.get(v, v)


@dataclass(frozen=True)
class Col:
    name: str
    header: str
    kind: str = "text"            # text | int | num | pct | yuan | date | datetime | bool
    labels: dict | None = None     # code -> Chinese (a callable for open-ended codes)
    blank: str | None = None       # what an empty cell says
    wide: bool = False            # long text: wraps within a wider column
    flag: bool = False            # highlight bad values


@dataclass(frozen=True)
class Section:
    table: str
    sheet: str
    title: str
    grain: str
    cols: tuple[Col, ...]
    where: object = None           # polars expression selecting rows
    sort: tuple = ()
    empty: str = "（无）"
    total: tuple[str, ...] = ()    # numeric columns summed in a 合计 row


C = Col
SECTIONS: dict[str, Section] = {s.sheet: s for s in (
    Section("compliance", "催报清单", "各单位报送情况（催报清单）", "每行：一个单位应报的一张表（每季度）",
            (C("report_period", "应报季度"), C("bureau", "单位"), C("form", "表种", labels=FORM_CN),
             C("due_date", "截止日期", "date"), C("status", "报送情况", labels=COMPLIANCE_CN, flag=True),
             C("received_at", "报送时间", "datetime"), C("days_late", "逾期天数", "int"),
             C("submission_id", "报送编号", "int"), C("responsible_leader", "责任领导", blank="（未配置）"), C("note", "说明", wide=True)),
            sort=(pl.col("status").replace_strict({"rejected": 0, "missing": 1, "late": 2, "on_time": 3}, default=4),
                  "report_period", "form", "bureau")),
    Section("target_progress", "目标进度", "发展目标完成情况", "每行：实施方案一、（三）中的一项目标",
            (C("target", "目标", wide=True), C("scope", "口径", labels=scope_cn), C("target_value", "目标值", "num"), C("unit", "单位"),
             C("actual_value", "实际", "num"), C("year_value", "本年新增", "num"),
             C("expected_value", "按进度应达", "num"), C("gap", "差距", "num"),
             C("status", "判断", labels=TARGET_STATUS_CN, flag=True), C("deadline_year", "目标年份", "int"),
             C("note", "说明", wide=True))),
    Section("ratio_enterprises", "比例指标", "省级“专精特新”企业研发投入、科技人员占比（合计口径）",
            "每行：一个省级及以上企业的一项比例；合计行 = 分子合计 ÷ 分母合计（不是比例的平均）",
            (C("target_id", "指标", labels=RATIO_CN), C("enterprise_name", "企业名称"), C("srdi_level", "级别"),
             C("numerator", "分子", "num"), C("denominator", "分母", "num"), C("ratio_pct", "比例（%）", "pct"),
             C("threshold_pct", "目标（%）", "pct"), C("meets", "是否达标", "bool"),
             C("report_period", "依据季度"), C("submission_id", "报送编号", "int"))),
    Section("ladder_counts", "企业梯队", "企业梯队分布", "每行：一个分组（合计、服务专班、行业）",
            (C("breakdown", "分组", labels=BREAKDOWN_CN), C("group_value", "名称"), C("seed_count", "种子企业", "int"),
             C("city_count", "吉林市级", "int"), C("province_count", "吉林省级", "int"),
             C("national_count", "国家级小巨人", "int"), C("total_count", "合计", "int"),
             C("stopped_count", "其中停产/注销", "int"))),
    Section("ladder_changes", "企业变动", "企业变动情况（与上期末相比）", "每行：一个企业的一项变化",
            (C("enterprise_name", "企业名称"), C("change", "变动", labels=CHANGE_CN, flag=True),
             C("from_value", "上期末"), C("to_value", "本期末"), C("flag", "提示", flag=True),
             C("service_team", "服务专班"), C("report_period", "依据季度"), C("bureau", "报送单位"),
             C("submission_id", "报送编号", "int"))),
    Section("ladder_lagging", "滞后企业", "拟培育年份已过（或本年到期）仍未认定的企业", "每行：一个企业未达成的一个拟培育级别",
            (C("enterprise_name", "企业名称"), C("planned_level", "拟培育级别"), C("planned_year", "拟培育年份", "int"),
             C("current_level", "当前级别"), C("status", "情况", labels=LAGGING_CN, flag=True),
             C("years_overdue", "已过年数", "int"), C("operating_status", "经营状态", flag=True),
             C("service_team", "服务专班"), C("responsible_leader", "包保领导"))),
    Section("ladder_conflicts", "数据冲突", "不同单位对同一企业报送不一致", "每行：同一季度两个单位对同一企业同一项的不同填报",
            (C("report_period", "季度"), C("enterprise_name", "企业名称"), C("field_name", "项目"),
             C("bureau_a", "单位甲"), C("value_a", "甲填报"), C("bureau_b", "单位乙"), C("value_b", "乙填报"),
             C("adopted_bureau", "采用"))),
    Section("task_status", "任务进展", "附件2工作任务推进情况", "每行：一项工作任务的一个责任单位",
            (C("task_id", "编号"), C("group_name", "工作任务"), C("responsible_unit", "责任单位"),
             C("status", "推进状态", flag=True), C("completion_pct", "完成进度（%）", "pct"),
             C("previous_pct", "上次进度（%）", "pct"), C("progress", "本期进展", wide=True),
             C("next_steps", "下步计划", wide=True), C("bank_events", "银企对接（次）", "int"),
             C("trained_persons", "培训（人次）", "int"), C("enterprises_served", "服务企业（户）", "int"),
             C("lagging", "滞后", "bool", flag=True), C("lagging_reason", "滞后原因"))),
    Section("task_status", "滞后任务", "滞后的工作任务", "每行：一项滞后的工作任务的一个责任单位",
            (C("task_id", "编号"), C("group_name", "工作任务"), C("responsible_unit", "责任单位"),
             C("status", "推进状态"), C("completion_pct", "完成进度（%）", "pct"),
             C("previous_pct", "上次进度（%）", "pct"), C("lagging_reason", "滞后原因", flag=True),
             C("progress", "本期进展", wide=True)),
            where=pl.col("lagging")),
    Section("task_problems", "报市政府问题", "需报市政府研究解决的问题", "每行：一个单位就一项任务提出的问题（单位原文）",
            (C("report_period", "季度"), C("task_id", "编号"), C("group_name", "工作任务"), C("bureau", "提出单位"),
             C("problem", "问题", wide=True))),
    Section("bank_events", "银企对接", "每季度银企对接活动开展情况", "每行：一个季度",
            (C("report_period", "季度"), C("held", "是否开展", "bool"), C("events_reported", "各单位报告合计（次）", "int"),
             C("max_by_one_unit", "单个单位最多（次）", "int"), C("units_owing", "应报单位数", "int"),
             C("units_reported", "已报单位数", "int"), C("detail", "各单位情况", wide=True))),
    Section("service_team_comparison", "专班比较", "六个服务专班比较", "每行：一个服务专班",
            (C("service_team", "服务专班"), C("bureau", "牵头单位"), C("enterprises", "企业数", "int"),
             C("seed_count", "种子", "int"), C("city_count", "吉林市级", "int"), C("province_count", "吉林省级", "int"),
             C("national_count", "国家级", "int"), C("new_recognitions", "新认定", "int"),
             C("new_entries", "新入库", "int"), C("stopped_count", "停产/注销", "int"),
             C("lagging_enterprises", "滞后企业", "int"), C("conflicts", "数据冲突", "int"),
             C("reports_due", "应报表数", "int"), C("reports_on_time", "按时", "int"), C("reports_late", "逾期", "int"),
             C("reports_missing", "未报送", "int"), C("reports_rejected", "退回未重报", "int"),
             C("task_items", "负责任务", "int"), C("tasks_reported", "已报进展", "int"),
             C("tasks_completed", "已完成", "int"), C("tasks_lagging", "滞后任务", "int"))),
    Section("rewards", "奖励台账", "一次性奖励台账（蛟河市本级）", "每行：一个企业在本年度首次认定的一个级别；金额均可追溯到触发的报送",
            (C("year", "年度", "int"), C("enterprise_name", "企业名称"), C("category", "类别", labels=CATEGORY_CN),
             C("level", "级别"), C("reason", "奖励事由", wide=True), C("amount_yuan", "应奖励（元）", "yuan"),
             C("full_amount_yuan", "标准（元）", "yuan"), C("previously_paid_yuan", "此前已奖（元）", "yuan"),
             C("rule", "依据", wide=True), C("source", "触发依据", wide=True)),
            total=("amount_yuan",)),
    Section("cultivation_list", "明年培育名单", "下一年度重点培育名单", "每行：一个企业的一个培育目标级别",
            (C("enterprise_name", "企业名称"), C("current_level", "当前级别"), C("target_level", "培育目标"),
             C("planned_year", "原拟培育年份", "int"), C("reason", "列入原因", labels=CULTIVATION_CN),
             C("service_team", "服务专班"), C("industry", "行业"), C("responsible_leader", "包保领导"),
             C("operating_status", "经营状态", flag=True), C("flag", "提示"))),
    Section("ladder_enterprises", "企业名单", "种子企业库（期末状态）", "每行：一个企业，期末最近一次已入库报送（无报送时为附件1）",
            (C("enterprise_name", "企业名称"), C("srdi_level", "级别"), C("srdi_level_year", "认定年份", "int"),
             C("operating_status", "经营状态", flag=True), C("service_team", "服务专班"), C("industry", "行业"),
             C("tech_center_level", "技术中心"), C("planned_city_year", "拟培育市级", "int"),
             C("planned_province_year", "拟培育省级", "int"), C("responsible_leader", "包保领导"),
             C("source", "来源"), C("report_period", "依据季度"), C("bureau", "报送单位"),
             C("submission_id", "报送编号", "int"))),
)}

SHEETS = {
    "quarterly": ("催报清单", "企业梯队", "企业变动", "滞后企业", "数据冲突", "任务进展", "滞后任务", "报市政府问题",
                  "银企对接", "目标进度", "比例指标", "企业名单"),
    "midyear": ("目标进度", "比例指标", "专班比较", "企业梯队", "企业变动", "滞后企业", "数据冲突", "任务进展", "滞后任务",
                "报市政府问题", "银企对接", "催报清单", "企业名单"),
    "annual": ("目标进度", "比例指标", "奖励台账", "明年培育名单", "专班比较", "企业梯队", "企业变动", "滞后企业", "数据冲突",
               "任务进展", "滞后任务", "报市政府问题", "银企对接", "催报清单", "企业名单"),
}


# ---------------------------------------------------------------- text measures

def display_width(text: str) -> int:
    """Columns a string needs: CJK (wide, full-width and ambiguous such as “”) count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _cell_text(col: Col, v) -> str | None:
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
    header = max(display_width(w) for w in col.header.replace("（", "\n（").split("\n"))
    longest = max([display_width(t) for t in texts if t] + [0])
    cap = MAX_WIDTH["wide"] if col.wide else MAX_WIDTH["normal"]
    return float(min(max(header, longest, 6) + 2, cap))


# ---------------------------------------------------------------- the workbook

class PackWriter:
    def __init__(self, path: Path, title: str, subtitle: str):
        self.wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        self.wb.set_properties({"title": title, "subject": subtitle, "author": "srdi", "company": "蛟河市促进中小企业发展工作领导小组办公室"})
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1}
        f = self.wb.add_format
        self.fmt = {
            "title": f({"font_name": FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}),
            "sub": f({"font_name": FONT, "font_size": 9, "italic": True, "font_color": "#555555"}),
            "header": f({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDE6F1"}),
            "text": f({**base, "text_wrap": True}),
            "int": f({**base, "num_format": "0"}),
            "num": f({**base, "num_format": "#,##0.00"}),
            "pct": f({**base, "num_format": "0.00"}),
            "yuan": f({**base, "num_format": "#,##0"}),
            "date": f({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
            "datetime": f({**base, "num_format": "yyyy-mm-dd hh:mm", "align": "left"}),
            "bad": f({**base, "text_wrap": True, "bg_color": "#FBE3E3", "font_color": "#9C0006"}),
            "total": f({**base, "bold": True, "num_format": "#,##0"}),
            "totaltext": f({**base, "bold": True}),
            "key": f({**base, "bold": True, "bg_color": "#F2F2F2", "text_wrap": True}),
        }
        self.title = title

    def _page(self, ws, sheet_title: str, width: int, header_row: int) -> None:
        ws.set_landscape()
        ws.set_paper(A4)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.repeat_rows(header_row)
        ws.freeze_panes(header_row + 1, 0)
        ws.set_header(f"&L&\"{FONT}\"&9{self.title}&R&\"{FONT}\"&9{sheet_title}")
        ws.set_footer(f"&C&\"{FONT}\"&9第 &P 页，共 &N 页")
        ws.hide_gridlines(2)

    def write_value(self, ws, r: int, c: int, col: Col, v) -> None:
        bad = col.flag and v in BAD
        text_fmt = self.fmt["bad"] if bad else self.fmt["text"]
        if v is None and col.blank:
            ws.write_string(r, c, col.blank, text_fmt)
        elif v is None:
            ws.write_blank(r, c, None, text_fmt)
        elif col.labels is not None or col.kind in ("text", "bool") or isinstance(v, str):
            ws.write_string(r, c, _cell_text(col, v), text_fmt)
        elif col.kind in ("date", "datetime") and isinstance(v, (date, datetime)):
            ws.write_datetime(r, c, v, self.fmt[col.kind])
        else:
            ws.write_number(r, c, float(v), self.fmt[col.kind] if col.kind in self.fmt else self.fmt["num"])

    def section(self, sec: Section, frame: pl.DataFrame, subtitle: str, total_row: list | None = None) -> None:
        ws = self.wb.add_worksheet(sec.sheet)
        if sec.where is not None and frame.height:
            frame = frame.filter(sec.where)
        if sec.sort and frame.height:
            frame = frame.sort(list(sec.sort))
        rows = frame.select([c.name for c in sec.cols]).rows() if frame.height else []
        n = len(sec.cols)
        ws.merge_range(0, 0, 0, n - 1, sec.title, self.fmt["title"])
        ws.set_row(0, 28)
        ws.merge_range(1, 0, 1, n - 1, f"{subtitle}　{sec.grain}", self.fmt["sub"])
        texts = [[_cell_text(c, r[i]) for r in rows] for i, c in enumerate(sec.cols)]
        widths = [_width(c, t) for c, t in zip(sec.cols, texts)]
        for i, (c, w) in enumerate(zip(sec.cols, widths)):
            ws.set_column(i, i, w)
            ws.write_string(HEADER_ROW, i, c.header, self.fmt["header"])
        ws.set_row(HEADER_ROW, 15 * max(math.ceil(display_width(c.header) / (w - 1)) for c, w in zip(sec.cols, widths)))
        r = HEADER_ROW + 1
        for row in rows:
            for i, (c, v) in enumerate(zip(sec.cols, row)):
                self.write_value(ws, r, i, c, v)
            lines = max(math.ceil(display_width(t or "") / max(w - 1, 1)) for t, w in zip((x[r - HEADER_ROW - 1] for x in texts), widths))
            ws.set_row(r, 14 * max(lines, 1) + 2)
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
        self._page(ws, sec.title, n, HEADER_ROW)

    def summary(self, lines: list[tuple[str, str]], subtitle: str) -> None:
        ws = self.wb.add_worksheet("概要")
        ws.merge_range(0, 0, 0, 1, self.title, self.fmt["title"])
        ws.set_row(0, 28)
        ws.merge_range(1, 0, 1, 1, subtitle, self.fmt["sub"])
        ws.write_string(HEADER_ROW, 0, "项目", self.fmt["header"])
        ws.write_string(HEADER_ROW, 1, "情况", self.fmt["header"])
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 96)
        for r, (k, v) in enumerate(lines, HEADER_ROW + 1):
            ws.write_string(r, 0, k, self.fmt["key"])
            ws.write_string(r, 1, v, self.fmt["text"])
            ws.set_row(r, 14 * max(1, math.ceil(display_width(v) / 94), v.count("\n") + 1) + 2)
        self._page(ws, "概要", 2, HEADER_ROW)
        ws.activate()

    def close(self) -> None:
        self.wb.close()


# ---------------------------------------------------------------- what the summary says

def _count(frame: pl.DataFrame | None, expr=None) -> int:
    if frame is None or not frame.height:
        return 0
    return frame.height if expr is None else frame.filter(expr).height


def summary_lines(rp: RollupPeriod, cfg: RollupConfig, s: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    c = s["compliance"]
    by = {k: _count(c, pl.col("status") == k) for k in COMPLIANCE_CN}
    owed = "、".join(f"{r['bureau']}（{FORM_CN[r['form']]}{'，' + r['report_period'] if rp.kind != 'quarterly' else ''}："
                     f"{COMPLIANCE_CN[r['status']]}）" for r in c.filter(pl.col("status") != "on_time").iter_rows(named=True))
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
    risky = [f"{r['target']}（{TARGET_STATUS_CN[r['status']]}）" for r in
             tp.filter(pl.col("status").is_in(["at_risk", "not_achieved"])).iter_rows(named=True)]
    out.append(("发展目标", f"{tp.height} 项：已完成 {_count(tp, pl.col('status') == 'achieved')}，"
                        f"进度正常 {_count(tp, pl.col('status') == 'on_track')}，存在风险 {_count(tp, pl.col('status') == 'at_risk')}，"
                        f"未完成 {_count(tp, pl.col('status') == 'not_achieved')}。" + (f"\n需关注：{'；'.join(risky)}" if risky else "")))
    if "rewards" in s:
        rw = s["rewards"]
        total = int(rw["amount_yuan"].sum()) if rw.height else 0
        out.append(("奖励台账", f"{rp.year}年应兑现一次性奖励 {_count(rw, pl.col('amount_yuan') > 0)} 笔，合计 {total:,} 元"
                            f"（重复认定口径：{REPEAT_CN[cfg.repeat_recognition]}）。"))
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    title = f"蛟河市“专精特新”中小企业{KIND_CN[rp.kind]}（{rp.label}）"
    span = rp.first_quarter if rp.first_quarter == rp.last_quarter else f"{rp.first_quarter}–{rp.last_quarter}"
    subtitle = f"数据：{span} 已入库报送；计算日期 {rp.as_of.isoformat()}（北京时间）；领导小组办公室"
    w = PackWriter(tmp, title, subtitle)
    try:
        w.summary(summary_lines(rp, cfg, sections), subtitle)
        for sheet in SHEETS[rp.kind]:
            sec = SECTIONS[sheet]
            frame = sections.get(sec.table, pl.DataFrame())
            if sheet == "比例指标":
                frame = _with_ratio_totals(frame, sections["target_progress"])
            total = None
            if sec.total and frame.height:
                total = [("合计" if i == 0 else None) for i in range(len(sec.cols))]
                for i, col in enumerate(sec.cols):
                    if col.name in sec.total:
                        total[i] = float(frame[col.name].sum())
            w.section(sec, frame, subtitle, total)
    finally:
        w.close()
    os.replace(tmp, path)
    _logger().info("pack written: %s", path)
    return str(path)


def _with_ratio_totals(frame: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """Append, per ratio target, a 合计 row whose ratio is sum(numerator) / sum(denominator) (from target_progress)."""
    if not frame.height:
        return frame
    totals = targets.filter(pl.col("target_id").is_in(list(RATIO_CN))).select(
        "period", "target_id", pl.lit("合计（分子合计÷分母合计）").alias("enterprise_name"), pl.lit("—").alias("srdi_level"),
        "numerator", "denominator", pl.col("actual_value").alias("ratio_pct"), pl.col("target_value").alias("threshold_pct"),
        (pl.col("actual_value") >= pl.col("target_value")).alias("meets"),
        pl.lit(None, pl.Utf8).alias("report_period"), pl.lit(None, pl.Int32).alias("submission_id"))
    frame = frame.with_columns(pl.lit(0).alias("_order"))
    totals = totals.with_columns(pl.lit(1).alias("_order")).cast({c: frame.schema[c] for c in totals.columns if c in frame.schema})
    return pl.concat([frame, totals], how="diagonal_relaxed").sort(["target_id", "_order"], maintain_order=True).drop("_order")


@task(name="render-dashboard", cache_policy=NO_CACHE)
def render_dashboard(home: Home, period: str) -> str | None:
    """The analysts' HTML dashboard for the period, when dashboards.render provides write_period_dashboard."""
    try:
        from dashboards.render import write_period_dashboard
    except ImportError:
        return None
    with connect(home.warehouse, read_only=True) as con:
        out = write_period_dashboard(con, home.reports, period)
    return None if out is None else str(out)


def _plain(v):
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 2)
    return v


def _artifact_table(frame: pl.DataFrame, cols: list[tuple[str, str, dict | None]]) -> list[dict]:
    rows = []
    for r in frame.iter_rows(named=True):
        rows.append({h: (labels.get(r[c], r[c]) if labels else _plain(r[c])) for c, h, labels in cols})
    return rows


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame], pack: str) -> list[str]:
    """A markdown summary and the key tables, visible in the Prefect UI for this run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    log = _logger()
    base = f"{rp.kind}-{rp.period}".lower()
    keys = []
    lines = summary_lines(rp, cfg, sections)
    md = [f"# {KIND_CN[rp.kind]} {rp.label}", "", f"会议材料：`{pack}`", "", "| 项目 | 情况 |", "| --- | --- |"]
    md += [f"| {k} | {v.replace(chr(10), '<br>').replace('|', '｜')} |" for k, v in lines]
    tables = {
        "compliance": [("report_period", "季度", None), ("bureau", "单位", None), ("form", "表种", FORM_CN),
                       ("due_date", "截止日期", None), ("status", "报送情况", COMPLIANCE_CN),
                       ("responsible_leader", "责任领导", None), ("note", "说明", None)],
        "target_progress": [("target", "目标", None), ("target_value", "目标值", None), ("actual_value", "实际", None),
                            ("expected_value", "按进度应达", None), ("gap", "差距", None),
                            ("status", "判断", TARGET_STATUS_CN)],
        "ladder_counts": [("breakdown", "分组", BREAKDOWN_CN), ("group_value", "名称", None), ("seed_count", "种子", None),
                          ("city_count", "吉林市级", None), ("province_count", "吉林省级", None),
                          ("national_count", "国家级", None), ("total_count", "合计", None)],
        "service_team_comparison": [("service_team", "专班", None), ("enterprises", "企业数", None),
                                    ("new_recognitions", "新认定", None), ("lagging_enterprises", "滞后企业", None),
                                    ("reports_on_time", "按时", None), ("reports_missing", "未报送", None),
                                    ("tasks_lagging", "滞后任务", None)],
        "rewards": [("enterprise_name", "企业", None), ("category", "类别", CATEGORY_CN), ("level", "级别", None),
                    ("amount_yuan", "金额（元）", None), ("source", "触发依据", None)],
    }
    try:
        keys.append(create_markdown_artifact(key=f"{base}-summary", markdown="\n".join(md),
                                             description=f"srdi {rp.kind} {rp.period}"))
        for name, cols in tables.items():
            if name in sections:
                keys.append(create_table_artifact(key=f"{base}-{name.replace('_', '-')}",
                                                  table=_artifact_table(sections[name], cols),
                                                  description=f"{KIND_CN[rp.kind]} {rp.label}：{name}"))
    except Exception as exc:  # the UI is a convenience; the tables and the pack are the record
        log.warning("could not create artifacts: %s", exc)
    return [str(k) for k in keys]


@task(name="summarise-rollup", cache_policy=NO_CACHE)
def summarise_rollup(home: Home, rp: RollupPeriod, counts: dict[str, int], pack: str, dashboard: str | None) -> dict:
    return {"kind": rp.kind, "period": rp.period, "label": rp.label, "title": f"{KIND_CN[rp.kind]}（{rp.label}）",
            "pack": pack, "dashboard": dashboard,
            "reports": str(home.reports / rp.period), "warehouse": str(home.warehouse), "tables": counts}
