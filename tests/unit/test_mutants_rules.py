"""Rules of schemas/ and the intake's normalisers that a surviving mutant showed nothing checked (issue 21,
MUTANTS21.md: `make mutants`). Expected values come from the policy, the standards named, or a hand computation,
never from running the code. Pure functions only (the unit tier)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from schemas import clock
from schemas.labels import period, periods_in_text, scope_label
from schemas.reference import bureau_named_in, bureaus, name_keys, resolve_bureau, squash
from schemas.text_width import excel_lines, excel_width, terminal_width

UTC = timezone.utc
# schemas/clock.py's own example: a 2022Q3 report due 2022-10-10 arrives 2022-10-10 22:30 UTC, which is
# 2022-10-11 06:30 in Beijing (UTC+8, no daylight saving): late, whatever the server's clock says
ARRIVED = datetime(2022, 10, 10, 22, 30, tzinfo=UTC)


# ---------------------------------------------------------------- time: one programme zone (issue 19, finding 2)

def test_a_deadline_is_judged_on_the_programme_zone_calendar_day():
    assert clock.local_date(ARRIVED) == date(2022, 10, 11)          # Beijing: the day after the deadline
    assert clock.local_date(ARRIVED, "UTC") == date(2022, 10, 10)   # a programme configured in UTC: on time
    assert clock.local(ARRIVED).utcoffset() == timedelta(hours=8)


def test_an_instant_is_shown_in_the_programme_zone_one_way():
    assert clock.shown(ARRIVED) == "2022-10-11 06:30"
    assert clock.shown(ARRIVED, "UTC") == "2022-10-10 22:30"
    assert clock.shown(None) == "—"
    assert clock.shown(date(2022, 10, 10)) == "2022-10-10"           # a date has no time of day to convert
    assert clock.shown_iso(ARRIVED) == "2022-10-11T06:30:00+08:00"
    assert clock.shown_iso(None) is None


def test_excel_cells_get_programme_wall_clock_and_file_metadata_gets_utc():
    assert clock.wall_clock(ARRIVED) == datetime(2022, 10, 11, 6, 30)          # naive: Excel has no zones
    beijing = datetime(2022, 10, 11, 6, 30, tzinfo=clock.zone())
    assert clock.utc_naive(beijing) == datetime(2022, 10, 10, 22, 30)         # an xlsx's …Z metadata
    assert clock.from_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)                              # what srdi records is UTC


def test_the_default_zone_is_shanghai_and_an_unknown_one_is_refused():
    assert clock.zone().key == clock.zone(None).key == "Asia/Shanghai"
    with pytest.raises(ValueError, match="未知时区"):
        clock.zone("Asia/Atlantis")


# ---------------------------------------------------------------- how wide text is (terminal and Excel)

def test_terminal_columns_count_cjk_as_two():
    assert terminal_width("专精特新ab") == 4 * 2 + 2
    assert terminal_width("ＡＢ") == 4                    # full-width letters are wide too
    assert terminal_width("“”") == 2                      # ambiguous width: one column in a terminal


def test_excel_width_counts_cjk_and_ambiguous_punctuation_as_1_7():
    assert excel_width("蛟河a") == pytest.approx(1.7 * 2 + 1)
    assert excel_width("“”") == pytest.approx(1.7 * 2)    # drawn wide by 宋体


def test_wrapped_lines_of_a_cell():
    assert excel_lines(None, 10) == 1 and excel_lines("", 10) == 1
    # 10 CJK characters: 17 units in a 10-unit column (9 usable) -> 2 lines
    assert excel_lines("长" * 10, 10) == 2
    assert excel_lines("长" * 5, 10) == 1                 # 8.5 units fit in 9
    assert excel_lines("a\nb\n", 10) == 3                 # every line break starts a line, an empty one too
    # a column narrower than 5 units still wraps at 4: 3 CJK characters (5.1 units) need 2 lines
    assert excel_lines("长长长", 2) == 2


# ---------------------------------------------------------------- periods as people read them

def test_period_labels():
    assert period("2022Q3") == "2022年第三季度"
    assert period("2023Q1") == "2023年第一季度"
    assert period("2022H1") == "2022年上半年"
    assert period("2022H2") == "2022年下半年"
    assert period("2022") == "2022年"


def test_period_codes_in_srdi_sentences_read_as_people_read_them():
    assert periods_in_text("2022Q2报送为种子，2023Q4认定为省级") == "2022年第二季度报送为种子，2023年第四季度认定为省级"
    # not a period code: glued to other digits or letters, or a quarter that does not exist
    assert periods_in_text("12022Q2 A2022Q2 2022Q5 2022Q21") == "12022Q2 A2022Q2 2022Q5 2022Q21"


def test_scope_labels():
    assert scope_label("year:2022") == "2022年当年"
    assert scope_label("cumulative") == "累计"
    assert scope_label("something_new") == "something_new"
    assert scope_label(None) is None


# ---------------------------------------------------------------- bureaus and names (schemas/reference.py)

def test_the_plan_s_responsible_units_are_the_bureaus():
    """The policy's responsible units (责任单位, policy README "Who reports") are the bureaus srdi knows, by short name."""
    for unit in ("工信局", "农业农村局", "住建局", "商务局", "文广旅局", "发改局", "财政局", "教育局", "市监局",
                 "司法局", "人社局", "组织部", "宣传部", "人民银行"):
        assert unit in bureaus(), unit


