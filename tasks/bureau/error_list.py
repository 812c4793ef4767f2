"""What a bureau gets back in its outbox: an error list in Chinese, one row per problem."""
from __future__ import annotations

from pathlib import Path

from schemas.labels import SEVERITY, label
from schemas.labels import period as period_text
from tasks.xlsx_layout import Book, fit_row, page, set_widths
from warehouse.atomic_write import write_bytes

# no rule code: the clerk reads the message and the fix; the code (parse.unit, …) stays in validation_errors.rule
HEADERS = ("序号", "级别", "工作表", "单元格", "表头", "填写内容", "问题说明", "修改建议")
WIDTHS = (6, 7, 14, 8, 18, 20, 40, 46)
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2
# rows a list shows (this one and the receipt's warnings); the rest is counted in one line. Bounds the cost of a file
# with a finding in every cell (issue 24): 5,000 rows take about a second to write.
MAX_LISTED = 5_000


def more_line(listed: int, total: int, what: str = "问题") -> str:
    """The line under a list cut at `listed` rows of `total`."""
    return (f"以上只列出前 {listed:,} 个{what}，另有 {total - listed:,} 个未列出（共 {total:,} 个）：多为同类问题，"
            "请先按上表修改同类问题后重新报送，系统会再次给出清单。")


def error_list_bytes(*, bureau: str, file_name: str, period: str | None, findings: list[dict], rejected: bool,
                     note: str | None = None) -> bytes:
    """Findings are dicts with severity, sheet, excel_row, excel_col, field, value, message, fix (and rule, not shown).

    `note` is one more line under the title: where the annotated copy is, or why there is none.

    Every value is written with write_string: text a bureau typed (even "=1+1") stays text.
    """
    book = Book(properties={"title": f"校验结果：{file_name}"})
    ws = book.add_worksheet("问题清单")
    last = len(HEADERS) - 1
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "文件已退回，请按下表修改后重新放入本单位文件夹" if rejected else "文件已入库，以下警告请核对"
    ws.write_string(TITLE_ROW, 0, f"《{file_name}》校验结果（{bureau}，{period_text(period) if period else '报送期未识别'}）：{errors} 个错误，"
                                  f"{warnings} 个警告。{verdict}。", book.format("heading"))
    ws.set_row(TITLE_ROW, 22)
    if note:
        ws.merge_range(NOTE_ROW, 0, NOTE_ROW, last, note, book.format("note", valign="vcenter"))
        fit_row(ws, NOTE_ROW, [(note, sum(WIDTHS))], min_lines=2)
    set_widths(ws, WIDTHS)
    for c, h in enumerate(HEADERS):
        ws.write_string(HEADER_ROW, c, h, book.format("header"))
    order = sorted(findings, key=lambda f: (f["severity"] != "error", f.get("sheet") or "", f.get("excel_row") or 0,
                                            f.get("excel_col") or ""))
    shown = order[:MAX_LISTED]
    for i, f in enumerate(shown, start=1):
        r = HEADER_ROW + i
        cellref = f"{f.get('excel_col') or ''}{f.get('excel_row') or ''}"
        values = (str(i), label(SEVERITY, f["severity"]), f.get("sheet") or "", cellref,
                  f.get("field") or "", f.get("value") or "", f.get("message") or "", f.get("fix") or "")
        styles = (book.format("number"), book.format("error" if f["severity"] == "error" else "warning"),
                  *[book.format("text")] * 6)
        for c, (v, fmt) in enumerate(zip(values, styles)):
            ws.write_string(r, c, v, fmt)
        fit_row(ws, r, zip(values, WIDTHS))
    if len(shown) < len(order):
        r = HEADER_ROW + len(shown) + 1
        line = more_line(len(shown), len(order))
        ws.merge_range(r, 0, r, last, line, book.format("note", valign="vcenter"))
        fit_row(ws, r, [(line, sum(WIDTHS))])
    page(ws, header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 0))
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(shown), last)
    return book.close()


def write_error_workbook(path: Path, *, bureau: str, file_name: str, period: str | None, findings: list[dict],
                         rejected: bool, note: str | None = None) -> Path:
    """The error list, written to `path` in one step (see error_list_bytes)."""
    return write_bytes(path, error_list_bytes(bureau=bureau, file_name=file_name, period=period, findings=findings,
                                              rejected=rejected, note=note))
