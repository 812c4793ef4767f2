"""tasks/print_rules.py (how a pack sheet prints) and the 概要's 报送情况 table, by hand computation."""
from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from tasks import print_rules as P
from tasks.xlsx_layout import header_stops, print_column


def test_a_column_in_points_and_the_scale_as_excel_computes_it():
    # width 8: int(8 × 7 + 0.5) + 5 = 61 pixels = 45.75 pt (xlsxwriter's conversion; 0.75 pt a pixel)
    assert P.column_points(8) == 45.75
    # A4 landscape 841.89 pt less 0.4 + 0.4 inch (57.6 pt) of margins
    assert P.printable_width("landscape") == pytest.approx(784.29)
    assert P.printable_width("portrait") == pytest.approx(537.68)
    assert P.fit_scale(881.25, "landscape") == 88        # 784.29 / 881.25 = 0.88996, rounded down
    assert P.fit_scale(500, "landscape") == 100          # never enlarged
    assert P.smallest_scale(10) == 80 and P.smallest_scale(9) == 89   # 8/10; 8/9 = 0.888… up


def test_a_narrow_sheet_is_portrait_and_a_wide_one_landscape_at_its_widths():
    narrow = [P.Column(10, 8)] * 5                        # 5 × 75 px = 281.25 pt
    plan = P.plan(narrow, 10)
    assert (plan.orientation, plan.scale, plan.fit_width, plan.narrowed) == ("portrait", 100, True, False)
    wide = [P.Column(20, 8)] * 7                          # 7 × 145 px = 761.25 pt: too wide for portrait, fits landscape
    plan = P.plan(wide, 10)
    assert (plan.orientation, plan.scale, plan.widths) == ("landscape", 100, (20,) * 7)


def test_a_sheet_too_wide_for_8pt_is_narrowed_widest_first_numbers_kept():
    # 4 text columns of 46 (327 px each) and 10 numbers of 8 (61 px): 4 × 327 + 10 × 61 = 1918 px = 1438.5 pt,
    # 54 % on landscape: below the 82 % (80 % for 8 pt of 10-point text, plus 2 % slack) the rules allow
    cols = [P.Column(46, 8.8)] * 4 + [P.Column(8, 8, wraps=False, stops=(8, 5.4))] * 10
    plan = P.plan(cols, 10)
    assert plan.fit_width and plan.narrowed and plan.orientation == "landscape"
    assert plan.scale >= 82 and plan.smallest_printed >= P.MIN_PT
    assert plan.widths[4:] == (8,) * 10                    # the numbers were not the widest: untouched
    assert all(8.8 <= w < 46 for w in plan.widths[:4])
    # the cap is as wide as it can be: at 82 % a landscape page holds 784.29 / 0.82 = 956.4 pt of columns as Excel
    # measures them, and LibreOffice lays them out 8 % wider (P.WIDER): 956.4 / 1.08 = 885.6 pt
    assert P.WIDER == 1.08
    assert P.total_points(plan.widths) <= 784.29 / 0.82 / 1.08
    wider = P.total_points([w + 0.5 for w in plan.widths[:4]] + [8] * 10)
    assert P.fit_scale(wider * 1.08, "landscape") < 82


def test_a_numeric_column_stops_where_its_header_breaks_evenly():
    # 吉林市级: 4 CJK characters of 1.7 units, + 2 of padding = 8.8 on one line; 2 + 2 characters on two: 5.4
    assert header_stops("吉林市级") == (8.8, 5.4)
    # a bracketed unit keeps its own line: 金额 / （元） — no further stops within three lines
    assert header_stops("金额（元）") == (7.1,)
    col = print_column("吉林市级", ["12", "3"], 8.8, wraps=False)
    assert col.narrowest == 5.4 and col.at(8.0) == 5.4 and col.at(9.0) == 8.8
    money = print_column("金额（元）", ["1,500,000"], 11.0, wraps=False)
    assert money.narrowest == 11.0                          # "1,500,000" is 9 units + 2: never cut to ###


def test_a_sheet_that_cannot_be_narrowed_enough_prints_in_blocks_with_its_key_column():
    # 60 numbers that cannot narrow (61 px = 45.75 pt each) and a key column of 20 (145 px = 108.75 pt): at 82 % a
    # landscape page holds 784.29 / 0.82 / 1.08 (LibreOffice's wider columns) = 885.6 pt, the key column's 108.75
    # leaves 776.8: 16 numbers (732.0; 17 would be 777.75) a block, so breaks before columns 17, 33 and 49
    cols = [P.Column(20, 20)] + [P.Column(8, 8, wraps=False)] * 60
    plan = P.plan(cols, 10)
    assert not plan.fit_width and plan.scale == 82 and plan.smallest_printed >= P.MIN_PT
    assert plan.repeat_columns == 1 and plan.breaks == (17, 33, 49)


def _compliance(rows):
    return pl.DataFrame(rows, schema={"report_period": pl.Utf8, "bureau": pl.Utf8, "form": pl.Utf8,
                                      "due_date": pl.Date, "status": pl.Utf8, "days_late": pl.Int32,
                                      "responsible_leader": pl.Utf8}, orient="row")


def test_the_summary_table_is_one_row_per_bureau_to_chase_first():
    from schemas.periods import RollupPeriod
    from tasks.rollup.pack import compliance_table
    due = date(2022, 10, 10)
    c = _compliance([("2022Q3", "银保监", "task", due, "late", 10, "李明"),
                     ("2022Q3", "农业农村局", "enterprise", due, "missing", None, None),
                     ("2022Q3", "农业农村局", "task", due, "on_time", None, None),
                     ("2022Q3", "工信局", "enterprise", due, "on_time", None, "王强"),
                     ("2022Q3", "工信局", "task", due, "on_time", None, "王强")])
    rp = RollupPeriod.of("quarterly", "2022Q3", date(2022, 11, 1))
    table = compliance_table(rp, c)
    assert [cells for cells, _ in table] == [
        ["农业农村局", "未报送", "按时", "（未配置）", "需催报"],
        ["银保监", "—（不需报送）", "逾期10天", "李明", "逾期已报，已入库，不需催报"],
        ["工信局", "按时", "按时", "王强", "按时"]]
    assert table[0][1] == [False, True, False, False, True]          # the cell to chase and the row's 说明: red


def test_over_several_quarters_a_cell_names_the_quarters_of_each_status():
    from schemas.periods import RollupPeriod
    from tasks.rollup.pack import compliance_table
    c = _compliance([("2022Q2", "商务局", "task", date(2022, 7, 10), "rejected", None, None),
                     ("2022Q3", "商务局", "task", date(2022, 10, 10), "late", 3, None),
                     ("2022Q4", "商务局", "task", date(2023, 1, 10), "on_time", None, None)])
    rp = RollupPeriod.of("annual", "2022", date(2023, 2, 1))
    ((cells, bad),) = compliance_table(rp, c)
    assert cells[2] == "退回未重报（第二季度）\n逾期（第三季度3天）\n按时（第四季度）"
    assert cells[4] == "需催报" and bad[2]
