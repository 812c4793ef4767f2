"""How every workbook srdi writes is laid out: meeting packs, receipts, error lists, annotated copies, templates.

One place for what they share, so they look alike and print alike; each output keeps its own content:

* a safe workbook: xlsxwriter never turns a string into a formula, a link or a number (what a bureau typed,
  even "=1+1", stays text), built in memory (a BytesIO) and handed over as bytes for
  `warehouse.atomic_write.write_bytes`;
* one base font, 10-point 宋体, for every cell of every workbook (`schemas.text_width.excel_width` measures
  text in exactly that font);
* named formats (STYLES: title, header, text, number, bad, …), to which an output adds only what is its own;
* column widths and the heights of rows with wrapped text, measured only with `excel_width` / `excel_lines`
  (Excel does not grow rows for wrapped text when it opens a file);
* freeze panes and print setup: A4, one page wide, the header row repeated on every page, footer
  "第 &P 页，共 &N 页"; the print rules themselves (paper, margins, orientation, the smallest printed font) are
  tasks/print_rules.py's. A meeting pack's sheets pass a `PrintPlan` (portrait or landscape, narrowed columns, the
  scale); the other workbooks print landscape, one page wide.

`Book` and `page` are for xlsxwriter (workbooks srdi builds); the `px_*` functions are their openpyxl
twins, for the bureau's own workbook that the annotated copy edits.
"""
from __future__ import annotations

import io
import math
from typing import Iterable

import xlsxwriter
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from schemas.text_width import excel_lines, excel_width
from tasks.print_rules import A4, MARGINS, MAX_HEADER_LINES, PAGE_NUMBERS, Column, PrintPlan

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
FONT = "宋体"
FONT_SIZE = 10
LINE_HEIGHT = 14.0          # points a line of 10-point 宋体 takes in a row
ROW_PADDING = 4.0           # points above and below the lines of a grown row
PIXEL = 0.75                # points in a pixel at 96 dpi: Excel keeps row heights in whole pixels
NARROWEST, WIDEST = 6.0, 46.0   # bounds of a measured column width
HEADER_ONE_LINE = 20.0          # a measured column's header up to this width (12 CJK characters) is not wrapped

# colours the outputs share
HEADER_FILL = "#DDEBF7"
KEY_FILL = "#F2F2F2"
BAD_FILL, BAD_FONT = "#FFC7CE", "#9C0006"      # Excel's own "Bad" cell style
GOOD_FILL, GOOD_FONT = "#C6EFCE", "#006100"    # and its "Good"
NOTE_FONT = "#404040"
ERROR_FONT, WARNING_FONT = "#C00000", "#9C5700"

# named formats, each on top of 10-point 宋体; an output passes overrides for what is its own
STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"},
    "heading": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "subtitle": {"font_size": 9, "italic": True, "font_color": "#555555", "valign": "vcenter"},
    "section": {"bold": True, "font_size": 12, "bottom": 2, "valign": "vcenter"},
    "note": {"text_wrap": True, "font_color": NOTE_FONT, "valign": "top"},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "align": "center",
               "valign": "vcenter"},
    "key": {"bold": True, "bg_color": KEY_FILL, "border": 1, "text_wrap": True, "valign": "vcenter"},
    "text": {"border": 1, "text_wrap": True, "valign": "top"},
    "number": {"border": 1, "align": "center", "valign": "top"},
    "code": {"border": 1, "font_size": 9, "font_color": "#808080", "valign": "top"},
    "good": {"bold": True, "font_size": 12, "bg_color": GOOD_FILL, "font_color": GOOD_FONT, "text_wrap": True,
             "valign": "vcenter"},
    "bad": {"border": 1, "text_wrap": True, "bg_color": BAD_FILL, "font_color": BAD_FONT, "valign": "top"},
    "error": {"border": 1, "bold": True, "font_color": ERROR_FONT, "align": "center", "valign": "top"},
    "warning": {"border": 1, "bold": True, "font_color": WARNING_FONT, "align": "center", "valign": "top"},
}


# ---------------------------------------------------------------- measures (schemas.text_width only)

def header_lines(header: str) -> list[str]:
    """A header as printed: its own line breaks, and a bracketed unit on a line of its own."""
    return [part for line in header.split("\n") for part in line.replace("（", "\n（").split("\n") if part] or [""]


