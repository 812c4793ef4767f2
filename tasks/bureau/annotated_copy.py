"""The bureau's own workbook, marked: each problem cell filled and commented, a summary sheet first.

    annotate_workbook(src, dst, findings=…, bureau=…, period=…, file_name=…) -> dst | None

* Always written as .xlsx. Macros (vbaProject.bin) and links to other workbooks are never carried
  over: openpyxl loads with keep_vba=False and keep_links=False, defined names pointing into other
  workbooks are dropped, and formulas are replaced by their last computed values (data_only=True),
  so nothing in the copy reaches outside it.
* .xls and .ods, which openpyxl cannot open, are rebuilt as a plain .xlsx from the cell values
  fastexcel reads (as ingest does), then marked the same way.
* A mark on a cell inside a merged range goes on the range's top-left cell, the only one Excel shows.
* Errors are filled red, warnings yellow; several findings on one cell share one comment.
* A copy we annotated before (a bureau may correct the annotated copy and send it back) loses our
  old summary sheet, comments and fills first, so marks never pile up.
* Too large (> MAX_BYTES, > MAX_ROWS rows, > MAX_CELLS cells, > MAX_MERGES merged ranges or > MAX_MERGED_CELLS cells
  in merged ranges, counted on the sheets' XML before openpyxl loads anything): no copy; `too_large()` says why,
  for the error list.
* Bounded (issue 24: 16k findings × 48k merged ranges kept the writer busy for 900 s): at most MAX_MARKED findings
  are marked and listed on the summary sheet (errors first, in sheet order), then one line says how many more the
  error list holds; the merged range of a cell is found in an index built once (cost: cells in merged ranges), not
  by searching every range for every finding; clearing our old marks visits only the cells the sheet has.
  Together with the limits above, the copy's cost is bounded by MAX_CELLS + MAX_MERGES + MAX_MERGED_CELLS + MAX_MARKED.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import fastexcel
import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from schemas.labels import SEVERITY, label
from schemas.periods import period_label
from tasks.intake.read import META_SHEET, SUMMARY_SHEET, UnreadableWorkbook, read_workbook, sniff_format
from tasks.xlsx_layout import (BAD_FILL, ERROR_FONT, NOTE_FONT, PX_BORDER, WARNING_FONT, comment_box, px_fill,
                               px_fit_a4, px_fit_row, px_font, px_header, px_page, px_widths)
from warehouse.atomic_write import write_bytes

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELLS = 500_000            # cells written in the sheets' XML (openpyxl holds each as an object)
MAX_MERGES = 5_000             # merged ranges (openpyxl formats each: ~1 ms a range, 48k ranges took 40 s)
MAX_MERGED_CELLS = 200_000     # cells covered by merged ranges (openpyxl makes an object for each)
MAX_MARKED = 1_000             # findings marked in the copy and listed on its summary sheet
AUTHOR = "srdi 校验"
ERROR_FILL = px_fill(BAD_FILL)
WARNING_FILL = px_fill("#FFEB9C")
OUR_FILLS = {"00FFC7CE", "FFFFC7CE", "00FFEB9C", "FFFFEB9C"}
SUMMARY_HEADERS = ("序号", "级别", "工作表", "单元格", "表头", "填写内容", "问题说明", "修改建议")
SUMMARY_WIDTHS = (6, 7, 14, 9, 18, 20, 40, 48)
HEADER_ROW = 5          # 1-based: title, verdict, how to read the copy, a blank row, then the table


class AnnotationSkipped(Exception):
    """No annotated copy; the message (Chinese) says why, for the error list."""


def too_large(path: Path) -> str | None:
    """Why the file is too large to annotate, or None. Reads sheet dimensions only, not the cells."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return f"文件较大（{size / 1024 / 1024:.1f} MB），未生成批注副本，请按本清单逐条修改。"
    fmt = _format(path)
    if fmt in ("xlsx", "xlsm", "ods"):
        import zipfile
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > 20 * MAX_BYTES:
            return f"文件解压后较大（{unpacked / 1024 / 1024:.0f} MB），未生成批注副本，请按本清单逐条修改。"
    if fmt in ("xlsx", "xlsm"):
        cells, ranges, merged = sheet_counts(path)
        if cells > MAX_CELLS:
            return f"文件单元格较多（{cells:,} 个），未生成批注副本，请按本清单逐条修改。"
        if ranges > MAX_MERGES:
            return f"文件中合并单元格较多（{ranges:,} 处），未生成批注副本，请按本清单逐条修改。"
        if merged > MAX_MERGED_CELLS:
            return f"文件中合并单元格较多（合并区域共 {merged:,} 个单元格），未生成批注副本，请按本清单逐条修改。"
    rows = 0
    if fmt in ("xlsx", "xlsm"):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            for ws in wb.worksheets:
                rows = max(rows, ws.max_row or 0)
        finally:
            wb.close()
    elif fmt in ("xls", "ods"):
        reader = fastexcel.read_excel(path.read_bytes())
        for name in reader.sheet_names:
            rows = max(rows, reader.load_sheet(name, header_row=None, dtypes="string").height)
    if rows > MAX_ROWS:
        return f"文件行数较多（{rows:,} 行），未生成批注副本，请按本清单逐条修改。"
    return None


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})"
                    rb"(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")


