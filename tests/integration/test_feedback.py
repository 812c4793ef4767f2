"""What a bureau gets back, read with openpyxl: the annotated copy of a rejected workbook (marks and
comments on the right cells, merged cells, no macros or external links), the error list, the receipt."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tasks.bureau.annotated_copy import AUTHOR, SUMMARY_SHEET, AnnotationSkipped, annotate_workbook
from tests.conftest import drop
from samples.workbooks import enterprise_rows, task_rows, write_xls, write_xlsx
from tests.helpers import TSK, column_of, q

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def outbox(home, bureau: str, kind: str) -> list[Path]:
    return sorted((home.outbox / bureau).glob(f"*_{kind}_*.xlsx"))


def with_macro_and_external_link(src: Path, dst: Path) -> Path:
    """An .xlsm as Excel writes one: a vbaProject part, and a link to another workbook."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.decode().replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                             "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                assert "macroEnabled" in data
                data = data.replace("</Types>",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    '<Override PartName="/xl/externalLinks/externalLink1.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>').encode()
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.decode().replace("</Relationships>",
                    '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                    f'<Relationship Id="rIdExt" Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>').encode()
            elif item.filename == "xl/workbook.xml":
                data = data.decode().replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt"/></externalReferences>')
                root = data[data.index("<workbook "):].split(">", 1)[0]   # lxml's openpyxl declares r: on each <sheet> only
                if 'xmlns:r=' not in root:
                    data = data.replace("<workbook ", f'<workbook xmlns:r="{REL}" ', 1)
                data = data.encode()
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"VBA macro project" * 64)
        zout.writestr("xl/externalLinks/externalLink1.xml",
                      f'<externalLink xmlns="{NS_MAIN}" xmlns:r="{REL}"><externalBook r:id="rId1"><sheetNames>'
                      '<sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>')
        zout.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="file:///C:/机密/上报底稿.xlsx" TargetMode="External"/>'
                      '</Relationships>')
    return dst


# ---------------------------------------------------------------- the annotated copy, unit level

def test_marks_and_comments_on_the_right_cells_and_merged_cells_on_their_top_left(tmp_path):
    rows = task_rows("财政局", seed=1)
    src = write_xlsx(tmp_path / "in.xlsx", rows, title="财政局任务进展", merges=["E4:E5"])
    status, pct = column_of(TSK, "status"), column_of(TSK, "completion_pct")
    findings = [
        {"severity": "error", "sheet": "Sheet1", "excel_row": 5, "excel_col": status, "field": "推进状态", "value": None,
         "rule": "required.status", "message": "推进状态为空", "fix": "请选择推进状态。"},
        {"severity": "error", "sheet": "Sheet1", "excel_row": 6, "excel_col": pct, "field": "完成进度（%）", "value": "150",
         "rule": "range.completion_pct", "message": "完成进度“150”超过 100", "fix": "请填写 0–100 之间的数字。"},
        {"severity": "warning", "sheet": "Sheet1", "excel_row": 6, "excel_col": pct, "field": "完成进度（%）", "value": "150",
         "rule": "x", "message": "第二个问题", "fix": ""},
        {"severity": "warning", "sheet": "Sheet1", "excel_row": 4, "excel_col": "B", "field": "工作任务", "value": None,
         "rule": "w", "message": "只是警告", "fix": "请核对。"},
        {"severity": "error", "sheet": None, "excel_row": None, "excel_col": None, "field": None, "value": None,
         "rule": "period.missing", "message": "文件名中未找到报送期", "fix": "请在文件名中写明季度。"},
    ]
    dst = annotate_workbook(src, tmp_path / "out.xlsx", findings=findings, bureau="财政局", period="2022Q2",
                            file_name="in.xlsx")
    wb = openpyxl.load_workbook(dst)
    assert wb.sheetnames[0] == SUMMARY_SHEET and wb.active.title == SUMMARY_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False]
    ws = wb["Sheet1"]
    # the merged E4:E5: the finding at E5 is shown on E4, saying where it really is
    top = ws[f"{status}4"]
    assert top.comment is not None and top.comment.author == AUTHOR
    assert "推进状态为空" in top.comment.text and "E4:E5" in top.comment.text and "请选择推进状态" in top.comment.text
    assert top.fill.fgColor.rgb.endswith("FFC7CE")
    # two findings on one cell share one comment; the worse colour wins
    both = ws[f"{pct}6"]
    assert "超过 100" in both.comment.text and "第二个问题" in both.comment.text
    assert both.fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["B4"].fill.fgColor.rgb.endswith("FFEB9C") and "只是警告" in ws["B4"].comment.text
    commented = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert commented == {f"{status}4", f"{pct}6", "B4"}
    # the summary lists every finding (also those with no cell) and links to the marked cells
    summary = wb[SUMMARY_SHEET]
    listed = [[c.value for c in r] for r in summary.iter_rows(min_row=6) if r[0].value]
    assert len(listed) == len(findings)
    assert listed[0][1] == "错误"                                # errors first
    link = next(r for r in summary.iter_rows(min_row=6) if r[3].value == f"{status}5")[3]
    assert link.hyperlink.location == f"'Sheet1'!{status}4"
    assert "错误 3 个，警告 2 个" in summary["A2"].value


