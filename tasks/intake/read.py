"""Read a workbook's bytes into string grids that remember where each value sat in Excel.

Values come from calamine (fastexcel), which is fast but gives values only. What else a cell carries is read
only when the intake asks, for the few cells that need it (`CellInfo`): the number format of a percent
column's cells (0.85 shown as 85 %), and the formulas of a row that may be a total (=SUM(L4:L14)). For an
.xlsx that is one pass of a regular expression over the sheet's XML, and only for those cells.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from dataclasses import dataclass, field

import fastexcel
import polars as pl

from schemas.findings import col_letter

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; the message is Chinese and says why."""


@dataclass(frozen=True)
class Merge:
    """A merged range of a sheet, as Excel keeps it: only its top-left cell holds the value."""
    first_row: int    # Excel rows, 1-based
    first_col: int    # column index, 0-based (A = 0)
    last_row: int
    last_col: int

    @property
    def ref(self) -> str:
        return f"{col_letter(self.first_col)}{self.first_row}:{col_letter(self.last_col)}{self.last_row}"


_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def parse_merge(ref: str) -> Merge | None:
    """"G3:H3" -> Merge; None for a single cell or what is not a range."""
    m = _REF.fullmatch(ref.strip())
    if not m or not m.group(3):
        return None
    c1, c2 = letter_index(m.group(1)), letter_index(m.group(3))
    r1, r2 = int(m.group(2)), int(m.group(4))
    merge = Merge(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
    return merge if (merge.first_row, merge.first_col) != (merge.last_row, merge.last_col) else None


class CellInfo:
    """What a sheet's cells carry besides their values, read on demand. The base class knows nothing (.xls):
    `known` is False, so the intake falls back on what the values alone say."""
    known = False

    def merges(self) -> list[Merge]:
        """The sheet's merged ranges (issue 19, finding 7). Read from .xlsx, .ods and HTML; not from .xls."""
        return []

    def percent_rows(self, letter: str) -> set[int]:
        """Excel rows whose cell in column `letter` has a percent number format."""
        return set()

    def formulas(self, rows: set[int]) -> dict[tuple[int, str], str]:
        """(Excel row, column letter) -> formula text (without '='), for the cells of `rows` that hold one."""
        return {}


class TextCells(CellInfo):
    """CSV and HTML exports: what the clerk saw is the text itself ("85%"), and there are no formulas. An HTML
    table's colspan/rowspan cells are its merges."""
    known = True

    def __init__(self, merges: list[Merge] | None = None):
        self._merges = merges or []

    def merges(self) -> list[Merge]:
        return self._merges


class OdsCells(CellInfo):
    """An .ods sheet: values only, like .xls, but its merged ranges are read from content.xml on demand (once
    for the workbook: `book` is shared by its sheets)."""

    def __init__(self, book: "OdsMerges", sheet: str):
        self._book, self._sheet = book, sheet

    def merges(self) -> list[Merge]:
        return self._book.of(self._sheet)


_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


class OdsMerges:
    """sheet name -> merged ranges of an .ods (cells with number-columns-spanned / number-rows-spanned)."""

    def __init__(self, data: bytes):
        self._data = data
        self._by_sheet: dict[str | None, list[Merge]] | None = None

    def of(self, sheet: str) -> list[Merge]:
        if self._by_sheet is None:
            self._by_sheet = _ods_merges(self._data)
        return self._by_sheet.get(sheet, [])


def _ods_merges(data: bytes) -> dict[str | None, list[Merge]]:
    import xml.etree.ElementTree as ET
    out: dict[str | None, list[Merge]] = {}   # a table without a name is kept under None (no sheet asks for it)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return out
    if b"-spanned" not in xml:
        return out
    T = _TABLE_NS
    name, row, col, depth = None, 0, 0, 0
    try:
        for event, el in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = el.tag
            if tag == T + "table":
                depth += 1 if event == "start" else -1
                if event == "start" and depth == 1:
                    name, row = el.get(T + "name"), 0
                    out.setdefault(name, [])
                continue
            if depth != 1:
                continue
            if tag == T + "table-row":
                if event == "start":
                    col = 0
                else:
                    row += int(el.get(T + "number-rows-repeated", "1"))
                    el.clear()
            elif tag in (T + "table-cell", T + "covered-table-cell") and event == "start":
                cs = int(el.get(T + "number-columns-spanned", "1"))
                rs = int(el.get(T + "number-rows-spanned", "1"))
                if cs > 1 or rs > 1:
                    out[name].append(Merge(row + 1, col, row + rs, col + cs - 1))
                col += int(el.get(T + "number-columns-repeated", "1"))
    except (ET.ParseError, ValueError):
        return {}
    return out


@dataclass
class SheetGrid:
    name: str
    frame: pl.DataFrame              # all Utf8; row i is Excel row i+1
    columns: list[str]               # Excel letter of each frame column
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, frame col) -> #DIV/0! …
    cells: CellInfo = field(default_factory=CellInfo)


