"""Every rule SQL file of warehouse/sql/rollups, given/expect on an in-memory DuckDB, against 蛟政发〔2022〕4号.

In the style of dbt's unit tests: each test states a few raw facts (accepted reports, task rows, arrivals), runs one
section's SQL exactly as the rollup flow runs it (`compute`, with the sections it needs computed first), and
compares with a result worked out by hand from the clause quoted above it and docs/rollups.md. No expectation here
was produced by running the code.

Annex 1 (附件1, the state the plan found on 2022-04-28), the facts these tests lean on:
  长白山制药  seed (已纳入吉林市培育库), technology centre 吉林省级, plans 吉林市级 2022 / 吉林省级 2023, team 工业
  吉林添正    吉林省级 since 2021 (2021年已认定省级国家级拟培育), centre 吉林市级
  松江塑料    seed, centre 吉林市级, plans 2022 / 2022
  天翔炭业    seed, no centre, plans 2022 / 2023
  松花湖管业  吉林省级 since 2021, centre 吉林市级
  开普科立辉  seed, centre 吉林市级, plans 2022 / 2022
  the other six seed, no centre; 12 in all.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from schemas.periods import RollupPeriod
from schemas.rollup_config import load
from schemas.sections import BY_TABLE, SECTIONS, TABLES
from tasks.rollup.compute import compute
from tasks.rollup.inputs import sql_params
from tests.unit.test_rule_sql import ANNEX1, NEW, con, given, registry, submission  # noqa: F401 (con: the fixture)
from warehouse import rollups as wr
from warehouse.sql import load as sql

PHARMA = ANNEX1                                   # 长白山制药股份有限公司
TIANZHENG = "吉林添正生物科技股份有限公司"
SONGJIANG = "吉林市松江塑料管道设备有限责任公司"
TIANXIANG = "蛟河市天翔炭业有限公司"
SONGHUAHU = "吉林省松花湖管业有限公司"
KAIPU = "吉林开普科立辉动力有限公司"
NEW2 = "蛟河市新兴科技有限公司"
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- givens and the run

_SIDS = iter(range(100, 10_000))


def report(con, bureau: str, period: str, rows: list[dict], received: datetime | None = None,
           form: str = "enterprise") -> int:
    """One accepted submission of `bureau` for `period` with these enterprise rows (or task rows, form='task')."""
    sid = next(_SIDS)
    y, q = int(period[:4]), int(period[-1])
    received = received or datetime(y + (q == 4), (q * 3) % 12 + 1, 5, 9)
    submission(con, sid, bureau, period, form, "loaded", received)
    for i, r in enumerate(rows, start=4):
        if form == "enterprise":
            given(con, "enterprise_reports", [{"submission_id": sid, "period": period, "bureau": bureau, "sheet": "Sheet1",
                                               "excel_row": i, "srdi_level": "种子", **r}])
        else:
            given(con, "task_reports", [{"submission_id": sid, "period": period, "bureau": bureau, "sheet": "Sheet1",
                                         "excel_row": i, "status": "推进中", **r}])
    return sid


def enters(con, name: str, period: str, sid: int, team: str | None = None) -> None:
    """A new enterprise enters the registry with the report `sid` (what the intake does)."""
    registry(con, name, period, sid, team)


def run(con, table: str, period: str, as_of: date = date(2030, 1, 1), cfg=None, kind: str | None = None) -> pl.DataFrame:
    """`table`'s rows for `period`, computed as the flow computes them (tasks/rollup/compute.py compute_all): the
    identities and the shared relations staged once for the run, then the sections it needs first."""
    kind = kind or ("quarterly" if "Q" in period else "midyear" if "H" in period else "annual")
    rp = RollupPeriod.of(kind, period, as_of=as_of)
    cfg = cfg or load()
    out: dict[str, pl.DataFrame] = {}

    def need(section):
        for n in section.needs:
            if n not in out:
                need(BY_TABLE[n])
        out[section.table] = compute(con, rp, cfg, section, out, staged=True)
    with wr.staged(con, sql_params(rp, cfg), wr.RUN_STAGED):
        need(BY_TABLE[table])
    return out[table]


def rows_by(frame: pl.DataFrame, *key: str) -> dict:
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------- the registry and the tables agree

def _ddl_keys() -> dict[str, tuple[str, ...]]:
    ddl = wr.rollup_ddl()
    keys = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);$", ddl, flags=re.S | re.M):
        (pk,) = re.findall(r"PRIMARY KEY \(([^)]*)\)", body)
        keys[name] = tuple(c.strip() for c in pk.split(","))
    return keys


def test_every_rollup_table_declares_its_registry_grain_as_its_primary_key(con):
    keys = _ddl_keys()
    assert set(keys) == set(TABLES)
    for s in SECTIONS:
        assert keys[s.table] == s.key, s.table
    assert keys["rollup_runs"] == ("period",)
    # and DuckDB enforces it: the same key twice in one period is refused
    con.execute("INSERT INTO bank_events VALUES ('2022', '2022Q2', TRUE, TRUE, 1, 1, 4, 1, NULL)")
    with pytest.raises(Exception, match="(?i)duplicate key|constraint"):
        con.execute("INSERT INTO bank_events VALUES ('2022', '2022Q2', TRUE, FALSE, 0, 0, 4, 0, NULL)")


def test_every_rule_sql_file_has_given_expect_tests():
    """Each section's SQL is run by a test of this file or of tests/unit/test_rule_sql.py."""
    here = Path(__file__).read_text(encoding="utf-8") + (ROOT / "tests" / "unit" / "test_rule_sql.py").read_text(encoding="utf-8")
    run_here = set(re.findall(r'run\(con, "(\w+)"', here)) | set(re.findall(r'BY_TABLE\["(\w+)"\]', here))
    assert {s.table for s in SECTIONS} <= run_here, sorted({s.table for s in SECTIONS} - run_here)