def test_annotating_an_annotated_copy_does_not_pile_up_marks(tmp_path):
    src = write_xlsx(tmp_path / "in.xlsx", enterprise_rows(3, seed=1))
    one = [{"severity": "error", "sheet": "Sheet1", "excel_row": 2, "excel_col": "B", "field": "x", "value": "1",
            "rule": "r", "message": "第一次", "fix": ""}]
    first = annotate_workbook(src, tmp_path / "a1.xlsx", findings=one, bureau="工信局", period="2022Q2", file_name="in.xlsx")
    two = [{**one[0], "excel_row": 3, "message": "第二次"}]
    second = annotate_workbook(first, tmp_path / "a2.xlsx", findings=two, bureau="工信局", period="2022Q2", file_name="a1.xlsx")
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(SUMMARY_SHEET) == 1
    ws = wb["Sheet1"]
    assert ws["B2"].comment is None and ws["B2"].fill.fill_type is None
    assert "第二次" in ws["B3"].comment.text


def test_a_formula_stays_text_in_the_summary_and_values_replace_formulas(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "职工总数"])
    ws.append(["=HYPERLINK(\"http://x\")", 5])
    src = tmp_path / "f.xlsx"
    wb.save(src)
    f = [{"severity": "error", "sheet": "Sheet", "excel_row": 2, "excel_col": "A", "field": "企业名称",
          "value": "=HYPERLINK(\"http://x\")", "rule": "r", "message": "m", "fix": ""}]
    out = openpyxl.load_workbook(annotate_workbook(src, tmp_path / "o.xlsx", findings=f, bureau="工信局",
                                                   period=None, file_name="f.xlsx"))
    cell = next(r for r in out[SUMMARY_SHEET].iter_rows(min_row=6))[5]
    assert cell.value.startswith("=") and cell.data_type == "s"
    assert out["Sheet"]["A2"].data_type != "f"      # no formula survives in the copy


def test_too_large_means_no_copy(tmp_path, monkeypatch):
    import tasks.bureau.annotated_copy as annotate
    src = write_xlsx(tmp_path / "big.xlsx", enterprise_rows(30, seed=2))
    monkeypatch.setattr(annotate, "MAX_ROWS", 10)
    with pytest.raises(AnnotationSkipped, match="行数较多"):
        annotate_workbook(src, tmp_path / "o.xlsx", findings=[], bureau="工信局", period=None, file_name="big.xlsx")
    monkeypatch.setattr(annotate, "MAX_BYTES", 1000)
    with pytest.raises(AnnotationSkipped, match="MB"):
        annotate_workbook(src, tmp_path / "o.xlsx", findings=[], bureau="工信局", period=None, file_name="big.xlsx")
    assert not (tmp_path / "o.xlsx").exists()


# ---------------------------------------------------------------- through the real ingest

