"""Find the header in each sheet, recognise the form, and turn cell text into typed values.

Everything here is parse-first: a value that cannot be parsed becomes a Finding at its cell,
never a silent null. pandera then validates the typed frame (tasks/intake/validate.py).

What the clerk meant, not only what the cell says (issue #11):
  * a header recognised by meaning ("本期工作进展情况" → 本期进展) is taken with a warning naming the field;
  * total, subtotal and average rows (合计, 小计, 平均…, or formulas over the rows above) are skipped with a
    warning and never become an enterprise or a task;
  * a cell formatted as a percentage is read as the percentage the clerk sees (1 → 100 %);
  * every cell is read once per distinct text by schemas.values.read_cell: placeholders (无, /, —) are empty,
    units are read against the column's, dates in year columns give their year, control characters go;
    a reading that changes what the text says comes back as a warning 已按“…”理解 at its cell;
  * what was typed travels with the rows (ParsedForm.cells) into the warehouse (warehouse/cell_texts.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeGuard

import polars as pl

from schemas.findings import Finding, cells_text, col_letter, finding, phrase
from schemas.forms import ENTERPRISE as ENTERPRISE_FORM
from schemas.forms import FORMS, FORMS_BY_NAME, SEQ_KEYS, TOTAL_LABEL, Field, Form, header_key
from schemas.reference import name_keys
from schemas.values import (CellReading, ParseError, RecognitionDate, plain_texts, read_cell, recognition_month_day,
                           strip_controls)
from tasks.intake.read import OWN_SHEETS, Merge, RawWorkbook, SheetGrid, letter_index

HEADER_SCAN_ROWS = 30
FOOTER_PREFIXES = ("备注", "注：", "注:", "说明", "填表说明", "填报人", "审核人", "联系人", "联系电话", "填报日期", "制表", "单位负责人")
NUMERIC_KINDS = ("int", "float", "pct")
CELL_COLUMNS = pl.Schema({"sheet": pl.Utf8, "excel_row": pl.Int32, "field": pl.Utf8, "raw_text": pl.Utf8, "understood_as": pl.Utf8})


@dataclass
class HeaderMatch:
    form: Form
    header_rows: tuple[int, ...]            # 0-based grid rows
    columns: dict[str, int]                  # field -> grid column
    labels: dict[str, str]                   # field -> the header text as written
    score: int
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (grid col, header text)
    duplicates: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ParsedForm:
    """One form's rows from one workbook, typed, with where each came from."""
    form: Form
    frame: pl.DataFrame                      # typed columns + _sheet, _row
    letters: dict[str, dict[str, str]]       # sheet -> field -> Excel column letter (the columns the sheet has)
    labels: dict[str, dict[str, str]]        # sheet -> field -> header text as written
    sheets: list[str]
    cells: pl.DataFrame | None = None        # what was typed in each fact cell: CELL_COLUMNS (warehouse/cell_texts.py)


@dataclass
class NormalisedWorkbook:
    forms: dict[str, ParsedForm]
    findings: list[Finding]


# ---------------------------------------------------------------- header detection

def _row_texts(grid: SheetGrid, r: int) -> list[str | None]:
    if r >= grid.frame.height:
        return [None] * grid.frame.width
    return [v if v is None else v.strip() or None for v in grid.frame.row(r)]


@lru_cache(maxsize=65536)
def _match(form_name: str, text: str) -> Field | None:
    return FORMS_BY_NAME[form_name].match(text)


@lru_cache(maxsize=65536)
def _known(text: str) -> bool:
    return header_key(text) in SEQ_KEYS or any(f.match(text) for f in FORMS)


def _match_labels(form: Form, labels: list[str | None]) -> HeaderMatch:
    cols: dict[str, int] = {}
    written: dict[str, str] = {}
    unmatched, dups = [], []
    for c, label in enumerate(labels):
        if not label:
            continue
        label = strip_controls(label)[0]
        f = _match(form.name, label)
        if f is None:
            if header_key(label) not in SEQ_KEYS:
                unmatched.append((c, label))
            continue
        if f.name in cols:
            dups.append((c, label))
            continue
        cols[f.name] = c
        written[f.name] = "".join(label.split())
    score = len(cols) if any(k in cols for k in form.identifying) else 0
    return HeaderMatch(form, (), cols, written, score, unmatched, dups)


def _two_row_labels(top: list[str | None], sub: list[str | None], form: Form) -> list[str | None]:
    """Labels for a two-row header: a merged parent (its value only in its top-left cell) over children."""
    out: list[str | None] = []
    carry: str | None = None
    for c, (p, s) in enumerate(zip(top, sub)):
        if p is not None:
            carry = p
        elif s is None or c == 0 or sub[c - 1] is None:
            carry = None
        parent = p if p is not None else carry
        if s is None:
            out.append(parent)
            continue
        combined = (parent or "") + s
        if parent and _match(form.name, combined):
            out.append(combined)
        elif _match(form.name, s) or parent is None:
            out.append(s)
        else:
            out.append(parent)
    return out


def find_header(grid: SheetGrid) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    rows = min(HEADER_SCAN_ROWS, grid.frame.height)
    texts = [_row_texts(grid, r) for r in range(min(rows + 1, grid.frame.height))]
    known = [sum(1 for v in t if v and _known(v)) for t in texts] + [0]
    blank: list[str | None] = [None] * grid.frame.width
    for r in range(rows):
        top = texts[r]
        if known[r] + known[r + 1] < 2 or sum(v is not None for v in top) < 2:
            continue   # a title row, or rows without two known headers: no header starts here
        nxt = texts[r + 1] if r + 1 < len(texts) else blank
        for form in FORMS:
            cands: list[tuple[HeaderMatch, tuple[int, ...]]] = [(_match_labels(form, top), (r,))]
            if r + 1 < grid.frame.height and any(nxt):
                cands.append((_match_labels(form, _two_row_labels(top, nxt, form)), (r, r + 1)))
            for m, hdr in cands:
                if m.score < 2:
                    continue
                m.header_rows = hdr
                if best is None or m.score > best.score:
                    best = m
    return best


