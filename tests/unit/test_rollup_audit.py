"""The rollup's data tests (warehouse/audit.py, #20 item 4): each one on in-memory DuckDB, given a hand-made table
with one planted fault, expects exactly that fault named (table, test, offending key); and given the same table
without the fault, expects nothing (a test that cannot fail is a defect, and so is one that always fails)."""
from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from schemas.sections import BY_TABLE, Column, Section, DataTests
from warehouse.audit import Failure, RollupAuditFailed, audit, audit_invariants, audit_table
from warehouse.connection import connect_memory

TOY = Section("toy", "", ("period", "name"), (), columns=(
    Column("period", "VARCHAR", True, "汇总期"), Column("name", "VARCHAR", True, "企业名称"),
    Column("status", "VARCHAR", False, "状态")),
    tests=DataTests(accepted_values=(("status", ("ok", "late")),), relationships=(("name", "parent"),)))
GOOD = pl.DataFrame({"period": ["2022Q2"] * 3, "name": ["甲", "乙", "丙"], "status": ["ok", "late", None]})
PARENT = pl.DataFrame({"period": ["2022Q2"] * 3, "name": ["甲", "乙", "丙"]})


@pytest.fixture
def con():
    with connect_memory() as c:
        yield c


def test_a_good_table_passes_every_declared_test(con):
    assert audit_table(con, TOY, GOOD, {"parent": PARENT}) == []


def test_unique_names_the_repeated_key(con):
    bad = pl.concat([GOOD, GOOD.head(1)])
    assert audit_table(con, TOY, bad, {"parent": PARENT}) == [Failure("toy", "unique (period, name)", ("2022Q2 / 甲 ×2",))]


def test_not_null_names_the_row_whose_column_is_empty(con):
    bad = GOOD.with_columns(pl.when(pl.col("name") == "乙").then(None).otherwise(pl.col("period")).alias("period"))
    assert audit_table(con, TOY, bad, {"parent": PARENT}) == [Failure("toy", "not_null(period)", ("乙",))]


def test_accepted_values_names_the_unknown_code(con):
    bad = GOOD.with_columns(pl.Series("status", ["ok", "ontime", "ontime"]))
    assert audit_table(con, TOY, bad, {"parent": PARENT}) == [Failure("toy", "accepted_values(status)", ("ontime ×2",))]


def test_relationships_names_the_value_its_parent_lacks(con):
    assert audit_table(con, TOY, GOOD, {"parent": PARENT.head(2)}) == [
        Failure("toy", "relationships(name → parent.name)", ("丙",))]
    # a parent this kind of rollup does not compute: nothing to check against
    assert audit_table(con, TOY, GOOD, {}) == []


def test_the_models_declare_their_tests_from_the_labels_catalogues():
    accepted = dict(BY_TABLE["compliance"].tests.accepted_values)
    assert set(accepted["status"]) == {"on_time", "late", "missing", "rejected", "not_due"}
    assert ("enterprise_name", "ladder_enterprises") in BY_TABLE["former_names"].tests.relationships
    assert "status" in BY_TABLE["compliance"].not_null and BY_TABLE["rewards"].key == (
        "period", "enterprise_name", "category", "level")


# ---------------------------------------------------------------- invariants

OBLIGATIONS = pl.DataFrame({"report_period": ["2022Q2", "2022Q2", "2022Q2"], "bureau": ["工信局", "工信局", "科技局"],
                            "form": ["enterprise", "task", "task"], "due_date": [date(2022, 7, 15)] * 3,
                            "responsible_leader": [None, None, None]}, schema_overrides={"responsible_leader": pl.Utf8})


