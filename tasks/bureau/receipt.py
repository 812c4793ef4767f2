"""The receipt (回执) a bureau gets for an accepted file: what was loaded, the warnings, what it replaced.

    receipt_data(con, ids) -> Receipt          read from the writer database (the file's submission ids)
    write_receipt(path, receipt) -> path       one printable sheet, A4 landscape

A byte-identical re-drop (status duplicate) gets a receipt too, saying nothing changed and which
submission it repeats: the clerk's question "did you get my file?" has an answer either way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

FORM_CN = {"enterprise": "种子企业库", "task": "工作任务进展", None: "—"}
SEVERITY_CN = {"error": "错误", "warning": "警告"}
COLUMNS = (  # one grid for the sheet's three tables
    ("序号", 6), ("工作表", 16), ("单元格", 9), ("表头", 16), ("填写内容", 20), ("问题说明", 40), ("修改建议", 46),
)


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


SUB_COLS = ["submission_id", "bureau", "period", "form", "file_name", "received_at", "processed_at", "status",
            "duplicate_of", "superseded_by", "row_count"]
FINDING_COLS = ["submission_id", "severity", "sheet", "excel_row", "excel_col", "field", "value", "rule", "message", "fix"]


@dataclass
class FeedbackData:
    """What the outbox needs for a batch of submissions, fetched with a handful of queries for the whole
    batch (per file, a dozen small queries cost more than writing the receipt itself)."""
    subs: dict[int, dict]
    findings: dict[int, list[dict]]
    loaded: dict[int, list[tuple[str, str, int]]]
    superseded: dict[int, list[dict]]

    @classmethod
    def load(cls, con, ids: list[int]) -> "FeedbackData":
        rows = con.execute(
            f"SELECT {', '.join(SUB_COLS)} FROM submissions WHERE submission_id IN (SELECT unnest($ids)) "
            "OR superseded_by IN (SELECT unnest($ids)) "
            "OR submission_id IN (SELECT duplicate_of FROM submissions WHERE submission_id IN (SELECT unnest($ids)))",
            {"ids": ids}).fetchall()
        subs = {r[0]: dict(zip(SUB_COLS, r)) for r in rows}
        findings: dict[int, list[dict]] = {}
        for r in con.execute(f"SELECT {', '.join(FINDING_COLS)} FROM validation_errors WHERE submission_id IN (SELECT unnest(?)) "
                             "ORDER BY submission_id, sheet, excel_row, excel_col", [ids]).fetchall():
            findings.setdefault(r[0], []).append(dict(zip(FINDING_COLS[1:], r[1:])))
        loaded: dict[int, list[tuple[str, str, int]]] = {}
        for table, form in (("enterprise_reports", "enterprise"), ("task_reports", "task")):
            for sid, sheet, n in con.execute(
                    f"SELECT submission_id, sheet, count(*) FROM {table} WHERE submission_id IN (SELECT unnest(?)) "
                    "GROUP BY ALL ORDER BY submission_id, min(excel_row), sheet", [ids]).fetchall():
                loaded.setdefault(sid, []).append((form, sheet, n))
        superseded: dict[int, list[dict]] = {}
        for s in subs.values():
            if s["superseded_by"] is not None:
                superseded.setdefault(s["superseded_by"], []).append(s)
        return cls(subs, findings, loaded, superseded)


def receipt_data(data: "FeedbackData | object", ids: list[int]) -> Receipt:
    """The receipt of one file's submissions; `data` is a FeedbackData, or a DuckDB connection."""
    if not isinstance(data, FeedbackData):
        data = FeedbackData.load(data, ids)
    subs = [data.subs[i] for i in sorted(ids) if i in data.subs]
    first = subs[0]
    r = Receipt(bureau=first["bureau"], period=first["period"], file_name=first["file_name"],
                received_at=first["received_at"], processed_at=first["processed_at"],
                submission_ids=[s["submission_id"] for s in subs], status=first["status"])
    for form in ("enterprise", "task"):
        for i in sorted(ids):
            r.loaded += [x for x in data.loaded.get(i, []) if x[0] == form]
    # a form recognised but with no rows is still worth saying (e.g. an enterprise template with no enterprise)
    seen = {f for f, _, _ in r.loaded}
    for s in subs:
        if s["form"] and s["form"] not in seen and s["status"] != "duplicate":
            r.loaded.append((s["form"], "—", 0))
    cols = ["submission_id", "form", "file_name", "received_at", "processed_at", "row_count"]
    r.superseded = sorted(({k: s[k] for k in cols} for i in ids for s in data.superseded.get(i, [])),
                          key=lambda s: s["submission_id"])
    r.warnings = [{k: v for k, v in f.items()} for i in sorted(ids) for f in data.findings.get(i, [])
                  if f["severity"] == "warning"]
    r.warnings.sort(key=lambda f: (f["sheet"] or "", f["excel_row"] or 0, f["excel_col"] or ""))
    if first["status"] == "duplicate" and first["duplicate_of"] is not None:
        orig = data.subs.get(first["duplicate_of"])
        if orig:
            r.duplicate_of = {k: orig[k] for k in ("submission_id", "file_name", "received_at", "processed_at",
                                                   "status", "superseded_by")}
    return r


