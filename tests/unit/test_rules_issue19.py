"""Issue 19, findings 3–6, given/expect against 蛟政发〔2022〕4号 (in-memory DuckDB, pure functions).

3  recognition dates with a month or a day: every form clerks write; a recognition before the plan's issue date
   (2022年4月28日) is "not paid, before the plan" naming the clause (二、（一）), one after it is paid;
4  ledgers by kind of pack: 季调度 and 半年例会 say 预计 (以年度总结为准), only the 年度总结 says 应兑现; an amount the
   previous 季调度 showed that changes is shown as changed, with why, in the next pack;
5  ratio targets: 实际 is the per-enterprise verdict's basis (达标户数/应达标户数), the pooled ratio a separate column;
6  十四五 skipped levels: a switch for every level target, both ways.

Every expected value is worked out by hand from the clause quoted in the test, never from running the code.
"""
from __future__ import annotations

import pytest

from schemas.forms import ENTERPRISE
from schemas.rollup_config import load
from schemas.values import ParseError, parse_level, read_cell, recognition_date
from tests.unit.test_rule_sql import NEW, con  # noqa: F401 (con: the fixture)
from tests.unit.test_rules_policy import KAIPU, TIANXIANG, enters, ledger, report, rows_by, run

YEAR_COLUMN = ENTERPRISE.field("srdi_level_year")


# ---------------------------------------------------------------- 3. the forms clerks write

@pytest.mark.parametrize("typed,year,month,day", [
    ("2022", 2022, None, None), ("2022年", 2022, None, None), ("2022年度", 2022, None, None),
    ("2022年3月", 2022, 3, None), ("2022.3", 2022, 3, None), ("2022-03", 2022, 3, None), ("2022/3", 2022, 3, None),
    ("2022年3月15日", 2022, 3, 15), ("2022-03-15", 2022, 3, 15), ("2022/3/15", 2022, 3, 15),
    ("2022.3.15", 2022, 3, 15), ("2022.0", 2022, None, None),   # a year typed into a number cell
])
def test_each_form_of_a_recognition_date(typed, year, month, day):
    when = recognition_date(typed)
    assert (when.year, when.month, when.day) == (year, month, day)


@pytest.mark.parametrize("raw,year,understood", [
    ("2022年3月", 2022, None),                          # written the way the note would say it: nothing to say
    ("2022.3", 2022, "2022年3月"), ("2022-03", 2022, "2022年3月"), ("2022/3", 2022, "2022年3月"),
    ("2022年3月15日", 2022, None), ("2022-03-15", 2022, "2022年3月15日"),
    ("2022-03-15 00:00:00", 2022, "2022年3月15日"),      # an Excel date cell, as the reader renders it
    ("1905-07-15 00:00:00", 2023, "2023年"),             # 2023 typed into a date-formatted cell
])
def test_the_recognition_year_column_keeps_the_month_and_says_how_it_read_it(raw, year, understood):
    r = read_cell(raw, YEAR_COLUMN)
    assert (r.error, r.value, r.understood) == (None, year, understood)
    assert r.shown == ("2022/3/15" if raw.startswith("2022-03-15 ") else "1905/7/15" if raw.startswith("1905") else raw)


@pytest.mark.parametrize("text,level,year,month,day", [
    ("2022年3月认定吉林市级", "吉林市级", 2022, 3, None),
    ("2022年3月15日认定为吉林市级", "吉林市级", 2022, 3, 15),
    ("2022.3已认定省级", "吉林省级", 2022, 3, None),
    ("2022-03-15认定吉林市级", "吉林市级", 2022, 3, 15),
    ("2022年5月吉林市级", "吉林市级", 2022, 5, None),
    ("2021年已认定省级国家级拟培育", "吉林省级", 2021, None, None),   # Annex 1 row 2, as printed
])
def test_the_level_text_reads_a_month_or_a_day(text, level, year, month, day):
    p = parse_level(text)
    assert (p["srdi_level"], p["srdi_level_year"], p["srdi_level_month"], p["srdi_level_day"]) == (level, year, month, day)