META_SHEET = "_srdi_meta"   # very hidden sheet our templates carry: bureau, period, form, template_version
SUMMARY_SHEET = "校验结果"   # the first sheet of srdi's annotated copy (tasks/bureau/annotated_copy.py)
OWN_SHEETS = (META_SHEET, SUMMARY_SHEET)   # srdi's own sheets: a resubmitted annotated copy carries them


# ---------------------------------------------------------------- .xlsx: formats and formulas, on demand

_NS = rb"(?:\w+:)?"
_SHEET_TAG = re.compile(rb"<" + _NS + rb"sheet\b([^>]*)/?>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_NUMFMT = re.compile(rb"<" + _NS + rb"numFmt\b([^>]*)/?>")
_CELLXFS = re.compile(rb"<" + _NS + rb"cellXfs\b[^>]*>(.*?)</" + _NS + rb"cellXfs>", re.S)
_XF = re.compile(rb"<" + _NS + rb"xf\b([^>]*?)(?:/>|>)")
_F = re.compile(rb"<" + _NS + rb"f\b([^>]*?)(?:/>|>([^<]*)</" + _NS + rb"f>)", re.S)
_PERCENT_BUILTIN = {9, 10}


def _attrs(blob: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1] if k != b"r:id" else "r:id": v.decode("utf-8", "replace")
            for k, v in _ATTR.findall(blob)}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def _is_percent_code(code: str) -> bool:
    """A number format that shows a percentage: a % outside quotes and not escaped."""
    code = re.sub(r'"[^"]*"|\\.', "", code)
    return "%" in code


