"""Read a workbook's bytes into string grids that remember where each value sat in Excel."""
from __future__ import annotations

import io
import zipfile
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

    def cell(self, row0: int, col: int):
        return self.frame[row0, col]


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
    "html": "文件实际是网页（HTML）格式，只是扩展名为表格，系统无法按表格读取。",
    "csv": "文件实际是 CSV 文本，不是 Excel 工作簿。",
    "unknown": "文件不是可识别的 Excel/WPS 工作簿（.xlsx/.xlsm/.xls/.ods）。",
}
FORMAT_FIXES = {
    "empty": "请重新保存并上传完整文件。",
    "encrypted": "请在 Excel/WPS 中取消打开密码（文件→信息→保护工作簿）后重新上传。",
    "html": "请用 Excel/WPS 打开后“另存为” .xlsx 格式再上传。",
    "csv": "请用 Excel/WPS 打开后“另存为” .xlsx 格式再上传。",
    "unknown": "请用 Excel/WPS 另存为 .xlsx 格式后重新上传。",
}


def read_workbook(data: bytes) -> RawWorkbook:
    """Every visible sheet of the workbook as a string grid anchored at A1."""
    fmt = sniff_format(data)
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
        frame = sheet.to_polars()
        letters = [col_letter(c.absolute_index) for c in sheet.available_columns()]
        frame.columns = [f"c{i}" for i in range(frame.width)]
        sheets.append(SheetGrid(name, frame, letters))
    return RawWorkbook(fmt, sheets, hidden, metadata)
