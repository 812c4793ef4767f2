"""The receipt (回执) a bureau gets for an accepted file: what was loaded, the warnings, what it replaced.

    receipt_data(con, ids) -> Receipt          read from the writer database (the file's submission ids)
    write_receipt(path, receipt) -> path       one printable sheet, A4 landscape

A byte-identical re-drop (status duplicate) gets a receipt too, saying nothing changed and which
submission it repeats: the clerk's question "did you get my file?" has an answer either way.

A resubmission's receipt also says what changed against the version it replaced (the bureau's previous accepted
submission of the same period and form): each cell changed (the row's enterprise or task, the header, old → new),
each row added or removed, or 与上次报送内容相同; a first submission says 首次报送. It reads the warehouse view
submission_changes (warehouse/sql/schema/create_views.sql), so the receipt and the warehouse never disagree.

Besides the rows, the receipt says what the clerk may not expect: the columns a sheet did not have (not
reported: the warehouse keeps what it knew, nothing was emptied), and among the warnings every reading that
changed what a cell literally says (已按“已完成”理解), total rows skipped, headers taken by their meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from schemas import clock
from schemas.forms import FORMS_BY_NAME
from schemas.labels import FORM, label
from schemas.periods import period_label
from tasks.bureau.error_list import MAX_LISTED, more_line
from tasks.xlsx_layout import Book, fit_row, page, set_widths
from warehouse.atomic_write import write_bytes
from warehouse.outbox_data import FeedbackData

COLUMNS = (  # one grid for the sheet's three tables
    ("序号", 6), ("工作表", 16), ("单元格", 9), ("表头", 16), ("填写内容", 20), ("问题说明", 40), ("修改建议", 46),
)
WIDTHS = tuple(w for _, w in COLUMNS)
FOOTER_NOTE = "蛟河市“专精特新”数据报送系统自动生成"
NOT_REPORTED_HEADER = "未报送的列（表中没有这些列）"
NOT_REPORTED_NOTE = ("表中没有的列视为本次未报送：系统保留此前报送的数据，不会清空；如需更新这些内容，"
                     "请在表中加上这些列后重新报送。表中有该列但单元格为空，才表示该项为空。")


def form_label(form: str | None) -> str:
    return label(FORM, form) if form else "—"


@dataclass
class Receipt:
    bureau: str
    period: str | None
    file_name: str
    received_at: datetime | None
    processed_at: datetime | None
    submission_ids: list[int]
    status: str                                             # loaded | duplicate
    loaded: list[tuple[str | None, str, int]] = field(default_factory=list)   # (form, sheet, rows)
    superseded: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    duplicate_of: dict | None = None
    not_reported: dict[tuple[str | None, str], list[str]] = field(default_factory=dict)   # (form, sheet) -> headers
    time_zone: str | None = None      # the programme's zone the times are shown in (None: Asia/Shanghai)
    # per loaded form: {"form", "previous": the superseded submission compared with (None: first), "changes": [...]}
    comparisons: list[dict] = field(default_factory=list)


def not_reported_labels(form: str | None, fields: list[str]) -> list[str]:
    """The template headers of the fields a sheet had no column for, in the form's order."""
    f = FORMS_BY_NAME.get(form or "")
    if f is None:
        return list(fields)
    return [x.label for x in f.fields if x.name in set(fields)]


def comparisons(data: FeedbackData, subs: list[dict]) -> list[dict]:
    """Per loaded form of a file: the version it replaced (None: the first) and the changes since (submission_changes)."""
    out = []
    for s in subs:
        if s["form"] and s["status"] in ("loaded", "superseded"):
            before = data.superseded.get(s["submission_id"], [])
            previous = max(before, key=lambda b: (b["received_at"], b["submission_id"])) if before else None
            changes = [{**c, "form": s["form"]} for c in data.changes.get(s["submission_id"], [])]
            if changes:      # the view names the version it compared with
                previous = next((b for b in before if b["submission_id"] == changes[0]["old_submission_id"]), previous)
            out.append({"form": s["form"], "previous": previous, "changes": changes})
    return out