def fit_width(header: str, texts: Iterable[str | None] = (), *, narrowest: float = NARROWEST,
              widest: float = WIDEST, padding: float = 2.0) -> float:
    """A column wide enough for its longest text and its header, plus `padding`, within bounds.

    A header up to HEADER_ONE_LINE units stays on one line. Excel breaks a wrapped header where the width ends
    (not before its bracketed unit), and fonts differ a little from excel_width, so a longer header gets 0.6
    of its width (two lines, the second well filled), and a column whose header would only just not fit
    is widened to the whole header: no character is left alone on a header's last line."""
    whole = max(excel_width(line) for line in header.split("\n"))
    need = whole if whole <= HEADER_ONE_LINE else 0.6 * whole
    longest = max([excel_width(line) for t in texts if t for line in str(t).split("\n")] + [0.0])
    width = max(need, longest, narrowest) + padding
    if 0.7 * whole < width - 1 < whole:       # excel_lines counts width - 1 usable
        width = whole + padding
    return float(min(width, widest))


def _wrapped_width(line: str, lines: int) -> float:
    """The narrowest width (units, without padding) at which `line`, broken between characters, takes `lines`
    lines or fewer: the longest of its pieces when broken greedily at that width."""
    widths = [excel_width(ch) for ch in line]
    candidates = sorted({sum(widths[i:j]) for i in range(len(widths)) for j in range(i + 1, len(widths) + 1)})
    for w in candidates:
        count, used = 1, 0.0
        for cw in widths:
            if used + cw > w + 1e-9:
                count, used = count + 1, 0.0
            used += cw
        if count <= lines:
            return w
    return candidates[-1] if candidates else 0.0


