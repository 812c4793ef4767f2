"""Read a workbook's bytes into string grids that remember where each value sat in Excel."""
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


@dataclass
class SheetGrid:
    name: str
    frame: pl.DataFrame              # all Utf8; row i is Excel row i+1
    columns: list[str]               # Excel letter of each frame column
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, frame col) -> #DIV/0! …


META_SHEET = "_srdi_meta"   # very hidden sheet our templates carry: bureau, period, form, template_version


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


FORMAT_ERRORS = {
    "empty": "文件为空（0 字节），可能复制未完成或保存失败。",
    "encrypted": "文件设置了打开密码，系统无法读取。",
    "html": "文件实际是网页（HTML）格式，其中没有可读取的表格。",
    "csv": "文件实际是 CSV 文本，但无法按 UTF-8 或 GB18030 编码读取。",
    "no_sheets": "工作簿中没有任何可见的工作表。",
    "unknown": "文件不是可识别的 Excel/WPS 工作簿（.xlsx/.xlsm/.xls/.ods）。",
}
FORMAT_FIXES = {
    "empty": "请重新保存并上传完整文件。",
    "encrypted": "请在 Excel/WPS 中取消打开密码（文件→信息→保护工作簿）后重新上传。",
    "html": "请用 Excel/WPS 打开后“另存为” .xlsx 格式再上传。",
    "csv": "请用 Excel/WPS 打开后“另存为” .xlsx 格式再上传。",
    "no_sheets": "请确认数据所在的工作表没有被隐藏或删除，保存后重新上传。",
    "unknown": "请用 Excel/WPS 另存为 .xlsx 格式后重新上传。",
}


_CALAMINE_ERRORS = {"Div0": "#DIV/0!", "Name": "#NAME?", "Value": "#VALUE!", "Ref": "#REF!", "NA": "#N/A",
                    "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


def _error_text(detail: str) -> str:
    m = re.search(r"Error\((\w+)\)", detail)
    return _CALAMINE_ERRORS.get(m.group(1), f"#{m.group(1)}") if m else "#ERROR"


def _grid(name: str, rows: list[list[str | None]]) -> SheetGrid:
    width = max((len(r) for r in rows), default=0)
    cols = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return SheetGrid(name, pl.DataFrame(cols, schema={c: pl.Utf8 for c in cols}), [col_letter(i) for i in range(width)])


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableWorkbook("csv")


def read_csv_text(data: bytes) -> RawWorkbook:
    text = _decode(data)
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;") if text.strip() else csv.excel
    rows = [[c if c.strip() else None for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    return RawWorkbook("csv", [_grid("CSV", rows)] if rows else [])


class _Tables(HTMLParser):
    """The <table>s of an HTML page exported by a government system, as rows of cell text."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            try:
                self._span = max(1, int(dict(attrs).get("colspan") or 1))
            except ValueError:
                self._span = 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            # a merged cell keeps its value only in its first (top-left) cell, as in Excel
            self._row += [text or None] + [None] * (self._span - 1)
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_html_tables(data: bytes) -> RawWorkbook:
    parser = _Tables()
    parser.feed(_decode(data))
    sheets = [_grid(f"表格{i + 1}", t) for i, t in enumerate(parser.tables) if t]
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
    if fmt in FORMAT_ERRORS:
        raise UnreadableWorkbook(fmt)
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # calamine's errors are many; the file is unreadable either way
        raise UnreadableWorkbook("unknown") from exc
    sheets, hidden, metadata = [], [], {}
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
        letters = [col_letter(c.absolute_index) for c in sheet.available_columns()]
        frame.columns = [f"c{i}" for i in range(frame.width)]
        errors = {}
        for e in (cell_errors.errors if cell_errors else []):
            errors[(e.position[0], e.position[1])] = _error_text(e.detail)
        sheets.append(SheetGrid(name, frame, letters, errors))
    if not sheets and not hidden:
        raise UnreadableWorkbook("no_sheets")
    return RawWorkbook(fmt, sheets, hidden, metadata)
