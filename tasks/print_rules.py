"""How a worksheet srdi writes prints: the paper, the margins, the orientation rule and the smallest printed font, in one
place; every sheet of every meeting pack goes through `plan` (tasks/rollup/pack.py), and tasks/xlsx_layout.py `page`
applies the plan to the sheet.

The rules (issue #22: leaders read the packs on paper):

* A4, margins MARGINS, the page numbers in the footer at 10 pt (scaleWithDoc off; LibreOffice scales it anyway, and
  at the smallest scale below it still prints at 8 pt or more);
* portrait when the columns fit a portrait page at 100 %, else landscape ("landscape iff wide");
* one page wide (fitToWidth=1, fitToHeight=0), as long as the scale that gives is at least MIN_PT / the sheet's
  smallest font (8 pt of 10-point 宋体: 80 %) plus SLACK_PCT (82 %: 8.2 pt);
* where it is not, the sheet is made narrower before it is shrunk further: the widest columns give way first,
  down to a common cap (their text wraps onto more lines; the caller measures the rows again at the new widths),
  a numeric or date column never below its longest value, a header never on more than MAX_HEADER_LINES lines;
* where even that is too wide (never in the demo: 22 counts side by side fit), the sheet prints at that scale
  (82 %), set rather than fitted, in blocks of columns, the key column(s) repeated on each block, a page break
  between blocks (fitToWidth is then off: the guarantee is the font, not one page).

No library plans this (xlsxwriter and openpyxl write what they are told; the renderers only shrink), so it is ours.

The scale is the one Excel and LibreOffice apply for "fit to one page wide": the page's printable width divided by
the sum of the column widths in points, in whole percent rounded down, never above 100 %. A column width w (Excel's
unit, as given to xlsxwriter) is int(7w + 0.5) + 5 pixels (the digit width of the workbook's Normal font, Calibri
11, is 7 pixels; xlsxwriter's own conversion) and a pixel is 0.75 pt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

A4 = 9                          # paper size code (Excel, xlsxwriter and openpyxl alike)
PAPER_PT = (595.28, 841.89)     # A4, 210 × 297 mm, in points (portrait width, height)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}   # inches
PAGE_NUMBERS = "第 &P 页，共 &N 页"
MIN_PT = 8.0                    # no printed text smaller than this (issue #22)
SLACK_PCT = 2                   # a fitted sheet prints at least this many percent above the smallest scale: a renderer
                                # whose column widths differ from Excel's by a pixel a column still prints ≥ MIN_PT
WIDER = 1.08                    # LibreOffice lays the same columns out about 6 % wider than Excel's formula below
                                # (measured on the demo's packs with Carlito for Calibri): a sheet is planned so that
                                # it still prints at MIN_PT when a renderer fits it that much wider
MAX_HEADER_LINES = 3            # a header narrowed no further than this many lines
PIXELS_PER_UNIT, PADDING_PX, PT_PER_PX = 7, 5, 0.75


def column_points(width: float) -> float:
    """Points a column of `width` (Excel's unit, as set_column takes it) takes on the page at 100 %."""
    pixels = int(width * PIXELS_PER_UNIT + 0.5) + PADDING_PX if width >= 1 else int(width * 12 + 0.5)
    return pixels * PT_PER_PX


def printable_width(orientation: str) -> float:
    """Points between the left and right margins of an A4 page."""
    paper = PAPER_PT[1] if orientation == "landscape" else PAPER_PT[0]
    return paper - (MARGINS["left"] + MARGINS["right"]) * 72


def fit_scale(total_points: float, orientation: str) -> int:
    """The percent Excel / LibreOffice print a sheet `total_points` wide at when it is fitted to one page wide."""
    return min(100, math.floor(100 * printable_width(orientation) / total_points)) if total_points else 100


def smallest_scale(smallest_font: float) -> int:
    """The smallest percent at which text of `smallest_font` points still prints at MIN_PT or more."""
    return math.ceil(100 * MIN_PT / smallest_font - 1e-9)


@dataclass(frozen=True)
class Column:
    """A column as the print plan sees it. `natural`: the width that shows its longest line unwrapped (fit_width);
    `narrowest`: below it the column cannot go (a number's longest value; a header on MAX_HEADER_LINES lines);
    `stops`: for a column that does not wrap its values, the widths at which its header wraps evenly (no
    lone character on a line); `wraps`: its values wrap, so any width from `narrowest` to `natural` will do."""
    natural: float
    narrowest: float
    wraps: bool = True
    stops: tuple[float, ...] = ()

    def at(self, cap: float) -> float:
        """Its width when no column may be wider than `cap`."""
        if self.natural <= cap:
            return self.natural
        if self.wraps:
            return max(self.narrowest, cap)
        return max([self.narrowest] + [s for s in self.stops if s <= cap])


@dataclass(frozen=True)
class PrintPlan:
    orientation: str                # portrait | landscape
    widths: tuple[float, ...]       # the columns' widths (narrowed where the sheet was too wide)
    scale: int                      # the percent the sheet prints at
    fit_width: bool                 # fitted to one page wide (else: fixed scale, blocks of columns)
    smallest_font: float
    breaks: tuple[int, ...] = ()    # columns that start a new printed block (fit_width False)
    repeat_columns: int = 0         # the first columns printed again on every block
    narrowed: bool = False

    @property
    def smallest_printed(self) -> float:
        """The smallest font size on paper, in points."""
        return self.scale / 100 * self.smallest_font


def total_points(widths) -> float:
    return sum(column_points(w) for w in widths)


def plan(columns: list[Column], smallest_font: float, key_columns: int = 1) -> PrintPlan:
    """How a sheet of `columns` prints, its smallest font `smallest_font` points (module docstring)."""
    natural = tuple(c.natural for c in columns)
    total = total_points(natural)
    if total <= printable_width("portrait"):
        return PrintPlan("portrait", natural, 100, True, smallest_font)
    least = smallest_scale(smallest_font) + SLACK_PCT

    def fits(points: float) -> bool:        # fitted one page wide, at `least` or more in Excel and in LibreOffice
        return fit_scale(points * WIDER, "landscape") >= least

    if fits(total):
        return PrintPlan("landscape", natural, fit_scale(total, "landscape"), True, smallest_font)
    narrowest = tuple(c.at(0.0) for c in columns)
    if fits(total_points(narrowest)):
        lo, hi = 0.0, max(natural)          # the largest common cap at which the sheet still prints at `least`
        for _ in range(40):
            mid = (lo + hi) / 2
            if fits(total_points(c.at(mid) for c in columns)):
                lo = mid
            else:
                hi = mid
        widths = tuple(c.at(lo) for c in columns)
        return PrintPlan("landscape", widths, fit_scale(total_points(widths), "landscape"), True, smallest_font,
                         narrowed=True)
    # blocks: at that scale (set, not computed by the renderer), the key columns and then as many others as the page holds, block by block
    room = printable_width("landscape") * 100 / least / WIDER - total_points(narrowest[:key_columns])
    breaks, used = [], 0.0
    for i in range(key_columns, len(columns)):
        need = column_points(narrowest[i])
        if used and used + need > room:
            breaks.append(i)
            used = 0.0
        used += need
    return PrintPlan("landscape", narrowest, least, False, smallest_font, tuple(breaks), key_columns, narrowed=True)