# ---------------------------------------------------------------- layout versions

# The rollup tables' DDL as of each layout version: change a model's columns, types or key, bump
# warehouse.rollups.SCHEMA_VERSION. Up to 3 the digest of the hand-written create_rollup_tables.sql; since issue 20
# the digest of the DDL derived from the models (warehouse.rollups.rollup_ddl), which lays out exactly what version 3's
# file laid out (tests/golden/rollup_tables_v3.sql is that file with its comments; the test below compares them).
DDL_AT_VERSION = {2: "279859bd28aa79fd5fffdeb6f679c582bb6fc8f1a2323210b17b8a41fdd41ced",
                  # issue 19: instants TIMESTAMPTZ; rewards.previous_status/previous_amount_yuan/change_note,
                  # target_progress.actual_text/pooled_pct; former_names
                  3: "f82beec6dfbdce5c4cc063f59b9adea07d1693e35924965da00aa88fe337d818"}
DERIVED_DDL_AT_VERSION = {3: "f583c1777e62d679be0c3c8038de52258cf711ab412f29ca155ac57756334eec"}


def test_the_layout_is_pinned_to_its_version():
    digest = hashlib.sha256(wr.rollup_ddl().encode("utf-8")).hexdigest()
    assert DERIVED_DDL_AT_VERSION.get(wr.SCHEMA_VERSION) == digest, (
        "a model's columns, types or key changed (warehouse/sql/models/*.toml): bump warehouse.rollups.SCHEMA_VERSION "
        f"and pin the new DDL here ({wr.SCHEMA_VERSION + 1}: {digest!r})")
    old = (ROOT / "tests" / "golden" / "rollup_tables_v3.sql").read_text(encoding="utf-8")
    assert hashlib.sha256(old[:old.index("-- grain: comments only")].rstrip("\n").encode() + b"\n").hexdigest() \
        == DDL_AT_VERSION[3], "tests/golden/rollup_tables_v3.sql is version 3's create_rollup_tables.sql"


def _layout(con) -> tuple:
    """Every table's columns (order, type, NULL, comment), keys and comment, as DuckDB's catalog has them."""
    return (con.execute("SELECT table_name, column_index, column_name, data_type, is_nullable, comment "
                        "FROM duckdb_columns() WHERE NOT internal ORDER BY ALL").fetchall(),
            con.execute("SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
                        "ORDER BY ALL").fetchall(),
            con.execute("SELECT table_name, comment FROM duckdb_tables() ORDER BY ALL").fetchall())


def test_the_derived_ddl_and_comments_lay_out_what_version_3_laid_out():
    """One place per rollup table (issue 20): the DDL and the COMMENT ON statements derived from the models create
    the same tables, columns, types, NOT NULLs, keys and Chinese comments as the hand-written files of version 3, so
    the layout version stays 3 and no home recomputes a period."""
    from warehouse.connection import connect_memory
    old, new = connect_memory(), connect_memory()
    old.execute((ROOT / "tests" / "golden" / "rollup_tables_v3.sql").read_text(encoding="utf-8"))
    new.execute(wr.rollup_ddl())
    new.execute(wr.rollup_comments().split("-- grain: comments only; the Chinese comments of rollup_recompute")[0])
    assert _layout(new) == _layout(old)
    assert len(_layout(new)[0]) == 242     # a test that compares two empty catalogs cannot fail


def test_a_home_laid_out_by_version_3s_files_keeps_its_rows(con):
    """A home whose rollup tables the hand-written DDL created (recorded digest: version 3's files) gets the derived
    comments once, at the same version: no table dropped, no period to recompute, its rows kept."""
    con.execute("INSERT INTO bank_events VALUES ('2022', '2022Q2', TRUE, TRUE, 1, 1, 4, 1, NULL)")
    con.execute("UPDATE schema_versions SET ddl_sha256 = 'v3-hand-written' WHERE component = 'rollups'")
    change = wr.apply_rollup_schema(con)
    assert (change.from_version, change.to_version, change.dropped, change.recompute) == (3, 3, (), ())
    assert con.execute("SELECT count(*) FROM bank_events").fetchone() == (1,)
    assert wr.schema_version(con, wr.COMPONENT) == (3, wr.ddl_sha256())


def test_a_home_from_before_versions_gets_its_rollup_tables_recreated_once(con):
    # a home from before versions: tables without keys, a period already rolled up
    for table in TABLES:
        con.execute(sql("rollups/drop_rollup_table", table=table))
    con.execute("DROP TABLE schema_versions")
    con.execute("CREATE TABLE rollup_runs (period VARCHAR, kind VARCHAR, first_quarter VARCHAR)")
    con.execute("INSERT INTO rollup_runs VALUES ('2022Q3', 'quarterly', '2022Q3'), ('2022', 'annual', '2022Q1')")
    con.execute("CREATE TABLE compliance (period VARCHAR, bureau VARCHAR)")
    con.execute("INSERT INTO compliance VALUES ('2022Q3', '工信局'), ('2022Q3', '工信局')")   # a repeated grain
    change = wr.apply_rollup_schema(con)
    assert (change.from_version, change.to_version) == (None, wr.SCHEMA_VERSION)
    assert set(change.dropped) == {"rollup_runs", "compliance"} and set(change.recompute) == {"2022Q3", "2022"}
    assert con.execute("SELECT count(*) FROM compliance").fetchone() == (0,)
    assert sorted(wr.pending_recompute(con)) == [("2022", "annual"), ("2022Q3", "quarterly")]
    # the next run applies nothing: once per version
    again = wr.apply_rollup_schema(con)
    assert (again.from_version, again.dropped, again.changed) == (wr.SCHEMA_VERSION, (), False)
    assert len(wr.pending_recompute(con)) == 2
    # computing a period takes it off the list; the notices of another run name what is left
    wr.replace_period(con, "2022Q3", {})
    assert wr.pending_recompute(con) == [("2022", "annual")]
    notes = run(con, "rollup_notices", "2022Q4")
    (recompute,) = [r["notice"] for r in notes.iter_rows(named=True) if r["topic"] == "recompute"]
    assert "2022" in recompute and "2022Q3" not in recompute and f"第{wr.SCHEMA_VERSION}版" in recompute
    # a period's own run does not ask for itself
    assert not [r for r in run(con, "rollup_notices", "2022").iter_rows(named=True) if r["topic"] == "recompute"]