class XlsxCells(CellInfo):
    """Formats and formulas of one sheet of an .xlsx, from its XML, read the first time they are asked for."""
    known = True

    def __init__(self, data: bytes, sheet: str):
        self._data, self._sheet = data, sheet
        self._xml: bytes | None = None
        self._percent_xf: set[int] | None = None

    def _zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self._data))

    def _sheet_xml(self) -> bytes:
        if self._xml is None:
            self._xml = b""
            try:
                with self._zip() as z:
                    names = set(z.namelist())
                    rid = next((a.get("r:id") or a.get("id") for a in map(_attrs, _SHEET_TAG.findall(z.read("xl/workbook.xml")))
                                if _unescape(a.get("name", "")) == self._sheet), None)
                    rels = {a.get("Id"): a.get("Target", "") for a in map(_attrs, _REL_TAG.findall(z.read("xl/_rels/workbook.xml.rels")))}
                    target = rels.get(rid, "")
                    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    if path in names:
                        self._xml = z.read(path)
            except (KeyError, zipfile.BadZipFile, OSError, ValueError):
                self._xml = b""
        return self._xml

    def _percent_styles(self) -> set[int]:
        if self._percent_xf is None:
            self._percent_xf = set()
            try:
                with self._zip() as z:
                    styles = z.read("xl/styles.xml")
            except (KeyError, zipfile.BadZipFile, OSError):
                return self._percent_xf
            custom = {}
            for a in map(_attrs, _NUMFMT.findall(styles)):
                try:
                    custom[int(a.get("numFmtId", "-1"))] = _unescape(a.get("formatCode", ""))
                except ValueError:
                    continue
            m = _CELLXFS.search(styles)
            for i, a in enumerate(map(_attrs, _XF.findall(m.group(1) if m else b""))):
                try:
                    fmt = int(a.get("numFmtId", "0"))
                except ValueError:
                    continue
                if fmt in _PERCENT_BUILTIN or (fmt in custom and _is_percent_code(custom[fmt])):
                    self._percent_xf.add(i)
        return self._percent_xf

    def merges(self) -> list[Merge]:
        """<mergeCell ref="G3:H3"/> of the sheet: they follow the cell data, so the sheet's XML is streamed and
        only what follows <mergeCells is kept (a large sheet is not held in memory for them)."""
        if self._xml is not None:
            tail = self._xml[self._xml.find(b"<mergeCells"):] if b"<mergeCells" in self._xml else b""
        else:
            tail = self._merge_xml()
        return [m for m in (parse_merge(r.decode("ascii", "replace"))
                            for r in re.findall(rb"<" + _NS + rb'mergeCell\b[^>]*\bref="([^"]+)"', tail)) if m]

    def _merge_xml(self) -> bytes:
        try:
            with self._zip() as z:
                path = self._sheet_path(z)
                if not path:
                    return b""
                kept: list[bytes] = []
                prev = b""
                with z.open(path) as f:
                    while chunk := f.read(1 << 20):
                        if kept:
                            kept.append(chunk)
                            continue
                        window = prev + chunk
                        at = window.find(b"mergeCells")
                        if at >= 0:
                            kept.append(window[max(0, at - 8):])
                        prev = window[-32:]
                return b"".join(kept)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError):
            return b""

    def _sheet_path(self, z: zipfile.ZipFile) -> str | None:
        rid = next((a.get("r:id") or a.get("id") for a in map(_attrs, _SHEET_TAG.findall(z.read("xl/workbook.xml")))
                    if _unescape(a.get("name", "")) == self._sheet), None)
        rels = {a.get("Id"): a.get("Target", "") for a in map(_attrs, _REL_TAG.findall(z.read("xl/_rels/workbook.xml.rels")))}
        target = rels.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        return path if path in set(z.namelist()) else None

    def percent_rows(self, letter: str) -> set[int]:
        styles = self._percent_styles()
        if not styles:      # no percent format anywhere in the workbook: nothing to read in the sheet
            return set()
        xml = self._sheet_xml()
        col = letter.encode()
        # Excel, WPS, openpyxl and xlsxwriter write <c r="C5" s="3" …>: a literal prefix the scan jumps between,
        # and only the percent styles match, so the result is built from the percent cells alone
        if re.search(rb'<c r="' + col + rb'\d+" s="', xml):
            wanted = b"|".join(str(i).encode() for i in sorted(styles))
            return {int(r) for r in re.findall(rb'<c r="' + col + rb'(\d+)" s="(?:' + wanted + rb')"', xml)}
        cell = re.compile(rb"<" + _NS + rb'c\b(?=[^>]*\br="' + col + rb'(\d+)")(?=[^>]*\bs="(\d+)")')   # any order, any prefix
        return {int(r) for r, st in cell.findall(xml) if int(st) in styles}

    def formulas(self, rows: set[int]) -> dict[tuple[int, str], str]:
        xml = self._sheet_xml()
        out: dict[tuple[int, str], str] = {}
        if len(rows) <= 3:   # a few rows: look each up
            found = [(row, m.group(1)) for row in rows for m in [re.search(
                rb"<" + _NS + rb'row\b[^>]*\br="' + str(row).encode() + rb'"[^>]*>(.*?)</' + _NS + rb"row>", xml, re.S)] if m]
        else:                # more: one pass over the sheet
            found = [(int(m.group(1)), m.group(2)) for m in re.finditer(
                rb"<" + _NS + rb'row\b[^>]*\br="(\d+)"[^>]*>(.*?)</' + _NS + rb"row>", xml, re.S) if int(m.group(1)) in rows]
        for row, body in found:
            for cm in re.finditer(rb"<" + _NS + rb'c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?>(.*?)</' + _NS + rb"c>", body, re.S):
                fm = _F.search(cm.group(3))
                if not fm:
                    continue
                letter = cm.group(1).decode()
                text = _unescape((fm.group(2) or b"").decode("utf-8", "replace")).strip()
                if not text:
                    text = self._shared(xml, _attrs(fm.group(1)).get("si"), letter, row)
                if text:
                    out[(row, letter)] = text
        return out

    @staticmethod
    def _shared(xml: bytes, si: str | None, letter: str, row: int) -> str:
        """A shared formula's text as it reads in (row, letter): the master's, moved by the offset."""
        if si is None:
            return ""
        m = re.search(rb"<" + _NS + rb'c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?>\s*<' + _NS + rb'f\b[^>]*\bsi="'
                      + si.encode() + rb'"[^>]*>([^<]+)</', xml)
        if not m:
            return ""
        dc = letter_index(letter) - letter_index(m.group(1).decode())
        dr = row - int(m.group(2))

        def move(ref: re.Match) -> str:
            c_abs, c, r_abs, r = ref.groups()
            c2 = c if c_abs else col_letter(letter_index(c) + dc)
            r2 = r if r_abs else str(int(r) + dr)
            return f"{c_abs}{c2}{r_abs}{r2}"
        return re.sub(r"(\$?)([A-Z]{1,3})(\$?)(\d+)", move, _unescape(m.group(3).decode("utf-8", "replace")))


