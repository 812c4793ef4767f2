"""What a bureau gets back in its outbox: an error list in Chinese, one row per problem."""
from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import xlsxwriter

HEADERS = ("序号", "级别", "工作表", "单元格", "表头", "填写内容", "问题说明", "修改建议", "规则编码")
WIDTHS = (6, 7, 14, 8, 18, 20, 40, 46, 18)
SEVERITY_CN = {"error": "错误", "warning": "警告"}


def write_error_workbook(path: Path, *, bureau: str, file_name: str, period: str | None,
                         findings: list[dict], rejected: bool, note: str | None = None) -> Path:
    """Findings are dicts with severity, sheet, excel_row, excel_col, field, value, message, fix, rule.

    `note` is one more line under the title: where the annotated copy is, or why there is none.

    Every value is written with write_string: text a bureau typed (even "=1+1") stays text.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("问题清单")
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    err = wb.add_format({"border": 1, "font_color": "#C00000", "bold": True, "valign": "top"})
    code = wb.add_format({"border": 1, "valign": "top", "font_color": "#808080", "font_size": 9})
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "文件已退回，请按下表修改后重新放入本单位文件夹" if rejected else "文件已入库，以下警告请核对"
    ws.write_string(0, 0, f"《{file_name}》校验结果（{bureau}，{period or '报送期未识别'}）：{errors} 个错误，{warnings} 个警告。{verdict}。", title)
    if note:
        ws.merge_range(1, 0, 1, len(HEADERS) - 1, note, wb.add_format({"text_wrap": True, "valign": "vcenter", "font_color": "#404040"}))
        ws.set_row(1, 30)
    for c, (h, w) in enumerate(zip(HEADERS, WIDTHS)):
        ws.write_string(2, c, h, head)
        ws.set_column(c, c, w)
    order = sorted(findings, key=lambda f: (f["severity"] != "error", f.get("sheet") or "", f.get("excel_row") or 0, f.get("excel_col") or ""))
    for i, f in enumerate(order, start=1):
        r = 2 + i
        cellref = f"{f.get('excel_col') or ''}{f.get('excel_row') or ''}"
        values = (str(i), SEVERITY_CN.get(f["severity"], f["severity"]), f.get("sheet") or "", cellref,
                  f.get("field") or "", f.get("value") or "", f.get("message") or "", f.get("fix") or "", f.get("rule") or "")
        for c, v in enumerate(values):
            ws.write_string(r, c, v, err if (c == 1 and f["severity"] == "error") else code if c == 8 else cell)
        lines = max(_lines(v, w) for v, w in zip(values, WIDTHS))
        if lines > 1:   # Excel does not grow rows for wrapped text on open
            ws.set_row(r, 15 * lines + 4)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.autofilter(2, 0, 2 + len(order), len(HEADERS) - 1)
    wb.close()
    tmp.replace(path)
    return path


def _lines(text: str, width: int) -> int:
    """Lines a wrapped cell needs: a 11-point CJK character takes about 1.7 of Excel's width unit."""
    w = sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)
    return max(1, math.ceil(w / max(width - 1, 4)))