@pytest.mark.parametrize("typed,says", [("2022年13月", "没有2022年13月"), ("2022-02-30", "没有2022年2月30日"),
                                        ("2022.13", "没有2022年13月")])
def test_a_date_that_does_not_exist_is_an_error(typed, says):
    with pytest.raises(ParseError) as e:
        recognition_date(typed)
    assert e.value.rule == "parse.recognition_date" and says in e.value.message
    r = read_cell(typed, YEAR_COLUMN)
    assert r.error is not None and r.error.rule == "parse.recognition_date"
    with pytest.raises(ParseError) as e:
        parse_level(f"{typed}认定吉林市级")
    assert e.value.rule == "parse.recognition_date" and f"“{typed}认定吉林市级”中" in e.value.message


# ---------------------------------------------------------------- 3. a month decides whether the plan pays

def test_a_recognition_in_march_2022_predates_the_plan_and_is_not_paid(con):
    """二、（一）「蛟河市本级对首次被认定为吉林市级…给予一次性5万元奖励」 is the plan's, issued 2022年4月28日. NEW (not in
    Annex 1) enters in 2022Q3 with 「2022年3月认定吉林市级」: 1–31 March 2022, before the plan. Not paid, with the
    clause; never 待核实; in the ledger of 2022 only."""
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022,
                                            "srdi_level_month": 3, "srdi_level_text": "2022年3月认定吉林市级"}])
    enters(con, NEW, "2022Q3", sid)
    for period in ("2022Q3", "2022Q4", "2022H2", "2022"):
        r = ledger(con, "2022", period=period)[(NEW, "srdi", "吉林市级")]
        assert (r["status"], r["amount_yuan"]) == ("predates", 0), period
        assert r["reason"].startswith("方案印发前认定，不予奖励（二、（一））") and "注明2022年3月认定" in r["reason"]
        assert "2022年4月28日" in r["reason"]
    assert (NEW, "srdi", "吉林市级") not in ledger(con, "2023")


def test_a_recognition_in_may_2022_is_paid(con):
    """「2022年5月认定吉林市级」: 1–31 May 2022, after 28 April: first recognition, 50,000 (二、（一）)."""
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022,
                                            "srdi_level_month": 5}])
    enters(con, NEW, "2022Q3", sid)
    r = ledger(con, "2022")[(NEW, "srdi", "吉林市级")]
    assert (r["status"], r["amount_yuan"], r["recognised_year"]) == ("accrued", 50_000, 2022)
    assert "注明2022年5月认定" in r["evidence"]


def test_a_day_decides_in_the_month_of_the_plan(con):
    """April 2022 straddles the issue date: 「2022年4月」 alone cannot tell (待核实, 2022-04-01 to 2022-04-30);
    「2022年4月15日」 is before it (not paid), 「2022年4月28日」 is the day itself (paid: on or after the issue date)."""
    cases = (("蛟河市四月一号有限公司", None, "pending", 0),
             ("蛟河市四月二号有限公司", 15, "predates", 0),
             ("蛟河市四月三号有限公司", 28, "accrued", 50_000))
    for name, day, _status, _amount in cases:
        sid = report(con, "工信局", "2022Q3", [{"enterprise_name": name, "srdi_level": "吉林市级",
                                                "srdi_level_year": 2022, "srdi_level_month": 4, "srdi_level_day": day}])
        enters(con, name, "2022Q3", sid)
    book = ledger(con, "2022")
    for name, _day, status, amount in cases:
        r = book[(name, "srdi", "吉林市级")]
        assert (r["status"], r["amount_yuan"]) == (status, amount), name
    assert "2022-04-01至2022-04-30之间" in book[("蛟河市四月一号有限公司", "srdi", "吉林市级")]["evidence_needed"]


