"""Issue 24, part A: every expensive step on a bureau's file is bounded.

The annotated copy (批注版) of a workbook with many findings and many merged ranges cost findings × merged ranges
in the writer's process (16k wrong credit codes × 48k merged cells: over 900 s with the writer lock held). Now the
sheets' XML is counted before openpyxl loads anything, at most MAX_MARKED findings are marked (then one line says
how many more), and the merged range of a cell is looked up in an index."""
from __future__ import annotations

import hashlib
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from samples.workbooks import enterprise_rows
from schemas.forms import ENTERPRISE
from tasks.bureau import annotated_copy as ac
from tasks.bureau.annotated_copy import AUTHOR, SUMMARY_SHEET, AnnotationSkipped, annotate_workbook
from tests.conftest import drop
from tests.helpers import peak_rss_bytes, q
from warehouse.lock import writer_lock

FIELDS = [f.name for f in ENTERPRISE.fields]
CODE_COL = FIELDS.index("credit_code")            # 0-based
CODE_LETTER = openpyxl.utils.get_column_letter(CODE_COL + 1)


def bomb(path: Path, n: int, merges_per_row: int = 3) -> Path:
    """The enterprise form with `n` rows, each with a 17-character credit code (one short: wrong for every row) and
    `merges_per_row` two-cell merged ranges right of the data (the issue's bomb: 16k rows, 3 merges a row)."""
    base = enterprise_rows(20, seed=7)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    width = len(base[0])
    for c, v in enumerate(base[0]):
        ws.write_string(0, c, v)
    for i in range(n):
        row = list(base[1 + i % 20])
        row[FIELDS.index("enterprise_name")] = f"蛟河第{i}号科技有限公司"
        row[CODE_COL] = f"9122028100{i:07d}"       # 17 characters
        for c, v in enumerate(row):
            if v is not None:
                ws.write(i + 1, c, v)
        for m in range(merges_per_row):
            c0 = width + 1 + 2 * m
            ws.merge_range(i + 1, c0, i + 1, c0 + 1, None)
    wb.close()
    return path


def finding(row: int, col: str = "B", severity: str = "error") -> dict:
    return {"severity": severity, "sheet": "Sheet1", "excel_row": row, "excel_col": col, "field": "统一社会信用代码",
            "value": "x", "rule": "credit_code.length", "message": f"第 {row} 行代码位数不对", "fix": "请核对。"}


def never_loaded(monkeypatch) -> list:
    """Fail the test if openpyxl loads the workbook for editing (read-only loads, for the row count, are cheap)."""
    loads = []
    real = openpyxl.load_workbook

    def load(path, *a, **kw):
        if not kw.get("read_only"):
            loads.append(path)
        return real(path, *a, **kw)
    monkeypatch.setattr(ac.openpyxl, "load_workbook", load)
    return loads


def test_more_merged_ranges_than_the_cap_means_no_copy_and_no_load(tmp_path, monkeypatch):
    # 2,000 rows × 3 merges = 6,000 merged ranges > MAX_MERGES (5,000): openpyxl formats each (the bomb's cost)
    assert ac.MAX_MERGES == 5_000
    src = bomb(tmp_path / "bomb.xlsx", 2_000)
    loads = never_loaded(monkeypatch)
    with pytest.raises(AnnotationSkipped, match="6,000 处"):
        annotate_workbook(src, tmp_path / "out.xlsx", findings=[finding(r, CODE_LETTER) for r in range(2, 2_002)],
                          bureau="工信局", period="2022Q2", file_name="bomb.xlsx")
    assert loads == []
    assert not (tmp_path / "out.xlsx").exists()


def test_a_merge_over_the_whole_sheet_is_counted_not_loaded(tmp_path, monkeypatch):
    # one merged range A1:XFD1048576 in a file of a few KB: openpyxl would make 16,384 × 1,048,576 cells
    plain = tmp_path / "plain.xlsx"
    wb = xlsxwriter.Workbook(str(plain))
    wb.add_worksheet("Sheet1").write_string(0, 0, "x")
    wb.close()
    path = tmp_path / "one_merge.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                                     b'<mergeCell ref="A1:XFD1048576"/></mergeCells>')
                assert b"mergeCell ref" in data
            zout.writestr(item, data)
    assert ac.sheet_counts(path)[1:] == (1, 16_384 * 1_048_576)
    loads = never_loaded(monkeypatch)
    with pytest.raises(AnnotationSkipped, match="17,179,869,184"):
        annotate_workbook(path, tmp_path / "out.xlsx", findings=[finding(2, "A")], bureau="工信局", period="2022Q2",
                          file_name="one_merge.xlsx")
    assert loads == []