def _shown_header(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- sheets -> typed rows, batched
#
# Per sheet only the header is found and one select takes its rows; cleaning, filtering, parsing and
# (in tasks/validate.py) validation then run once over the rows of every sheet of a batch of files:
# polars and pandera cost a fixed amount per call, which per file would dwarf the reading itself.

@dataclass
class RawSheet:
    """One sheet's data rows of one form, still text: what the batched steps work on."""
    form: Form
    sheet: str
    frame: pl.DataFrame                 # field columns (text) + _row (Excel row) + _first (first non-empty cell)
    letters: dict[str, str]             # field -> Excel column letter
    labels: dict[str, str]              # field -> header as written
    errors: dict[tuple[int, str], str]  # (Excel row, field) -> formula error such as #DIV/0!
    grid: SheetGrid | None = None       # the sheet itself: a total row's label column, its formulas
    header_row: int = 0                 # Excel row of the header's last row
    fraction_pct: set[str] = field(default_factory=set)   # percent fields written as fractions (formats unknown)


def _percent_text(v: str) -> str:
    """A percent-formatted cell's value as the clerk sees it: 0.85 -> 85%."""
    try:
        d = Decimal(v.strip()) * 100
    except InvalidOperation:
        return v
    s = format(d.normalize(), "f")
    return (s.rstrip("0").rstrip(".") if "." in s else s) + "%"


def _as_number(v: str | None) -> float | None:
    try:
        return float(v.replace(",", "")) if v is not None else None
    except ValueError:
        return None


def _read_percent_formats(grid: SheetGrid, columns: dict[str, int], form: Form, start: int) -> tuple[SheetGrid, set[str]]:
    """Percent columns read as the clerk sees them. With the workbook's number formats (xlsx; CSV/HTML carry the
    text itself) a percent-formatted cell becomes "85%"; without them (.xls, .ods) a column whose numbers all lie
    in 0–1, some strictly between, is a column of fractions (returned, so that its 1 is read as 100 %)."""
    fractions: set[str] = set()
    frame = grid.frame
    for name, c in columns.items():
        if form.field(name).kind != "pct":
            continue
        col = f"c{c}"
        if grid.cells.known:
            rows = grid.cells.percent_rows(grid.columns[c])
            if rows:
                values = frame[col].to_list()
                for r in rows:
                    if 0 < r <= len(values) and values[r - 1] is not None and r - 1 >= start:
                        values[r - 1] = _percent_text(values[r - 1])
                frame = frame.with_columns(pl.Series(col, values, dtype=pl.Utf8))
        else:
            read = [_as_number(v) for v in frame[col].to_list()[start:] if v is not None and v.strip()]
            numbers = [n for n in read if n is not None]
            if numbers and all(0 <= n <= 1 for n in numbers) and any(0 < n < 1 for n in numbers):
                fractions.add(name)
    if frame is not grid.frame:
        grid = SheetGrid(grid.name, frame, grid.columns, grid.errors, grid.cells)
    return grid, fractions


def extract_sheets(wb: RawWorkbook) -> tuple[list[RawSheet], list[Finding]]:
    findings: list[Finding] = []
    out: list[RawSheet] = []
    for name in wb.hidden_sheets:
        if name in OWN_SHEETS:
            continue
        findings.append(finding("sheet.hidden", sheet=name).at(name))
    for grid in wb.sheets:
        if grid.name in OWN_SHEETS:   # srdi's own sheets in a resubmitted annotated copy: not the bureau's data
            continue
        if grid.frame.height == 0 or grid.frame.width == 0:
            continue
        hm = find_header(grid)
        if hm is None:
            findings.append(finding("sheet.unrecognised", sheet=grid.name).at(grid.name))
            continue
        header_row = hm.header_rows[-1] + 1
        for c, text in hm.unmatched:
            f = hm.form.by_meaning(text)
            letter = grid.columns[c]
            if f is not None and f.name not in hm.columns:
                hm.columns[f.name] = c
                hm.labels[f.name] = "".join(text.split())
                findings.append(finding("header.by_meaning", letter=letter, header=_shown_header(text), label=f.label)
                                .at(grid.name, header_row, letter, _shown_header(text)))
                continue
            findings.append(finding("header.unknown", letter=letter, header=_shown_header(text))
                            .at(grid.name, header_row, letter, _shown_header(text)))
        for c, text in hm.duplicates:
            findings.append(finding("header.duplicate", header=_shown_header(text))
                            .at(grid.name, header_row, grid.columns[c], text))
        for year, level in YEAR_OF_LEVEL.items():   # a recognition year dates a level: alone it says nothing
            if hm.form.name == "enterprise" and year in hm.columns and level not in hm.columns:
                letter, text = grid.columns[hm.columns.pop(year)], hm.labels.pop(year)
                label = hm.form.field(level).label
                findings.append(finding("recognition_year.no_level", "column", letter=letter, header=text, label=label)
                                .at(grid.name, header_row, letter, text))
        merges = grid.cells.merges()
        if merges:   # issue 19, finding 7: a merge never hides a column or a value without a word
            _merged_header(grid, hm, merges, findings)
            grid = _merged_data(grid, hm, merges, findings)
        _headerless_columns(grid, hm, merges, findings)
        for f in hm.form.fields:
            if f.required and f.name not in hm.columns:
                findings.append(finding("header.missing", sheet=grid.name, label=f.label)
                                .at(grid.name, header_row, None, f.label))
        start = hm.header_rows[-1] + 1
        grid, fractions = _read_percent_formats(grid, hm.columns, hm.form, start)
        body = grid.frame.slice(start)
        frame = body.select(
            *[pl.col(f"c{c}").alias(n) for n, c in hm.columns.items()],
            pl.int_range(start + 1, start + 1 + body.height, dtype=pl.Int64).alias("_row"),
            pl.coalesce(pl.all()).str.strip_chars().alias("_first"),
        )
        fields = {c: n for n, c in hm.columns.items()}
        errors = {(r0 + 1, fields[c]): text for (r0, c), text in grid.errors.items() if c in fields and r0 >= start}
        out.append(RawSheet(hm.form, grid.name, frame, {n: grid.columns[c] for n, c in hm.columns.items()},
                            hm.labels, errors, grid, header_row, fractions))
    return out, findings


# ---------------------------------------------------------------- merged cells (issue 19, finding 7)
#
# Excel keeps a merged range's value in its top-left cell only; the other cells read as empty.
# * In the header, a label merged across several columns (本期进展 over G3:H3) leaves the columns after the first
#   without a header of their own. Such a column that holds nothing is harmless. One that holds text would be
#   dropped: when the sheet is laid out as srdi's template (every recognised header in its template column) the
#   column is read as the template's field there, with a warning that says so (header.merged_read); otherwise
#   the file is rejected naming the range and the cells (header.merged): loading it without that column would
#   supersede the bureau's last report and lose, say, its problems for the city government.
# * Over data rows, a merge means "the same for these rows", as Annex 2 writes a unit that continues from above:
#   a text, a choice or a year is used for each row of the range; a number stays in the top-left row only (as
#   Excel's own SUM counts it once) and the other rows' cells are blank; columns merged into another column's
#   cell are blank. Each such merge is a warning naming the range (cell.merged). A merge in a column that
#   continues from above anyway (工作任务) says nothing new and is silent; so is a merge whose rows hold nothing
#   else (a heading row across the table, a note under it).

def _nonempty(v: str | None) -> TypeGuard[str]:
    return v is not None and bool(v.strip())


def _template_field(hm: HeaderMatch, grid: SheetGrid, col: int) -> Field | None:
    """The field srdi's template has at column index `col` (0-based), when the sheet keeps the template's layout:
    at least three recognised headers, each in its template column; else None."""
    order = [f.name for f in hm.form.template_fields]
    placed = {n: letter_index(grid.columns[c]) for n, c in hm.columns.items()}
    if len(placed) < 3 or any(n not in order or order.index(n) != i for n, i in placed.items()):
        return None
    if col >= len(order) or order[col] in hm.columns:
        return None
    return hm.form.field(order[col])


def _merged_header(grid: SheetGrid, hm: HeaderMatch, merges: list[Merge], findings: list[Finding]) -> None:
    """Columns a header merge leaves without a header of their own, that hold data: read by the template's layout
    (warning) or the file rejected (error), each naming the range and the cells."""
    first, last = hm.header_rows[0] + 1, hm.header_rows[-1] + 1       # Excel rows of the header
    frame_col = {letter_index(letter): c for c, letter in enumerate(grid.columns)}
    start = hm.header_rows[-1] + 1
    for m in merges:
        if m.last_row < first or m.first_row > last or m.first_col == m.last_col:
            continue
        anchor_c = frame_col.get(m.first_col)
        anchor = _shown_header(grid.frame[f"c{anchor_c}"][m.first_row - 1] or "") if anchor_c is not None else ""
        for col in range(m.first_col + 1, m.last_col + 1):
            c = frame_col.get(col)
            if c is None or c in hm.columns.values():
                continue
            values = grid.frame[f"c{c}"].to_list()[start:]
            filled = [f"{col_letter(col)}{start + 1 + i}" for i, v in enumerate(values) if _nonempty(v)]
            if not filled:
                continue
            letter = col_letter(col)
            cells = cells_text(filled)
            guess = _template_field(hm, grid, col)
            if guess is not None:
                hm.columns[guess.name] = c
                hm.labels[guess.name] = guess.label
                findings.append(finding("header.merged_read", ref=m.ref, anchor=anchor, letter=letter, cells=cells,
                                        label=guess.label, row=last).at(grid.name, last, letter, anchor or None))
                continue
            findings.append(finding("header.merged", ref=m.ref, anchor=anchor, letter=letter, cells=cells, row=last)
                            .at(grid.name, last, letter, anchor or None))


def _headerless_columns(grid: SheetGrid, hm: HeaderMatch, merges: list[Merge], findings: list[Finding]) -> None:
    """A column with data under an empty header cell is not read: said, with the cells (header.empty). This is
    what a merged header looks like in an .xls, whose merges the reader does not get; a column a header merge
    covers is told by _merged_header with its range instead."""
    covered = {k for m in merges if m.first_row <= hm.header_rows[-1] + 1 and m.last_row >= hm.header_rows[0] + 1
               for k in range(m.first_col + 1, m.last_col + 1)}
    start, last = hm.header_rows[-1] + 1, hm.header_rows[-1] + 1
    used = set(hm.columns.values()) | {c for c, _ in hm.unmatched} | {c for c, _ in hm.duplicates}
    for c, letter in enumerate(grid.columns):
        if c in used or letter_index(letter) in covered:
            continue
        if any(_nonempty(grid.frame[f"c{c}"][r]) for r in hm.header_rows):
            continue   # a header the sheet has (a sequence number, a parent label): not this rule's
        values = grid.frame[f"c{c}"].to_list()[start:]
        filled = [f"{letter}{start + 1 + i}" for i, v in enumerate(values) if _nonempty(v)]
        if not filled:
            continue
        findings.append(finding("header.empty", letter=letter, cells=cells_text(filled), row=last)
                        .at(grid.name, last, letter))


def _merged_data(grid: SheetGrid, hm: HeaderMatch, merges: list[Merge], findings: list[Finding]) -> SheetGrid:
    """Merges over data rows: values used for each row of the range (texts, choices, years) or kept in the top row
    (numbers), each merge told with its range. Returns the grid with the filled values."""
    last_header = hm.header_rows[-1] + 1
    frame_col = {letter_index(letter): c for c, letter in enumerate(grid.columns)}
    field_at = {c: n for n, c in hm.columns.items()}
    columns: dict[int, list] = {}
    height = grid.frame.height

    def col(c: int) -> list:
        if c not in columns:
            columns[c] = grid.frame[f"c{c}"].to_list()
        return columns[c]

    for m in sorted(merges, key=lambda m: (m.first_row, m.first_col)):
        if m.first_row <= last_header or m.first_row > height:
            continue
        inside = {frame_col[k] for k in range(m.first_col, m.last_col + 1) if k in frame_col}
        covered = [(k, field_at[frame_col[k]]) for k in range(m.first_col, m.last_col + 1)
                   if k in frame_col and frame_col[k] in field_at]
        if not covered:
            continue
        rows = range(m.first_row - 1, min(m.last_row, height))
        outside = [c for c in field_at if c not in inside]
        data_rows = [r for r in rows if any(_nonempty(col(c)[r]) for c in outside)]
        if not data_rows:
            continue   # a heading or a note across the table: not a data row
        anchor_c = frame_col.get(m.first_col)
        value = col(anchor_c)[m.first_row - 1] if anchor_c is not None else None
        anchor_field = field_at.get(anchor_c) if anchor_c is not None else None
        parts = []
        more = [r for r in data_rows if r != m.first_row - 1]
        span = (phrase("cell.merged", "rows", first=m.first_row, last=m.last_row) if m.last_row > m.first_row
                else phrase("cell.merged", "row", row=m.first_row))
        if anchor_field and more and _nonempty(value):
            f = hm.form.field(anchor_field)
            if f.kind in NUMERIC_KINDS:
                parts.append(phrase("cell.merged", "number", value=value.strip(), row=m.first_row, label=f.label,
                                    rows="、".join(str(r + 1) for r in more)))
            else:
                assert anchor_c is not None, "anchor_field is looked up only for a column of the frame"
                for r in more:
                    col(anchor_c)[r] = value
                if not f.fill_down:
                    parts.append(phrase("cell.merged", "used", value=_shown_header(value), span=span, label=f.label))
        blanks = [hm.form.field(n).label for k, n in covered if k != m.first_col]
        if blanks and any(_nonempty(col(c)[r]) for r in data_rows for c in [anchor_c] if c is not None):
            parts.append(phrase("cell.merged", "blank", labels="、".join(f"“{b}”" for b in blanks),
                                letter=col_letter(m.first_col)))
        if parts:
            label = hm.form.field(anchor_field).label if anchor_field else None
            findings.append(finding("cell.merged", ref=m.ref, parts="；".join(parts))
                            .at(grid.name, m.first_row, col_letter(m.first_col), label,
                                value.strip() if _nonempty(value) else None))
    if not columns:
        return grid
    frame = grid.frame.with_columns([pl.Series(f"c{c}", v, dtype=pl.Utf8) for c, v in columns.items()])
    return SheetGrid(grid.name, frame, grid.columns, grid.errors, grid.cells)


_FOOTER = "^(" + "|".join(re.escape(p) for p in FOOTER_PREFIXES) + ")"
_TOTAL_LABEL = re.compile(TOTAL_LABEL)


def _header_like(expr: pl.Expr) -> pl.Expr:
    """header_key() as a polars expression, on text that clean_text already normalised."""
    return expr.str.replace_all(r"[\s\"'“”‘’「」『』:：*＊]", "").str.replace_all(r"[(\[【<《].*?[)\]】>》]", "")


def _lookup(frame: pl.DataFrame, col: str, keys: pl.Series, outputs: dict[str, pl.Series]) -> pl.DataFrame:
    """Map `col` through a lookup table built from its distinct values: one join instead of a Python dict
    per value (polars' replace with a dict costs about a microsecond per entry)."""
    lut = pl.DataFrame({"_key": keys, **outputs})
    return frame.join(lut, left_on=col, right_on="_key", how="left", coalesce=True)


# what the 认定级别 column's text gives; the year it names is `_text_year` until it meets the 认定年份 column
# (_recognition_years)
_LEVEL_OUT = (("srdi_level", pl.Utf8, "srdi_level"), ("_text_year", pl.Int64, "srdi_level_year"),
              ("_text_month", pl.Int64, "srdi_level_month"), ("_text_day", pl.Int64, "srdi_level_day"),
              ("cultivating_level", pl.Utf8, "cultivating_level"), ("in_seed_pool", pl.Boolean, "in_seed_pool"))
_DTYPES = {"int": pl.Int64, "year": pl.Int64, "float": pl.Float64, "pct": pl.Float64}


_VALUE_KINDS = ("code", "int", "float", "year", "pct")   # kinds whose typed value is not simply the cleaned text


def _read_column(raw: pl.DataFrame, f: Field) -> tuple[pl.DataFrame, dict[str, CellReading]]:
    """Read every distinct text of field `f` once and put the readings back on the rows. The plain texts (nearly
    all of them: schemas.values.plain_texts) read as themselves, so only the others go through read_cell and a
    join; the rest is one expression. Afterwards `f.name` is the cleaned text (what filters and keys see),
    `_raw_<f>` the cell as read, `_shown_<f>` what the clerk saw where it differs from that, `_und_<f>` what a
    reading understood it as, `_val_<f>` the typed value for codes and numbers (for the 认定级别 column: the four
    level columns). Returns the readings worth a finding, by raw text."""
    n, rawc = f.name, pl.col(f"_raw_{f.name}")
    keys = raw[n].drop_nulls().unique()
    hard = keys.filter(~plain_texts(keys, f))
    readings = [read_cell(v, f) for v in hard.to_list()]
    raw = raw.rename({n: f"_raw_{n}"})
    dtype = _DTYPES.get(f.kind, pl.Utf8)
    if not readings:
        extra = [rawc.alias(n), pl.lit(None, pl.Utf8).alias(f"_shown_{n}"), pl.lit(None, pl.Utf8).alias(f"_und_{n}")]
        if f.kind in _VALUE_KINDS:
            extra.append(rawc.cast(dtype).alias(f"_val_{n}"))
        return raw.with_columns(extra), {}
    lut = {"_key": hard, "_hit": pl.Series([True] * len(readings)),
           "_text": pl.Series([r.text for r in readings], dtype=pl.Utf8),
           "_shown": pl.Series([r.shown for r in readings], dtype=pl.Utf8),
           "_und": pl.Series([r.understood for r in readings], dtype=pl.Utf8)}
    if f.kind == "level":
        for name, out_type, key in _LEVEL_OUT:
            lut[name] = pl.Series([r.value[key] if isinstance(r.value, dict) else None for r in readings], dtype=out_type)
    elif f.kind in _VALUE_KINDS:
        lut["_value"] = pl.Series([r.value for r in readings], dtype=dtype)
    raw = raw.join(pl.DataFrame(lut), left_on=f"_raw_{n}", right_on="_key", how="left", coalesce=True, maintain_order="left")
    hit = pl.col("_hit").fill_null(False)
    extra = [pl.when(hit).then(pl.col("_text")).otherwise(rawc).alias(n),
             pl.col("_shown").alias(f"_shown_{n}"), pl.col("_und").alias(f"_und_{n}")]
    if f.kind in _VALUE_KINDS:
        extra.append(pl.when(hit).then(pl.col("_value")).otherwise(rawc.cast(dtype, strict=False)).alias(f"_val_{n}"))
    raw = raw.with_columns(extra).drop([c for c in ("_hit", "_text", "_shown", "_und", "_value") if c in lut])
    worth = {k: r for k, r in zip(hard.to_list(), readings) if r.error or r.note or r.removed}
    return raw, worth


def _aggregates_above(formula: str, row: int, header_row: int) -> bool:
    """=SUM(L4:L14), =SUBTOTAL(9,L4:L14), =AVERAGE(…), =L4+L5+L6: a formula over data rows above its own."""
    if "!" in formula:
        return False
    refs = [(int(m.group(2)), int(m.group(4) or m.group(2)))
            for m in re.finditer(r"(?<![A-Za-z_\d.])\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?(?![\w(])", formula)]
    if not refs or any(max(a, b) >= row for a, b in refs):
        return False
    if any(a != b for a, b in refs):
        return True
    return len(refs) >= 2 and re.fullmatch(r"[\s$A-Z\d+()]*", formula) is not None


def _value_totals(frame: pl.DataFrame, numeric: list[str], candidates: set[int]) -> set[int]:
    """Candidate rows (no name or id) whose every figure is the sum or the average of the same column over the
    rows above (since the header, or since the last total): a total row whose formulas the file did not keep."""
    found: set[int] = set()
    rows = frame.select("_row", "_label_total", *[f"_val_{n}" for n in numeric]).iter_rows()
    since_all = {n: [0.0, 0] for n in numeric}
    since_last = {n: [0.0, 0] for n in numeric}
    for row, label_total, *values in rows:
        if row in candidates:
            present = [(n, v) for n, v in zip(numeric, values) if v is not None]
            ok = bool(present)
            for n, v in present:
                sums = (since_all[n], since_last[n])
                ok &= any(cnt >= 2 and (abs(v - s) <= 1e-6 * max(1.0, abs(s)) or abs(v - s / cnt) <= 1e-6 * max(1.0, abs(s)))
                          for s, cnt in sums)
            if ok:
                found.add(row)
                since_last = {n: [0.0, 0] for n in numeric}
                continue
        if label_total:
            since_last = {n: [0.0, 0] for n in numeric}
            continue
        for n, v in zip(numeric, values):
            if v is not None:
                since_all[n][0] += v
                since_all[n][1] += 1
                since_last[n][0] += v
                since_last[n][1] += 1
    return found


def _label_cell(sh: RawSheet, row: int, key: str | None, key_text: str | None) -> tuple[str | None, str | None]:
    """(column letter, text as written) of the cell that says a row is a total: the name or id cell, else the
    row's first non-empty cell."""
    grid = sh.grid if sh.grid is not None and 0 < row <= sh.grid.frame.height else None
    cells = grid.frame.row(row - 1) if grid is not None else ()
    if key and key_text and _TOTAL_LABEL.search(key_text):
        letter = sh.letters.get(key)
        c = grid.columns.index(letter) if grid is not None and cells and letter in grid.columns else None
        return letter, (cells[c].strip() if c is not None and cells[c] else key_text)
    for c, v in enumerate(cells):
        if v is not None and v.strip():
            assert grid is not None, "cells are read only from the sheet's grid"
            return grid.columns[c], v.strip()
    return None, key_text


def _find_totals(raw: pl.DataFrame, form: Form, names: list[str], key: str | None, sheets: list[RawSheet],
                 findings: list) -> pl.DataFrame:
    """Mark total rows (_total): by their label (合计, 小计, 平均… in the name or id column or the row's first cell),
    or, for a row without name or id, by formulas over the rows above (xlsx) or figures that sum the rows above."""
    label = pl.col("_first").str.contains(TOTAL_LABEL).fill_null(False)
    if key:
        label = label | pl.col(key).str.contains(TOTAL_LABEL).fill_null(False)
    raw = raw.with_columns(_label_total=label)
    numeric = [n for n in names if form.field(n).kind in NUMERIC_KINDS]
    totals: dict[tuple[int, int], tuple[str | None, str | None, str]] = {}   # (src, row) -> letter, text, how
    for src, row, key_text in raw.filter(pl.col("_label_total")).select("_src", "_row", key or "_first").iter_rows():
        letter, text = _label_cell(sheets[src], row, key, key_text)
        totals[(src, row)] = (letter, text, "label")
    if numeric:
        no_key = pl.col(key).is_null() if key else pl.lit(True)
        cand = raw.filter(~pl.col("_label_total") & no_key & pl.any_horizontal([pl.col(n).is_not_null() for n in numeric]))
        for (src,), part in (cand.partition_by("_src", as_dict=True).items() if cand.height else ()):
            sh = sheets[src]
            rows = set(part["_row"].to_list())
            formulas = sh.grid.cells.formulas(rows) if sh.grid is not None else {}
            for (row, letter), text in sorted(formulas.items()):
                if row in rows and (src, row) not in totals and _aggregates_above(text, row, sh.header_row):
                    totals[(src, row)] = (letter, "=" + text, "formula")
            rest = rows - {r for s, r in totals if s == src}
            if rest:
                mine = raw.filter(pl.col("_src") == src).sort("_row")
                for row in _value_totals(mine, numeric, rest):
                    totals[(src, row)] = (None, None, "values")
    key_label = form.field(key).label if key else phrase("row.total", "name")
    for (src, row), (letter, text, how) in sorted(totals.items()):
        sh = sheets[src]
        variant = "" if how == "label" else how   # label | formula | values
        findings.append((src, finding("row.total", variant, row=row, text=text, cell=f"{letter}{row}", key=key_label)
                         .at(sh.sheet, row, letter, None, text)))
    if not totals:
        return raw.with_columns(_total=pl.lit(False))
    marks = pl.DataFrame({"_src": [s for s, _ in totals], "_row": [r for _, r in totals]},
                         schema={"_src": pl.Int32, "_row": pl.Int64}).with_columns(_total=pl.lit(True))
    return raw.join(marks, on=["_src", "_row"], how="left", maintain_order="left").with_columns(pl.col("_total").fill_null(False))


def _cell_findings(raw: pl.DataFrame, f: Field, worth: dict[str, CellReading], sheets: list[RawSheet], findings: list) -> None:
    """Findings at the cells of kept rows whose text needed more than reading: an error, a note, controls."""
    if not worth:
        return
    n = f.name
    hits = raw.filter(pl.col(f"_raw_{n}").is_in(list(worth))).select(f"_raw_{n}", "_row", "_src")
    for value, row, src in hits.iter_rows():
        r, sh = worth[value], sheets[src]
        where = (sh.sheet, row, sh.letters.get(n), sh.labels.get(n, f.label), r.shown or None)
        if r.removed:
            findings.append((src, finding("cell.control_chars", codes="、".join(r.removed)).at(*where)))
        if r.error:
            findings.append((src, r.error.finding.at(*where)))
        elif r.note:
            findings.append((src, r.note.at(*where)))


def _fraction_percent(out: pl.DataFrame, sheets: list[RawSheet], findings: list) -> pl.DataFrame:
    """A percent column of fractions in a file without number formats (.xls, .ods): its 1 is 100 %."""
    for src, sh in enumerate(sheets):
        for n in sh.fraction_pct:
            if n not in out.columns:
                continue
            ones = (pl.col("_src") == src) & (pl.col(n) == 1.0)
            for row, shown in out.filter(ones).select("_row", pl.coalesce(f"_shown_{n}", f"_raw_{n}")).iter_rows():
                findings.append((src, finding("normalised.percent", "column", shown=shown)
                                 .at(sh.sheet, row, sh.letters.get(n), sh.labels.get(n), shown)))
            out = out.with_columns(pl.when(ones).then(100.0).otherwise(pl.col(n)).alias(n),
                                   pl.when(ones).then(pl.lit("100%")).otherwise(pl.col(f"_und_{n}")).alias(f"_und_{n}"))
    return out


def type_sheets(sheets: list[RawSheet]) -> tuple[dict[str, pl.DataFrame], list[tuple[int, Finding]], dict[str, pl.DataFrame]]:
    """Clean, filter and parse the rows of many sheets at once. Typed frames carry _src (the sheet's index
    in `sheets`), _sheet and _row; each finding comes with the index of its sheet; the cells frames hold
    what was typed in each fact cell of the typed rows (CELL_COLUMNS + _src)."""
    findings: list[tuple[int, Finding]] = []
    typed: dict[str, pl.DataFrame] = {}
    cells: dict[str, pl.DataFrame] = {}
    for form in FORMS:
        idxs = [i for i, s in enumerate(sheets) if s.form.name == form.name]
        if not idxs:
            continue
        raw = pl.concat([sheets[i].frame.with_columns(_src=pl.lit(i, pl.Int32)) for i in idxs], how="diagonal_relaxed")
        names = [f.name for f in form.fields if f.name in raw.columns]
        worth: dict[str, dict[str, CellReading]] = {}
        for n in names:   # the rows stay in sheet and row order (joins keep the left order)
            raw, worth[n] = _read_column(raw, form.field(n))
        keep = pl.any_horizontal([pl.col(n).is_not_null() for n in names]) if names else pl.lit(False)
        keep = keep & ~pl.col("_first").str.contains(_FOOTER).fill_null(False)   # 备注：… rows
        key = next((n for n in (form.row_key, *form.identifying) if n in names), None)
        if key:   # a header repeated further down (printed page breaks) is not data
            keep = keep & ~_header_like(pl.col(key)).is_in(list(form.field(key).keys)).fill_null(False)
        raw = _find_totals(raw.filter(keep), form, names, key, sheets, findings)
        raw = raw.filter(~pl.col("_total")).drop("_first", "_total", "_label_total")
        fill = [c for f in form.fields if f.fill_down and f.name in names for c in (f.name, f"_val_{f.name}") if c in raw.columns]
        if fill:   # a merged cell spanning rows holds its value only in its top-left cell
            raw = raw.with_columns([pl.col(c).forward_fill().over("_src") for c in fill])
        for i in idxs:
            if sheets[i].errors:
                rows = set(raw.filter(pl.col("_src") == i)["_row"].to_list())
                sh = sheets[i]
                for (row, name), text in sorted(sh.errors.items()):
                    if row in rows:
                        findings.append((i, finding("cell.formula_error", text=text)
                                         .at(sh.sheet, row, sh.letters.get(name), sh.labels.get(name), text)))
        for n in names:
            _cell_findings(raw, form.field(n), worth[n], sheets, findings)
        out = raw.with_columns([pl.col(f"_val_{n}").alias(n) for n in names if f"_val_{n}" in raw.columns])
        out = _fraction_percent(out, sheets, findings)
        if form.name == "enterprise":
            out = _recognition_years(out, sheets, findings)
        cells[form.name] = _cells(out, names)
        out = out.drop([c for c in out.columns if c.startswith(("_raw_", "_shown_", "_und_", "_val_"))])
        out = _complete(out, form)
        if form.name == "enterprise":   # the name as typed, matched by its key (docs/rollups.md rule 7a)
            out = out.with_columns(name_keys(out["enterprise_name"]))
        sheet_names = pl.DataFrame({"_src": pl.Series(idxs, dtype=pl.Int32), "_sheet": [sheets[i].sheet for i in idxs]})
        typed[form.name] = out.join(sheet_names, on="_src", how="left").sort("_src", "_row")
        cells[form.name] = cells[form.name].join(sheet_names.rename({"_sheet": "sheet"}), on="_src", how="left")
    return typed, findings, cells


YEAR_OF_LEVEL = {"srdi_level_year": "srdi_level_text", "tech_center_year": "tech_center_level"}


def _shown(out: pl.DataFrame, n: str) -> pl.Expr:
    """A cell as the clerk saw it (null when the sheet has no such column)."""
    if f"_raw_{n}" not in out.columns:
        return pl.lit(None, pl.Utf8)
    return pl.coalesce(f"_shown_{n}", f"_raw_{n}")


def _recognition_years(out: pl.DataFrame, sheets: list[RawSheet], findings: list) -> pl.DataFrame:
    """The year of each recognition (#14): 认定年份 dates the level of 认定级别, 技术中心认定年份 the centre.
    * The 认定级别 text may name a year too ("2021年已认定省级"). When only one of them gives a year, that one is
      used; when both do and differ, the text's (it names the level it dates, whereas the year column may still
      hold the year of an earlier level: templates prefill it), with a warning at the 认定年份 cell.
    * A year for a level the row does not have (认定级别 empty or only a seed; no 技术中心) dates nothing: it is
      not used, with a warning at its cell.
    `_year_in_text` marks the rows whose 认定年份 came from the text, so a range error points at the text's cell.
    A month or a day written with the year (2022年3月认定吉林市级; 认定年份 2022-03-15 or a date cell, issue 19) goes
    to srdi_level_month/_day and tech_center_month/_day: from the text when it names the year, else from the column
    (and from the column too when it names the text's year more precisely)."""
    cols = out.columns
    text_year = pl.col("_text_year") if "_text_year" in cols else pl.lit(None, pl.Int64)
    text_month = pl.col("_text_month") if "_text_month" in cols else pl.lit(None, pl.Int64)
    text_day = pl.col("_text_day") if "_text_day" in cols else pl.lit(None, pl.Int64)
    srdi_col = pl.col("srdi_level_year") if "srdi_level_year" in cols else pl.lit(None, pl.Int64)
    level = pl.col("srdi_level") if "srdi_level" in cols else pl.lit(None, pl.Utf8)
    centre = pl.col("tech_center_level") if "tech_center_level" in cols else pl.lit(None, pl.Utf8)
    centre_year = pl.col("tech_center_year") if "tech_center_year" in cols else pl.lit(None, pl.Int64)
    col_month, col_day = _month_day(out, "srdi_level_year")
    centre_month, centre_day = _month_day(out, "tech_center_year")
    marks = out.select(
        "_src", "_row", text_year.alias("_ty"), srdi_col.alias("_cy"), centre_year.alias("_tcy"),
        text_month.alias("_tm"), text_day.alias("_td"), col_month.alias("_cm"), col_day.alias("_cd"),
        centre_month.alias("_tcm"), centre_day.alias("_tcd"),
        (srdi_col.is_not_null() & text_year.is_not_null()
         & ((srdi_col != text_year) | (text_month.is_not_null() & col_month.is_not_null() & (text_month != col_month))
            | (text_day.is_not_null() & col_day.is_not_null() & (text_day != col_day)))).alias("_conflict"),
        (srdi_col.is_not_null() & text_year.is_null() & (level.is_null() | (level == "种子"))).alias("_orphan"),
        (centre_year.is_not_null() & centre.is_null()).alias("_centre_orphan"),
        _shown(out, "srdi_level_year").alias("_ys"), _shown(out, "srdi_level_text").alias("_ls"),
        _shown(out, "tech_center_year").alias("_tys"))
    hits = marks.filter(pl.col("_conflict") | pl.col("_orphan") | pl.col("_centre_orphan"))
    for r in hits.iter_rows(named=True):
        sh = sheets[r["_src"]]

        def at(n: str, sh=sh, r=r) -> tuple[str, int, str | None, str]:   # sheet, row, letter and label of field n in this row's sheet
            return sh.sheet, r["_row"], sh.letters.get(n), sh.labels.get(n, ENTERPRISE_FORM.field(n).label)

        if r["_conflict"]:
            findings.append((r["_src"], finding(
                "recognition_year.conflict", "date" if r["_tm"] else "", shown=r["_ys"], level_text=r["_ls"],
                date=_date_text(r["_ty"], r["_tm"], r["_td"])).at(*at("srdi_level_year"), r["_ys"])))
        if r["_orphan"]:
            blank = phrase("recognition_year.no_level", "blank")
            findings.append((r["_src"], finding("recognition_year.no_level", shown=r["_ys"], level_text=r["_ls"] or blank)
                             .at(*at("srdi_level_year"), r["_ys"])))
        if r["_centre_orphan"]:
            findings.append((r["_src"], finding("recognition_year.no_level", "centre", shown=r["_tys"])
                             .at(*at("tech_center_year"), r["_tys"])))
    srdi_year = pl.when(marks["_orphan"]).then(None).otherwise(pl.coalesce(marks["_ty"], marks["_cy"]))
    in_text, same_year = marks["_ty"].is_not_null(), marks["_ty"] == marks["_cy"]
    srdi_month = (pl.when(marks["_orphan"]).then(None)
                  .when(in_text).then(pl.coalesce(marks["_tm"], pl.when(same_year).then(marks["_cm"])))
                  .otherwise(marks["_cm"]))
    srdi_day = (pl.when(marks["_orphan"]).then(None)
                .when(in_text & marks["_tm"].is_not_null()).then(marks["_td"])
                .when(in_text).then(pl.when(same_year).then(marks["_cd"]))
                .otherwise(marks["_cd"]))
    return out.with_columns(
        srdi_year.cast(pl.Int64).alias("srdi_level_year"),
        srdi_month.cast(pl.Int64).alias("srdi_level_month"), srdi_day.cast(pl.Int64).alias("srdi_level_day"),
        pl.when(marks["_centre_orphan"]).then(None).otherwise(marks["_tcy"]).cast(pl.Int64).alias("tech_center_year"),
        pl.when(marks["_centre_orphan"] | marks["_tcy"].is_null()).then(None).otherwise(marks["_tcm"])
        .cast(pl.Int64).alias("tech_center_month"),
        pl.when(marks["_centre_orphan"] | marks["_tcy"].is_null()).then(None).otherwise(marks["_tcd"])
        .cast(pl.Int64).alias("tech_center_day"),
        in_text.alias("_year_in_text"),
    ).drop([c for c in ("_text_year", "_text_month", "_text_day") if c in cols])


def _date_text(year: int | None, month: int | None, day: int | None) -> str:
    return RecognitionDate(year, month, day).text if year else ""


def _month_day(out: pl.DataFrame, n: str) -> tuple[pl.Expr, pl.Expr]:
    """The month and day the recognition-year cells of column `n` name (schemas.values.recognition_month_day; null
    when a cell names only a year, or cannot be read: that cell has its own finding)."""
    if f"_raw_{n}" not in out.columns:
        return pl.lit(None, pl.Int64), pl.lit(None, pl.Int64)
    shown = _shown(out, n)
    shown = pl.when(shown.str.contains(r"^\s*\d{4}(?:\.0+|年度?)?\s*$")).then(None).otherwise(shown)   # a year only
    def read(text: str | None) -> dict:
        try:
            when = recognition_month_day(text)
        except ParseError:
            when = None
        return {"m": when.month if when else None, "d": when.day if when else None}
    parts = shown.map_elements(read, return_dtype=pl.Struct({"m": pl.Int64, "d": pl.Int64}), skip_nulls=True)
    return parts.struct.field("m"), parts.struct.field("d")


def _cells(out: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """One row per non-empty fact cell of the typed rows: what the clerk saw in it, and what a meaning-changing
    reading understood it as."""
    parts = [out.select("_src", pl.col("_row").cast(pl.Int32).alias("excel_row"), pl.lit(n).alias("field"),
                        pl.coalesce(f"_shown_{n}", f"_raw_{n}").alias("raw_text"), pl.col(f"_und_{n}").alias("understood_as"))
             .filter(pl.col("raw_text").is_not_null() & (pl.col("raw_text") != "")) for n in names]
    if not parts:
        return pl.DataFrame(schema={"_src": pl.Int32, **{k: v for k, v in CELL_COLUMNS.items() if k != "sheet"}})
    return pl.concat(parts)


def _complete(out: pl.DataFrame, form: Form) -> pl.DataFrame:
    """Every field exists in the typed frame, empty when no sheet had such a column (receipts and the warehouse
    tell "not reported" from "blank" by the columns each sheet had: submission_columns)."""
    missing = [f for f in form.fields if f.name not in out.columns]
    out = out.with_columns([pl.lit(None, dtype=_DTYPES.get(f.kind, pl.Utf8)).alias(f.name) for f in missing])
    if form.name == "enterprise":
        if "srdi_level" not in out.columns:   # no 认定级别 column, or no text in it: seeds
            out = out.with_columns(srdi_level=pl.lit("种子"), cultivating_level=pl.lit(None, pl.Utf8),
                                   in_seed_pool=pl.lit(False))
        else:
            out = out.with_columns(pl.col("srdi_level").fill_null("种子"), pl.col("in_seed_pool").fill_null(False))
    return out


def normalise_many(wbs: list[RawWorkbook]) -> list[NormalisedWorkbook]:
    """Normalise several workbooks with one pass of the batched steps."""
    sheets: list[RawSheet] = []
    owner: list[int] = []
    results = []
    for k, wb in enumerate(wbs):
        found, fnd = extract_sheets(wb)
        sheets += found
        owner += [k] * len(found)
        results.append(NormalisedWorkbook({}, fnd))
    typed, findings, cells = type_sheets(sheets)
    for src, f in findings:
        results[owner[src]].findings.append(f)
    wb_of = dict(enumerate(owner))
    for name, frame in typed.items():
        frame = frame.with_columns(_wb=pl.col("_src").replace_strict(wb_of, return_dtype=pl.Int32))
        parts = {k[0]: v for k, v in frame.partition_by("_wb", as_dict=True, include_key=False).items()}
        cell_frame = cells[name].with_columns(_wb=pl.col("_src").replace_strict(wb_of, return_dtype=pl.Int32))
        cell_parts = {k[0]: v for k, v in cell_frame.partition_by("_wb", as_dict=True, include_key=False).items()}
        for k in sorted({owner[i] for i, s in enumerate(sheets) if s.form.name == name}):
            mine = [s for i, s in enumerate(sheets) if owner[i] == k and s.form.name == name]
            part = parts.get(k, frame.drop("_wb").clear()).drop("_src")
            cell_part = cell_parts.get(k, cell_frame.drop("_wb").clear()).select(list(CELL_COLUMNS))
            results[k].forms[name] = ParsedForm(FORMS_BY_NAME[name], part, {s.sheet: s.letters for s in mine},
                                                {s.sheet: s.labels for s in mine}, [s.sheet for s in mine],
                                                cell_part.cast(CELL_COLUMNS))
    return results