def letter_index(letter: str) -> int:
    """Excel letters -> 0-based column index (A -> 0, AA -> 26)."""
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class RawWorkbook:
    format: str
    sheets: list[SheetGrid]
    hidden_sheets: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


def sniff_format(data: bytes) -> str:
    """xlsx | xlsm | ods | xls | encrypted | html | csv | empty | unknown — from the bytes, not the name."""
    if not data:
        return "empty"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names or any(n.endswith("workbook.xml") for n in names):
                    return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
        except zipfile.BadZipFile:
            return "unknown"
        return "unknown"
    if data.startswith(OLE2_MAGIC):
        # An OLE2 container is either a BIFF .xls or an encrypted (password-protected) OOXML file.
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data[:65536 * 8]:
            return "encrypted"
        return "xls"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):
        return "csv"   # Excel's "Unicode text" (UTF-16, tab-separated)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<table" in head:
        return "html"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data[:4096].decode("gb18030")
        except UnicodeDecodeError:
            return "unknown"
    if "," in text or "\t" in text:
        return "csv"
    return "unknown"


def _utf16_without_bom(data: bytes) -> bool:
    """UTF-16 text whose BOM was lost: every other byte of the ASCII parts is NUL."""
    head = data[:4096]
    if len(head) < 8 or head.count(b"\x00") < len(head) // 4:
        return False
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


# what a file that is no readable workbook turns out to be: each is told as the finding file.<kind>
# (schemas/finding_catalogue.py)
UNREADABLE_KINDS = ("empty", "encrypted", "html", "csv", "csv_layout", "no_sheets", "unknown")