def test_a_newer_layout_than_this_srdi_knows_is_refused(con):
    con.execute("UPDATE schema_versions SET version = ? WHERE component = 'rollups'", [wr.SCHEMA_VERSION + 1])
    with pytest.raises(RuntimeError, match="高于本程序支持"):
        wr.apply_rollup_schema(con)


# ---------------------------------------------------------------- compliance: 未到截止, 逾期已报 (compute_compliance.sql)

def test_before_its_deadline_a_form_not_yet_sent_is_not_due(con):
    """2022Q3 is due 2022-10-10 (quarter end + 10 days). Computed on the due date nothing is 未报送 yet."""
    report(con, "工信局", "2022Q3", [], received=datetime(2022, 10, 9, 9), form="task")
    on_due_day = rows_by(run(con, "compliance", "2022Q3", as_of=date(2022, 10, 10)), "bureau", "form")
    assert on_due_day[("工信局", "task")]["status"] == "on_time"
    assert on_due_day[("商务局", "task")]["status"] == "not_due"
    assert "2022-10-10" in on_due_day[("商务局", "task")]["note"]
    assert sum(r["status"] == "missing" for r in on_due_day.values()) == 0
    next_day = rows_by(run(con, "compliance", "2022Q3", as_of=date(2022, 10, 11)), "bureau", "form")
    assert next_day[("商务局", "task")]["status"] == "missing"


def test_a_rejected_file_before_the_deadline_stays_rejected_with_time_to_resend(con):
    submission(con, 7, "商务局", "2022Q3", "task", "rejected", datetime(2022, 10, 3))
    c = rows_by(run(con, "compliance", "2022Q3", as_of=date(2022, 10, 5)), "bureau", "form")
    assert c[("商务局", "task")]["status"] == "rejected" and "截止日期未到" in c[("商务局", "task")]["note"]


# ---------------------------------------------------------------- tasks: a figure belongs to its task

def test_a_bank_figure_typed_on_another_tasks_row_is_no_bank_event(con):
    """三、（三）「每季度开展一次银企对接活动」 is T3-1's. 工信局 types 1 into the bank column of its T4-1 row in every
    quarter of 2022 and reports T3-1 only in 2022Q3, with one event: one quarter of three held, not three."""
    for q in ("2022Q2", "2022Q3", "2022Q4"):
        rows = [{"task_id": "T4-1", "bank_events": 1, "trained_persons": 10}]
        if q == "2022Q3":
            rows.append({"task_id": "T3-1", "bank_events": 1})
        report(con, "工信局", q, rows, form="task")
    banks = rows_by(run(con, "bank_events", "2022"), "report_period")
    assert {q: r["held"] for q, r in banks.items()} == {"2022Q2": False, "2022Q3": True, "2022Q4": False}
    assert banks["2022Q3"]["events_reported"] == 1
    targets = rows_by(run(con, "target_progress", "2022"), "target_id")
    bank = targets["bank_events"]
    assert (bank["actual_value"], bank["expected_value"], bank["status"]) == (1, 3, "not_achieved")
    tasks = rows_by(run(con, "task_status", "2022Q2"), "task_id", "responsible_unit")
    assert tasks[("T4-1", "工信局")]["bank_events"] is None            # not T4-1's measure: not shown as its result
    assert tasks[("T4-1", "工信局")]["trained_persons"] == 10


def test_a_dispatch_lists_the_years_quarters_and_the_target_counts_the_same_rows(con):
    report(con, "人民银行", "2022Q2", [{"task_id": "T3-1", "bank_events": 1}], form="task")
    q3 = run(con, "bank_events", "2022Q3")
    assert [(r["report_period"], r["in_period"], r["held"]) for r in q3.iter_rows(named=True)] == [
        ("2022Q2", False, True), ("2022Q3", True, False)]
    t = rows_by(run(con, "target_progress", "2022Q3"), "target_id")["bank_events"]
    assert (t["actual_value"], t["expected_value"], t["status"]) == (1, 2, "not_achieved")


def test_a_unit_inside_its_window_is_not_lagging_for_not_reporting(con):
    before = rows_by(run(con, "task_status", "2022Q3", as_of=date(2022, 10, 10)), "task_id", "responsible_unit")
    assert before[("T2-4", "市监局")]["due"] is False and before[("T2-4", "市监局")]["lagging"] is False
    after = rows_by(run(con, "task_status", "2022Q3", as_of=date(2022, 10, 11)), "task_id", "responsible_unit")
    assert after[("T2-4", "市监局")]["lagging_reason"] == "应报未报"


def test_problems_for_the_city_are_kept_verbatim_and_blank_ones_left_out(con):
    report(con, "财政局", "2022Q3", [{"task_id": "T1-2", "problems": "  奖励资金需市政府统筹  "},
                                     {"task_id": "T2-1", "problems": "   "}], form="task")
    p = run(con, "task_problems", "2022Q3")
    assert [(r["task_id"], r["bureau"], r["problem"]) for r in p.iter_rows(named=True)] == [
        ("T1-2", "财政局", "奖励资金需市政府统筹")]


