"""Enterprise identity is the 统一社会信用代码 (issue #19, finding 1): given/expect on an in-memory DuckDB.

An enterprise is its credit code once a report gives one, its name until then (Annex 1 lists no codes). A rename
with the same code is one enterprise under its current name (the name of its latest accepted report), with the
old name kept as a former name (曾用名); an earlier different code for the same name is a code correction. Every
rollup counts identities. Expected values come from the policy and a hand count of Annex 1
(schemas/refdata/annex1.csv), never from running the code.
"""
from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from samples.workbooks import credit_code
from schemas.periods import RollupPeriod
from schemas.rollup_config import load
from tasks.rollup.compute import compute_all
from tests.unit.test_rule_sql import con, enterprise_row, given, registry, state, submission  # noqa: F401 (fixture)

# Annex 1 row 8: 葡萄酒制造, 农业 team, no 认定级别 (种子), 拟培育吉林市级 2023, 拟培育吉林省级 2025
OLD = "长白山酒业集团有限公司"
NEW = "吉林长白山酒业集团股份有限公司"      # its name from 2024Q2 on, the same credit code (the case)
CODE = credit_code(8)
PHARMA = "长白山制药股份有限公司"            # Annex 1 row 1: 吉林省级 technology centre, 拟培育 2022 / 2023, 工业
NEWCO = "蛟河市新星机械有限公司"            # not in Annex 1


def rollup(con, kind: str, period: str) -> dict[str, pl.DataFrame]:
    rp = RollupPeriod.of(kind, period, as_of=date(2026, 1, 31))
    return compute_all(con, rp, load())


def names(frame: pl.DataFrame) -> list[str]:
    return sorted(frame["enterprise_name"].to_list())