def receipt_data(data: FeedbackData | duckdb.DuckDBPyConnection, ids: list[int], time_zone: str | None = None) -> Receipt:
    """The receipt of one file's submissions; `data` is a FeedbackData, or a DuckDB connection; its times are shown in
    `time_zone` (the home's programme zone)."""
    if not isinstance(data, FeedbackData):
        data = FeedbackData.load(data, ids)
    subs = [data.subs[i] for i in sorted(ids) if i in data.subs]
    first = subs[0]
    r = Receipt(bureau=first["bureau"], period=first["period"], file_name=first["file_name"],
                received_at=first["received_at"], processed_at=first["processed_at"],
                submission_ids=[s["submission_id"] for s in subs], status=first["status"], time_zone=time_zone)
    for form in ("enterprise", "task"):
        for i in sorted(ids):
            r.loaded += [x for x in data.loaded.get(i, []) if x[0] == form]
    # a form recognised but with no rows is still worth saying (e.g. an enterprise template with no enterprise)
    seen = {f for f, _, _ in r.loaded}
    for s in subs:
        if s["form"] and s["form"] not in seen and s["status"] != "duplicate":
            r.loaded.append((s["form"], "—", 0))
    for i in sorted(ids):
        sub_form = data.subs[i]["form"] if i in data.subs else None
        for sheet, fields in data.not_reported.get(i, {}).items():
            if fields:
                r.not_reported[(sub_form, sheet)] = not_reported_labels(sub_form, fields)
    cols = ["submission_id", "form", "file_name", "received_at", "processed_at", "row_count"]
    r.superseded = sorted(({k: s[k] for k in cols} for i in ids for s in data.superseded.get(i, [])),
                          key=lambda s: s["submission_id"])
    r.warnings = [{k: v for k, v in f.items()} for i in sorted(ids) for f in data.findings.get(i, [])
                  if f["severity"] == "warning"]
    r.warnings.sort(key=lambda f: (f["sheet"] or "", f["excel_row"] or 0, f["excel_col"] or ""))
    r.comparisons = comparisons(data, subs)
    if first["status"] == "duplicate" and first["duplicate_of"] is not None:
        orig = data.subs.get(first["duplicate_of"])
        if orig:
            r.duplicate_of = {k: orig[k] for k in ("submission_id", "file_name", "received_at", "processed_at",
                                                   "status", "superseded_by")}
    return r


def _when(t: datetime | None, tz: str | None) -> str:
    return clock.shown(t, tz)


CHANGE_HEADERS = ("序号", "工作表", "单元格", "表头", "企业或任务", "上次报送", "本次报送")
EMPTY = "（空白）"
KIND_COUNTS = (("changed", "修改 {} 个单元格"), ("added", "新增 {} 行"), ("removed", "删除 {} 行"))


def comparison_line(c: dict, tz: str | None, table: bool = True) -> str:
    """One form's sentence: first submission, the same as last time, or how much changed against which version
    (`table`: the receipt's change table follows)."""
    prev, changes = c["previous"], c["changes"]
    if prev is None:
        return f"{form_label(c['form'])}：本单位本期该表种首次报送，无上次报送可比。"
    which = f"第 {prev['submission_id']} 号报送《{prev['file_name']}》，{_when(prev['received_at'], tz)} 收到"
    if not changes:
        return f"{form_label(c['form'])}：与上次报送内容相同（上次为{which}）。"
    counts = "，".join(text.format(n) for kind, text in KIND_COUNTS
                      if (n := sum(x["change_kind"] == kind for x in changes)))
    return f"{form_label(c['form'])}：与上次报送相比（上次为{which}），{counts}" + ("，见下表。" if table else "。")


def header_label(change: dict) -> str:
    """The column's header as the new file had it; the template's when none was recorded."""
    if change["header"]:
        return change["header"]
    form = FORMS_BY_NAME.get(change.get("form") or "")
    names = {f.name: f.label for f in form.fields} if form else {}
    return names.get(change["field"], "")


