"""The demo's meeting packs print (issue #22 item 2): every sheet of the quarterly, half-year and annual packs on A4,
landscape exactly where it is wide, its header row repeated on every page, fitted to one page wide, and no text on
paper under 8 pt — computed here from what the file says (column widths, margins, fonts), as Excel and LibreOffice
compute the fit-to-width scale, not from tasks/print_rules.py.

The scale of a sheet fitted to one page wide: the printable width (A4 less the left and right margins) over the sum
of the column widths in points, in whole percent rounded down, at most 100 %. A column's width is stored in Excel's
unit (1/7 of a 7-pixel digit of the Normal font, Calibri 11); a pixel is 0.75 pt.

Hand check, 专班比较 of the 2022Q3 pack (22 columns; #22 saw it at about 5 pt): its stored widths are 9.57 (×2), 8.71
(×9), 6.14 (×9), 7.14 and 7.86, i.e. 67, 61, 43, 50 and 55 pixels: 2×67 + 9×61 + 9×43 + 50 + 55 = 1175 px = 881.25 pt.
A4 landscape is 841.89 pt wide, less 0.4 + 0.4 inch margins (57.6 pt): 784.29 pt. 784.29 / 881.25 = 0.88996 → 88 %,
so its 10-point text prints at 8.8 pt (≥ 8). At its measured widths before #22 (207 units, about 1088 pt) it printed
at 72 %, 7.2 pt.

A test converts each pack to PDF with LibreOffice and reads every printed character's size (pdfminer.six, a test
dependency); it runs where `soffice` is installed (.ci/run installs it with Carlito, Calibri's metric twin) and is
skipped elsewhere. LibreOffice lays the columns out about 6 % wider than Excel and scales the footer with the sheet,
which is why the rules plan for 8 % wider columns (tasks/print_rules.py WIDER) and print the footer at 10 pt.
"""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import build_demo

A4_PT = (595.28, 841.89)
MIN_PT = 8.0
PACKS = {"quarterly": "2022Q3/季调度_2022Q3.xlsx", "quarterly Q2": "2022Q2/季调度_2022Q2.xlsx",
         "midyear": "2022H1/半年例会_2022H1.xlsx", "annual": "2022/年度总结_2022.xlsx"}


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    home = build_demo(tmp_path_factory)
    return {kind: home.reports / rel for kind, rel in PACKS.items()}


def column_points(ws) -> list[float]:
    """Each used column's width on paper at 100 %, in points. openpyxl keys a <col min max> range by its first column
    only, so every range is spread over its columns; a column without one has Excel's default (64 px)."""
    pixels = [64] * ws.max_column
    for dim in ws.column_dimensions.values():
        if dim.customWidth and dim.width:
            for i in range(dim.min, min(dim.max, ws.max_column) + 1):
                pixels[i - 1] = round(dim.width * 7)
    return [p * 0.75 for p in pixels]


def printable(ws, orientation: str) -> float:
    paper = A4_PT[1] if orientation == "landscape" else A4_PT[0]
    return paper - (ws.page_margins.left + ws.page_margins.right) * 72


def smallest_font(ws) -> float:
    return min(c.font.sz for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.mark.parametrize("kind", list(PACKS))
def test_every_sheet_prints_on_a4_one_page_wide_at_8pt_or_more(packs, kind):
    wb = openpyxl.load_workbook(packs[kind])
    title = wb["概要"]["A1"].value
    assert title.startswith("蛟河市“专精特新”中小企业")
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert str(setup.paperSize) == "9", ws.title                                    # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(setup.fitToWidth if setup.fitToWidth is not None else 1) == 1, ws.title   # 1 is the default
        assert int(setup.fitToHeight) == 0, ws.title                                    # as many pages down as needed
        assert ws.print_title_rows == "$3:$3", ws.title                                 # the header row on every page
        total = sum(column_points(ws))
        wide = total > printable(ws, "portrait")
        assert setup.orientation == ("landscape" if wide else "portrait"), (ws.title, total)
        scale = min(100, math.floor(100 * printable(ws, setup.orientation) / total)) / 100
        assert scale * smallest_font(ws) >= MIN_PT, (ws.title, scale, smallest_font(ws))
        # the page header (the pack's title) and footer (the page numbers): 10 pt, not scaled in Excel
        assert ws.oddHeader.left.text == title and ws.oddHeader.left.size >= MIN_PT, ws.title
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.oddFooter.center.size >= MIN_PT, ws.title
        assert ws.HeaderFooter.scaleWithDoc is False, ws.title
        assert ws.page_margins.left > 0 and ws.page_margins.top > 0, ws.title


def test_the_wide_sheets_are_landscape_and_the_hand_checked_one_prints_at_88_percent(packs):
    wb = openpyxl.load_workbook(packs["quarterly"])
    ws = wb["专班比较"]
    assert ws.max_column == 22 and ws.page_setup.orientation == "landscape"
    assert sum(column_points(ws)) == pytest.approx(881.25)          # the hand check in the module's docstring
    # narrow sheets print portrait: 企业梯队 is 8 short columns (about 470 pt, under A4 portrait's 538)
    assert wb["企业梯队"].page_setup.orientation == "portrait"


# ---------------------------------------------------------------- on paper, where LibreOffice is installed

@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("kind", ["quarterly", "midyear", "annual"])
def test_the_pdf_of_each_pack_has_no_text_under_8pt(packs, kind, tmp_path):
    layout = pytest.importorskip("pdfminer.layout")
    from pdfminer.high_level import extract_pages
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(packs[kind])], check=True, capture_output=True, timeout=300)
    (pdf,) = tmp_path.glob("*.pdf")
    sizes = []
    for page in extract_pages(str(pdf)):
        stack = list(page)
        while stack:
            item = stack.pop()
            if isinstance(item, layout.LTChar) and item.get_text().strip():
                sizes.append(item.size)
                assert page.x0 <= item.x0 and item.x1 <= page.x1, (kind, item.get_text())
            elif isinstance(item, layout.LTContainer):
                stack.extend(item)
    assert sizes and min(sizes) >= MIN_PT - 0.05, (kind, min(sizes))