def test_rejected_xlsm_gets_an_annotated_xlsx_without_macros_or_external_links(home, run_ingest):
    rows = task_rows("财政局", seed=3)
    rows[2][4] = "差不多"   # 推进状态 of the second task: E3
    plain = write_xlsx(home.root / "plain.xlsx", rows)
    src = with_macro_and_external_link(plain, drop(home, "财政局", "财政局任务进展2022Q2.xlsm"))
    probe = openpyxl.load_workbook(src, keep_vba=True, keep_links=True)
    assert probe.vba_archive is not None and probe._external_links    # the test file really has both
    original = src.read_bytes()
    assert run_ingest(home)["results"][0]["outcome"] == "rejected"
    assert q(home, "SELECT file_format FROM submissions") == [("xlsm",)]

    (annotated,) = outbox(home, "财政局", "批注版")
    assert annotated.suffix == ".xlsx" and annotated.name.startswith("财政局任务进展2022Q2_批注版_")
    with zipfile.ZipFile(annotated) as z:
        names = z.namelist()
        assert not any("vbaProject" in n for n in names)
        assert not any("externalLink" in n for n in names)
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
        assert "上报底稿" not in "".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith((".xml", ".rels")))
    wb = openpyxl.load_workbook(annotated)
    assert wb.sheetnames[0] == SUMMARY_SHEET
    status = column_of(TSK, "status")
    cell = wb["Sheet1"][f"{status}3"]
    assert cell.comment is not None and "差不多" in cell.comment.text and "修改：" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    # the error list points at the annotated copy
    (errors,) = outbox(home, "财政局", "错误清单")
    text = " ".join(str(c.value) for r in openpyxl.load_workbook(errors).active.iter_rows() for c in r if c.value)
    assert annotated.name in text
    # and the bureau's own file is filed away untouched, macros and all
    assert (home.rejected / "财政局" / src.name).read_bytes() == original


def test_merged_cell_in_a_rejected_file_is_marked_on_its_top_left(home, run_ingest):
    rows = task_rows("财政局", seed=4)
    # a clerk merged two tasks' 推进状态 cells (E2:E3) and wrote a status that is not on the list: the merge
    # gives it to both rows (issue 19, finding 7: cell.merged), so both are wrong, E3 inside the merge
    rows[1][4] = "差不多"
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), rows, merges=["E2:E3"])
    run_ingest(home)
    assert q(home, "SELECT excel_col || excel_row, rule FROM validation_errors WHERE severity = 'error' "
                   "ORDER BY excel_row") == [("E2", "enum.status"), ("E3", "enum.status")]
    assert q(home, "SELECT excel_col || excel_row FROM validation_errors WHERE rule = 'cell.merged'") == [("E2",)]
    (annotated,) = outbox(home, "财政局", "批注版")
    ws = openpyxl.load_workbook(annotated)["Sheet1"]
    assert "E2:E3" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["E2"].comment is not None and "E2:E3 中的 E3" in ws["E2"].comment.text
    assert getattr(ws["E3"], "comment", None) is None


def test_rejected_xls_is_rebuilt_as_xlsx_and_annotated(home, run_ingest):
    rows = enterprise_rows(3, seed=6)
    rows[2][5] = "差不多"          # 经营状态 of the second enterprise, F3 … under a title: F5
    write_xls(drop(home, "工信局", "企业库2022Q2.xls"), rows, title="种子企业库")
    run_ingest(home)
    ((col, row),) = q(home, "SELECT excel_col, excel_row FROM validation_errors WHERE rule = 'enum.operating_status'")
    (annotated,) = outbox(home, "工信局", "批注版")
    wb = openpyxl.load_workbook(annotated)
    assert annotated.suffix == ".xlsx" and wb.sheetnames == [SUMMARY_SHEET, "Sheet1"]
    ws = wb["Sheet1"]
    assert ws[f"{col}{row}"].value == "差不多" and "经营状态" in ws[f"{col}{row}"].comment.text
    assert ws["A1"].value == "种子企业库"
    assert isinstance(ws["B4"].value, str) and len(ws["B4"].value) == 18   # credit codes stay text