# ---------------------------------------------------------------- 培训 counts only training

def test_talent_trained_counts_training_not_recruitment(con):
    """一、（三）4「累计培训…各类人才300人次以上」: T4-1 (contests, training with colleges) counts; T4-2 graduates and T4-3
    job fairs are recruitment, shown apart. 40 + 50 trained; 20 + 30 recruited."""
    report(con, "工信局", "2022Q3", [{"task_id": "T4-1", "trained_persons": 40}], form="task")
    report(con, "教育局", "2022Q3", [{"task_id": "T4-1", "trained_persons": 50}], form="task")
    report(con, "人社局", "2022Q3", [{"task_id": "T4-2", "trained_persons": 20},
                                     {"task_id": "T4-3", "trained_persons": 30}], form="task")
    t = rows_by(run(con, "target_progress", "2022"), "target_id")["talent_trained"]
    assert (t["actual_value"], t["year_value"]) == (90, 90)
    assert "另计50人次" in t["note"]
    # configurable: a deployment that counts T4-2 too
    wide = run(con, "target_progress", "2022", cfg=load(training_tasks=("T4-1", "T4-2")))
    assert rows_by(wide, "target_id")["talent_trained"]["actual_value"] == 110


# ---------------------------------------------------------------- 十四五 targets count the flow (list_target_enterprises.sql)

