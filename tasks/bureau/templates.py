"""The workbooks each bureau fills (模板), written into its outbox folder, prefilled from what we know.

Per bureau and period, `share/outbox/<bureau>/`:

    <bureau>_企业库_<period>_模板.xlsx     only the six service-team bureaus: that team's enterprises
    <bureau>_任务进展_<period>_模板.xlsx   exactly the Annex 2 items the bureau is responsible for

What makes the template hard to get wrong:
  * the headers are the forms' labels (schemas/forms.py), so ingest recognises them;
  * a dropdown (list validation) for every enumeration, number/year ranges, 18-character credit
    codes, each with a Chinese input message; text format ('@') for credit codes and task ids;
  * the title, instructions and header rows are locked (sheet protection without a password, so a
    clerk stuck in WPS can still unprotect); only the cells to fill are unlocked;
  * a very hidden `_srdi_meta` sheet (bureau, period, form, template_version) that ingest reads
    before it guesses the period from the file name, and with which it checks the folder.

What is prefilled, and why an unchanged template loads without errors:
  * Enterprise form: the team's enterprises, each in its state as of the template's quarter
    (warehouse/prefill.py: the enterprise_state_as_of macro, the one definition of that state; the
    Annex 1 registry CSV when the warehouse is empty). Stable facts are carried over (name,
    code, industry, levels, years, leader, listing). The period's own figures (研发投入, 销售收入,
    科技人员数, 职工总数) are left blank, unless the bureau already has an accepted report for this
    very period — then the template doubles as a correction form and carries everything.
  * Task form: task id, 工作任务, 工作内容 and 责任单位 are the policy's and are locked.
    推进状态 and 完成进度 carry the bureau's last accepted report of the task (上期数据带入: a
    clerk who changes nothing is saying "no change"); a task never reported starts at "未启动",
    the one status that never overstates progress. 本期进展, problems, next steps and the figures are
    blank (this period's to write), unless this period was already accepted. Returned unchanged,
    the file therefore loads with no error, and each task whose 本期进展 is still empty comes back
    as a warning ("本期进展未填写") on the receipt — a reminder, not a rejection.
  * Figures a task has no metric for (银企对接 outside T3-1, 培训人才 outside T4-x) are greyed and locked.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import reference
from schemas.periods import today_in_china
from schemas.enterprise import SRDI_YEAR_MIN, TECH_CENTER_YEAR_MIN, YEAR_MAX, YEAR_MIN
from schemas.forms import ENTERPRISE, LISTING_STATUSES, METRIC_FIELDS, TASK, TASK_STATUSES, Field, Form
from schemas.labels import FORM_FILE_WORD
from schemas.values import clean_value, level_text_without_year, parse_level
from tasks.intake.read import META_SHEET
from tasks.xlsx_layout import Book, KEY_FILL, fit_row, header_lines, page, set_widths
from warehouse import prefill
from warehouse.atomic_write import write_bytes, write_text
from warehouse.home import Home

TEMPLATE_VERSION = "2"   # 2: the enterprise form has 认定年份 and 技术中心认定年份
NEVER_REPORTED_STATUS = "未启动"
ENTERPRISE_BLANK_ROWS = 200            # unlocked, validated rows below the prefilled enterprises
QUARTERLY_FIGURES = ("rd_expense", "sales_revenue", "tech_staff", "total_staff")
TASK_REFERENCE = ("task_id", "task_group", "item_text", "responsible_unit")   # the policy's, locked
TASK_PERIOD_FIELDS = ("progress", "problems", "next_steps", "bank_events", "trained_persons",
                      "enterprises_served", "remarks")
STATE_FILE = "templates.json"          # sha256 of each template as written, to spot one edited in place

TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2   # 0-based; data starts on Excel row 4
FIRST_DATA = HEADER_ROW + 1

WIDTHS = {   # wide enough that each header wraps at most once and a company name fits on one line
    "enterprise_name": 34, "credit_code": 21, "industry": 14, "tech_center_level": 10, "patents": 11,
    "operating_status": 18, "srdi_level_text": 28, "planned_city_year": 10, "planned_province_year": 10,
    "tech_center_year": 10, "srdi_level_year": 9,
    "responsible_leader": 9, "service_team": 9, "rd_expense": 11, "sales_revenue": 11, "tech_staff": 10,
    "total_staff": 9, "listing_status": 11, "remarks": 16,
    "task_id": 8, "task_group": 15, "item_text": 46, "responsible_unit": 9, "status": 9,
    "completion_pct": 10, "progress": 34, "problems": 24, "next_steps": 24, "bank_events": 11,
    "trained_persons": 10, "enterprises_served": 10,
}


# ---------------------------------------------------------------- periods and names

def current_quarter(today: date | None = None, tz: str | None = None) -> str:
    """The quarter `today` (default: today in the programme's zone `tz`) falls in."""
    today = today or today_in_china(tz)
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def template_name(bureau: str, form: str, period: str) -> str:
    """工信局_任务进展_2022Q3_模板.xlsx — the period in the name too, for people and for ingest."""
    return f"{bureau}_{FORM_FILE_WORD[form]}_{period}_模板.xlsx"


def forms_for(bureau: str) -> list[str]:
    """The enterprise form for service-team bureaus; the task form for bureaus with Annex 2 items."""
    b = reference.bureaus()[bureau]
    out = ["enterprise"] if b.service_team else []
    if reference.tasks_of(bureau):
        out.append("task")
    return out


# ---------------------------------------------------------------- what to prefill

@dataclass
class PrefillData:
    """What the warehouse knows, read once for all bureaus."""
    period: str
    enterprises: list[dict] = field(default_factory=list)          # every enterprise, with service_team
    tasks: dict[tuple[str, str], dict] = field(default_factory=dict)   # (bureau, task_id) -> last report
    source: str = "warehouse"                                       # warehouse | 附件1


def _level_cells(row: dict) -> tuple[str | None, int | None]:
    """The 认定级别 text and the 认定年份 a template carries: the year in its own column, taken out of the text
    (schemas.values.level_text_without_year), so that an unchanged template gives one year, and a clerk who
    writes a new level with its year in the text ("2023年已认定国家级") is read as meaning it (the text's year wins
    over the prefilled column's, with a warning). A text the report left out is written from the level."""
    text, year = row.get("srdi_level_text"), row.get("srdi_level_year")
    if text:
        if year is None:   # Annex 1 as shipped carries only the text
            try:
                year = parse_level(clean_value(text, "level") or "")["srdi_level_year"]
            except ValueError:
                year = None
        return level_text_without_year(text), year
    level, cult = row.get("srdi_level"), row.get("cultivating_level")
    parts = []
    if level and level != "种子":
        parts.append(f"已认定{level}")
    if cult:
        parts.append(f"{cult}拟培育")
    return "，".join(parts) or None, (year if level and level != "种子" else None)


def registry_prefill() -> list[dict]:
    """Annex 1 as shipped (schemas/refdata/enterprises.csv): the fallback when nothing was loaded yet."""
    out: list[dict] = []
    for e in reference.registry_enterprises():
        out.append({k: (v or None) for k, v in e.items()})
    for prefilled in out:
        for k in ("patents", "planned_city_year", "planned_province_year"):
            prefilled[k] = int(prefilled[k]) if prefilled.get(k) else None
    return out


def read_prefill(db: Path, period: str) -> PrefillData:
    """What the writer database knows as of `period` (read-only; the caller holds the writer lock), or the
    Annex 1 registry when it has no schema or no enterprise yet."""
    data = PrefillData(period)
    found = prefill.read(db, period)
    if found is not None:
        data.enterprises, tasks = found
        data.tasks = {(t["bureau"], t["task_id"]): t for t in tasks}
    if not data.enterprises:
        data.enterprises, data.source = registry_prefill(), "附件1"
    return data


def enterprise_rows(data: PrefillData, bureau: str) -> list[dict]:
    """Field name -> value for each enterprise of the bureau's service team."""
    team = reference.bureaus()[bureau].service_team
    rows = []
    for e in data.enterprises:
        if e.get("service_team") != team:
            continue
        row = {f.name: e.get(f.name) for f in ENTERPRISE.fields}
        row["srdi_level_text"], row["srdi_level_year"] = _level_cells(e)
        if not e.get("tech_center_level"):   # a year dates a centre
            row["tech_center_year"] = None
        row["service_team"] = team
        if (e.get("figures_period") or e.get("report_period")) != data.period:   # figures belong to their own period
            for name in QUARTERLY_FIGURES:
                row[name] = None
        if e.get("report_period") != data.period:   # so do the remarks
            row["remarks"] = None
        rows.append(row)
    return rows


def task_rows(data: PrefillData, bureau: str) -> list[dict]:
    rows = []
    for t in reference.tasks_of(bureau):
        last = data.tasks.get((bureau, t.task_id))
        row: dict[str, object] = {f.name: None for f in TASK.fields}
        row.update(task_id=t.task_id, task_group=f"{t.group_id}{t.group_name}", item_text=t.item_text,
                   responsible_unit=bureau, status=NEVER_REPORTED_STATUS, completion_pct=0)
        if last:
            row["status"], row["completion_pct"] = last["status"], last["completion_pct"]
            if last["period"] == data.period:
                row.update({k: last[k] for k in TASK_PERIOD_FIELDS})
        rows.append(row)
    return rows


# ---------------------------------------------------------------- validations (Chinese prompts)

def _list(source: list[str] | str, title: str, message: str, strict: bool = True) -> dict:
    v: dict[str, object] = {"validate": "list", "source": source, "input_title": title, "input_message": message}
    if strict:
        v.update(error_type="stop", error_title="请从下拉列表中选择",
                 error_message="只能选择下拉列表中的选项。点击单元格右侧的小箭头选择。")
    else:
        v.update(error_type="information", error_title="提示",
                 error_message="该内容不在常用选项中。如确认无误请点“确定”，系统会按文字识别。")
    return v


def _number(kind: str, minimum: float, maximum: float | None, title: str, message: str, what: str) -> dict:
    v: dict[str, object] = {"validate": kind, "input_title": title, "input_message": message, "error_type": "stop",
         "error_title": "请填写数字"}
    if maximum is None:
        v.update(criteria=">=", value=minimum, error_message=f"请只填写{what}，不小于 {minimum:g}，不要带单位或文字。")
    else:
        v.update(criteria="between", minimum=minimum, maximum=maximum,
                 error_message=f"请填写 {minimum:g}–{maximum:g} 之间的{what}，不要带单位或文字。")
    return v


def level_suggestions(period: str) -> list[str]:
    """The wordings the 认定级别 dropdown offers: without years (the year has its own column, 认定年份)."""
    return ["已纳入吉林市培育库", "吉林市级拟培育", "吉林省级拟培育", "国家级拟培育", "已认定吉林市级", "已认定吉林省级",
            "已认定国家级", "已认定吉林市级，吉林省级拟培育", "已认定吉林省级，国家级拟培育"]


def validations(form: Form, period: str) -> dict[str, dict]:
    """Field name -> xlsxwriter data_validation options. Every enumeration gets a dropdown."""
    teams = list(reference.service_teams())
    year = int(period[:4])   # nothing reported for a quarter was recognised after it
    if form.name == "enterprise":
        return {
            "enterprise_name": {"validate": "length", "criteria": ">", "value": 0, "ignore_blank": True,
                                "input_title": "企业名称", "input_message": "填写与营业执照一致的企业全称。新增企业请在下方空行填写。"},
            "credit_code": {"validate": "length", "criteria": "==", "value": 18, "input_title": "统一社会信用代码",
                            "input_message": "18 位数字或大写字母，与营业执照一致。本列为文本格式，请勿改为数字格式。",
                            "error_type": "stop", "error_title": "信用代码应为 18 位",
                            "error_message": "统一社会信用代码为 18 位数字或大写字母，请对照营业执照核对。"},
            "tech_center_level": _list(list(form.field("tech_center_level").choices), "技术中心级别",
                                       "请选择：吉林市级、吉林省级、国家级；没有技术中心请留空。"),
            "patents": _number("integer", 0, None, "专利数量（含软著）", "填写整数，如 12。", "整数"),
            "operating_status": _list(list(form.field("operating_status").choices), "经营状态",
                                      "请选择：生产、半生产、停产、注销。"),
            "srdi_level_text": _list(level_suggestions(period), "“专精特新”认定级别",
                                     "可从下拉选择，也可按原样填写，如“已认定吉林省级”“已纳入吉林市培育库”“国家级拟培育”；"
                                     "认定年份请填在右侧“认定年份”列；尚未认定可留空。",
                                     strict=False),
            "srdi_level_year": _number("integer", SRDI_YEAR_MIN, year, "认定年份",
                                       "当前“专精特新”认定级别的认定年份（以认定文件为准），四位数字，如 2022；"
                                       "级别升级时请一并改为新级别的认定年份；尚未认定请留空。", "四位年份"),
            "tech_center_year": _number("integer", TECH_CENTER_YEAR_MIN, year, "技术中心认定年份",
                                        "当前技术中心级别的认定年份（以认定文件为准），四位数字，如 2022；"
                                        "级别升级时请一并改为新级别的认定年份；没有技术中心请留空。", "四位年份"),
            "planned_city_year": _number("integer", YEAR_MIN, YEAR_MAX, "拟培育吉林市级", "填写四位年份，如 2023。", "四位年份"),
            "planned_province_year": _number("integer", YEAR_MIN, YEAR_MAX, "拟培育吉林省级", "填写四位年份，如 2024。", "四位年份"),
            "service_team": _list(teams, "服务专班", "请选择企业所属服务专班。"),
            "rd_expense": _number("decimal", 0, None, "研发投入（万元）", "本年累计，单位万元，只填数字，如 125.5。", "数字"),
            "sales_revenue": _number("decimal", 0, None, "销售收入（万元）", "本年累计，单位万元，只填数字，如 3200。", "数字"),
            "tech_staff": _number("integer", 0, None, "科技人员数", "填写整数；不能多于职工总数。", "整数"),
            "total_staff": _number("integer", 0, None, "职工总数", "填写整数。", "整数"),
            "listing_status": _list(list(LISTING_STATUSES), "上市情况", "请选择上市或挂牌情况；未上市请选“未上市”。"),
        }
    return {
        "status": _list(list(TASK_STATUSES), "推进状态",
                        "已带入上期状态（从未报送的为“未启动”）。请按本季度实际情况从下拉选择。"),
        "completion_pct": _number("decimal", 0, 100, "完成进度（%）", "填写 0–100 的数字，如 60 表示 60%；已完成填 100。", "数字"),
        "progress": {"validate": "any", "input_title": "本期进展", "input_message": "简要填写本季度做了什么、取得了什么成效。未填写会在回执中提示。"},
        "bank_events": _number("integer", 0, None, "银企对接活动（次）", "本季度举办次数，填写整数。", "整数"),
        "trained_persons": _number("integer", 0, None, "培训人才（人次）", "本季度培训人次，填写整数。", "整数"),
        "enterprises_served": _number("integer", 0, None, "服务企业（户）", "本季度服务企业户数，填写整数。", "整数"),
    }


# ---------------------------------------------------------------- writing

def header_text(f: Field) -> str:
    """The label as printed forms set it: the bracketed unit on its own line. Ingest ignores line breaks."""
    return "\n".join(header_lines(f.label))


NOTES = {
    "enterprise": ("填表说明：①已带入本专班企业的上期数据，请逐户核对并修改有变化的内容；②研发投入、销售收入、科技人员数、"
                   "职工总数为本年累计数，请每季度填写；③“专精特新”级别或技术中心升级时，请把“认定年份”“技术中心认定年份”一并改为新级别的"
                   "认定年份（以认定文件为准，奖励按首次认定兑现）；④新增企业请在下方空行填写，企业名称必填；⑤带下拉箭头的单元格请从"
                   "列表选择；⑥表头已锁定，请勿修改表头、增删列或改动工作表名称；填好后放入本单位报送文件夹即可。"),
    "task": ("填表说明：①本表已列出本单位牵头或参与的附件2全部任务，任务编号、工作任务、工作内容、责任单位不可修改；"
             "②推进状态、完成进度已带入上期报送（从未报送的为“未启动”、0），请按本季度实际修改；③请逐项填写本期进展，"
             "未填写的任务会在回执中提示；④灰色单元格与该任务无关，无需填写；⑤填好后放入本单位报送文件夹即可。"),
}


def template_bytes(*, bureau: str, period: str, form: Form, rows: list[dict]) -> bytes:
    """One template workbook: title, instructions, locked header, prefilled rows, metadata sheet."""
    y, q = int(period[:4]), int(period[-1])
    book = Book(properties={"title": f"{bureau}{form.title}{period}", "company": "蛟河市专精特新领导小组办公室",
                            "created": datetime(y, 3 * q - 2, 1)})   # fixed: same inputs, same bytes
    ws = book.add_worksheet(form.title)
    cell: dict[str, Any] = {"border": 1, "text_wrap": True, "valign": "vcenter"}   # xlsxwriter format properties
    f_title = book.format("title", locked=True)
    f_note = book.format("note", locked=True)
    f_head = book.format("header", locked=True)
    f_head_ref = book.format("header", locked=True, bg_color="#D9D9D9")
    f_open = book.format(**cell, locked=False)
    f_open_text = book.format(**cell, locked=False, num_format="@")
    f_open_num = book.format(**{**cell, "text_wrap": False}, locked=False, align="center")
    f_ref = book.format(**cell, locked=True, bg_color=KEY_FILL)
    f_ref_text = book.format(**cell, locked=True, bg_color=KEY_FILL, num_format="@")
    f_na = book.format(border=1, valign="vcenter", locked=True, bg_color="#BFBFBF")

    fields = form.template_fields
    ncol = len(fields)
    widths = {f.name: WIDTHS.get(f.name, 12) for f in fields}
    text_kinds = {"code"}
    text_fields = {"task_id"} | {f.name for f in fields if f.kind in text_kinds}
    numeric = {"int", "float", "year", "pct"}
    is_task = form.name == "task"
    nrows = len(rows) if is_task else len(rows) + ENTERPRISE_BLANK_ROWS
    last = FIRST_DATA + max(nrows, 1) - 1

    # columns: the enterprise form's cells are open all the way down (new enterprises go below);
    # the task form opens only its task rows (cells are written one by one below)
    set_widths(ws, widths.values(), formats=None if is_task else [
        f_open_text if f.name in text_fields else (f_open_num if f.kind in numeric else f_open) for f in fields])

    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, ncol - 1,
                   f"蛟河市“专精特新”{form.title}（{bureau} · {period[:4]}年第{'一二三四'[q - 1]}季度）", f_title)
    ws.set_row(TITLE_ROW, 26)
    note = NOTES[form.name]
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, ncol - 1, note, f_note)
    fit_row(ws, NOTE_ROW, [(note, sum(widths.values()))], min_lines=2)
    for c, f in enumerate(fields):
        ws.write_string(HEADER_ROW, c, header_text(f), f_head_ref if (is_task and f.name in TASK_REFERENCE) else f_head)
    fit_row(ws, HEADER_ROW, [(header_text(f), widths[f.name]) for f in fields])

    items = reference.task_items()
    for i, row in enumerate(rows):
        r = FIRST_DATA + i
        metrics = items[row["task_id"]].metrics if is_task else ()
        for c, f in enumerate(fields):
            v = row.get(f.name)
            locked_ref = is_task and f.name in TASK_REFERENCE
            if is_task and f.name in METRIC_FIELDS and f.name not in metrics:
                ws.write_blank(r, c, None, f_na)
                continue
            if locked_ref:
                fmt = f_ref_text if f.name in text_fields else f_ref
            elif f.name in text_fields:
                fmt = f_open_text
            elif f.kind in numeric:
                fmt = f_open_num
            else:
                fmt = f_open
            if v is None or v == "":
                ws.write_blank(r, c, None, fmt)
            elif f.kind in numeric and f.name not in text_fields and isinstance(v, (int, float)):
                ws.write_number(r, c, int(v) if float(v).is_integer() else float(v), fmt)
            else:
                ws.write_string(r, c, str(v), fmt)
        fit_row(ws, r, [(v, widths[k]) for k, v in row.items() if k in widths and v is not None])

    checks = validations(form, period)
    for c, f in enumerate(fields):
        v = checks.get(f.name)
        if v is None:
            continue
        if is_task and f.name in METRIC_FIELDS:   # only the rows whose task has this metric
            for i, row in enumerate(rows):
                if f.name in items[row["task_id"]].metrics:
                    ws.data_validation(FIRST_DATA + i, c, FIRST_DATA + i, c, v)
            continue
        ws.data_validation(FIRST_DATA, c, last, c, v)

    ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": not is_task,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    page(ws, header_row=HEADER_ROW, freeze=(FIRST_DATA, 1 if form.name == "enterprise" else 2),
         print_area=(FIRST_DATA + max(len(rows), 1) - 1 + (0 if is_task else 10), ncol - 1))
    ws.activate()

    meta = book.add_worksheet(META_SHEET)
    for r, (k, v) in enumerate((("bureau", bureau), ("period", period), ("form", form.name),
                                ("template_version", TEMPLATE_VERSION))):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    meta.very_hidden()
    meta.protect()
    return book.close()