def test_a_very_large_file_gets_only_the_error_list_which_says_so(home, run_ingest, monkeypatch):
    import tasks.bureau.annotated_copy as annotate
    monkeypatch.setattr(annotate, "MAX_ROWS", 5)
    rows = enterprise_rows(8, seed=7)
    rows[3][5] = "差不多"
    write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), rows)
    run_ingest(home)
    assert outbox(home, "工信局", "批注版") == []
    (errors,) = outbox(home, "工信局", "错误清单")
    text = " ".join(str(c.value) for r in openpyxl.load_workbook(errors).active.iter_rows() for c in r if c.value)
    assert "未生成批注副本" in text and "行数较多" in text


def test_a_file_level_rejection_gets_the_error_list_only(home, run_ingest):
    write_xlsx(drop(home, "工信局", "企业库.xlsx"), enterprise_rows(2, seed=8))   # no period in the name
    run_ingest(home)
    assert len(outbox(home, "工信局", "错误清单")) == 1
    assert outbox(home, "工信局", "批注版") == [] and outbox(home, "工信局", "回执") == []


def test_receipts_say_what_was_loaded_the_warnings_and_what_was_superseded(home, run_ingest):
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    (first,) = outbox(home, "人民银行", "回执")
    text = " ".join(str(c.value) for r in openpyxl.load_workbook(first).active.iter_rows() for c in r if c.value is not None)
    assert "已通过校验并入库" in text and "本单位本期该表种首次入库" in text

    rows = task_rows("人民银行", seed=2)
    rows[1][6] = None                          # 本期进展 empty: a warning
    write_xlsx(drop(home, "人民银行", "任务2022Q2（更正）.xlsx"), rows)
    run_ingest(home)
    assert q(home, "SELECT submission_id, status, superseded_by FROM submissions ORDER BY 1") == [
        (1, "superseded", 2), (2, "loaded", None)]
    second = next(p for p in outbox(home, "人民银行", "回执") if "更正" in p.name)
    ws = openpyxl.load_workbook(second).active
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    flat = " ".join(str(v) for r in cells for v in r if v is not None)
    # what was loaded, per sheet
    loaded = next(r for r in cells if r[1] == "任务进展" and r[3] == "Sheet1")     # the catalogue's word (labels.FORM)
    assert loaded[2] == 1
    # what it superseded: the submission id, the file name, when
    sup = next(r for r in cells if r[5] == "任务2022Q2.xlsx")
    assert sup[0] == 1 and sup[1] == "任务进展" and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", sup[3])
    # the warning, at its cell
    assert "本期进展未填写" in flat and any(r[2] == "G2" for r in cells)
    assert "有 1 个警告" in flat


def test_a_byte_identical_redrop_gets_a_receipt_saying_nothing_changed(home, run_ingest):
    src = write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_rows(2, seed=9))
    run_ingest(home)
    shutil.copyfile(next(home.archive.rglob("企业库2022Q2.xlsx")), drop(home, "工信局", "企业库2022Q2 再次.xlsx"))
    run_ingest(home)
    again = next(p for p in outbox(home, "工信局", "回执") if "再次" in p.name)
    text = " ".join(str(c.value) for r in openpyxl.load_workbook(again).active.iter_rows() for c in r if c.value is not None)
    assert "内容完全相同" in text and "第 1 号报送" in text and src.name in text