def test_fourteenth_plan_targets_count_enterprises_that_reached_the_level_in_2021_2025(con):
    """一、（三）1「“十四五”期间…培育吉林市级…10户以上，省级…6户以上」. By hand, at the end of 2022:
    吉林添正, 松花湖: 省级 written 2021 (in 2021–2025) → counted for 省级 and (skipping 市级) 吉林市级;
    开普: Annex 1 seed, 2022Q3 吉林市级 (2022) → counted for 吉林市级;
    NEW: enters 2022Q3 「2019年已认定吉林市级」 → reached before 2021: shown apart;
    NEW2: enters 2022Q3 吉林市级, no year, nothing earlier → 认定年份待核实: shown apart;
    天翔: 2022Q3 「2022年已认定吉林市级」, 2022Q4 注销 → holds no recognition: shown apart."""
    report(con, "工信局", "2022Q3", [
        {"enterprise_name": KAIPU, "srdi_level": "吉林市级", "srdi_level_year": 2022, "operating_status": "生产"},
        {"enterprise_name": TIANXIANG, "srdi_level": "吉林市级", "srdi_level_year": 2022, "operating_status": "生产"}])
    sid = report(con, "工信局", "2022Q3", [
        {"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2019, "operating_status": "生产"},
        {"enterprise_name": NEW2, "srdi_level": "吉林市级", "operating_status": "生产"}])
    enters(con, NEW, "2022Q3", sid)
    enters(con, NEW2, "2022Q3", sid)
    report(con, "工信局", "2022Q4", [
        {"enterprise_name": TIANXIANG, "srdi_level": "吉林市级", "srdi_level_year": 2022, "operating_status": "注销"}])
    te = run(con, "target_enterprises", "2022")
    city = {r["enterprise_name"]: r["status"] for r in te.iter_rows(named=True) if r["target_id"] == "city_total"}
    assert city == {TIANZHENG: "counted", SONGHUAHU: "counted", KAIPU: "counted", NEW: "before_window",
                    NEW2: "unverified", TIANXIANG: "excluded"}
    province = {r["enterprise_name"]: r["status"] for r in te.iter_rows(named=True) if r["target_id"] == "province_total"}
    assert province == {TIANZHENG: "counted", SONGHUAHU: "counted"}
    city_2022 = {r["enterprise_name"]: r["status"] for r in te.iter_rows(named=True) if r["target_id"] == "city_2022"}
    assert city_2022 == {KAIPU: "counted", TIANXIANG: "excluded", NEW2: "unverified"}
    t = rows_by(run(con, "target_progress", "2022"), "target_id")
    assert (t["city_total"]["actual_value"], t["city_total"]["enterprises_apart"]) == (3, 3)
    assert (t["city_total"]["year_value"]) == 1                        # 开普, the one counted in 2022
    assert "考核期前已认定1户" in t["city_total"]["note"] and "已注销1户" in t["city_total"]["note"]
    assert (t["province_total"]["actual_value"], t["city_2022"]["actual_value"]) == (2, 1)
    # seeds: the library less 注销: 12 of Annex 1 + NEW + NEW2 − 天翔
    assert t["seed_total"]["actual_value"] == 13


def test_a_jump_straight_to_provincial_counts_for_both_2022_targets(con):
    """一、（三）1「2022年培育吉林市级…3户以上，吉林省级…2户以上」, year_counts_higher_levels = true."""
    report(con, "工信局", "2022Q4", [{"enterprise_name": SONGJIANG, "srdi_level": "吉林省级", "srdi_level_year": 2022}])
    t = rows_by(run(con, "target_progress", "2022"), "target_id")
    assert (t["city_2022"]["actual_value"], t["province_2022"]["actual_value"]) == (1, 1)
    strict = rows_by(run(con, "target_progress", "2022", cfg=load(year_counts_higher_levels=False)), "target_id")
    assert (strict["city_2022"]["actual_value"], strict["province_2022"]["actual_value"]) == (0, 1)


def test_listed_enterprises_are_the_stock_at_the_period_end(con):
    report(con, "工信局", "2022Q4", [{"enterprise_name": TIANZHENG, "srdi_level": "吉林省级", "srdi_level_year": 2021,
                                      "listing_status": "新三板挂牌"},
                                     {"enterprise_name": PHARMA, "listing_status": "主板上市"}])   # PHARMA is a seed
    te = run(con, "target_enterprises", "2022")
    assert [(r["target_id"], r["enterprise_name"]) for r in te.iter_rows(named=True) if r["target_id"] == "listed_total"] == [
        ("listed_total", TIANZHENG)]
    assert rows_by(run(con, "target_progress", "2022"), "target_id")["listed_total"]["status"] == "achieved"


# ---------------------------------------------------------------- single-unit targets

@pytest.mark.parametrize("period,kind,status", [
    ("2022", "annual", "in_progress"),         # the pro-rata share would be 0.38 户: meaningless for one enterprise
    ("2024Q4", "quarterly", "in_progress"),
    ("2025Q1", "quarterly", "at_risk"),        # the target's own year
    ("2025", "annual", "not_achieved"),        # its window is over
])
def test_a_single_unit_target_is_in_progress_until_its_final_year(con, period, kind, status):
    """一、（三）1「力争晋升国家级…小巨人企业1户以上」 and 2「…上市…力争达到1户以上」, deadline 2025."""
    t = rows_by(run(con, "target_progress", period, kind=kind), "target_id")
    assert t["national_total"]["status"] == status and t["listed_total"]["status"] == status
    if status == "in_progress":
        assert t["national_total"]["expected_value"] is None
    assert t["province_total"]["status"] != "in_progress"              # 6 户: pro-rata as before


def test_a_single_unit_target_met_early_is_achieved(con):
    report(con, "工信局", "2023Q2", [{"enterprise_name": TIANZHENG, "srdi_level": "国家级", "srdi_level_year": 2023}])
    assert rows_by(run(con, "target_progress", "2023Q2"), "target_id")["national_total"]["status"] == "achieved"


# ---------------------------------------------------------------- ratio targets judged per enterprise

def test_ratio_targets_are_judged_per_provincial_enterprise(con):
    """一、（三）3「省级…研发投入占销售收入比例不低于2%，科技人员占职工总数比例不低于10%」. 添正 25/1000 = 2.5 %, 12/100
    = 12 %: meets both; 松花湖 10/800 = 1.25 %, 8/100 = 8 %: below both; 开普 (省级 from 2022Q4) reports no figures.
    Sum over sum, context only: R&D 35/1800 = 1.944 %; staff 20/200 = 10 %, which alone would read as met."""
    report(con, "工信局", "2022Q4", [
        {"enterprise_name": TIANZHENG, "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 25.0, "sales_revenue": 1000.0, "tech_staff": 12, "total_staff": 100},
        {"enterprise_name": SONGHUAHU, "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 10.0, "sales_revenue": 800.0, "tech_staff": 8, "total_staff": 100},
        {"enterprise_name": KAIPU, "srdi_level": "吉林省级", "srdi_level_year": 2022}])
    per = rows_by(run(con, "ratio_enterprises", "2022"), "target_id", "enterprise_name")
    assert {k: r["status"] for k, r in per.items()} == {
        ("rd_ratio", TIANZHENG): "meets", ("rd_ratio", SONGHUAHU): "below", ("rd_ratio", KAIPU): "not_reported",
        ("tech_staff_ratio", TIANZHENG): "meets", ("tech_staff_ratio", SONGHUAHU): "below",
        ("tech_staff_ratio", KAIPU): "not_reported"}
    assert per[("rd_ratio", SONGHUAHU)]["ratio_pct"] == pytest.approx(1.25)
    t = rows_by(run(con, "target_progress", "2022"), "target_id")
    rd, staff = t["rd_ratio"], t["tech_staff_ratio"]
    # 实际 is what the verdict is judged on: 1 of the 3 provincial enterprises meets each ratio (issue 19); the
    # pooled ratio is a separate, labelled context column
    assert (rd["actual_value"], rd["actual_text"], rd["expected_value"], rd["gap"]) == (1, "1/3户达标", 3, 2)
    assert (staff["actual_value"], staff["actual_text"]) == (1, "1/3户达标")
    assert rd["pooled_pct"] == pytest.approx(100 * 35 / 1800) and staff["pooled_pct"] == pytest.approx(10.0)
    assert "合计比例（参考，不作判断依据）1.94%" in rd["note"]
    assert (rd["enterprises_counted"], rd["enterprises_apart"], rd["status"]) == (1, 2, "at_risk")
    assert (staff["enterprises_counted"], staff["enterprises_apart"], staff["status"]) == (1, 2, "at_risk")
    assert "未达标1户" in staff["note"] and "未报送数据1户" in staff["note"]


def test_a_ratio_target_is_on_track_only_when_every_provincial_enterprise_meets_it(con):
    report(con, "工信局", "2022Q4", [
        {"enterprise_name": TIANZHENG, "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 25.0, "sales_revenue": 1000.0, "tech_staff": 12, "total_staff": 100},
        {"enterprise_name": SONGHUAHU, "srdi_level": "吉林省级", "srdi_level_year": 2021,
         "rd_expense": 30.0, "sales_revenue": 1000.0, "tech_staff": 11, "total_staff": 100}])
    t = rows_by(run(con, "target_progress", "2022"), "target_id")
    assert t["rd_ratio"]["status"] == "on_track" and t["tech_staff_ratio"]["status"] == "on_track"
    assert rows_by(run(con, "target_progress", "2025"), "target_id")["rd_ratio"]["status"] == "achieved"


# ---------------------------------------------------------------- rewards (compute_rewards.sql, recognitions_through)

def ledger(con, year: str, cfg=None, period: str | None = None) -> dict:
    return rows_by(run(con, "rewards", period or year, cfg=cfg), "enterprise_name", "category", "level")


def test_a_centre_rising_from_city_to_provincial_is_paid_100000(con):
    """二、（二）「对新认定的省级企业技术中心…给予10万元…的一次性奖励」. 松江's centre is 吉林市级 in Annex 1 (2022-04-28);
    工信局 reports it 吉林省级 in 2023Q2: a rise after the plan was issued, first recognised, paid in 2023."""
    report(con, "工信局", "2023Q2", [{"enterprise_name": SONGJIANG, "tech_center_level": "吉林省级"}])
    r = ledger(con, "2023")[(SONGJIANG, "tech_center", "吉林省级")]
    assert (r["status"], r["amount_yuan"], r["recognised_year"]) == ("accrued", 100_000, 2023)
    assert "附件1为吉林市级" in r["evidence"] and "2023Q2报送为吉林省级" in r["evidence"]
    assert ledger(con, "2022") == {}


def test_a_centre_rising_between_two_reports_is_paid_in_the_year_of_the_rise(con):
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "tech_center_level": "吉林市级"}])
    enters(con, NEW, "2022Q3", sid)
    report(con, "工信局", "2022Q4", [{"enterprise_name": NEW, "tech_center_level": "吉林省级"}])
    r = ledger(con, "2022")[(NEW, "tech_center", "吉林省级")]
    assert (r["status"], r["amount_yuan"]) == ("accrued", 100_000)


def test_an_enterprise_entering_with_a_centre_it_already_had_is_listed_to_verify(con):
    """The audit's case: NEW enters the library in 2022Q4 already holding a 省级 centre; its 备注 says it was recognised
    in 2020. Nothing shows a first recognition after the plan: 待核实, amount 0, the evidence needed named."""
    sid = report(con, "工信局", "2022Q4", [{"enterprise_name": NEW, "tech_center_level": "吉林省级",
                                            "remarks": "技术中心2020年已认定为省级"}])
    enters(con, NEW, "2022Q4", sid)
    r = ledger(con, "2022")[(NEW, "tech_center", "吉林省级")]
    assert (r["status"], r["amount_yuan"], r["full_amount_yuan"]) == ("pending", 0, 100_000)
    assert "认定文件" in r["evidence_needed"] and "2022年4月28日后首次认定的，按规定奖励100000元" in r["evidence_needed"]
    assert r["remarks"] == "技术中心2020年已认定为省级"
    # still waiting a year later, in every pack of that year
    assert ledger(con, "2023")[(NEW, "tech_center", "吉林省级")]["status"] == "pending"
    assert ledger(con, "2023", period="2023Q1")[(NEW, "tech_center", "吉林省级")]["status"] == "pending"


def test_a_sheet_without_the_centre_column_says_nothing_about_the_centre(con):
    """NEW's 2022Q3 sheet has no 技术中心 column (not reported, not blank); 2022Q4 shows a 省级 centre. That is the
    first sight of the centre, not a rise: 待核实, not paid."""
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "operating_status": "生产"}])
    given(con, "submission_columns", [{"submission_id": sid, "sheet": "Sheet1", "field": f, "excel_col": c, "header": h}
                                      for f, c, h in (("enterprise_name", "B", "企业名称"), ("srdi_level_text", "G", "认定级别"),
                                                      ("operating_status", "F", "经营状态"))])
    enters(con, NEW, "2022Q3", sid)
    report(con, "工信局", "2022Q4", [{"enterprise_name": NEW, "tech_center_level": "吉林省级"}])
    r = ledger(con, "2022")[(NEW, "tech_center", "吉林省级")]
    assert (r["status"], r["amount_yuan"]) == ("pending", 0)