_CALAMINE_ERRORS = {"Div0": "#DIV/0!", "Name": "#NAME?", "Value": "#VALUE!", "Ref": "#REF!", "NA": "#N/A",
                    "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


def _error_text(detail: str) -> str:
    m = re.search(r"Error\((\w+)\)", detail)
    return _CALAMINE_ERRORS.get(m.group(1), f"#{m.group(1)}") if m else "#ERROR"


def _grid(name: str, rows: list[list[str | None]], merges: list[Merge] | None = None) -> SheetGrid:
    width = max((len(r) for r in rows), default=0)
    cols = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return SheetGrid(name, pl.DataFrame(cols, schema={c: pl.Utf8 for c in cols}), [col_letter(i) for i in range(width)],
                     cells=TextCells(merges))


def _decode(data: bytes) -> str:
    """Text as Excel and WPS save it: UTF-8 (with or without BOM), UTF-16 "Unicode text", or GB18030/GBK."""
    encodings: tuple[str, ...]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif _utf16_without_bom(data):
        encodings = ("utf-16-le",) if data[1:2] == b"\x00" else ("utf-16-be",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableWorkbook("csv")


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently: Excel's CSV uses commas
    (semicolons in some locales), its "Unicode text" tabs. Quoted fields may hold commas and line breaks."""
    sample = text[:65536]
    best, score = ",", (-1, -1)
    for d in (",", "\t", ";"):
        try:
            widths = [len(r) for r, _ in zip(csv.reader(io.StringIO(sample, newline=""), delimiter=d), range(50))]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        s = (sum(w == common for w in widths) if common > 1 else 0, common)
        if s > score:
            best, score = d, s
    return best


def read_csv_text(data: bytes) -> RawWorkbook:
    text = _decode(data)
    try:
        rows = [[c if c.strip() else None for c in r]
                for r in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)]
    except csv.Error as exc:
        raise UnreadableWorkbook("csv_layout") from exc
    return RawWorkbook("csv", [_grid("CSV", rows)] if rows else [])


class _Tables(HTMLParser):
    """The <table>s of an HTML page exported by a government system, as rows of cell text; a cell spanning
    columns or rows (colspan, rowspan) keeps its value in its first cell, as Excel keeps a merge, and is
    remembered as a merge."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str | None]]] = []
        self.merges: list[list[Merge]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._below: dict[int, int] = {}   # column -> rows still covered by a rowspan from above

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self.merges.append([])
            self._below = {}
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            a = dict(attrs)
            spans = []
            for k in ("colspan", "rowspan"):
                try:
                    spans.append(max(1, min(int(a.get(k) or 1), 1000)))
                except ValueError:
                    spans.append(1)
            self._span = tuple(spans)
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def _skip_covered(self) -> None:
        assert self._row is not None, "called inside a <tr> only: both callers check _row"
        while self._below.get(len(self._row), 0) > 0:
            self._row.append(None)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            self._skip_covered()
            cols, rows = self._span
            c, r = len(self._row), len(self.tables[-1])
            # a merged cell keeps its value only in its first (top-left) cell, as in Excel
            self._row += [text or None] + [None] * (cols - 1)
            if cols > 1 or rows > 1:
                self.merges[-1].append(Merge(r + 1, c, r + rows, c + cols - 1))
            if rows > 1:
                for k in range(c, c + cols):
                    self._below[k] = rows   # counted down when this row ends
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self._skip_covered()
            self.tables[-1].append(self._row)
            self._below = {k: n - 1 for k, n in self._below.items() if n > 1}
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_html_tables(data: bytes) -> RawWorkbook:
    parser = _Tables()
    parser.feed(_decode(data))
    sheets = [_grid(f"表格{i + 1}", t, parser.merges[i]) for i, t in enumerate(parser.tables) if t]
    if not sheets:
        raise UnreadableWorkbook("html")
    return RawWorkbook("html", sheets)


def read_workbook(data: bytes) -> RawWorkbook:
    """Every visible sheet of the workbook as a string grid anchored at A1."""
    fmt = sniff_format(data)
    if fmt == "csv":
        return read_csv_text(data)
    if fmt == "html":
        return read_html_tables(data)
    if fmt in UNREADABLE_KINDS:
        raise UnreadableWorkbook(fmt)
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # calamine's errors are many; the file is unreadable either way
        raise UnreadableWorkbook("unknown") from exc
    sheets, hidden, metadata = [], [], {}
    ods = OdsMerges(data) if fmt == "ods" else None
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
        if name == META_SHEET:
            meta = sheet.to_polars()
            if meta.width >= 2:
                metadata = {str(k).strip(): str(v).strip() for k, v in meta.select(meta.columns[:2]).iter_rows() if k and v}
            continue
        if sheet.visible != "visible":
            hidden.append(name)
            continue
        batch, cell_errors = sheet.to_arrow_with_errors()
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame), "a RecordBatch converts to a DataFrame, never a Series"
        letters = [col_letter(c.absolute_index) for c in sheet.available_columns()]
        frame.columns = [f"c{i}" for i in range(frame.width)]
        errors = {}
        for e in (cell_errors.errors if cell_errors else []):
            errors[(e.position[0], e.position[1])] = _error_text(e.detail)
        cells = XlsxCells(data, name) if fmt in ("xlsx", "xlsm") else OdsCells(ods, name) if ods else CellInfo()
        sheets.append(SheetGrid(name, frame, letters, errors, cells))
    if not sheets and not hidden:
        raise UnreadableWorkbook("no_sheets")
    return RawWorkbook(fmt, sheets, hidden, metadata)