def change_values(change: dict) -> tuple[str, str, str, str, str, str]:
    """The row of the change table: sheet, cell, header, enterprise or task, last time, this time."""
    kind, row = change["change_kind"], change["excel_row"]
    if kind == "added":
        return change["sheet"], f"第{row}行", "（整行新增）", change["row_label"] or "", "（无此行）", "（新增此行）"
    if kind == "removed":
        return change["sheet"], "—", "（整行删除）", change["row_label"] or "", f"（上次第{row}行）", "（已删除此行）"
    cell = f"{change['excel_col']}{row}" if change["excel_col"] else f"第{row}行"
    return (change["sheet"], cell, header_label(change), change["row_label"] or "",
            change["old_value"] if change["old_value"] not in (None, "") else EMPTY,
            change["new_value"] if change["new_value"] not in (None, "") else EMPTY)


def more_changes_line(listed: int, total: int) -> str:
    """The line under a change list cut at `listed` of `total` (the same cap as the warnings, MAX_LISTED)."""
    return (f"以上只列出前 {listed:,} 处变动，另有 {total - listed:,} 处变动未列出（共 {total:,} 处）；"
            "全部变动已记录在系统中备查。")


def receipt_bytes(r: Receipt) -> bytes:
    """One printable sheet, A4 landscape: the verdict, the facts, then what was loaded, superseded and warned."""
    book = Book(properties={"title": f"回执：{r.file_name}", "created": clock.utc_naive(r.processed_at) if r.processed_at else datetime(2000, 1, 1)})
    ws = book.add_worksheet("回执")
    f_cell, f_num, f_head = book.format("text"), book.format("number"), book.format("header")
    f_plain = book.format("note")
    last = len(COLUMNS) - 1
    set_widths(ws, WIDTHS)
    total_width = sum(WIDTHS)
    header_row = None          # the warnings' header, repeated on every printed page

    row = 0
    ws.merge_range(row, 0, row, last, "回　执", book.format("title"))
    ws.set_row(row, 30)
    row += 1
    if r.status == "duplicate":
        o = r.duplicate_of or {}
        verdict = (f"本文件与第 {o.get('submission_id', '?')} 号报送《{o.get('file_name', '')}》（{_when(o.get('received_at'), r.time_zone)} 收到）"
                   "内容完全相同，未重复入库，已入库的数据不变。")
    else:
        total = sum(n for _, _, n in r.loaded)
        verdict = f"《{r.file_name}》已通过校验并入库，共 {total} 行。" + (
            f"有 {len(r.warnings)} 个警告，不影响入库，请核对（见下表）。" if r.warnings else "无警告。")
    ws.merge_range(row, 0, row, last, verdict, book.format("good"))
    fit_row(ws, row, [(verdict, total_width)], min_lines=2, font_size=12)
    row += 2
    facts = (("报送单位", r.bureau), ("报送期", period_label(r.period) if r.period else "—"), ("文件名", r.file_name),
             ("收到时间", _when(r.received_at, r.time_zone)), ("处理时间", _when(r.processed_at, r.time_zone)),
             ("报送编号", "、".join(map(str, r.submission_ids))))
    for k, v in facts:
        ws.merge_range(row, 0, row, 1, k, book.format("key"))
        ws.merge_range(row, 2, row, last, v, book.format("text", valign="vcenter"))
        fit_row(ws, row, [(v, sum(WIDTHS[2:]))])
        row += 1

    if r.status != "duplicate":
        row += 1
        ws.merge_range(row, 0, row, last, "一、入库内容", book.format("section"))
        row += 1
        for c, h in enumerate(("序号", "表种", "入库行数", "工作表")):
            ws.write_string(row, c, h, f_head)
        ws.merge_range(row, 4, row, last, NOT_REPORTED_HEADER, f_head)
        row += 1
        for i, (form, sheet, n) in enumerate(r.loaded, start=1):
            missing = "、".join(r.not_reported.get((form, sheet), [])) or "无"
            ws.write_number(row, 0, i, f_num)
            ws.write_string(row, 1, form_label(form), f_cell)
            ws.write_number(row, 2, n, f_num)
            ws.write_string(row, 3, sheet, f_cell)
            ws.merge_range(row, 4, row, last, missing, f_cell)
            fit_row(ws, row, [(sheet, WIDTHS[3]), (missing, sum(WIDTHS[4:]))])
            row += 1
        if any(r.not_reported.values()):
            ws.merge_range(row, 0, row, last, NOT_REPORTED_NOTE, f_plain)
            fit_row(ws, row, [(NOT_REPORTED_NOTE, total_width)])
            row += 1

        row += 1
        ws.merge_range(row, 0, row, last, "二、替代的报送", book.format("section"))
        row += 1
        if r.superseded:
            ws.merge_range(row, 0, row, last, "以下同单位、同报送期、同表种的报送已被本文件替代，不再参与统计（原数据保留备查）：", f_plain)
            row += 1
            for c, h in enumerate(("编号", "表种", "行数", "收到时间", "入库时间", "文件名")):
                if c == 5:
                    ws.merge_range(row, 5, row, last, h, f_head)
                else:
                    ws.write_string(row, c, h, f_head)
            row += 1
            for sup in r.superseded:
                ws.write_number(row, 0, sup["submission_id"], f_num)
                ws.write_string(row, 1, form_label(sup["form"]), f_cell)
                ws.write_number(row, 2, sup["row_count"] or 0, f_num)
                ws.write_string(row, 3, _when(sup["received_at"], r.time_zone), f_cell)
                ws.write_string(row, 4, _when(sup["processed_at"], r.time_zone), f_cell)
                ws.merge_range(row, 5, row, last, sup["file_name"], f_cell)
                fit_row(ws, row, [(sup["file_name"], sum(WIDTHS[5:]))])
                row += 1
        else:
            ws.merge_range(row, 0, row, last, "无：本单位本期该表种首次入库。", f_plain)
            row += 1

        row += 1
        ws.merge_range(row, 0, row, last, (f"三、警告（{len(r.warnings)} 个：数据已入库，请核对；如需更正，修改后重新报送即可替代本次）"
                                           if r.warnings else "三、警告"), book.format("section"))
        row += 1
        if r.warnings:
            for c, (h, _) in enumerate(COLUMNS):
                ws.write_string(row, c, h, f_head)
            header_row = row
            row += 1
            for i, w in enumerate(r.warnings[:MAX_LISTED], start=1):
                values = (w.get("sheet") or "", f"{w.get('excel_col') or ''}{w.get('excel_row') or ''}",
                          w.get("field") or "", w.get("value") or "", w.get("message") or "", w.get("fix") or "")
                ws.write_number(row, 0, i, f_num)
                for c, v in enumerate(values, start=1):
                    ws.write_string(row, c, v, f_cell)
                fit_row(ws, row, zip(values, WIDTHS[1:]))
                row += 1
            if len(r.warnings) > MAX_LISTED:
                line = more_line(MAX_LISTED, len(r.warnings), "警告")
                ws.merge_range(row, 0, row, last, line, f_plain)
                fit_row(ws, row, [(line, sum(WIDTHS))])
                row += 1
        else:
            ws.merge_range(row, 0, row, last, "无。", f_plain)
            row += 1

        if r.comparisons:   # none when the receipt is built without a warehouse to compare with (no section, not an empty one)
            row += 1
            ws.merge_range(row, 0, row, last, "四、与上次报送相比的变动", book.format("section"))
            row += 1
            for compared in r.comparisons:
                line = comparison_line(compared, r.time_zone)
                ws.merge_range(row, 0, row, last, line, f_plain)
                fit_row(ws, row, [(line, total_width)])
                row += 1
            changes = [x for c in r.comparisons for x in c["changes"]]
            if changes:
                for c, h in enumerate(CHANGE_HEADERS):
                    ws.write_string(row, c, h, f_head)
                row += 1
                for i, change in enumerate(changes[:MAX_LISTED], start=1):
                    values = change_values(change)
                    ws.write_number(row, 0, i, f_num)
                    for c, v in enumerate(values, start=1):
                        ws.write_string(row, c, v, f_cell)
                    fit_row(ws, row, zip(values, WIDTHS[1:]))
                    row += 1
                if len(changes) > MAX_LISTED:
                    line = more_changes_line(MAX_LISTED, len(changes))
                    ws.merge_range(row, 0, row, last, line, f_plain)
                    fit_row(ws, row, [(line, sum(WIDTHS))])
                    row += 1

    page(ws, header_row=header_row, print_area=(row - 1, last), footer_note=FOOTER_NOTE)
    return book.close()


def write_receipt(path: Path, r: Receipt) -> Path:
    """The receipt, written to `path` in one step."""
    return write_bytes(path, receipt_bytes(r))