def test_a_level_without_a_year_on_a_new_enterprise_is_not_paid_in_the_year_it_was_reported(con):
    sid = report(con, "农业农村局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级"}])
    enters(con, NEW, "2022Q3", sid)
    r = ledger(con, "2022")[(NEW, "srdi", "吉林市级")]
    assert (r["status"], r["amount_yuan"]) == ("pending", 0)
    assert "2022Q3首次报送时已为吉林市级，未注明认定年份" in r["evidence"]


def test_a_level_with_a_year_that_cannot_be_placed_after_the_plan_waits_for_its_date(con):
    """「2022年已认定吉林市级」 on an enterprise never seen before: 2022 may be January–April, before the plan."""
    sid = report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022}])
    enters(con, NEW, "2022Q3", sid)
    r = ledger(con, "2022")[(NEW, "srdi", "吉林市级")]
    assert r["status"] == "pending" and "2022-01-01至2022-09-30之间" in r["evidence_needed"]


def test_recognitions_dated_before_the_plan_are_not_paid(con):
    """Annex 1's own levels (2021年已认定省级) and centres were held when the plan was issued: not in the ledger. A
    recognition a 2022Q1 report (quarter end 31 March) already shows predates 28 April 2022: listed once, in the
    2022 ledger, as not paid with its clause (issue 19), never 待核实; not listed again in 2023."""
    sid = report(con, "工信局", "2022Q1", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022,
                                            "tech_center_level": "吉林省级"}])
    enters(con, NEW, "2022Q1", sid)
    report(con, "工信局", "2022Q3", [{"enterprise_name": NEW, "srdi_level": "吉林市级", "srdi_level_year": 2022,
                                      "tech_center_level": "吉林省级"}])
    book = ledger(con, "2022")
    assert {k: (r["status"], r["amount_yuan"]) for k, r in book.items()} == {
        (NEW, "srdi", "吉林市级"): ("predates", 0), (NEW, "tech_center", "吉林省级"): ("predates", 0)}
    assert "方案印发前认定，不予奖励（二、（一））" in book[(NEW, "srdi", "吉林市级")]["reason"]
    assert "方案印发前认定，不予奖励（二、（二））" in book[(NEW, "tech_center", "吉林省级")]["reason"]
    assert ledger(con, "2023") == {}