def header_stops(header: str, padding: float = 2.0, max_lines: int = MAX_HEADER_LINES) -> tuple[float, ...]:
    """The widths at which `header` takes no more than `max_lines` lines, each of its header_lines broken evenly
    into 1, 2, … lines: where a column that does not wrap its values may stop when the sheet must be narrower
    (print_rules). A header with a bracketed unit keeps each part on its own line(s)."""
    parts = header_lines(header)
    return tuple(sorted({max(_wrapped_width(line, k) for line in parts) + padding
                         for k in range(1, max(1, max_lines // len(parts)) + 1)}, reverse=True))


TEXT_NARROWEST = 4 * 1.7 + 2.0   # a wrapped text column narrowed to no fewer than 4 CJK characters a line


def print_column(header: str, texts: Iterable[str | None], natural: float, *, wraps: bool,
                 padding: float = 2.0) -> Column:
    """A column of width `natural` (fit_width) as tasks/print_rules.py narrows it: a wrapped text down to
    TEXT_NARROWEST (or its header's last stop), a value that does not wrap (a number, a date) never below its
    longest text, its header at one of its stops."""
    stops = header_stops(header, padding)
    if wraps:
        return Column(natural, min(natural, max(TEXT_NARROWEST, stops[-1])), True)
    longest = max([excel_width(line) for t in texts if t for line in str(t).split("\n")] + [0.0]) + padding
    return Column(natural, min(natural, max(longest, stops[-1])), False, stops)


def lines_needed(cells: Iterable[tuple[object, float]]) -> int:
    """Lines the tallest of (text, column width) cells needs when wrapped."""
    return max([excel_lines(None if t is None else str(t), w) for t, w in cells] + [1])


def row_height(cells: Iterable[tuple[object, float]], *, min_lines: int = 1, font_size: float = FONT_SIZE) -> float | None:
    """Points for a row whose wrapped cells need several lines; None when one line (the default height) does."""
    lines = max(lines_needed(cells), min_lines)
    if lines <= 1:
        return None
    points = LINE_HEIGHT * font_size / FONT_SIZE * lines + ROW_PADDING
    return math.ceil(points / PIXEL - 1e-9) * PIXEL      # whole pixels, as Excel stores them, rounded up


def comment_box(text: str, width_px: int = 320) -> tuple[int, int]:
    """Pixels (width, height) of a cell comment that shows `text`: a comment's 9-point text takes about 9 pixels
    a width unit (20 CJK characters a line in the default 320)."""
    lines = excel_lines(text, width_px / 9)
    return width_px, min(640, 18 * lines + 24)


# ---------------------------------------------------------------- xlsxwriter

class Book:
    """An xlsxwriter workbook with the safe options and the base font, written into memory.

        book = Book(properties={"title": …})
        ws = book.add_worksheet("回执")
        ws.write_string(0, 0, "…", book.format("title"))
        data = book.close()        # bytes, for warehouse.atomic_write.write_bytes
    """

    def __init__(self, target: io.BytesIO | None = None, properties: dict | None = None):
        self.buffer = target if target is not None else io.BytesIO()
        # The Normal style stays xlsxwriter's (Calibri 11): Excel's column-width unit is the width of a digit in
        # that font, the unit excel_width was measured in. Every format below sets 10-point 宋体 itself.
        self.wb = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        if properties:
            self.wb.set_properties({"author": "srdi", **properties})
        self._formats: dict[tuple, object] = {}

    def format(self, name: str | None = None, **overrides):
        """The named format (STYLES) with `overrides`, in 10-point 宋体; the same one each time it is asked for."""
        props = {"font_name": FONT, "font_size": FONT_SIZE, **(STYLES[name] if name else {}), **overrides}
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def add_worksheet(self, name: str):
        return self.wb.add_worksheet(name)

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


def set_widths(ws, widths: Iterable[float], first: int = 0, formats: Iterable | None = None) -> None:
    formats = list(formats) if formats is not None else None
    for i, w in enumerate(widths):
        ws.set_column(first + i, first + i, w, formats[i] if formats else None)


def fit_row(ws, row: int, cells: Iterable[tuple[object, float]], *, min_lines: int = 1,
            font_size: float = FONT_SIZE) -> None:
    """Grow `row` to the lines its wrapped cells need (nothing when one line does)."""
    h = row_height(cells, min_lines=min_lines, font_size=font_size)
    if h:
        ws.set_row(row, h)


def _header_footer(left: str | None = None, center: str | None = None, right: str | None = None) -> str:
    font = f'&"{FONT}"&10'
    return "".join(f"&{pos}{font}{text}" for pos, text in (("L", left), ("C", center), ("R", right)) if text)


def page(ws, *, header_row: int | None, freeze: tuple[int, int] | None = None,
         print_area: tuple[int, int] | None = None, page_header: tuple[str, str] | None = None,
         footer_note: str | None = None, center: bool = False, plan: PrintPlan | None = None) -> None:
    """Print setup of a sheet: A4, `plan`'s orientation and scale (tasks/print_rules.py; without one: landscape, one
    page wide), `header_row` repeated on every page, frozen panes at `freeze` (first row, first column below/right
    of the split), page numbers in the footer (with `footer_note` on the left), `page_header` (left, right) at the
    top of each page. The page header and footer are 10 points, not scaled with the sheet in Excel (LibreOffice scales them: at the
    smallest fitted scale they still print at 8 points or more)."""
    if plan is None or plan.orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(A4)
    ws.set_margins(**MARGINS)
    if plan is None or plan.fit_width:
        ws.fit_to_pages(1, 0)
    else:                                   # blocks of columns at the smallest scale, the key columns on each
        ws.set_print_scale(plan.scale)
        ws.set_v_pagebreaks(list(plan.breaks))
        if plan.repeat_columns:
            ws.repeat_columns(0, plan.repeat_columns - 1)
    if center:
        ws.center_horizontally()
    if header_row is not None:
        ws.repeat_rows(header_row)
    if freeze is not None:
        ws.freeze_panes(*freeze)
    if print_area is not None:
        ws.print_area(0, 0, max(print_area[0], 0), print_area[1])
    fixed = {"scale_with_doc": False}
    if page_header is not None:
        ws.set_header(_header_footer(left=page_header[0], right=page_header[1]), fixed)
    ws.set_footer(_header_footer(left=footer_note, center=PAGE_NUMBERS), fixed)


# ---------------------------------------------------------------- openpyxl (the bureau's own workbook)

_THIN = Side(style="thin", color="A6A6A6")
PX_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def px_font(**kw) -> Font:
    """10-point 宋体, with `kw` (bold, color, size, underline)."""
    return Font(**{"name": FONT, "size": FONT_SIZE, **kw})


def px_fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour.lstrip("#"))


def px_header(cell, text: str) -> None:
    cell.value = text
    cell.font = px_font(bold=True)
    cell.fill = px_fill(HEADER_FILL)
    cell.border = PX_BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def px_widths(ws, widths: Iterable[float], first: int = 1) -> None:
    from openpyxl.utils import get_column_letter
    for i, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(first + i)].width = w


def px_fit_row(ws, row: int, cells: Iterable[tuple[object, float]], *, min_lines: int = 1) -> None:
    """`row` is 1-based, as openpyxl counts."""
    h = row_height(cells, min_lines=min_lines)
    if h:
        ws.row_dimensions[row].height = h


def px_fit_a4(ws) -> None:
    """A4 landscape, one page wide (the part of the print setup a bureau's own sheet gets)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def px_page(ws, *, header_row: int | None, freeze: str | None = None, print_area: str | None = None) -> None:
    """The openpyxl twin of `page`: rows are 1-based, `freeze` a cell ("A6"), `print_area` a range."""
    px_fit_a4(ws)
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
    if freeze is not None:
        ws.freeze_panes = freeze
    if print_area is not None:
        ws.print_area = print_area
    ws.oddFooter.center.text = PAGE_NUMBERS
    ws.oddFooter.center.font = f"{FONT},Regular"
    ws.oddFooter.center.size = 9