def sheet_counts(path: Path) -> tuple[int, int, int]:
    """(cells, merged ranges, cells inside merged ranges) over every worksheet of an .xlsx, counted on its XML as it streams out
    of the zip, 1 MB at a time: what openpyxl would make an object for, known before it loads anything."""
    import zipfile
    cells = ranges = merged = 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            carry = b""
            with z.open(info) as f:
                while True:
                    block = f.read(1 << 20)
                    text = carry + block
                    cut = text.rfind(b">") + 1 if block else len(text)
                    done, carry = text[:cut], text[cut:]
                    cells += len(_CELL.findall(done))
                    for c1, r1, c2, r2 in _MERGE.findall(done):
                        ranges += 1
                        rows = abs(int(r2 or r1) - int(r1)) + 1
                        cols = abs(column_index_from_string((c2 or c1).decode().upper())
                                   - column_index_from_string(c1.decode().upper())) + 1
                        merged += rows * cols
                    if not block:
                        break
                    if len(carry) > 1 << 20:   # no ">" in a whole block: nothing to count in it
                        carry = carry[-64:]
    return cells, ranges, merged


def _format(path: Path) -> str:
    return sniff_format(path.read_bytes())


# ---------------------------------------------------------------- opening the bureau's workbook

def _open(path: Path, fmt: str) -> openpyxl.Workbook:
    if fmt in ("xlsx", "xlsm"):
        try:
            wb = openpyxl.load_workbook(path, keep_vba=False, keep_links=False, data_only=True, rich_text=False)
        except Exception:   # calamine read it (ingest did); openpyxl cannot: rebuild from the values
            return _rebuild(path)
        wb._external_links = []
        wb.vba_archive = None
        for name in list(wb.defined_names):
            if "[" in (wb.defined_names[name].value or ""):   # points into another workbook
                del wb.defined_names[name]
        for ws in wb.worksheets:
            for name in list(ws.defined_names):
                if "[" in (ws.defined_names[name].value or ""):
                    del ws.defined_names[name]
        return wb
    return _rebuild(path)


_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d+)?$")


def _rebuild(path: Path) -> openpyxl.Workbook:
    """A plain .xlsx holding the cell values ingest read (.xls, .ods, HTML/CSV exports), at the same
    addresses, so every finding lands on its cell. Merges and formatting are not carried over;
    a template's metadata sheet is, very hidden, so a corrected copy still says bureau and period."""
    try:
        raw = read_workbook(path.read_bytes())
    except UnreadableWorkbook as exc:
        raise AnnotationSkipped("文件无法读取，未生成批注副本。") from exc
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for grid in raw.sheets:
        ws = wb.create_sheet(_safe_title(grid.name, wb))
        cols = [column_index_from_string(letter) for letter in grid.columns]
        for r, row in enumerate(grid.frame.iter_rows(), start=1):
            for c0, (c, v) in enumerate(zip(cols, row)):
                v = grid.errors.get((r - 1, c0), v)
                if v is None or v == "":
                    continue
                cell = ws.cell(row=r, column=c)
                if _NUMBER.match(v):   # numbers stay numbers; codes with leading zeros or 18 characters stay text
                    cell.value = float(v) if "." in v else int(v)
                else:
                    _text(cell, v)
        for c in cols:
            ws.column_dimensions[get_column_letter(c)].width = 16
    if raw.metadata:
        meta = wb.create_sheet(META_SHEET)
        for k, v in raw.metadata.items():
            meta.append([k, v])
        meta.sheet_state = "veryHidden"
    if not raw.sheets:
        wb.create_sheet("Sheet1")
    return wb


def _safe_title(name: str, wb: openpyxl.Workbook) -> str:
    title = re.sub(r"[\\/?*\[\]:]", "_", name)[:31] or "Sheet"
    n = 1
    while title in wb.sheetnames:
        n += 1
        title = f"{title[:28]}_{n}"
    return title