def test_a_year_that_contradicts_annex1_waits_for_a_check(con):
    report(con, "工信局", "2022Q3", [{"enterprise_name": SONGJIANG, "srdi_level": "吉林市级", "srdi_level_year": 2021}])
    r = ledger(con, "2022")[(SONGJIANG, "srdi", "吉林市级")]
    assert r["status"] == "pending" and "与附件1不一致" in r["evidence_needed"]


def test_a_year_written_after_a_stale_report_is_paid_as_reported_late(con):
    """长白山制药: 2022Q4 still a seed (the sheet copied forward), 2023Q1 「2022年已认定吉林市级」. Annex 1 (seed on
    2022-04-28) places the recognition after the plan; it is paid in 2023, marked 补报."""
    report(con, "工信局", "2022Q4", [{"enterprise_name": PHARMA, "srdi_level": "种子"}])
    report(con, "工信局", "2023Q1", [{"enterprise_name": PHARMA, "srdi_level": "吉林市级", "srdi_level_year": 2022}])
    assert (PHARMA, "srdi", "吉林市级") not in ledger(con, "2022")
    r = ledger(con, "2023")[(PHARMA, "srdi", "吉林市级")]
    assert (r["status"], r["amount_yuan"], r["recognised_year"]) == ("accrued", 50_000, 2022)
    assert "2022年首次认定" in r["reason"] and "2023年补报" in r["reason"] and "补报" in r["evidence"]


def _climb(con):
    """开普: Annex 1 seed; 吉林市级 (2022) in 2022Q3, 吉林省级 (2022) in 2022Q4, 国家级 (2023) in 2023Q1."""
    for q, level, year in (("2022Q3", "吉林市级", 2022), ("2022Q4", "吉林省级", 2022), ("2023Q1", "国家级", 2023)):
        report(con, "工信局", q, [{"enterprise_name": KAIPU, "srdi_level": level, "srdi_level_year": year}])


@pytest.mark.parametrize("option,y2022,y2023", [
    ("top_up", 100_000, 100_000),       # 2022: 省级 10万 (市级 the same year: not again); 2023: 20万 − 10万
    ("full", 100_000, 200_000),         # each year's recognition in full; never twice in one year
    ("highest_only", 100_000, 0),       # one reward ever
])
def test_no_option_pays_one_enterprise_twice_in_a_year(con, option, y2022, y2023):
    """二、（一）「（被重复认定的企业只享受一次高级别奖励）」."""
    _climb(con)
    cfg = load(repeat_recognition=option)
    for year, want in (("2022", y2022), ("2023", y2023)):
        rows = [r for k, r in ledger(con, year, cfg).items() if k[0] == KAIPU]
        assert sum(r["amount_yuan"] for r in rows) == want, (option, year, rows)
        assert sum(r["amount_yuan"] > 0 for r in rows) <= 1
    city = ledger(con, "2022", cfg)[(KAIPU, "srdi", "吉林市级")]
    assert (city["status"], city["amount_yuan"]) == ("no_repeat", 0) and "同一年度只奖励一次" in city["reason"]


def test_every_pack_carries_the_ledger_of_its_year_to_date(con):
    _climb(con)
    q3 = ledger(con, "2022", period="2022Q3")
    assert {k: r["amount_yuan"] for k, r in q3.items()} == {(KAIPU, "srdi", "吉林市级"): 50_000}
    h2 = ledger(con, "2022", period="2022H2")
    assert {k: r["amount_yuan"] for k, r in h2.items()} == {(KAIPU, "srdi", "吉林市级"): 0,
                                                            (KAIPU, "srdi", "吉林省级"): 100_000}
    assert all(r["year"] == 2022 for r in h2.values())


def test_srdi_and_centre_rewards_are_different_clauses_and_both_paid(con):
    report(con, "工信局", "2022Q4", [{"enterprise_name": SONGJIANG, "srdi_level": "吉林市级", "srdi_level_year": 2022,
                                      "tech_center_level": "吉林省级"}])
    paid = {k: r["amount_yuan"] for k, r in ledger(con, "2022").items()}
    assert paid == {(SONGJIANG, "srdi", "吉林市级"): 50_000, (SONGJIANG, "tech_center", "吉林省级"): 100_000}


def test_a_recognition_year_column_for_the_centre_is_read_when_the_form_has_one(con):
    """技术中心认定年份 (the enterprise form's column since #14): enterprise_reports.tech_center_year, selected by
    enterprise_history, which the macro reads with no change."""
    sid = report(con, "工信局", "2023Q2", [{"enterprise_name": NEW, "tech_center_level": "吉林省级", "tech_center_year": 2023}])
    enters(con, NEW, "2023Q2", sid)
    sid2 = report(con, "工信局", "2023Q2", [{"enterprise_name": NEW2, "tech_center_level": "国家级", "tech_center_year": 2020}])
    enters(con, NEW2, "2023Q2", sid2)
    book = ledger(con, "2023")
    assert (book[(NEW, "tech_center", "吉林省级")]["status"], book[(NEW, "tech_center", "吉林省级")]["amount_yuan"]) == (
        "accrued", 100_000)
    assert (book[(NEW2, "tech_center", "国家级")]["status"], book[(NEW2, "tech_center", "国家级")]["amount_yuan"]) == (
        "predates", 0)                                                   # 2020: before the plan, not paid


def test_the_categories_srdi_does_not_compute_are_named_with_their_clause(con):
    cats = run(con, "reward_categories", "2022Q3")
    got = [(r["name"], r["clause"], r["computed"]) for r in cats.iter_rows(named=True)]
    assert got == [("首次认定“专精特新”中小企业奖励", "二、（一）", True), ("新认定企业技术中心奖励", "二、（二）", True),
                   ("国家技术创新示范企业奖励", "二、（二）", False), ("技术合同交易补助", "二、（二）", False),
                   ("高校毕业生补贴", "二、（四）", False)]


