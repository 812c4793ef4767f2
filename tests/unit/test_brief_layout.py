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