def test_a_year_alone_in_2022_on_a_new_enterprise_stays_to_verify(con):
    """docs/rollups.md rule 23: 「2022年已认定吉林市级」 on an enterprise never seen before may be January–April."""
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022}])
    enters(con, NEW, "2022Q3", sid)
    r = ledger(con, "2022")[(NEW, "srdi", "吉林市级")]
    assert (r["status"], r["amount_yuan"]) == ("pending", 0)
    assert "2022-01-01至2022-09-30之间" in r["evidence_needed"] and "认定月份" in r["evidence_needed"]


# ---------------------------------------------------------------- 4. provisional and final ledgers

def _climb(con):
    """开普 (Annex 1: seed on 2022-04-28): 吉林市级 (2022) reported in 2022Q3, 吉林省级 (2022) in 2022Q4."""
    for q, level in (("2022Q3", "吉林市级"), ("2022Q4", "吉林省级")):
        report(con, "工信局", q, [{"enterprise_name": KAIPU, "srdi_level": level, "srdi_level_year": 2022}])


def test_quarterly_and_half_year_ledgers_are_provisional_and_only_the_annual_one_is_due(con):
    """三、（三）「季调度、半年例会、年度总结」: a dispatch's amount is 预计 (以年度总结为准); the annual summary's 应兑现.
    2022Q3: 开普 吉林市级 50,000 预计. 2022 (annual): 吉林省级 100,000 应兑现 (top_up: the same year pays once, the
    higher level)."""
    _climb(con)
    q3 = ledger(con, "2022", period="2022Q3")[(KAIPU, "srdi", "吉林市级")]
    assert (q3["status"], q3["amount_yuan"], q3["change_note"]) == ("provisional", 50_000, None)
    q4 = ledger(con, "2022", period="2022Q4")[(KAIPU, "srdi", "吉林省级")]
    assert (q4["status"], q4["amount_yuan"]) == ("provisional", 100_000)
    h2 = ledger(con, "2022", period="2022H2")[(KAIPU, "srdi", "吉林省级")]
    assert (h2["status"], h2["amount_yuan"]) == ("provisional", 100_000)
    year = ledger(con, "2022")
    assert (year[(KAIPU, "srdi", "吉林省级")]["status"], year[(KAIPU, "srdi", "吉林省级")]["amount_yuan"]) == (
        "accrued", 100_000)
    assert (year[(KAIPU, "srdi", "吉林市级")]["status"], year[(KAIPU, "srdi", "吉林市级")]["amount_yuan"]) == (
        "no_repeat", 0)


@pytest.mark.parametrize("period", ["2022Q4", "2022H2", "2022"])
def test_a_provisional_amount_the_next_pack_changes_is_shown_with_why(con, period):
    """The 2022Q3 dispatch showed 开普 吉林市级 50,000 预计. Every pack after it in 2022 (2022Q4, 2022H2, the annual
    summary) shows: 50,000 预计 → 不重复奖励, 改为 省级 100,000."""
    _climb(con)
    book = ledger(con, "2022", period=period)
    city = book[(KAIPU, "srdi", "吉林市级")]
    assert (city["status"], city["previous_status"], city["previous_amount_yuan"]) == ("no_repeat", "provisional", 50_000)
    assert city["change_note"] == ("较2022年第三季度季调度预计：吉林市级“专精特新”中小企业 50000元预计 → 不重复奖励，"
                                   "改为省级“专精特新”中小企业 100000元")
    assert book[(KAIPU, "srdi", "吉林省级")]["change_note"] is None          # new this quarter, not a change


def test_the_first_half_and_a_new_year_compare_with_nothing(con):
    """2022H1 ends with 2022Q2, the plan's first quarter: no dispatch before it. 2023Q1 starts a new year's ledger."""
    _climb(con)
    report(con, "工信局", "2023Q1", [{"enterprise_name": KAIPU, "srdi_level": "国家级", "srdi_level_year": 2023}])
    assert all(r["change_note"] is None for r in ledger(con, "2023", period="2023Q1").values())