def _text(cell, value: str) -> None:
    """A string stays a string, even "=1+1"."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


# ---------------------------------------------------------------- marking

def _clear_previous(wb: openpyxl.Workbook) -> None:
    if SUMMARY_SHEET in wb.sheetnames:
        wb.remove(wb[SUMMARY_SHEET])
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):   # the cells the sheet has, not its whole rectangle (private: no public way)
            if cell.comment is not None and cell.comment.author == AUTHOR:
                cell.comment = None
                if cell.fill is not None and cell.fill.fgColor is not None and str(cell.fill.fgColor.rgb) in OUR_FILLS:
                    cell.fill = PatternFill(fill_type=None)


def merge_index(ws) -> dict[tuple[int, int], tuple[int, int, str]]:
    """Every cell inside a merged range but its top-left -> (top row, left column, the range): built once per sheet,
    its size the cells in merged ranges (bounded by MAX_MERGED_CELLS before the workbook is loaded)."""
    index: dict[tuple[int, int], tuple[int, int, str]] = {}
    for rng in ws.merged_cells.ranges:
        top = (rng.min_row, rng.min_col, rng.coord)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                index.setdefault((r, c), top)
        index.pop((rng.min_row, rng.min_col), None)
    return index


def _anchor(index: dict, row: int, col: int) -> tuple[int, int, str | None]:
    """The cell that shows (row, col): the top-left of the merged range containing it, if any."""
    return index.get((row, col), (row, col, None))


def _located(f: dict) -> bool:
    return bool(f.get("sheet") and f.get("excel_row") and f.get("excel_col"))


def listing_order(findings: list[dict]) -> list[int]:
    """The findings' indexes as the summary lists them: errors first, then by sheet, row and column."""
    return sorted(range(len(findings)), key=lambda i: (findings[i]["severity"] != "error", findings[i].get("sheet") or "",
                                                       findings[i].get("excel_row") or 0, findings[i].get("excel_col") or ""))


def mark_cells(wb: openpyxl.Workbook, findings: list[dict], only: list[int] | None = None) -> dict[int, str]:
    """Fill and comment each located finding's cell (`only`: these indexes); returns finding index -> the cell
    marked ('B5')."""
    notes: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    marked: dict[int, str] = {}
    indexes: dict[str, dict] = {}
    for i in (range(len(findings)) if only is None else sorted(only)):
        f = findings[i]
        if not _located(f) or f["sheet"] not in wb.sheetnames:
            continue
        ws = wb[f["sheet"]]
        try:
            col = column_index_from_string(f["excel_col"])
        except ValueError:
            continue
        if f["sheet"] not in indexes:
            indexes[f["sheet"]] = merge_index(ws)
        row, col2, merged = _anchor(indexes[f["sheet"]], int(f["excel_row"]), col)
        where = f"{f['excel_col']}{f['excel_row']}"
        text = f"【{label(SEVERITY, f['severity'])}】{f.get('message') or ''}"
        if merged:
            text = f"【{label(SEVERITY, f['severity'])}】（合并单元格 {merged} 中的 {where}）{f.get('message') or ''}"
        if f.get("fix"):
            text += f"\n修改：{f['fix']}"
        notes.setdefault((f["sheet"], row, col2), []).append((f["severity"], text))
        marked[i] = f"{get_column_letter(col2)}{row}"
    for sheet in {k[0] for k in notes}:
        _printable(wb[sheet])
    for (sheet, row, col), items in notes.items():
        cell = wb[sheet].cell(row=row, column=col)
        worst = "error" if any(s == "error" for s, _ in items) else "warning"
        cell.fill = ERROR_FILL if worst == "error" else WARNING_FILL
        body = "\n\n".join(t for _, t in items)
        if cell.comment is not None:   # the bureau's own note stays, after ours
            body += f"\n\n——原批注：{cell.comment.text}"
        width, height = comment_box(body)
        cell.comment = Comment(body, AUTHOR, width=width, height=height)
    return marked


def _printable(ws) -> None:
    """A marked sheet prints A4 landscape, one page wide, comments listed at the end (Excel) —
    unless the bureau set up its own printing, which is kept."""
    ps, props = ws.page_setup, ws.sheet_properties
    own = ps.orientation or (props.pageSetUpPr is not None and props.pageSetUpPr.fitToPage)
    if not own:
        px_fit_a4(ws)
    ps.cellComments = "atEnd"


def not_listed_line(listed: int, total: int) -> str:
    return (f"本副本只标出并列出前 {listed:,} 个问题（错误在前），另有 {total - listed:,} 个问题未标出（共 {total:,} 个），"
            "请按错误清单逐条修改。")