@pytest.fixture
def renamed(con):
    """长白山酒业: reported under its old name with its code in 2022Q4 (seed) and 2023Q3 (吉林市级, 认定 2023), then
    under its new name with the same code from 2024Q2 on. 农业农村局 leads the 农业 team, which owns it."""
    submission(con, 1, "农业农村局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 6))
    enterprise_row(con, 1, "农业农村局", "2022Q4", OLD, credit_code=CODE, operating_status="生产", srdi_level="种子")
    submission(con, 2, "农业农村局", "2023Q3", "enterprise", "loaded", datetime(2023, 10, 8))
    enterprise_row(con, 2, "农业农村局", "2023Q3", OLD, credit_code=CODE, operating_status="生产",
                   srdi_level="吉林市级", srdi_level_text="2023年已认定吉林市级", srdi_level_year=2023,
                   planned_city_year=2023, planned_province_year=2024)
    for sid, period, received in ((3, "2024Q2", datetime(2024, 7, 5)), (4, "2024Q4", datetime(2025, 1, 6))):
        submission(con, sid, "农业农村局", period, "enterprise", "loaded", received)
        enterprise_row(con, sid, "农业农村局", period, NEW, credit_code=CODE, operating_status="生产",
                       srdi_level="吉林市级", srdi_level_text="2023年已认定吉林市级", srdi_level_year=2023,
                       planned_city_year=2023, planned_province_year=2024, remarks="原名长白山酒业集团有限公司")
    registry(con, NEW, "2024Q2", 3)                 # what the load merges: the new name enters the registry
    return con


# ---------------------------------------------------------------- the identity mapping

def test_a_rename_with_the_same_code_is_one_enterprise_under_its_current_name(renamed):
    got = {r[0]: r[1:] for r in renamed.execute(
        "SELECT enterprise_name, identity_key, current_name, is_current, former_names FROM enterprise_names "
        "WHERE enterprise_name IN (?, ?)", [OLD, NEW]).fetchall()}
    assert got == {OLD: (CODE, NEW, False, [OLD]), NEW: (CODE, NEW, True, [OLD])}
    # the history: one enterprise, every quarter under the current name, each report's name kept as typed
    hist = renamed.execute("SELECT period, enterprise_name, reported_name FROM enterprise_history "
                           "WHERE identity_key = ? ORDER BY period", [CODE]).fetchall()
    assert hist == [("2022Q4", NEW, OLD), ("2023Q3", NEW, OLD), ("2024Q2", NEW, NEW), ("2024Q4", NEW, NEW)]
    # the library: Annex 1's 12, not 13; the enterprise keeps its Annex 1 entry (source, team) under the new name
    s = state(renamed, "2024Q4")
    assert len(s) == 12 and OLD not in s
    assert (s[NEW]["registry_source"], s[NEW]["entered_period"], s[NEW]["service_team"]) == ("附件1", None, "农业")
    assert renamed.execute("SELECT former_names FROM enterprises WHERE enterprise_name = ?", [NEW]).fetchall()[0] == ([OLD],)
    assert renamed.execute("SELECT count(*) FROM enterprises").fetchall()[0] == (12,)


def test_before_the_rename_the_enterprise_has_its_only_name(renamed):
    """A rollup of 2023 computed before the rename arrived: the current name then was the old one."""
    renamed.execute("DELETE FROM enterprise_reports WHERE submission_id IN (3, 4)")
    renamed.execute("UPDATE submissions SET status = 'superseded' WHERE submission_id IN (3, 4)")
    assert renamed.execute("SELECT current_name, former_names FROM enterprise_names WHERE enterprise_name = ?",
                           [OLD]).fetchall()[0] == (OLD, [])


def test_a_renamed_enterprise_is_counted_once_in_every_rollup(renamed):
    q = rollup(renamed, "quarterly", "2024Q2")
    # ladder: Annex 1 has 添正 and 松花湖 at 吉林省级 (2021), nine seeds, and this one now 吉林市级 → 12 in all
    total = q["ladder_counts"].filter(pl.col("breakdown") == "all").row(0, named=True)
    assert (total["total_count"], total["seed_count"], total["city_count"], total["province_count"]) == (12, 9, 1, 2)
    assert names(q["ladder_enterprises"]).count(NEW) == 1 and OLD not in names(q["ladder_enterprises"])
    # teams: Annex 1 has 4 农业 enterprises (rows 5, 6, 8, 9); the rename adds none
    teams = {r["service_team"]: r for r in q["service_team_comparison"].iter_rows(named=True)}
    assert (teams["农业"]["enterprises"], teams["农业"]["city_count"], teams["农业"]["new_entries"]) == (4, 1, 0)
    # the new name is not a new entry, the same level is not a new recognition
    assert q["ladder_changes"].filter(pl.col("enterprise_name").is_in([OLD, NEW])).height == 0


def test_a_renamed_enterprise_is_paid_once(renamed):
    """二、（一）: 首次被认定为吉林市级 → 一次性 5 万元. Recognised in 2023 (stated in 2023Q3's report): paid in the
    2023 ledger, under the current name; the 2024 ledger does not pay it again because the name changed."""
    y2023 = rollup(renamed, "annual", "2023")["rewards"]
    paid = y2023.filter(pl.col("status") == "accrued")
    assert paid.filter(pl.col("enterprise_name") == NEW).select("category", "level", "amount_yuan").rows() == [
        ("srdi", "吉林市级", 50_000)]
    assert OLD not in names(y2023)
    y2024 = rollup(renamed, "annual", "2024")
    assert y2024["rewards"].filter(pl.col("enterprise_name").is_in([OLD, NEW]) & (pl.col("amount_yuan") > 0)).height == 0
    # lagging: 拟培育吉林省级 2024 not reached by the end of 2024: one row, the current name
    lag = y2024["ladder_lagging"].filter(pl.col("enterprise_name").is_in([OLD, NEW]))
    assert lag.select("enterprise_name", "planned_level", "status").rows() == [(NEW, "吉林省级", "lagging")]
    # 十四五 吉林市级 count and its list: the enterprise once, under its current name
    city = y2024["target_enterprises"].filter(pl.col("target_id") == "city_total")
    assert names(city).count(NEW) == 1 and OLD not in names(city)


def test_a_code_correction_is_recorded_and_the_latest_code_wins(con):
    wrong, right = credit_code(101), credit_code(102)
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", NEWCO, credit_code=wrong, operating_status="生产")
    registry(con, NEWCO, "2022Q3", 1)
    submission(con, 2, "工信局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 5))
    enterprise_row(con, 2, "工信局", "2022Q4", NEWCO, row=6, credit_code=right, operating_status="生产")
    codes = con.execute("SELECT credit_code, first_submission_id, first_period, first_bureau, is_current, corrected_to "
                        "FROM enterprise_codes WHERE enterprise_name = ? ORDER BY first_period", [NEWCO]).fetchall()
    assert codes == [(wrong, 1, "2022Q3", "工信局", False, right), (right, 2, "2022Q4", "工信局", True, None)]
    assert con.execute("SELECT identity_key, code_corrected FROM enterprise_names WHERE enterprise_name = ?",
                       [NEWCO]).fetchall()[0] == (right, True)
    # one enterprise, its whole history (2022Q3 too) under the corrected code; the state shows the latest code
    assert con.execute("SELECT count(DISTINCT identity_key), count(*) FROM enterprise_history WHERE enterprise_name = ?",
                       [NEWCO]).fetchall()[0] == (1, 2)
    assert state(con, "2022Q4")[NEWCO]["credit_code"] == right
    assert len(state(con, "2022Q4")) == 13


def test_an_annex1_name_is_matched_by_name_until_a_code_links_it(con):
    """Annex 1 has no codes: 长白山制药 is its name until 2022Q3's report gives its code; then a rename with that
    code carries the Annex 1 state (拟培育 years, technology centre, source) to the new name: one enterprise."""
    code, renamed_to = credit_code(1), "长白山制药集团股份有限公司"
    assert con.execute("SELECT identity_key, credit_code FROM enterprise_names WHERE enterprise_name = ?",
                       [PHARMA]).fetchall()[0] == (PHARMA, None)
    # both workbooks had only these columns: what they lack keeps Annex 1's value (not reported)
    given(con, "submission_columns", [{"submission_id": sid, "sheet": "Sheet1", "field": f, "excel_col": c}
                                      for sid, cols in ((1, ("A", "B", "C", "D", "E")), (2, ("A", "B", "C", "D")))
                                      for f, c in zip(("enterprise_name", "credit_code", "operating_status",
                                                       "srdi_level_text", "srdi_level_year"), cols)])
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", PHARMA, credit_code=code, operating_status="生产", srdi_level="吉林市级",
                   srdi_level_year=2022)
    assert con.execute("SELECT identity_key FROM enterprise_names WHERE enterprise_name = ?", [PHARMA]).fetchall()[0] == (code,)
    submission(con, 2, "工信局", "2023Q2", "enterprise", "loaded", datetime(2023, 7, 5))
    enterprise_row(con, 2, "工信局", "2023Q2", renamed_to, credit_code=code, operating_status="生产", srdi_level="吉林市级")
    s = state(con, "2023Q2")
    assert PHARMA not in s and len(s) == 12
    e = s[renamed_to]
    # Annex 1's figures the 2023Q2 sheet had no column for; 2022Q3's recognition year for the unchanged level
    assert (e["tech_center_level"], e["planned_city_year"], e["planned_province_year"], e["registry_source"]) == (
        "吉林省级", 2022, 2023, "附件1")
    assert e["srdi_level_year"] == 2022
    # recognitions: Annex 1 (seed) then 2022Q3 (吉林市级, 2022) are one enterprise's observations
    rec = con.execute("SELECT enterprise_name, kind, level, recognised_year, prev_baseline FROM recognitions_through('2023Q2') "
                      "WHERE enterprise_name IN (?, ?) ORDER BY kind, level", [PHARMA, renamed_to]).fetchall()
    assert rec == [(renamed_to, "srdi", "吉林市级", 2022, True), (renamed_to, "tech_center", "吉林省级", None, None)]
    assert con.execute("SELECT baseline_name FROM enterprise_baseline_identities WHERE enterprise_name = ?",
                       [renamed_to]).fetchall()[0] == (PHARMA,)


def test_a_name_reported_by_two_bureaus_is_one_enterprise(con):
    """工信局 gives the code, 商务局 leaves it blank; the next quarter 商务局 writes the old name while 工信局 writes the
    new one with the same code: one enterprise each quarter, and the name is a conflict the office sees."""
    code, renamed_to = credit_code(55), "蛟河市新星机械股份有限公司"
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", NEWCO, credit_code=code, operating_status="生产")
    submission(con, 2, "商务局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 6))
    enterprise_row(con, 2, "商务局", "2022Q3", NEWCO, operating_status="生产")
    registry(con, NEWCO, "2022Q3", 1)
    submission(con, 3, "工信局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 5))
    enterprise_row(con, 3, "工信局", "2022Q4", renamed_to, credit_code=code, operating_status="生产")
    submission(con, 4, "商务局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 6))
    enterprise_row(con, 4, "商务局", "2022Q4", NEWCO, credit_code=code, operating_status="生产")
    registry(con, renamed_to, "2022Q4", 3)
    hist = con.execute("SELECT period, enterprise_name FROM enterprise_history WHERE identity_key = ? ORDER BY period",
                       [code]).fetchall()
    # the current name is the latest accepted report's (by period, then as received): 商务局's, received last
    assert hist == [("2022Q3", NEWCO), ("2022Q4", NEWCO)]
    assert con.execute("SELECT former_names FROM enterprise_names WHERE enterprise_name = ?", [NEWCO]).fetchall()[0] == (
        [renamed_to],)
    assert len(state(con, "2022Q4")) == 13
    q = rollup(con, "quarterly", "2022Q4")
    conflict = q["ladder_conflicts"].filter(pl.col("field") == "reported_name")
    assert conflict.select("bureau_a", "value_a", "bureau_b", "value_b").rows() == [("商务局", NEWCO, "工信局", renamed_to)]


def test_the_pack_lists_a_renamed_enterprise_once_with_its_former_name(renamed):
    """One row under the current name, "原名 …" after it, on every sheet that lists enterprises."""
    import io

    import openpyxl

    from tasks.rollup.pack import pack_bytes
    rp = RollupPeriod.of("annual", "2024", as_of=date(2026, 1, 31))
    sections = compute_all(renamed, rp, load())
    assert sections["former_names"].select("enterprise_name", "identity_key", "former_names").rows() == [(NEW, CODE, OLD)]
    wb = openpyxl.load_workbook(io.BytesIO(pack_bytes(rp, load(), sections)), read_only=True)
    shown = f"{NEW}（原名 {OLD}）"
    for sheet in ("企业名单", "滞后企业"):
        cells = [c for row in wb[sheet].iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert cells.count(shown) == 1, sheet
        assert not [c for c in cells if c in (OLD, NEW)], sheet


# ---------------------------------------------------------------- names as typed, matched by their key (rule 7a)

TYPED = "吉林某某有限公司（新）"       # full-width brackets, as the enterprise's name is officially written
ASCII = "吉林某某有限公司(新)"        # the same name with ASCII brackets: its key (NFKC)


def test_a_name_without_a_code_is_matched_by_its_key_and_shown_as_last_typed(con):
    """No code in either report: the two ways of typing the name are one enterprise (one identity, its key), shown
    as the latest report typed it; no former name, and 13 enterprises in the library (Annex 1's 12 and this one)."""
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", ASCII, name_key=ASCII, operating_status="生产")
    registry(con, ASCII, "2022Q3", 1)
    submission(con, 2, "工信局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 5))
    enterprise_row(con, 2, "工信局", "2022Q4", TYPED, name_key=ASCII, operating_status="生产")
    given(con, "enterprise_registry", [{"enterprise_name": TYPED, "name_key": ASCII, "first_period": "2022Q4",
                                        "first_submission_id": 2, "source": "企业库报送"}])
    got = con.execute("SELECT enterprise_name, identity_key, current_name, is_current, former_names FROM enterprise_names "
                      "WHERE name_key = ? ORDER BY enterprise_name", [ASCII]).fetchall()
    assert got == [(ASCII, ASCII, TYPED, True, []), (TYPED, ASCII, TYPED, True, [])]
    s = state(con, "2022Q4")
    assert len(s) == 13 and TYPED in s and ASCII not in s
    assert (s[TYPED]["entered_period"], s[TYPED]["registry_source"]) == ("2022Q3", "企业库报送")
    assert con.execute("SELECT period, enterprise_name, reported_name FROM enterprise_history WHERE identity_key = ? "
                       "ORDER BY period", [ASCII]).fetchall() == [("2022Q3", TYPED, ASCII), ("2022Q4", TYPED, TYPED)]


def test_two_bureaus_typing_one_name_with_different_brackets_is_no_conflict(con):
    code = credit_code(56)
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", TYPED, name_key=ASCII, credit_code=code, operating_status="生产")
    submission(con, 2, "商务局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 6))
    enterprise_row(con, 2, "商务局", "2022Q3", ASCII, name_key=ASCII, credit_code=code, operating_status="停产")
    registry(con, TYPED, "2022Q3", 1)
    q = rollup(con, "quarterly", "2022Q3")
    conflicts = q["ladder_conflicts"].filter(pl.col("report_period") == "2022Q3")
    # the names differ only in the brackets' width: not a conflict; the operating status does differ
    assert conflicts.select("enterprise_name", "field").rows() == [(ASCII, "operating_status")]


def test_the_pack_and_the_former_names_show_a_name_as_typed(con):
    """A rename to a name with full-width brackets: the pack's enterprise sheets list it with them, and the old
    name after it; an ASCII-bracket report of the new name earlier is not a former name."""
    import io

    import openpyxl

    from tasks.rollup.pack import pack_bytes
    code = credit_code(57)
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", NEWCO, name_key=NEWCO, credit_code=code, operating_status="生产")
    registry(con, NEWCO, "2022Q3", 1)
    submission(con, 2, "工信局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 5))
    enterprise_row(con, 2, "工信局", "2022Q4", ASCII, name_key=ASCII, credit_code=code, operating_status="生产")
    submission(con, 3, "工信局", "2023Q1", "enterprise", "loaded", datetime(2023, 4, 5))
    enterprise_row(con, 3, "工信局", "2023Q1", TYPED, name_key=ASCII, credit_code=code, operating_status="生产")
    rp = RollupPeriod.of("quarterly", "2023Q1", as_of=date(2026, 1, 31))
    sections = compute_all(con, rp, load())
    assert sections["former_names"].select("enterprise_name", "former_names").rows() == [(TYPED, NEWCO)]
    wb = openpyxl.load_workbook(io.BytesIO(pack_bytes(rp, load(), sections)), read_only=True)
    cells = [c for row in wb["企业名单"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert cells.count(f"{TYPED}（原名 {NEWCO}）") == 1
    assert not [c for c in cells if ASCII in c]