def _when(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t else "—"


def write_receipt(path: Path, r: Receipt) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    wb.set_properties({"title": f"回执：{r.file_name}", "author": "srdi",
                       "created": r.processed_at or datetime(2000, 1, 1)})
    ws = wb.add_worksheet("回执")
    base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    f_ok = wb.add_format({**base, "bold": True, "font_size": 12, "font_color": "#006100", "bg_color": "#C6EFCE",
                          "text_wrap": True, "valign": "vcenter"})
    f_key = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "border": 1, "valign": "vcenter"})
    f_val = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "vcenter"})
    f_sec = wb.add_format({**base, "bold": True, "font_size": 12, "bottom": 2, "valign": "vcenter"})
    f_head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "align": "center", "valign": "vcenter"})
    f_cell = wb.add_format({**base, "border": 1, "text_wrap": True})
    f_num = wb.add_format({**base, "border": 1, "align": "center"})
    f_plain = wb.add_format({**base, "text_wrap": True, "font_color": "#404040"})
    last = len(COLUMNS) - 1
    for c, (_, w) in enumerate(COLUMNS):
        ws.set_column(c, c, w)

    row = 0
    ws.merge_range(row, 0, row, last, "回　执", f_title)
    ws.set_row(row, 30)
    row += 1
    if r.status == "duplicate":
        o = r.duplicate_of or {}
        verdict = (f"本文件与第 {o.get('submission_id', '?')} 号报送《{o.get('file_name', '')}》（{_when(o.get('received_at'))} 收到）"
                   "内容完全相同，未重复入库，已入库的数据不变。")
    else:
        total = sum(n for _, _, n in r.loaded)
        verdict = f"《{r.file_name}》已通过校验并入库，共 {total} 行。" + (
            f"有 {len(r.warnings)} 个警告，不影响入库，请核对（见下表）。" if r.warnings else "无警告。")
    ws.merge_range(row, 0, row, last, verdict, f_ok)
    ws.set_row(row, 36)
    row += 2
    facts = (("报送单位", r.bureau), ("报送期", r.period or "—"), ("文件名", r.file_name),
             ("收到时间", _when(r.received_at)), ("处理时间", _when(r.processed_at)),
             ("报送编号", "、".join(map(str, r.submission_ids))))
    for k, v in facts:
        ws.merge_range(row, 0, row, 1, k, f_key)
        ws.merge_range(row, 2, row, last, v, f_val)
        row += 1

    if r.status != "duplicate":
        row += 1
        ws.merge_range(row, 0, row, last, "一、入库内容", f_sec)
        row += 1
        for c, h in enumerate(("序号", "表种", "入库行数", "工作表")):
            ws.write_string(row, c, h, f_head)
        row += 1
        for i, (form, sheet, n) in enumerate(r.loaded, start=1):
            ws.write_number(row, 0, i, f_num)
            ws.write_string(row, 1, FORM_CN.get(form, form or "—"), f_cell)
            ws.write_number(row, 2, n, f_num)
            ws.write_string(row, 3, sheet, f_cell)
            row += 1

        row += 1
        ws.merge_range(row, 0, row, last, "二、替代的报送", f_sec)
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
                ws.write_string(row, 1, FORM_CN.get(sup["form"], sup["form"] or "—"), f_cell)
                ws.write_number(row, 2, sup["row_count"] or 0, f_num)
                ws.write_string(row, 3, _when(sup["received_at"]), f_cell)
                ws.write_string(row, 4, _when(sup["processed_at"]), f_cell)
                ws.merge_range(row, 5, row, last, sup["file_name"], f_cell)
                row += 1
        else:
            ws.merge_range(row, 0, row, last, "无：本单位本期该表种首次入库。", f_plain)
            row += 1

        row += 1
        ws.merge_range(row, 0, row, last, (f"三、警告（{len(r.warnings)} 个：数据已入库，请核对；如需更正，修改后重新报送即可替代本次）"
                                           if r.warnings else "三、警告"), f_sec)
        row += 1
        if r.warnings:
            for c, (h, _) in enumerate(COLUMNS):
                ws.write_string(row, c, h, f_head)
            header_row = row
            row += 1
            for i, w in enumerate(r.warnings, start=1):
                values = (w.get("sheet") or "", f"{w.get('excel_col') or ''}{w.get('excel_row') or ''}",
                          w.get("field") or "", w.get("value") or "", w.get("message") or "", w.get("fix") or "")
                ws.write_number(row, 0, i, f_num)
                for c, v in enumerate(values, start=1):
                    ws.write_string(row, c, v, f_cell)
                lines = max(_lines(values[3], COLUMNS[4][1]), _lines(values[4], COLUMNS[5][1]), _lines(values[5], COLUMNS[6][1]))
                if lines > 1:
                    ws.set_row(row, 14 * lines + 2)
                row += 1
            ws.repeat_rows(header_row)
        else:
            ws.merge_range(row, 0, row, last, "无。", f_plain)
            row += 1

    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, max(row - 1, 0), last)
    ws.set_footer("&L蛟河市“专精特新”数据报送系统自动生成&R第 &P 页，共 &N 页")
    wb.close()
    os.replace(tmp, path)
    return path


def _lines(text: str, width: int) -> int:
    import unicodedata
    w = sum(1.6 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text or "")
    return max(1, -(-w // max(width - 1, 4)))