def add_summary(wb: openpyxl.Workbook, findings: list[dict], marked: dict[int, str], *, bureau: str,
                period: str | None, file_name: str, rejected: bool, order: list[int] | None = None) -> None:
    """The summary sheet: the verdict, then the findings of `order` (default: all, in listing order), then, when
    `order` leaves some out, one line saying how many more there are."""
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "已退回：请修改全部错误后，重新放入本单位报送文件夹" if rejected else "已入库，以下警告请核对"
    wrap = Alignment(wrap_text=True, vertical="top")
    total_width = sum(SUMMARY_WIDTHS)
    last = get_column_letter(len(SUMMARY_HEADERS))
    px_widths(ws, SUMMARY_WIDTHS)
    ws["A1"] = f"《{file_name}》校验结果"
    ws["A1"].font = px_font(bold=True, size=14)
    ws.row_dimensions[1].height = 22
    ws["A2"] = f"报送单位：{bureau}　报送期：{period_label(period) if period else '未识别'}　错误 {errors} 个，警告 {warnings} 个。{verdict}。"
    ws["A2"].font = px_font(bold=True, color=ERROR_FONT.lstrip("#") if rejected else "000000")
    ws["A3"] = ("本文件是您报送文件的副本：红色单元格为错误（必须修改），黄色为警告（请核对）；鼠标移到单元格上可看批注。"
                "点击下表“单元格”列可跳转。可直接在本副本中修改后重新报送（本页不会被读取），也可在原文件中修改。"
                "副本中的公式已转为数值，宏和外部链接已去除。")
    ws["A3"].font = px_font(color=NOTE_FONT.lstrip("#"))
    for ref in ("A2", "A3"):
        ws.merge_cells(f"{ref}:{last}{ref[1:]}")
        ws[ref].alignment = wrap
        px_fit_row(ws, int(ref[1:]), [(ws[ref].value, total_width)])
    for c, h in enumerate(SUMMARY_HEADERS, start=1):
        px_header(ws.cell(row=HEADER_ROW, column=c), h)
    if order is None:
        order = listing_order(findings)
    for n, i in enumerate(order, start=1):
        f = findings[i]
        r = HEADER_ROW + n
        where = f"{f.get('excel_col') or ''}{f.get('excel_row') or ''}"
        values = (n, label(SEVERITY, f["severity"]), f.get("sheet") or "", where,
                  f.get("field") or "", f.get("value") or "", f.get("message") or "", f.get("fix") or "")
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(v, str):
                _text(cell, v)
            else:
                cell.value = v
            cell.border = PX_BORDER
            cell.alignment = wrap if c > 4 else Alignment(vertical="top", horizontal="center" if c in (1, 2, 4) else None,
                                                          wrap_text=True)
            cell.font = px_font()
        ws.cell(row=r, column=2).font = px_font(bold=True, color=(ERROR_FONT if f["severity"] == "error" else WARNING_FONT).lstrip("#"))
        if i in marked:
            cell = ws.cell(row=r, column=4)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{f['sheet']}'!{marked[i]}", display=where)
            cell.font = px_font(color="0563C1", underline="single")
        px_fit_row(ws, r, zip(values, SUMMARY_WIDTHS))
    end = HEADER_ROW + len(order)
    if len(order) < len(findings):
        end += 1
        line = not_listed_line(len(order), len(findings))
        ws.cell(row=end, column=1, value=line).font = px_font(bold=True, color=ERROR_FONT.lstrip("#"))
        ws.merge_cells(f"A{end}:{last}{end}")
        ws.cell(row=end, column=1).alignment = wrap
        px_fit_row(ws, end, [(line, total_width)])
    px_page(ws, header_row=HEADER_ROW, freeze=f"A{HEADER_ROW + 1}", print_area=f"A1:{last}{end}")
    # the summary is the sheet that opens; no other sheet stays selected (Excel would group them)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def annotate_workbook(src: Path, dst: Path, *, findings: list[dict], bureau: str, period: str | None,
                      file_name: str, rejected: bool = True) -> Path:
    """Write the marked copy of `src` to `dst` (.xlsx). Raises AnnotationSkipped when there is none to write."""
    reason = too_large(src)
    if reason:
        raise AnnotationSkipped(reason)
    wb = _open(src, _format(src))
    _clear_previous(wb)
    shown = listing_order(findings)[:MAX_MARKED]
    marked = mark_cells(wb, findings, shown)
    add_summary(wb, findings, marked, bureau=bureau, period=period, file_name=file_name, rejected=rejected,
                order=shown)
    buf = io.BytesIO()
    wb.save(buf)
    return write_bytes(dst, buf.getvalue())
