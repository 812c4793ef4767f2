"""The rules' SQL, given/expect on an in-memory DuckDB (no Prefect server, no files).

Each test states a few raw facts (what was submitted, when, what it said), runs one definition — a macro, a view
or a section's SQL exactly as the rollup runs it — and compares with a result worked out by hand from the policy
and the documented rules (docs/rollups.md). Expectations are never produced by running the code.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from schemas.periods import RollupPeriod
from schemas.rollup_config import load
from schemas.sections import BY_TABLE
from tasks.rollup.compute import compute
from tests.conftest import memory_copy

ANNEX1 = "长白山制药股份有限公司"          # Annex 1 row 1: 吉林省级 technology centre, 已纳入吉林市培育库, 工业
NEW = "蛟河市新星机械有限公司"             # not in Annex 1


@pytest.fixture
def con(rules_template):
    """A new in-memory database with the schema, the reference data, the Annex 1 registry and the rollup tables:
    a copy of tests/conftest.py's rules_template, which is built once per session with those same four steps."""
    c = memory_copy(rules_template)
    yield c
    c.close()


def given(con, table: str, rows: list[dict]) -> None:
    con.register("_given", pl.DataFrame(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _given")
    con.unregister("_given")


def submission(con, sid: int, bureau: str, period: str, form: str, status: str, received: datetime) -> None:
    """`received`: Beijing wall-clock time when naive (the programme's zone, as the policy's deadlines are)."""
    if received.tzinfo is None:
        received = received.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    given(con, "submissions", [{
        "submission_id": sid, "bureau": bureau, "period": period, "form": form, "file_name": f"{sid}.xlsx",
        "source_path": f"{bureau}/{sid}.xlsx", "sha256": f"{sid:064d}", "received_at": received,
        "processed_at": received, "status": status}])


def enterprise_row(con, sid: int, bureau: str, period: str, name: str, row: int = 4, **facts) -> None:
    given(con, "enterprise_reports", [{"submission_id": sid, "period": period, "bureau": bureau, "sheet": "Sheet1",
                                       "excel_row": row, "enterprise_name": name, "srdi_level": "种子", **facts}])


def registry(con, name: str, period: str, sid: int, team: str | None = None) -> None:
    given(con, "enterprise_registry", [{"enterprise_name": name, "service_team": team, "first_period": period,
                                        "first_submission_id": sid, "source": "企业库报送"}])


def state(con, q: str) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM enterprise_state_as_of(?)", [q])
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


# ---------------------------------------------------------------- enterprise state as of a quarter

def test_before_any_report_an_enterprise_is_its_annex1_row(con):
    s = state(con, "2022Q2")
    assert len(s) == 12                                      # Annex 1 has 12 enterprises
    e = s[ANNEX1]
    assert (e["srdi_level"], e["tech_center_level"], e["operating_status"], e["source"]) == ("种子", "吉林省级", "生产", "附件1")
    assert (e["planned_city_year"], e["planned_province_year"], e["service_team"]) == (2022, 2023, "工业")


def test_the_latest_accepted_report_up_to_the_quarter_wins(con):
    submission(con, 1, "工信局", "2022Q2", "enterprise", "loaded", datetime(2022, 7, 5))
    enterprise_row(con, 1, "工信局", "2022Q2", ANNEX1, operating_status="生产", srdi_level="吉林市级", srdi_level_year=2022)
    submission(con, 2, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 2, "工信局", "2022Q3", ANNEX1, operating_status="停产", srdi_level="吉林市级", srdi_level_year=2022)
    assert state(con, "2022Q1")[ANNEX1]["source"] == "附件1"                 # nothing reported yet
    q2 = state(con, "2022Q2")[ANNEX1]
    assert (q2["operating_status"], q2["srdi_level"], q2["report_period"], q2["submission_id"]) == ("生产", "吉林市级", "2022Q2", 1)
    q3 = state(con, "2022Q3")[ANNEX1]
    assert (q3["operating_status"], q3["report_period"]) == ("停产", "2022Q3")
    assert state(con, "2030Q4")[ANNEX1]["operating_status"] == "停产"


def test_a_superseded_report_counts_for_nothing(con):
    submission(con, 1, "工信局", "2022Q2", "enterprise", "superseded", datetime(2022, 7, 1))
    enterprise_row(con, 1, "工信局", "2022Q2", ANNEX1, operating_status="注销")
    assert state(con, "2022Q2")[ANNEX1]["operating_status"] == "生产"       # still Annex 1's


def test_an_enterprise_only_a_superseded_file_named_is_not_in_the_library(con):
    """A name that entered the registry from a file later replaced (a 合计 row, a typo) is not an enterprise."""
    submission(con, 1, "工信局", "2022Q2", "enterprise", "superseded", datetime(2022, 7, 1))
    enterprise_row(con, 1, "工信局", "2022Q2", "合计")
    registry(con, "合计", "2022Q2", 1)
    assert "合计" not in state(con, "2022Q2")
    assert con.execute("SELECT count(*) FROM enterprises WHERE enterprise_name = '合计'").fetchone() == (0,)


def test_a_new_enterprise_takes_its_team_from_the_reporting_bureau(con):
    submission(con, 1, "住建局", "2022Q2", "enterprise", "loaded", datetime(2022, 7, 1))
    enterprise_row(con, 1, "住建局", "2022Q2", NEW, operating_status="生产")
    registry(con, NEW, "2022Q2", 1)
    e = state(con, "2022Q2")[NEW]
    assert (e["service_team"], e["entered_period"], e["source"]) == ("建筑", "2022Q2", "报送")   # 住建局 leads 建筑


def test_the_enterprises_view_is_the_state_over_every_quarter(con):
    submission(con, 1, "工信局", "2023Q1", "enterprise", "loaded", datetime(2023, 4, 5))
    enterprise_row(con, 1, "工信局", "2023Q1", ANNEX1, operating_status="半生产", srdi_level="吉林省级", srdi_level_year=2023)
    row = con.execute("SELECT srdi_level, operating_status, last_period, last_submission_id FROM enterprises "
                      "WHERE enterprise_name = ?", [ANNEX1]).fetchone()
    assert row == ("吉林省级", "半生产", "2023Q1", 1)
    assert con.execute("SELECT count(*) FROM enterprises").fetchone() == (12,)


# ---------------------------------------------------------------- compliance (催报清单)

def compliance(con, period: str) -> dict[tuple[str, str, str], dict]:
    rp = RollupPeriod.of("quarterly", period, as_of=date(2022, 12, 31))
    out = compute(con, rp, load(), BY_TABLE["compliance"])
    return {(r["report_period"], r["bureau"], r["form"]): r for r in out.iter_rows(named=True)}


def test_on_the_due_date_is_on_time_and_the_day_after_is_late(con):
    # 2022Q2 ends 30 June; due ten days later: 10 July (rollup_config.toml [deadline])
    submission(con, 1, "工信局", "2022Q2", "enterprise", "loaded", datetime(2022, 7, 10, 23, 59))
    submission(con, 2, "农业农村局", "2022Q2", "enterprise", "loaded", datetime(2022, 7, 12, 9, 0))
    c = compliance(con, "2022Q2")
    assert c[("2022Q2", "工信局", "enterprise")]["status"] == "on_time"
    late = c[("2022Q2", "农业农村局", "enterprise")]
    assert (late["status"], late["days_late"], late["due_date"]) == ("late", 2, date(2022, 7, 10))


def test_missing_and_rejected_without_a_resubmission(con):
    submission(con, 1, "商务局", "2022Q2", "task", "rejected", datetime(2022, 7, 5))
    c = compliance(con, "2022Q2")
    assert c[("2022Q2", "商务局", "task")]["status"] == "rejected"
    assert c[("2022Q2", "住建局", "enterprise")]["status"] == "missing"
    # who owes: the six service-team bureaus the enterprise form, the 13 Annex 2 units the task form
    assert sum(1 for k in c if k[2] == "enterprise") == 6 and sum(1 for k in c if k[2] == "task") == 13


def test_a_correction_after_the_deadline_keeps_the_first_arrival(con):
    """count_first_accepted = true: on time once, on time after a late correction."""
    submission(con, 1, "工信局", "2022Q2", "enterprise", "superseded", datetime(2022, 7, 8))
    submission(con, 2, "工信局", "2022Q2", "enterprise", "loaded", datetime(2022, 8, 1))
    c = compliance(con, "2022Q2")[("2022Q2", "工信局", "enterprise")]
    assert (c["status"], c["submission_id"]) == ("on_time", 2)


def test_nothing_is_owed_before_the_plan(con):
    assert compliance(con, "2022Q1") == {}                  # the plan was issued 2022-04-28: 2022Q2 is the first


# ---------------------------------------------------------------- the ladder

def test_ladder_counts_every_enterprise_once_at_its_level(con):
    submission(con, 1, "工信局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "工信局", "2022Q3", ANNEX1, operating_status="停产", srdi_level="吉林市级", srdi_level_year=2022)
    rp = RollupPeriod.of("quarterly", "2022Q3", as_of=date(2022, 12, 31))
    counts = compute(con, rp, load(), BY_TABLE["ladder_counts"])
    total = counts.filter(pl.col("breakdown") == "all").row(0, named=True)
    # Annex 1: 添正 and 松花湖 "2021年已认定省级" → 吉林省级; the other ten seed; 长白山制药 now 吉林市级 and 停产
    assert (total["seed_count"], total["city_count"], total["province_count"], total["national_count"]) == (9, 1, 2, 0)
    assert (total["total_count"], total["stopped_count"]) == (12, 1)
    teams = {r["group_value"]: r["total_count"] for r in counts.filter(pl.col("breakdown") == "service_team").iter_rows(named=True)}
    assert teams["工业"] + teams["农业"] == 12 and teams["建筑"] == 0     # Annex 1: 8 工业, 4 农业 (refdata/annex1.csv)


# ---------------------------------------------------------------- former names (#19: an enterprise is its credit code)

def test_a_renamed_enterprise_has_one_former_names_row_under_its_current_name(con):
    """Annex 1's 长白山酒业集团有限公司 reported with its code, then under a new name with the same code: one row, the
    new name, the old one as its former name; an enterprise never renamed has no row."""
    old, new, code = "长白山酒业集团有限公司", "吉林长白山酒业集团股份有限公司", "91220281MA0000000X"
    submission(con, 1, "农业农村局", "2022Q3", "enterprise", "loaded", datetime(2022, 10, 5))
    enterprise_row(con, 1, "农业农村局", "2022Q3", old, credit_code=code, operating_status="生产")
    submission(con, 2, "农业农村局", "2022Q4", "enterprise", "loaded", datetime(2023, 1, 5))
    enterprise_row(con, 2, "农业农村局", "2022Q4", new, credit_code=code, operating_status="生产")
    rp = RollupPeriod.of("quarterly", "2022Q4", as_of=date(2023, 1, 31))
    out = compute(con, rp, load(), BY_TABLE["former_names"])
    assert out.select("enterprise_name", "identity_key", "former_names").rows() == [(new, code, old)]
