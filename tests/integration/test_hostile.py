"""Hostile and broken input, generated here: each file is read correctly or rejected with a Chinese reason."""
from __future__ import annotations

import io
import os
import time
import zipfile

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import drop
from samples.workbooks import enterprise_rows, task_rows, write_xls, write_xlsx
from tests.helpers import xfd_bomb
from tests.helpers import ingest_in_process, q
from tests.integration.test_ingest import files_under


def _xlsx_bytes(rows) -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(buf)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (300 * 2**20))
    return buf.getvalue()


def _encrypted() -> bytes:
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = io.BytesIO(_xlsx_bytes(enterprise_rows(2, 1)))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    return out.getvalue()


def _zero_sheets() -> bytes:
    data = _xlsx_bytes([["x"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                start, end = body.index(b"<sheets>"), body.index(b"</sheets>") + len(b"</sheets>")
                body = body[:start] + b"<sheets/>" + body[end:]
            z.writestr(item, body)
    return buf.getvalue()


def _strict(data: bytes) -> bytes:
    """Strict OOXML uses purl.oclc.org namespaces instead of the transitional schemas.openxmlformats.org ones."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            body = src.read(item.filename)
            body = body.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")
            body = body.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            z.writestr(item, body)
    return buf.getvalue()


def _xls_bytes(tmp_path, rows) -> bytes:
    return write_xls(tmp_path / "x.xls", rows).read_bytes()


def _html_export() -> bytes:
    rows = enterprise_rows(3, 2)
    cells = "".join("<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in r) + "</tr>" for r in rows)
    return f"<html><head><meta charset='utf-8'></head><body><table>{cells}</table></body></html>".encode()


def _csv_export(encoding: str) -> bytes:
    import csv
    buf = io.StringIO()
    csv.writer(buf).writerows([["" if v is None else v for v in r] for r in enterprise_rows(3, 3)])
    return buf.getvalue().encode(encoding)


def _formula_errors() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("企业库")
    ws.write_row(0, 0, ["企业名称", "专利数量（含软著）"])
    ws.write_row(1, 0, ["甲公司"])
    ws.write_formula(1, 1, "=1/0", None, "#DIV/0!")
    ws.write_row(2, 0, ["乙公司"])
    ws.write_formula(2, 1, "=foo()", None, "#NAME?")
    wb.close()
    return buf.getvalue()


def _macro() -> bytes:
    data = _xlsx_bytes(enterprise_rows(3, 4))
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item.filename))
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake macro storage")
    return buf.getvalue()


def _hidden_sheet() -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    for r in enterprise_rows(2, 5):
        wb.active.append(r)
    h = wb.create_sheet("草稿")
    for r in enterprise_rows(2, 6):
        h.append(r)
    h.sheet_state = "hidden"
    wb.save(buf)
    return buf.getvalue()


# name, bytes factory, expected outcome, expected rule among the findings (None: no finding needed)
CASES = [
    ("password.xlsx", lambda t: _encrypted(), "rejected", "file.encrypted"),
    ("real-xls-named.xlsx", lambda t: _xls_bytes(t, enterprise_rows(3, 7)), "loaded", None),
    ("real-xlsx-named.xls", lambda t: _xlsx_bytes(enterprise_rows(3, 8)), "loaded", None),
    ("html-export.xls", lambda t: _html_export(), "loaded", None),
    ("csv-export-utf8.xls", lambda t: _csv_export("utf-8-sig"), "loaded", None),
    ("csv-export-gbk.xls", lambda t: _csv_export("gb18030"), "loaded", None),
    ("empty.xlsx", lambda t: b"", "rejected", "file.empty"),
    ("zero-sheets.xlsx", lambda t: _zero_sheets(), "rejected", None),
    ("hidden-sheet.xlsx", lambda t: _hidden_sheet(), "loaded", "sheet.hidden"),
    ("formula-errors.xlsx", lambda t: _formula_errors(), "rejected", "cell.formula_error"),
    ("macro.xlsm", lambda t: _macro(), "loaded", None),
    ("strict.xlsx", lambda t: _strict(_xlsx_bytes(enterprise_rows(3, 9))), "loaded", None),
    ("xfd-bomb.xlsx", lambda t: xfd_bomb(), "rejected", "file.reader_crashed"),
    ("zip-bomb.xlsx", lambda t: _zip_bomb(), "rejected", "file.zip_bomb"),
    ("malformed.xls", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096), "rejected", None),
]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from warehouse.home import Home
    home = Home.resolve(tmp_path_factory.mktemp("hostile")).ensure()
    tmp = tmp_path_factory.mktemp("src")
    for i, (name, make, _, _) in enumerate(CASES):
        drop(home, "工信局", f"{i:02d}-{name.rsplit('.', 1)[0]}-2022Q2.{name.rsplit('.', 1)[1]}").write_bytes(make(tmp))
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))  # a good file in the same batch
    summary = ingest_in_process(home)
    return home, summary


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_each_hostile_file_is_read_or_rejected_with_a_reason(hostile_run, index):
    home, summary = hostile_run
    name, _, outcome, rule = CASES[index]
    (result,) = [r for r in summary["results"] if r["file"].split("/")[-1].startswith(f"{index:02d}-")]
    assert result["outcome"] == outcome, result
    findings = q(home, """SELECT rule, severity, v.message FROM validation_errors v JOIN submissions s USING (submission_id)
                          WHERE s.file_name LIKE ?""", [f"{index:02d}-%"])
    if rule:
        assert rule in [f[0] for f in findings], findings
    if outcome == "rejected":
        errors = [f for f in findings if f[1] == "error"]
        assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in f[2]) for f in errors)  # a Chinese reason


def test_the_batch_goes_on_and_every_file_is_accounted_for(hostile_run):
    home, summary = hostile_run
    assert [r["outcome"] for r in summary["results"] if r["file"].startswith("财政局/")] == ["loaded"]
    assert files_under(home.inbox) == []
    assert len(files_under(home.archive)) + len(files_under(home.rejected)) == len(CASES) + 1
    assert q(home, "SELECT count(DISTINCT source_path) FROM submissions")[0][0] == len(CASES) + 1


def test_a_file_saved_just_before_the_ingest_is_waited_for_and_loaded(home):
    """The README's newcomer saves a filled template and runs `srdi ingest` at once: with the default settle time
    (2 s) the scan waits out the rest of it and loads the file, rather than saying 0 files."""
    path = write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    os.utime(path, (time.time(), time.time()))
    summary = ingest_in_process(home, settle_seconds=2)
    assert summary["loaded"] == 1 and not path.exists()


def test_a_file_still_being_written_is_left_for_the_next_run(home):
    path = write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    os.utime(path, (time.time(), time.time()))
    summary = ingest_in_process(home, settle_seconds=30)
    assert summary["files"] == 0 and path.exists()
    old = time.time() - 60
    os.utime(path, (old, old))
    assert ingest_in_process(home, settle_seconds=30)["loaded"] == 1


def test_unsafe_names_and_symlinks(home, run_ingest, tmp_path):
    write_xlsx(drop(home, "财政局", "任务\u202egpj.2022Q2.xlsx"), task_rows("财政局", 2))   # bidi override
    outside = write_xlsx(tmp_path / "outside2022Q2.xlsx", task_rows("财政局", 3))
    os.symlink(outside, drop(home, "财政局", "link2022Q2.xlsx"))
    os.symlink(tmp_path, home.inbox / "工信局")
    summary = run_ingest(home)
    assert [r["outcome"] for r in summary["results"]] == ["rejected"]
    assert q(home, "SELECT rule FROM validation_errors WHERE severity = 'error'") == [("file.name_unsafe",)]
    (stored,) = files_under(home.rejected)
    assert "\u202e" not in stored.name
    assert outside.exists() and (home.inbox / "财政局" / "link2022Q2.xlsx").is_symlink()
    # both links get a note: the one in 财政局's folder in its outbox, the linked bureau folder in _未处理/ and, as
    # its name names 工信局, in 工信局's outbox too (issue 19 finding 11)
    assert sorted(str(p.relative_to(home.outbox)) for p in home.outbox.rglob("*_未处理说明.txt")) == [
        "_未处理/工信局_未处理说明.txt", "工信局/工信局_未处理说明.txt", "财政局/link2022Q2.xlsx_未处理说明.txt"]


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\",\"点我\")"])
def test_formula_looking_bureau_text_stays_text_in_the_error_workbook(tmp_path, value):
    from tasks.bureau.error_list import write_error_workbook
    path = write_error_workbook(tmp_path / "out.xlsx", bureau="工信局", file_name=value + ".xlsx", period="2022Q2",
                                findings=[{"severity": "error", "sheet": value, "excel_row": 2, "excel_col": "B",
                                           "field": value, "value": value, "rule": "x", "message": value, "fix": value}],
                                rejected=True)
    ws = openpyxl.load_workbook(path).active
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.value == value]
    assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