def test_at_most_max_marked_findings_are_marked_then_one_line_says_how_many_more(tmp_path):
    # 1,200 findings, one per row of column B; B2:B3 merged (B3's mark goes to B2)
    assert ac.MAX_MARKED == 1_000
    src = tmp_path / "many.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Sheet1")
    for r in range(1, 1_202):
        ws.write_string(r, 1, f"code{r}")
    ws.merge_range("B2:B3", "code1")
    wb.close()
    findings = [finding(r) for r in range(1_201, 1, -1)]   # given in reverse: the copy marks by sheet order
    dst = annotate_workbook(src, tmp_path / "out.xlsx", findings=findings, bureau="工信局", period="2022Q2",
                            file_name="many.xlsx")
    out = openpyxl.load_workbook(dst)
    commented = {c.coordinate for row in out["Sheet1"].iter_rows() for c in row if c.comment}
    # rows 2..1001 are the first 1,000 in sheet order; B3 is inside B2:B3, so its mark is on B2
    assert commented == {f"B{r}" for r in range(2, 1_002)} - {"B3"}
    assert all(out["Sheet1"][c].comment.author == AUTHOR for c in commented)
    assert "合并单元格 B2:B3 中的 B3" in out["Sheet1"]["B2"].comment.text
    summary = out[SUMMARY_SHEET]
    numbered = [r[0].value for r in summary.iter_rows(min_row=ac.HEADER_ROW + 1) if isinstance(r[0].value, int)]
    assert numbered == list(range(1, 1_001))
    last = summary.cell(row=ac.HEADER_ROW + 1_001, column=1).value
    assert "另有 200 个问题未标出（共 1,200 个）" in last
    # the verdict still counts every finding
    assert "错误 1200 个" in summary["A2"].value


def test_old_marks_are_cleared_without_visiting_the_sheets_rectangle(tmp_path):
    # a cell at A1 and one at XFD50000: the sheet's rectangle is 819 million cells, it holds two
    src = tmp_path / "sparse.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Sheet1")
    ws.write_string(0, 0, "a")
    ws.write_string(49_999, 16_383, "b")
    wb.close()
    dst = annotate_workbook(src, tmp_path / "out.xlsx", findings=[finding(1, "A")], bureau="工信局",
                            period="2022Q2", file_name="sparse.xlsx")
    assert openpyxl.load_workbook(dst)["Sheet1"]["A1"].comment.author == AUTHOR


def test_the_merged_cell_bomb_is_answered_and_the_lock_released(home, run_ingest):
    # the bomb, at 2,000 rows (3 merges each: 6,000 merged ranges, past MAX_MERGES)
    bomb(drop(home, "工信局", "企业库2022Q2.xlsx"), 2_000)
    run_ingest(home)
    assert q(home, "SELECT status FROM submissions") == [("rejected",)]
    # one finding per row: the code is 17 characters (hand count: 2,000 rows)
    assert q(home, "SELECT count(*) FROM validation_errors WHERE excel_col = ? AND severity = 'error'",
             [CODE_LETTER]) == [(2_000,)]
    assert list((home.outbox / "工信局").glob("*_批注版_*")) == []
    (errors,) = (home.outbox / "工信局").glob("*_错误清单_*.xlsx")
    sheet = openpyxl.load_workbook(errors, read_only=True).worksheets[0]
    texts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert any("合并单元格较多（6,000 处），未生成批注副本" in t for t in texts)
    assert (home.rejected / "工信局" / "企业库2022Q2.xlsx").exists()
    with writer_lock(home, 0):   # free at once: the run left nothing holding it
        pass


# ---------------------------------------------------------------- memory before any limit