def test_feedback_redone_after_a_crash_writes_the_same_outbox(home, run_ingest):
    """finish_interrupted may redo the feedback of a committed file: same names, nothing added."""
    from tasks.bureau.outbox import write_feedback
    from warehouse.connection import connect

    bad = task_rows("财政局", seed=5)
    bad[1][4] = "差不多"
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), bad)
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=5))
    run_ingest(home)
    def contents():
        out = {}
        for p in home.outbox.rglob("*"):
            if p.is_file():
                wb = openpyxl.load_workbook(p)
                out[p.relative_to(home.outbox)] = [[(c.value, getattr(c.comment, "text", None)) for c in r]
                                                   for ws in wb.worksheets for r in ws.iter_rows()]
        return out

    before = contents()
    assert len(before) == 3   # error list + annotated copy, receipt
    with connect(home.writer_db) as con:
        for sid, stored in con.execute("SELECT submission_id, stored_path FROM submissions").fetchall():
            write_feedback(con, home, [sid], Path(stored))
    assert contents() == before
    assert not [p for p in home.outbox.rglob("*") if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- laid out alike (tasks/xlsx_layout.py)

def test_every_outbox_workbook_prints_a4_landscape_one_page_wide_with_page_numbers_in_songti(home, run_ingest):
    bad = task_rows("财政局", seed=5)
    bad[1][4] = "差不多"
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), bad)
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=5))
    run_ingest(home)
    books = {p.stem.split("_")[-2]: p for p in home.outbox.rglob("*.xlsx")}
    assert sorted(books) == ["回执", "批注版", "错误清单"]
    for kind, path in books.items():
        ws = openpyxl.load_workbook(path).worksheets[0]      # the annotated copy opens on its summary
        ps = ws.page_setup
        assert (ps.orientation, str(ps.paperSize), ps.fitToHeight) == ("landscape", "9", 0), kind
        assert ps.fitToWidth in (None, 1) and ws.sheet_properties.pageSetUpPr.fitToPage, kind   # absent means 1
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页", kind
        assert (ws.page_margins.left, ws.page_margins.top) == (0.4, 0.6), kind
        fonts = {(c.font.name, c.font.sz) for r in ws.iter_rows() for c in r if c.value is not None}
        assert {name for name, _ in fonts} == {"宋体"} and ("宋体", 10) in fonts, kind   # titles may be larger
    lists = openpyxl.load_workbook(books["错误清单"]).active
    assert lists.print_title_rows == "$3:$3" and lists.freeze_panes == "A4"
    summary = openpyxl.load_workbook(books["批注版"])[SUMMARY_SHEET]
    assert summary.print_title_rows == "$5:$5" and summary.freeze_panes == "A6"


def test_a_wrapped_finding_gets_a_row_tall_enough_and_a_one_line_finding_the_default_height(tmp_path):
    from tasks.bureau.error_list import write_error_workbook
    base = {"sheet": "Sheet1", "excel_row": 2, "excel_col": "B", "field": "推进状态", "value": "1", "rule": "r",
            "message": "短"}
    findings = [{**base, "severity": "error", "fix": "请" * 60},    # 修改建议 is 46 wide (45 usable): 60 × 1.7 = 102 → 3 lines
                {**base, "severity": "warning", "fix": "请核对。"}]
    ws = openpyxl.load_workbook(write_error_workbook(tmp_path / "e.xlsx", bureau="工信局", file_name="x.xlsx",
                                                     period="2022Q2", findings=findings, rejected=True)).active
    assert ws["H4"].value == "请" * 60 and ws["H5"].value == "请核对。"
    assert ws.row_dimensions[4].height == 46.5   # three lines of 14 points, 4 of padding: 46, up to whole pixels (0.75)
    assert ws.row_dimensions[5].height is None               # one line: Excel's own height


def test_measured_widths_fit_the_text_and_keep_a_header_on_one_line():
    from tasks.xlsx_layout import fit_width
    w = pytest.approx
    assert fit_width("应报季度", ["2022Q3"]) == w(4 * 1.7 + 2)              # the header is the widest: 6.8 + 2
    assert fit_width("单位", ["农业农村局"]) == w(5 * 1.7 + 2)               # the text is
    assert fit_width("编号", ["T1"]) == w(6 + 2)                            # never narrower than 6 (+2)
    assert fit_width("银企对接（次）", ["1"]) == w(7 * 1.7 + 2)               # a short header is not wrapped
    assert fit_width("备注", ["长" * 40], widest=36) == 36                  # long text wraps at the cap
    long_header = "一个很长的表头一个很长的表头一个很长的表头（户）"            # 24 CJK: 40.8 units, two lines
    assert fit_width(long_header) == w(0.6 * 24 * 1.7 + 2)
    # text that leaves the header all but one character short: widened to the whole header
    assert fit_width(long_header, ["长" * 23]) == w(24 * 1.7 + 2)
