"""How wide text is, in the three places srdi lays text out. One function for each; nothing else measures text.

* terminal_width: columns in a terminal (`srdi query` tables, the CLI's aligned lists). East Asian wide and
  full-width characters take two columns; everything else one.
* excel_width: Excel's column-width unit for 10-point 宋体, the font of every workbook srdi writes (packs,
  receipts, error lists, annotated copies, templates). A CJK character needs about 1.7 units, measured on
  LibreOffice renders; ambiguous-width punctuation such as “” is drawn wide by CJK fonts and counts the same.
* em_width: ems of a CJK font (仿宋, 宋体) at any size, for the meeting brief's tables (.docx): a CJK character
  (and “”) is one em, a Latin letter or digit half of one.
"""
from __future__ import annotations

import functools
import math
import unicodedata

EXCEL_CJK_UNITS = 1.7


def terminal_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@functools.cache
def _excel_units(ch: str) -> float:
    return EXCEL_CJK_UNITS if unicodedata.east_asian_width(ch) in "WFA" else 1.0


def excel_width(text: str) -> float:
    # the same sum, character by character, in the same order; an ASCII text's is its length (a pack measures about
    # 30,000 texts)
    return float(len(text)) if text.isascii() else sum(map(_excel_units, text))


def excel_lines(text: str | None, column_width: float) -> int:
    """Lines a wrapped cell of `column_width` units needs for `text` (Excel does not grow rows on open)."""
    if not text:
        return 1
    usable = max(column_width - 1, 4)
    return sum(max(1, math.ceil(excel_width(part) / usable)) for part in str(text).split("\n"))


def em_width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)