def _sparse(path: Path, size: int, head: bytes = b"PK\x03\x04") -> Path:
    """A file of `size` bytes that takes no disk: its first bytes, then a hole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def test_discovery_hashes_as_the_bytes_stream_and_keeps_none_of_them(home, schema_template, monkeypatch):
    from tasks.intake import discover
    from tests.conftest import memory_copy
    size = 48 * 2**20
    _sparse(drop(home, "工信局", "企业库2022Q2.xlsx"), size)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read whole"))
    con = memory_copy(schema_template)
    tracemalloc.start()
    try:
        scan = discover.scan_inbox(home, con, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        con.close()
    (sub,) = scan.found
    # the hash of 4 bytes and a 48 MB hole, computed by hand from the same bytes
    expected = hashlib.sha256(b"PK\x03\x04" + bytes(size - 4)).hexdigest()
    assert sub.sha256 == expected and sub.size_bytes == size
    assert sub.data is None and sub.to_read
    assert peak < 8 * 2**20          # one 1 MB block at a time, never the 48 MB


def test_a_file_over_the_size_limit_is_rejected_before_any_byte_is_read(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    from tasks.intake.isolate import Limits, check_isolated
    from tasks.intake.submission import Submission
    path = _sparse(tmp_path / "工信局" / "big2022Q2.xlsx", 3 * 2**30 // 2)      # 1.5 GB, on no disk
    sub = Submission(path=path, rel="工信局/big2022Q2.xlsx", bureau="工信局", period="2022Q2", sha256="0" * 64,
                     size_bytes=path.stat().st_size, received_at=datetime(2022, 7, 5, tzinfo=timezone.utc),
                     to_read=True)
    monkeypatch.setattr(Submission, "read_bytes", lambda self: pytest.fail("read"))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read whole"))
    (out,) = check_isolated([sub], Limits(max_file_mb=100))
    assert [f.rule for f in out.findings] == ["file.too_large"]
    assert "1536.0 MB，上限 100 MB" in out.findings[0].message
    assert not out.to_read


def test_a_file_changed_after_hashing_is_held_not_read_as_the_hashed_bytes(tmp_path):
    from datetime import datetime, timezone

    from tasks.intake.check_batch import CHANGED_WHILE_READ, read_one
    from tasks.intake.submission import Submission
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n1,2\n")
    sub = Submission(path=path, rel="工信局/a.csv", bureau="工信局", period="2022Q2",
                     sha256=hashlib.sha256(b"other bytes").hexdigest(), size_bytes=8,
                     received_at=datetime(2022, 7, 5, tzinfo=timezone.utc), to_read=True)
    read_one(sub)
    assert sub.held == CHANGED_WHILE_READ and sub.raw is None and sub.findings == [] and not sub.to_read


def _reset_peak_rss() -> int:
    """Set this process's high-water mark back to what is resident now (Linux: 5 into /proc/self/clear_refs), so
    that an earlier test's peak in this process cannot hide this one's; returns it."""
    Path("/proc/self/clear_refs").write_text("5")
    return peak_rss_bytes()


BIG_FILE = 400 * 2**20     # 400 MB: over the default limit (100 MB)


def test_three_large_files_never_raise_the_ingests_memory(home, run_ingest):
    """Three 400 MB files (holes on disk) and a good one: the big ones are rejected by their size, the good one is
    loaded, and the process that ran the ingest never held a big file's bytes (its peak RSS rises far less than one
    file; checked: hashing with the whole file read at once raised it by one file's size and failed here)."""
    from samples.workbooks import write_xlsx
    for n in range(3):
        _sparse(drop(home, "工信局", f"大文件{n}_2022Q2.xlsx"), BIG_FILE, b"PK\x03\x04%d" % n)   # three bytes
    write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_rows(5, seed=3))
    before = _reset_peak_rss()
    run_ingest(home)
    peak = peak_rss_bytes()
    assert sorted(q(home, "SELECT status, count(*) FROM submissions GROUP BY 1")) == [("loaded", 1), ("rejected", 3)]
    assert q(home, "SELECT count(*) FROM validation_errors WHERE rule = 'file.too_large'") == [(3,)]
    assert peak - before < BIG_FILE * 3 // 4, (peak - before) / 2**20   # one file's bytes read whole pass this


# ---------------------------------------------------------------- the error list and the receipt

def _texts(data: bytes) -> list:
    import io
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [row for row in ws.iter_rows(values_only=True)]


def test_error_list_and_receipt_list_at_most_max_listed_rows_then_count_the_rest():
    from tasks.bureau.error_list import MAX_LISTED, error_list_bytes
    from tasks.bureau.receipt import Receipt, receipt_bytes
    assert MAX_LISTED == 5_000
    findings = [finding(r) for r in range(2, 5_302)]           # 5,300 findings
    rows = _texts(error_list_bytes(bureau="工信局", file_name="x.xlsx", period="2022Q2", findings=findings, rejected=True))
    numbered = [r[0] for r in rows if r[0] and str(r[0]).isdigit()]
    assert numbered == [str(n) for n in range(1, 5_001)]
    assert "另有 300 个未列出（共 5,300 个）" in rows[-1][0]
    assert "5300 个错误" in rows[0][0]                          # the title still counts them all
    warnings = [dict(finding(r), severity="warning") for r in range(2, 5_302)]
    receipt = Receipt(bureau="工信局", period="2022Q2", file_name="x.xlsx", received_at=None, processed_at=None,
                      submission_ids=[1], status="loaded", loaded=[("enterprise", "Sheet1", 5_300)], warnings=warnings)
    rows = _texts(receipt_bytes(receipt))
    last = [r for r in rows if any(r)][-1]
    assert "另有 300 个未列出（共 5,300 个）" in str(last[0])
    assert sum(1 for r in rows if isinstance(r[0], (int, float)) and r[2] and str(r[2]).startswith("B")) == 5_000