def test_a_bureau_is_known_by_any_of_its_usual_names():
    assert resolve_bureau("工信局") == "工信局"
    assert resolve_bureau("蛟河市工业和信息化局") == "工信局"       # the full name
    assert resolve_bureau("工业和信息化局") == "工信局"             # an alias
    assert resolve_bureau(" 工 信 局 ") == "工信局"                 # spaces as people type them
    assert resolve_bureau("工信局（金融办）") == resolve_bureau("工信局(金融办)") == "工信局"
    assert resolve_bureau("蛟河市农业农村局") == "农业农村局"
    assert resolve_bureau("蛟河市商务局") == "商务局"
    assert resolve_bureau("市农业局") == "农业农村局"               # 市 + an alias
    assert resolve_bureau("财务室") is None
    assert resolve_bureau("") is None and resolve_bureau(None) is None


def test_a_file_name_names_a_bureau_only_when_it_names_exactly_one():
    assert bureau_named_in("工信局任务进展2022Q3.xlsx") == "工信局"
    assert bureau_named_in("蛟河市住房和城乡建设局2022年第三季度.xlsx") == "住建局"
    # names of two different bureaus: which one sent it cannot be told
    assert bureau_named_in("工信局商务局联合报送2022Q3.xlsx") is None
    # a name shorter than three characters inside a longer text is not a bureau's name (商务 in 电子商务)
    assert bureau_named_in("电子商务企业库.xlsx") is None
    assert bureau_named_in("") is None and bureau_named_in(None) is None


def test_an_enterprise_name_s_key_ignores_width_and_spaces_and_keeps_nulls():
    assert squash("吉林某某 有限公司（新）") == "吉林某某有限公司(新)"
    assert squash("ＡＢＣ\u3000科技") == "ABC科技"
    keys = name_keys(pl.Series("enterprise_name", ["吉林某某有限公司（新）", None, "吉林某某有限公司(新)", "王  威"]))
    assert keys.name == "name_key"
    assert keys.to_list() == ["吉林某某有限公司(新)", None, "吉林某某有限公司(新)", "王威"]


# ---------------------------------------------------------------- a renamed enterprise (schemas/sections.py, #19)

def test_a_renamed_enterprise_is_listed_under_its_current_name_with_its_former_names():
    from schemas.sections import with_former_names
    frame = pl.DataFrame({"enterprise_name": ["吉林长白山酒业集团股份有限公司", "蛟河某某科技有限公司"]})
    former = pl.DataFrame({"enterprise_name": ["吉林长白山酒业集团股份有限公司"], "former_names": ["长白山酒业集团有限公司"]})
    assert with_former_names(frame, former)["enterprise_name"].to_list() == [
        "吉林长白山酒业集团股份有限公司（原名 长白山酒业集团有限公司）", "蛟河某某科技有限公司"]
    assert with_former_names(frame, former.clear()) is frame            # nobody renamed: the frame as it is


def test_sections_of_an_unknown_rollup_kind_are_refused():
    from schemas.sections import sections_for
    with pytest.raises(ValueError, match="unknown rollup kind"):
        sections_for("weekly")
    assert sections_for("annual")                                         # the 年度总结 computes sections