def write_template(path: Path, *, bureau: str, period: str, form: Form, rows: list[dict]) -> Path:
    """One template, written to `path` in one step."""
    return write_bytes(path, template_bytes(bureau=bureau, period=period, form=form, rows=rows))


# ---------------------------------------------------------------- a template edited in place is kept

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_state(home: Home) -> dict[str, str]:
    p = home.state / STATE_FILE
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def save_state(home: Home, state: dict[str, str]) -> None:
    write_text(home.state / STATE_FILE, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))


def write_all(home: Home, data: PrefillData) -> dict[str, list[str]]:
    """Every bureau's templates for data.period. A template someone edited in the outbox is not overwritten."""
    state = load_state(home)
    written, kept = [], []
    for bureau in reference.bureaus():
        for form_name in forms_for(bureau):
            path = home.own_folder(home.outbox / bureau) / template_name(bureau, form_name, data.period)
            rel = str(path.relative_to(home.root))
            if path.exists() and state.get(rel) != _sha(path):
                kept.append(str(path))
                continue
            form = ENTERPRISE if form_name == "enterprise" else TASK
            rows = enterprise_rows(data, bureau) if form_name == "enterprise" else task_rows(data, bureau)
            write_template(path, bureau=bureau, period=data.period, form=form, rows=rows)
            state[rel] = _sha(path)
            written.append(str(path))
    save_state(home, state)
    return {"written": written, "kept": kept}


# ---------------------------------------------------------------- Prefect tasks

@task(name="read-template-prefill", cache_policy=NO_CACHE)
def read_template_prefill(home: Home, period: str) -> PrefillData:
    return read_prefill(home.writer_db, period)


@task(name="write-bureau-templates", cache_policy=NO_CACHE)
def write_bureau_templates(home: Home, data: PrefillData) -> dict[str, list[str]]:
    return write_all(home, data)
