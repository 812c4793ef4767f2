"""The brief's table layout (tasks/rollup/brief.py): column widths from em_width, summing to the text width."""
from __future__ import annotations

from docx.shared import Mm

from schemas.text_width import em_width
from tasks.rollup.brief import BriefWriter, TABLE_PT


def test_em_width_counts_a_cjk_character_as_one_em_and_a_digit_as_half():
    assert em_width("仿宋") == 2.0
    assert em_width("2022年") == 3.0
    assert em_width("“专精特新”") == 6.0          # “” are drawn wide by CJK fonts


def test_columns_sum_to_the_text_width_whether_they_fit_or_not():
    w = BriefWriter("标题")
    total = int(w.text_width.twips)
    assert abs(w.text_width - Mm(156)) < Mm(0.1)
    narrow = w.widths([["编号", "T1-1"], ["单位", "工信局"]])
    assert sum(narrow) == total and narrow[0] < narrow[1] * 1.01 + 1   # stretched in proportion
    long = "需协调" * 60                                                   # far wider than the page
    wide = w.widths([["序号", "1"], ["提出单位", "人民银行"], ["问题", long]])
    assert sum(wide) == total
    # the short columns keep at least four characters (or what they need) and the long one takes the rest
    per_em = TABLE_PT * 20
    assert wide[0] >= 2 * per_em and wide[1] >= 4 * per_em and wide[2] > total / 2


def test_every_body_row_shows_its_own_texts_in_order_as_the_first_is_laid_out():
    """Rows after the first are copies of the first laid-out row (#23): each keeps its own texts (a line break, a
    leading space, an empty cell), in order, with the first row's alignment and no bold; the total row stays bold."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    w = BriefWriter("标题")
    rows = [["1", "工信局", "甲"], ["2", "商务局", "第一行\n第二行"], ["3", " 人社局", ""], ["4", "农业农村局", "丁"]]
    w.table(["序号", "单位", "说明"], rows, numeric={0}, total=["合计", "", "4"])
    (table,) = w.doc.tables
    assert [[c.text for c in r.cells] for r in table.rows] == [["序号", "单位", "说明"], *rows, ["合计", "", "4"]]
    body = table.rows[1:-1]
    assert {r.cells[0].paragraphs[0].alignment for r in body} == {WD_ALIGN_PARAGRAPH.RIGHT}
    assert {bool(run.bold) for r in body for c in r.cells for run in c.paragraphs[0].runs} == {False}
    assert all(run.bold for c in table.rows[-1].cells[:1] for run in c.paragraphs[0].runs)
    assert {c.width for r in body for c in r.cells[:1]} == {table.rows[1].cells[0].width}


def test_a_table_of_one_row_and_a_total_has_each_once():
    w = BriefWriter("标题")
    w.table(["单位", "金额"], [["工信局", "10"]], total=["合计", "10"])
    (table,) = w.doc.tables
    assert [[c.text for c in r.cells] for r in table.rows] == [["单位", "金额"], ["工信局", "10"], ["合计", "10"]]