def _compliance(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame([{"period": "2022Q2", "report_period": q, "bureau": b, "form": f, "status": "on_time"}
                         for q, b, f in rows])


def test_each_bureau_that_owes_a_report_appears_once_in_compliance(con):
    owed = [("2022Q2", "工信局", "enterprise"), ("2022Q2", "工信局", "task"), ("2022Q2", "科技局", "task")]
    assert audit_invariants(con, {"compliance": _compliance(owed)}, OBLIGATIONS) == []
    missing = audit_invariants(con, {"compliance": _compliance(owed[:2])}, OBLIGATIONS)
    assert missing == [Failure("compliance", "compliance_once", ("2022Q2 / 科技局 / task",))]
    twice = audit_invariants(con, {"compliance": _compliance([*owed, owed[0]])}, OBLIGATIONS)
    assert twice == [Failure("compliance", "compliance_once", ("2022Q2 / 工信局 / enterprise",))]
    stranger = audit_invariants(con, {"compliance": _compliance([*owed, ("2022Q2", "公安局", "task")])}, OBLIGATIONS)
    assert stranger == [Failure("compliance", "compliance_once", ("2022Q2 / 公安局 / task",))]


ENTERPRISES = pl.DataFrame({"enterprise_name": ["甲", "乙", "丙"], "srdi_level": ["种子", "种子", "国家级"],
                            "operating_status": ["正常", "停产", "正常"]})


def _counts(change: dict | None = None) -> pl.DataFrame:
    # hand-counted from ENTERPRISES: 2 种子, 1 国家级, 1 停产; two service teams holding 2 and 1
    rows = [{"breakdown": "all", "group_value": "全部企业", "seed_count": 2, "city_count": 0, "province_count": 0,
             "national_count": 1, "total_count": 3, "stopped_count": 1},
            {"breakdown": "service_team", "group_value": "一专班", "seed_count": 1, "city_count": 0, "province_count": 0,
             "national_count": 1, "total_count": 2, "stopped_count": 0},
            {"breakdown": "service_team", "group_value": "二专班", "seed_count": 1, "city_count": 0, "province_count": 0,
             "national_count": 0, "total_count": 1, "stopped_count": 1}]
    for (i, col), value in (change or {}).items():
        rows[i][col] = value
    return pl.DataFrame(rows)


def _ladder(con, counts):
    return audit_invariants(con, {"ladder_counts": counts, "ladder_enterprises": ENTERPRISES}, OBLIGATIONS)


def test_the_ladder_counts_equal_the_enterprises_listed(con):
    assert _ladder(con, _counts()) == []
    # the 全部企业 row counts one 种子 too many (and so its total is no longer the sum of its levels)
    (f,) = _ladder(con, _counts({(0, "seed_count"): 3}))
    assert (f.table, f.test) == ("ladder_counts", "ladder_counts") and "all / 全部企业" in f.offending
    # a service team's group lost an enterprise: the groups add up to 2, not 3
    (f,) = _ladder(con, _counts({(2, "seed_count"): 0, (2, "total_count"): 0}))
    assert f.offending == ("service_team（各组合计）",)


def _rewards(*rows) -> pl.DataFrame:
    return pl.DataFrame([{"enterprise_name": e, "category": "srdi", "level": lv, "status": s, "amount_yuan": a,
                          "full_amount_yuan": full} for e, lv, s, a, full in rows])


def test_the_rewards_ledger_amounts_add_up(con):
    good = _rewards(("甲", "吉林省级", "accrued", 100_000, 200_000),      # 补差: 20万 − 10万 already paid
                    ("乙", "吉林市级", "no_repeat", 0, 50_000), ("丙", "国家级", "pending", 0, 500_000))
    assert audit_invariants(con, {"rewards": good}, OBLIGATIONS) == []
    bad = _rewards(("甲", "吉林省级", "accrued", 300_000, 200_000), ("乙", "吉林市级", "pending", 50_000, 50_000))
    (f,) = audit_invariants(con, {"rewards": bad}, OBLIGATIONS)
    assert f.offending == ("乙 / srdi / 吉林市级 / pending", "甲 / srdi / 吉林省级 / accrued")


def test_the_failure_is_one_line_naming_table_test_and_keys(con):
    bad = pl.concat([GOOD, GOOD.head(1)])
    failures = audit(con, [TOY], {"toy": bad, "parent": PARENT}, OBLIGATIONS)
    message = str(RollupAuditFailed("2022Q2", failures))
    assert "\n" not in message and "汇总数据检查未通过" in message and "failed a data test" in message
    assert "toy unique (period, name): 2022Q2 / 甲 ×2" in message