# ---------------------------------------------------------------- notices (list_rollup_notices.sql)

def test_unconfigured_leaders_are_a_notice_naming_the_bureaus_and_where_to_set_them(con):
    notes = run(con, "rollup_notices", "2022Q3")
    (leaders,) = [r["notice"] for r in notes.iter_rows(named=True) if r["topic"] == "leaders"]
    assert "共13个单位" in leaders and "请系统管理员在配置中填写" in leaders
    # leaders read it (概要, dashboard): no path, no config syntax, no README section (#19 finding 10); the CLI says those
    assert not [w for w in ("[leaders]", "rollup_config", "README", "<home>", "srdi") if w in leaders]
    everyone = {b: "张三" for b in load().owes("task")}
    assert run(con, "rollup_notices", "2022Q3", cfg=load(leaders=everyone)).height == 0
    one_short = {b: "张三" for b in load().owes("task") if b != "银保监"}
    (only,) = run(con, "rollup_notices", "2022Q3", cfg=load(leaders=one_short)).iter_rows(named=True)
    assert only["notice"].startswith("责任领导未配置：银保监（共1个单位）")


# ---------------------------------------------------------------- the ladder sections

def test_the_ladder_list_is_the_library_at_the_period_end(con):
    report(con, "工信局", "2022Q3", [{"enterprise_name": KAIPU, "srdi_level": "吉林市级", "srdi_level_year": 2022}])
    e = rows_by(run(con, "ladder_enterprises", "2022Q3"), "enterprise_name")
    assert len(e) == 12 and e[KAIPU]["srdi_level"] == "吉林市级" and e[PHARMA]["source"] == "附件1"


def test_changes_since_the_previous_period(con):
    report(con, "工信局", "2022Q2", [{"enterprise_name": KAIPU, "operating_status": "生产"}])
    sid = report(con, "工信局", "2022Q3", [
        {"enterprise_name": KAIPU, "srdi_level": "吉林市级", "srdi_level_year": 2022, "operating_status": "停产"},
        {"enterprise_name": PHARMA, "tech_center_level": "国家级", "operating_status": "生产"},
        {"enterprise_name": NEW, "operating_status": "生产"}])
    enters(con, NEW, "2022Q3", sid)
    ch = rows_by(run(con, "ladder_changes", "2022Q3"), "enterprise_name", "change")
    assert set(ch) == {(KAIPU, "new_recognition"), (KAIPU, "status_change"), (PHARMA, "tech_center"), (NEW, "new_entry")}
    assert ch[(KAIPU, "status_change")]["flag"] == "停产" and ch[(PHARMA, "tech_center")]["from_value"] == "吉林省级"


def test_lagging_enterprises_once_the_planned_year_is_over(con):
    """开普 plans 吉林市级 2022 and 吉林省级 2022 (Annex 1): due this year in 2022Q3, lagging in the 2022 summary."""
    q3 = rows_by(run(con, "ladder_lagging", "2022Q3"), "enterprise_name", "planned_level")
    assert q3[(KAIPU, "吉林市级")]["status"] == "due_this_year"
    year = rows_by(run(con, "ladder_lagging", "2022"), "enterprise_name", "planned_level")
    assert (year[(KAIPU, "吉林省级")]["status"], year[(KAIPU, "吉林省级")]["years_overdue"]) == ("lagging", 1)
    assert (TIANZHENG, "吉林市级") not in year                         # already 省级


def test_conflicting_reports_name_both_bureaus(con):
    report(con, "工信局", "2022Q3", [{"enterprise_name": TIANXIANG, "operating_status": "停产"}])
    report(con, "发改局", "2022Q3", [{"enterprise_name": TIANXIANG, "operating_status": "生产", "industry": "冶金建材"}])
    (c,) = run(con, "ladder_conflicts", "2022Q3").iter_rows(named=True)
    assert (c["field"], c["bureau_a"], c["value_a"], c["bureau_b"], c["value_b"]) == (
        "operating_status", "发改局", "生产", "工信局", "停产")
    assert c["adopted_bureau"] == "工信局"                             # 天翔 is 工业's: its bureau's report counts


def test_next_years_cultivation_list(con):
    report(con, "工信局", "2022Q4", [{"enterprise_name": TIANXIANG, "operating_status": "注销",
                                      "planned_city_year": 2022, "planned_province_year": 2023}])
    cl = rows_by(run(con, "cultivation_list", "2022"), "enterprise_name", "target_level")
    assert cl[(KAIPU, "吉林市级")]["reason"] == "carried_over"          # planned 2022, not reached
    assert cl[(PHARMA, "吉林省级")]["reason"] == "planned"              # planned 2023
    assert cl[(TIANZHENG, "国家级")]["reason"] == "cultivating"         # 国家级拟培育, no year
    assert not [k for k in cl if k[0] == TIANXIANG]                     # 注销 leaves the list


def test_the_service_teams_are_compared_every_quarter(con):
    report(con, "农业农村局", "2022Q3", [], received=datetime(2022, 10, 12))
    teams = rows_by(run(con, "service_team_comparison", "2022Q3", as_of=date(2022, 10, 12)), "service_team")
    assert set(teams) == {"农业", "工业", "建筑", "商贸", "文旅", "能源"}
    assert (teams["农业"]["enterprises"], teams["农业"]["reports_late"], teams["农业"]["reports_missing"]) == (4, 1, 1)
    early = rows_by(run(con, "service_team_comparison", "2022Q3", as_of=date(2022, 10, 1)), "service_team")
    assert (early["工业"]["reports_not_due"], early["工业"]["reports_missing"]) == (2, 0)