# ---------------------------------------------------------------- 5. ratio targets

def test_ratio_target_actual_is_the_enterprises_meeting_it_and_the_pooled_ratio_is_context(con):
    """一、（三）3「省级…研发投入占销售收入比例不低于2%」, judged per enterprise. 添正 60/1000 = 6 %, 松花湖 10/1000 = 1 %:
    1 of 2 meets → 实际 "1/2户达标", 有风险. Pooled 70/2000 = 3.5 % would read as met: it is shown apart, as context."""
    report(con, "工信局", "2022Q4", [
        {"enterprise_name": "吉林添正生物科技股份有限公司", "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 60.0, "sales_revenue": 1000.0, "tech_staff": 20, "total_staff": 100},
        {"enterprise_name": "吉林省松花湖管业有限公司", "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 10.0, "sales_revenue": 1000.0, "tech_staff": 20, "total_staff": 100}])
    t = rows_by(run(con, "target_progress", "2022Q4"), "target_id")["rd_ratio"]
    assert (t["actual_value"], t["actual_text"], t["expected_value"], t["gap"], t["status"]) == (
        1, "1/2户达标", 2, 1, "at_risk")
    assert t["pooled_pct"] == pytest.approx(3.5)
    staff = rows_by(run(con, "target_progress", "2022Q4"), "target_id")["tech_staff_ratio"]
    assert (staff["actual_text"], staff["status"], staff["pooled_pct"]) == ("2/2户达标", "on_track", pytest.approx(20.0))


# ---------------------------------------------------------------- 6. 十四五 skipped levels, a switch each

def _straight_to_province(con):
    """天翔炭业 (Annex 1: seed, plans 吉林市级 2022) reported 吉林省级 (2023) in 2023Q2, never 吉林市级."""
    report(con, "工信局", "2023Q2", [{"enterprise_name": TIANXIANG, "srdi_level": "吉林省级", "srdi_level_year": 2023}])


def _city_total(con, cfg=None) -> dict:
    return rows_by(run(con, "target_enterprises", "2023", cfg=cfg).filter(
        run(con, "target_enterprises", "2023", cfg=cfg)["target_id"] == "city_total"), "enterprise_name")


def test_by_default_a_skipped_level_counts_for_the_fourteenth_plan_city_target(con):
    """「“十四五”期间…培育吉林市级“专精特新”中小企业10户以上」: the default reads the targets as a ladder, so an
    enterprise cultivated to 省级 was cultivated to 吉林市级 or above. Counted for city_total: 天翔 (2023) and Annex 1's
    添正 and 松花湖 (「2021年已认定省级」: 2021 is inside 十四五, never seen at 吉林市级) → 3; province_total the same 3."""
    _straight_to_province(con)
    assert _city_total(con)[TIANXIANG]["status"] == "counted"
    t = rows_by(run(con, "target_progress", "2023"), "target_id")
    assert (t["city_total"]["actual_value"], t["province_total"]["actual_value"]) == (3, 3)


@pytest.mark.parametrize("cfg", [dict(total_counts_higher_levels=False),
                                 dict(counts_higher_levels=(("city_total", False),))])
def test_the_switch_off_counts_only_enterprises_recognised_at_the_level(con, cfg):
    """Switched off, city_total counts only enterprises recognised 吉林市级: none of 天翔, 添正, 松花湖 was → 0;
    province_total is unchanged (3)."""
    _straight_to_province(con)
    rules = load(**cfg)
    assert TIANXIANG not in _city_total(con, rules)
    t = rows_by(run(con, "target_progress", "2023", cfg=rules), "target_id")
    assert (t["city_total"]["actual_value"], t["province_total"]["actual_value"]) == (0, 3)


def test_the_switch_is_refused_for_a_target_that_is_not_a_level_target():
    from schemas.rollup_config import ConfigError, parse
    with pytest.raises(ConfigError):
        parse({"targets": {"counts_higher_levels": {"seed_total": False}}})
