"""Issue 19's "Done when" scenario (tests/scenarios/issue19.py): fifteen quarters, expected figures worked out by hand
from 蛟政发〔2022〕4号 and srdi's documented defaults (docs/rollups.md, rollup_config.toml), never read back from srdi.

Written before the fixes of issue 19 with xfail(strict) marks on what was then wrong; every mark is gone now that
the fixes merged. Where a fix made a documented choice (docs/rollups.md rules 7a, 11, 18, 19, 21, 23, 25), the
expectation follows that choice and says so; the figures are still worked out by hand. Assertions compare identities
(an enterprise is its credit code: either of 酒业's names counts as 酒业) and figures; where the name itself matters
(a rename is listed under its current name, with "原名 …" in the pack and the dashboard) the test says so.

Enterprises at each year end (hand-derived; Annex 1 levels as printed, the rest from the reports):
    level     2022                               2023                        2024 and 2025
    种子      制药 松江 天翔 天一昊宇 金亿 酒业     制药 松江 天翔 天一昊宇      制药 天翔 天一昊宇 金亿
              得利斯 鸿源 旺普 庆岭 (10)           金亿 得利斯 鸿源 旺普 庆岭 (9) 得利斯 鸿源 旺普 庆岭 (8)
    吉林市级  开普 拉法 (2)                       拉法 酒业 (2)               拉法 酒业 (2)
    吉林省级  添正 松花湖 (2)                     添正 松花湖 开普 (3)        添正 松花湖 开普 松江 (4)
"""
from __future__ import annotations

from collections import Counter

import duckdb
import openpyxl
import pytest

from tests.scenarios import issue19 as S
from tests.scenarios.issue19 import scenario  # noqa: F401  (the module's fixture)

JIUYE_NAMES = {S.JIUYE_OLD, S.JIUYE}


# ---------------------------------------------------------------- reading what srdi wrote

def rows(home, sql: str, params=None) -> list[dict]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def who(name: str) -> str:
    """An identity: 酒业 under either name is one enterprise."""
    return "酒业" if name in JIUYE_NAMES else name


def pack_sheet(home, period: str, sheet: str) -> list[tuple]:
    (path,) = (home.root / "reports" / period).glob("*.xlsx")
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


def pack_text(home, period: str) -> list[str]:
    (path,) = (home.root / "reports" / period).glob("*.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    return [" ".join(str(v) for v in r if v is not None) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


# What the pack shows (sheet and column names as the pack prints them)

STATUS_WORDS = {  # rewards.status -> the 奖励台账's 状态 cell (docs/rollups.md rules 23, 24, 25)
    "provisional": "预计（以年度总结为准）", "accrued": "应兑现", "no_repeat": "不重复奖励",
    "predates": "方案印发前认定，不予奖励"}


def pack_rows(home, period: str, sheet: str) -> list[dict]:
    """A pack sheet's rows under its header row (the row whose first cell is 企业名称), up to the 合计 row."""
    out, header = [], None
    for r in pack_sheet(home, period, sheet):
        if header is None:
            header = list(r) if r and r[0] == "企业名称" else None
        elif r[0] == "合计":
            break
        elif r[0] is not None:
            out.append(dict(zip(header, r)))
    assert header is not None, (period, sheet)
    return out


def shown_identity(shown: str) -> str:
    """An enterprise as a pack shows it: 现名, or 现名（原名 旧名） for a renamed one (rule 7a) -> its identity."""
    return who(shown.split("（原名 ")[0])


def pack_ledger(home, period: str) -> dict[tuple[str, str], tuple[str, int]]:
    """The 奖励台账 sheet: (identity, level) -> (状态 cell, 金额（元）)."""
    got = {}
    for r in pack_rows(home, period, "奖励台账"):
        key = (shown_identity(r["企业名称"]), r["级别"])
        assert key not in got, key           # one row per enterprise and level
        got[key] = (r["状态"], r["金额（元）"])
    return got


def listed_row_text(home, period: str, name: str) -> list[str]:
    """The 企业名单 sheet's rows of an enterprise (either name), each as one text (where "原名 …" is shown)."""
    return [" ".join(str(v) for v in r.values() if v is not None) for r in pack_rows(home, period, "企业名单")
            if shown_identity(r["企业名称"]) == who(name)]


def ratio_actual(row: dict) -> float | None:
    """target_progress's 实际 for a ratio target: the enterprises meeting the ratio (rule 21)."""
    return row["actual_value"]


# ---------------------------------------------------------------- compliance (催报): who owed what, and when it came

def expected_compliance(q: str) -> dict[tuple[str, str], tuple[str, int | None]]:
    """(bureau, form) -> (status, days late) for the bureaus that sent anything; every other obligation: missing.
    Due = quarter end + 10 days (docs/rollups.md rule 3), on the due date is on time, judged in Beijing time."""
    out = {("工信局", "enterprise"): ("on_time", None), ("住建局", "enterprise"): ("on_time", None),
           ("农业农村局", "enterprise"): ("on_time", None), ("工信局", "task"): ("on_time", None),
           ("人民银行", "task"): ("on_time", None)}
    if q == "2022Q3":
        out[("工信局", "task")] = ("late", 1)          # 2022-10-11 06:30 Beijing, due 2022-10-10
    if q == "2023Q1":
        out[("农业农村局", "enterprise")] = ("late", 5)  # 2023-04-15, due 2023-04-10
    if q == "2024Q1":
        out[("农业农村局", "enterprise")] = ("missing", None)
    if q == "2024Q3":
        out[("人社局", "task")] = ("on_time", None)
    if q == "2024Q4":
        out[("商务局", "task")] = ("on_time", None)     # the first copy, 2025-01-08; the second is a duplicate
    return out


RUN_QUARTERS = {"2022": ["2022Q2", "2022Q3", "2022Q4"], "2023": ["2023Q1", "2023Q2", "2023Q3", "2023Q4"],
                "2024": ["2024Q1", "2024Q2", "2024Q3", "2024Q4"], "2025": ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]}


def _compliance(home, year):
    got = {(r["report_period"], r["bureau"], r["form"]): (r["status"], r["days_late"])
           for r in rows(home, "SELECT * FROM compliance WHERE period = ?", [year])}
    want = {}
    for q in RUN_QUARTERS[year]:
        exp = expected_compliance(q)
        for (b, f) in {(b, f) for (qq, b, f) in got if qq == q} | set(exp):
            want[(q, b, f)] = exp.get((b, f), ("missing", None))
    return got, want


@pytest.mark.parametrize("year", list(RUN_QUARTERS))
def test_compliance_every_quarter(scenario, year):
    home, _ = scenario
    got, want = _compliance(home, year)
    # 19 obligations a quarter: the six service-team bureaus' enterprise form, the 13 Annex 2 units' task form
    assert Counter(q for q, _, _ in got) == {q: 19 for q in RUN_QUARTERS[year]}
    assert got == want


def test_a_report_one_day_late_in_beijing_is_late(scenario):
    home, _ = scenario
    got, want = _compliance(home, "2022")
    assert got[("2022Q3", "工信局", "task")] == want[("2022Q3", "工信局", "task")] == ("late", 1)
    # the instant stored is the one the file arrived at (2022-10-10 22:30 UTC), whatever the server's zone
    (sub,) = rows(home, "SELECT received_at FROM submissions WHERE bureau = '工信局' AND form = 'task' AND "
                        "period = '2022Q3'")
    assert sub["received_at"] == S.LATE[("工信局", "task", "2022Q3")]


def test_the_report_with_a_month_dated_recognition_is_accepted(scenario):
    home, _ = scenario
    for year in RUN_QUARTERS:
        got, _ = _compliance(home, year)
        assert {got[(q, "住建局", "enterprise")] for q in RUN_QUARTERS[year]} == {("on_time", None)}
    # every one of 住建局's fifteen reports loaded (its level text as typed: see the ladder test below)
    subs = rows(home, "SELECT period, status FROM submissions WHERE bureau = '住建局' AND form = 'enterprise'")
    assert sorted(subs, key=lambda r: r["period"]) == [{"period": q, "status": "loaded"} for q in S.QUARTERS]


# ---------------------------------------------------------------- the re-dropped template: exactly once

def test_the_same_filled_template_dropped_twice_is_loaded_once(scenario):
    home, _ = scenario
    subs = rows(home, "SELECT status, duplicate_of, submission_id FROM submissions WHERE bureau = '商务局' ORDER BY 3")
    assert [s["status"] for s in subs] == ["loaded", "duplicate"]
    assert subs[1]["duplicate_of"] == subs[0]["submission_id"]
    # its four tasks (T1-1, T1-2, T3-1, T4-1), once
    got = rows(home, "SELECT task_id FROM task_progress WHERE bureau = '商务局' AND period = '2024Q4' ORDER BY 1")
    assert [r["task_id"] for r in got] == ["T1-1", "T1-2", "T3-1", "T4-1"]


# ---------------------------------------------------------------- the ladder (梯队) and the service teams

LADDER = {  # period -> (seed, 吉林市级, 吉林省级, 国家级, total): the table in the module docstring
    "2022": (10, 2, 2, 0, 14), "2022Q3": (10, 2, 2, 0, 14), "2023": (9, 2, 3, 0, 14), "2023Q4": (9, 2, 3, 0, 14),
    # 2024Q1: 松江 吉林市级; 2024Q4: 松江 吉林省级
    "2024H1": (8, 3, 3, 0, 14), "2024Q3": (8, 3, 3, 0, 14), "2024": (8, 2, 4, 0, 14), "2024Q4": (8, 2, 4, 0, 14),
    "2025": (8, 2, 4, 0, 14),
}
TEAMS = {  # period -> team -> (seed, 吉林市级, 吉林省级, total); Annex 1's teams by industry (rule 7), 拉法 建筑
    "2022": {"工业": (5, 1, 2, 8), "农业": (5, 0, 0, 5), "建筑": (0, 1, 0, 1)},
    "2023": {"工业": (5, 0, 3, 8), "农业": (4, 1, 0, 5), "建筑": (0, 1, 0, 1)},
    "2024": {"工业": (4, 0, 4, 8), "农业": (4, 1, 0, 5), "建筑": (0, 1, 0, 1)},
    "2025": {"工业": (4, 0, 4, 8), "农业": (4, 1, 0, 5), "建筑": (0, 1, 0, 1)},
}


_C22 = {"吉林市级": {S.KAIPU, S.LAFA}, "吉林省级": {S.TIANZHENG, S.SONGHUAHU}}
_C23 = {"吉林市级": {S.LAFA, "酒业"}, "吉林省级": {S.TIANZHENG, S.SONGHUAHU, S.KAIPU}}
_C24H1 = {"吉林市级": {S.LAFA, "酒业", S.SONGJIANG}, "吉林省级": {S.TIANZHENG, S.SONGHUAHU, S.KAIPU}}
_C24 = {"吉林市级": {S.LAFA, "酒业"}, "吉林省级": {S.TIANZHENG, S.SONGHUAHU, S.KAIPU, S.SONGJIANG}}
LEVELS = {"2022": _C22, "2022Q3": _C22, "2023": _C23, "2023Q4": _C23, "2024H1": _C24H1, "2024Q3": _C24H1,
          "2024": _C24, "2024Q4": _C24, "2025": _C24}


@pytest.mark.parametrize("period", list(LADDER))
def test_ladder_counts(scenario, period):
    home, _ = scenario
    (got,) = rows(home, "SELECT seed_count, city_count, province_count, national_count, total_count FROM ladder_counts"
                        " WHERE period = ? AND breakdown = 'all'", [period])
    levels = {}
    for r in rows(home, "SELECT enterprise_name, srdi_level FROM ladder_enterprises WHERE period = ?", [period]):
        levels.setdefault(r["srdi_level"], []).append(who(r["enterprise_name"]))
    # the same enterprises, each once (a count alone can hide a missing one behind a doubled one)
    assert {k: sorted(v) for k, v in levels.items() if k != "种子"} == {k: sorted(v) for k, v in LEVELS[period].items()}
    assert tuple(got.values()) == LADDER[period]


@pytest.mark.parametrize("period", list(TEAMS))
def test_service_team_counts(scenario, period):
    home, _ = scenario
    got = {r["service_team"]: (r["seed_count"], r["city_count"], r["province_count"], r["enterprises"])
           for r in rows(home, "SELECT * FROM service_team_comparison WHERE period = ?", [period])}
    assert {t: v for t, v in got.items() if v != (0, 0, 0, 0)} == TEAMS[period]


def test_a_code_correction_keeps_one_enterprise(scenario):
    home, _ = scenario
    for period in ("2022", "2023", "2024", "2025"):
        got = rows(home, "SELECT enterprise_name FROM ladder_enterprises WHERE period = ? AND enterprise_name LIKE '%庆岭%'",
                   [period])
        assert [r["enterprise_name"] for r in got] == [S.QINGLING]
    assert rows(home, "SELECT * FROM ladder_conflicts") == []


JIUYE_LEVEL = {"2022": "种子", "2023": "吉林市级", "2024H1": "吉林市级", "2024": "吉林市级", "2025": "吉林市级"}


@pytest.mark.parametrize("period", list(JIUYE_LEVEL))
def test_a_renamed_enterprise_is_one_row_under_its_current_name(scenario, period):
    """Rule 7a: one row per identity under its current name (the name of its latest accepted report), also in the
    periods before the rename: every rollup here ran after it."""
    home, _ = scenario
    got = rows(home, "SELECT enterprise_name, srdi_level FROM ladder_enterprises WHERE period = ? AND "
                     "enterprise_name IN (?, ?)", [period, *JIUYE_NAMES])
    assert [(r["enterprise_name"], r["srdi_level"]) for r in got] == [(S.JIUYE, JIUYE_LEVEL[period])]


ROLLUP_TABLES_BY_ENTERPRISE = ("ladder_enterprises", "ladder_changes", "ladder_lagging", "ladder_conflicts",
                               "target_enterprises", "ratio_enterprises", "rewards", "cultivation_list")


def test_no_rollup_lists_the_former_name(scenario):
    """Rule 7a: rollup tables key a renamed enterprise on its current name in every period (former_names holds the
    old one); each period's table names it at most once per key, which the other tests check figure by figure."""
    home, _ = scenario
    for table in ROLLUP_TABLES_BY_ENTERPRISE:
        assert rows(home, f"SELECT period FROM {table} WHERE enterprise_name = ?", [S.JIUYE_OLD]) == [], table
    got = rows(home, "SELECT DISTINCT enterprise_name, former_names FROM former_names")
    assert got == [{"enterprise_name": S.JIUYE, "former_names": S.JIUYE_OLD}]


@pytest.mark.parametrize("period", ["2024H1", "2024", "2025"])
def test_the_pack_and_dashboard_show_the_former_name(scenario, period):
    home, _ = scenario
    shown = f"{S.JIUYE}（原名 {S.JIUYE_OLD}）"
    (text,) = listed_row_text(home, period, S.JIUYE)          # one row in 企业名单, under both names
    assert text.startswith(shown)
    (html,) = (home.root / "reports" / period).glob("*.html")
    page = html.read_text(encoding="utf-8")
    assert shown in page and page.count(S.JIUYE_OLD) == page.count(shown)   # the old name only as 原名


def test_a_rename_and_a_code_correction_are_visible_to_an_analyst(scenario):
    home, _ = scenario
    codes = {(r["enterprise_name"], r["credit_code"]): r for r in rows(
        home, "SELECT * FROM enterprise_codes WHERE enterprise_name IN (?, ?, ?)", [*JIUYE_NAMES, S.QINGLING])}
    # 酒业: one code under two names, the old name reported 2022Q2–2023Q4 (2024Q1 never sent), the new from 2024Q2
    old, new = codes[(S.JIUYE_OLD, S.CODE[S.JIUYE])], codes[(S.JIUYE, S.CODE[S.JIUYE])]
    assert (old["first_period"], old["last_period"], old["current_name"]) == ("2022Q2", "2023Q4", S.JIUYE)
    assert (new["first_period"], new["last_period"], new["current_name"]) == ("2024Q2", "2025Q4", S.JIUYE)
    # 庆岭: the wrong code 2022Q3–2023Q2, corrected to the right one, current from 2023Q3
    wrong, right = codes[(S.QINGLING, S.QINGLING_WRONG)], codes[(S.QINGLING, S.CODE[S.QINGLING])]
    assert (wrong["first_period"], wrong["last_period"], wrong["is_current"], wrong["corrected_to"]) == (
        "2022Q3", "2023Q2", False, S.CODE[S.QINGLING])
    assert (right["first_period"], right["last_period"], right["is_current"], right["corrected_to"]) == (
        "2023Q3", "2025Q4", True, None)
    assert len(codes) == 4
    ents = {r["enterprise_name"]: r for r in rows(
        home, "SELECT enterprise_name, credit_code, former_names FROM enterprises WHERE enterprise_name IN (?, ?, ?)",
        [*JIUYE_NAMES, S.QINGLING])}
    assert {n: (r["credit_code"], list(r["former_names"])) for n, r in ents.items()} == {
        S.JIUYE: (S.CODE[S.JIUYE], [S.JIUYE_OLD]), S.QINGLING: (S.CODE[S.QINGLING], [])}


def test_the_month_dated_recognition_is_on_the_ladder(scenario):
    home, _ = scenario
    got = rows(home, "SELECT srdi_level, srdi_level_year FROM ladder_enterprises WHERE period = '2022' AND "
                     "enterprise_name = ?", [S.LAFA])
    assert [(r["srdi_level"], r["srdi_level_year"]) for r in got] == [("吉林市级", 2022)]
    # what the clerk typed is kept beside what srdi understood (rule 11: a month bounds the date to that month)
    got = rows(home, "SELECT srdi_level_text, srdi_level, srdi_level_year, srdi_level_month, srdi_level_day "
                     "FROM enterprise_reports WHERE enterprise_name = ? AND period = '2022Q2'", [S.LAFA])
    assert [tuple(r.values()) for r in got] == [(S.LAFA_LEVEL, "吉林市级", 2022, 3, None)]


# ---------------------------------------------------------------- lagging enterprises (rule 12: planned year ended)

_LAG_2022 = {("长白山制药股份有限公司", "吉林市级"), (S.SONGJIANG, "吉林市级"), (S.SONGJIANG, "吉林省级"),
             (S.TIANXIANG, "吉林市级"), (S.KAIPU, "吉林省级")}
_LAG_2023 = {(S.PHARMA, "吉林市级"), (S.PHARMA, "吉林省级"), (S.SONGJIANG, "吉林市级"), (S.SONGJIANG, "吉林省级"),
             (S.TIANXIANG, "吉林市级"), (S.TIANXIANG, "吉林省级"), (S.TIANYI, "吉林市级"), (S.DELISI, "吉林市级"),
             (S.DELISI, "吉林省级"), (S.HONGYUAN, "吉林市级")}      # 开普 省级 2023 and 酒业 市级 2023 reached
_LAG_2024 = {(S.PHARMA, "吉林市级"), (S.PHARMA, "吉林省级"), (S.TIANXIANG, "吉林市级"), (S.TIANXIANG, "吉林省级"),
             (S.TIANYI, "吉林市级"), (S.TIANYI, "吉林省级"), (S.JINYI, "吉林市级"), (S.DELISI, "吉林市级"),
             (S.DELISI, "吉林省级"), (S.HONGYUAN, "吉林市级"), (S.HONGYUAN, "吉林省级"), (S.WANGPU, "吉林市级")}
_LAG_2025 = (_LAG_2024 | {(S.JINYI, "吉林省级"), (S.WANGPU, "吉林省级"), ("酒业", "吉林省级"), (S.LAFA, "吉林省级"),
                          (S.QINGLING, "吉林市级")})
LAGGING = {"2022": _LAG_2022, "2023": _LAG_2023, "2024": _LAG_2024, "2025": _LAG_2025}


def _lagging(home, period):
    got = rows(home, "SELECT enterprise_name, planned_level FROM ladder_lagging WHERE period = ? AND status = 'lagging'",
               [period])
    return [(who(r["enterprise_name"]), r["planned_level"]) for r in got]


@pytest.mark.parametrize("period", ["2022", "2023", "2024"])
def test_lagging_enterprises(scenario, period):
    home, _ = scenario
    got = _lagging(home, period)
    assert sorted(got) == sorted(LAGGING[period])      # 17 rows in 2025; 5, 10, 12 before


def test_lagging_enterprises_2025(scenario):
    home, _ = scenario
    got = _lagging(home, "2025")
    assert sorted(got) == sorted(LAGGING["2025"]) and len(got) == 17


# ---------------------------------------------------------------- targets (一、（三）)

def _target(home, period, target_id) -> dict:
    (row,) = rows(home, "SELECT * FROM target_progress WHERE period = ? AND target_id = ?", [period, target_id])
    return row


def _counted(home, period, target_id) -> list[str]:
    got = rows(home, "SELECT enterprise_name FROM target_enterprises WHERE period = ? AND target_id = ? AND "
                     "status = 'counted'", [period, target_id])
    return sorted(who(r["enterprise_name"]) for r in got)


def test_verdicts_at_the_end_of_2025(scenario):
    home, _ = scenario
    verdict = {t: _target(home, "2025", t)["status"] for t in (
        "seed_total", "city_total", "province_total", "national_total", "city_2022", "province_2022", "listed_total",
        "rd_ratio", "tech_staff_ratio", "talent_trained", "bank_events")}
    assert verdict == {
        "seed_total": "not_achieved",       # 14 enterprises in the library < 20
        "city_total": "not_achieved",       # 6 reached 吉林市级 or higher in 2021–2025 < 10
        "province_total": "not_achieved",   # 4 reached 省级 in 2021–2025 < 6
        "national_total": "not_achieved",   # none < 1
        "city_2022": "not_achieved",        # 2 in 2022 (开普, 拉法) < 3
        "province_2022": "not_achieved",    # none in 2022 < 2
        "listed_total": "not_achieved",     # every enterprise 未上市
        "rd_ratio": "not_achieved",         # 松江 1.5 % < 2 %; 添正, 松花湖 no figures
        "tech_staff_ratio": "not_achieved", # 添正, 松花湖 no figures
        "talent_trained": "achieved",       # 工信局 T4-1 20 人次 × 15 quarters = 300 (人社局's T4-2 10 not training)
        "bank_events": "achieved",          # every quarter of 2025 held one
    }
    assert _target(home, "2025", "talent_trained")["actual_value"] == 300


def test_year_by_year_targets(scenario):
    home, _ = scenario
    # 2022: Q2–Q4 each had an event; 2023Q2 none (both 工信局 and 人民银行 report 0): not achieved, cannot be made up
    assert _target(home, "2022", "bank_events")["status"] == "achieved"
    assert _target(home, "2023", "bank_events")["status"] == "not_achieved"
    assert _target(home, "2024", "bank_events")["status"] == "achieved"
    # training: 20 a quarter from 2022Q2; window 2022–2025 → on track needs 300 × elapsed share
    for year, actual, expected_share in (("2022", 60, 75), ("2023", 140, 150), ("2024", 220, 225)):
        t = _target(home, year, "talent_trained")
        assert (t["actual_value"], t["status"]) == (actual, "at_risk"), (year, expected_share)   # actual < 300 × n/4
    # 2022 targets are over after 2022: province_2022 none
    assert _target(home, "2022", "province_2022")[("actual_value")] == 0
    assert _target(home, "2022", "province_2022")["status"] == "not_achieved"


def test_ratio_targets_judged_per_enterprise(scenario):
    home, _ = scenario
    got = {(r["target_id"], r["enterprise_name"]): r["status"]
           for r in rows(home, "SELECT * FROM ratio_enterprises WHERE period = '2025'")}
    assert got == {("rd_ratio", S.KAIPU): "meets",            # 80 / 4000 = 2.0 %
                   ("rd_ratio", S.SONGJIANG): "below",        # 60 / 4000 = 1.5 %
                   ("rd_ratio", S.TIANZHENG): "not_reported", ("rd_ratio", S.SONGHUAHU): "not_reported",
                   ("tech_staff_ratio", S.KAIPU): "meets",    # 15 / 100
                   ("tech_staff_ratio", S.SONGJIANG): "meets",  # 12 / 100
                   ("tech_staff_ratio", S.TIANZHENG): "not_reported", ("tech_staff_ratio", S.SONGHUAHU): "not_reported"}


def test_ratio_target_actual_is_the_verdicts_basis(scenario):
    home, _ = scenario
    # rule 21: 实际 = enterprises meeting the ratio out of the 4 at 省级 (开普, 松江, 添正, 松花湖); the pooled
    # ratio (sum over those with figures) is a labelled context column, never the basis
    rd, staff = _target(home, "2025", "rd_ratio"), _target(home, "2025", "tech_staff_ratio")
    assert (ratio_actual(rd), rd["expected_value"], rd["actual_text"]) == (1, 4, "1/4户达标")         # 开普
    assert (ratio_actual(staff), staff["expected_value"], staff["actual_text"]) == (2, 4, "2/4户达标")  # 开普, 松江
    assert rd["pooled_pct"] == pytest.approx(100 * (80 + 60) / (4000 + 4000))       # 1.75
    assert staff["pooled_pct"] == pytest.approx(100 * (15 + 12) / (100 + 100))      # 13.5


SEEDS = sorted({S.PHARMA, S.TIANZHENG, S.SONGJIANG, S.TIANXIANG, S.TIANYI, S.JINYI, S.SONGHUAHU, "酒业", S.DELISI,
                S.KAIPU, S.HONGYUAN, S.WANGPU, S.LAFA, S.QINGLING})
CITY_TOTAL = {  # reached 吉林市级 or higher in 2021–2025 (rule 18, skipped levels count: the documented default)
    "2022": sorted([S.KAIPU, S.LAFA, S.TIANZHENG, S.SONGHUAHU]),          # 添正, 松花湖: 省级 2021 (Annex 1)
    "2024": sorted([S.KAIPU, S.LAFA, S.TIANZHENG, S.SONGHUAHU, "酒业", S.SONGJIANG]),
}


@pytest.mark.parametrize("period", ["2022", "2024", "2025"])
def test_seed_enterprises_counted_once_each(scenario, period):
    home, _ = scenario
    assert _counted(home, period, "seed_total") == SEEDS
    assert _target(home, period, "seed_total")["actual_value"] == 14


@pytest.mark.parametrize("period", ["2022", "2024"])
def test_city_level_target_counts_identities(scenario, period):
    home, _ = scenario
    assert _counted(home, period, "city_total") == CITY_TOTAL[period]
    assert _counted(home, period, "city_2022") == sorted([S.KAIPU, S.LAFA])   # 拉法: 2022年3月 is in 2022


def test_province_level_target(scenario):
    home, _ = scenario
    assert _counted(home, "2024", "province_total") == sorted([S.KAIPU, S.SONGJIANG, S.TIANZHENG, S.SONGHUAHU])


# ---------------------------------------------------------------- the rewards ledger (二、（一）, top_up default)

# 拉法's "2022年3月认定吉林市级" is before the plan's issue date (2022-04-28): listed in its year's ledgers as not paid,
# amount 0 (rule 23), never 待核实
LAFA_PREDATES = {(S.LAFA, "吉林市级"): ("predates", 0)}
LEDGER = {  # period -> {(identity, level): (status, amount)}; 季调度/半年例会 provisional, 年度总结 accrued (rule 25)
    # 开普 rose from seed (2022Q2 report) to 吉林市级 (2022Q3, "2022年"): after the plan → 5万
    "2022Q3": {(S.KAIPU, "吉林市级"): ("provisional", 50000), **LAFA_PREDATES},
    "2022": {(S.KAIPU, "吉林市级"): ("accrued", 50000), **LAFA_PREDATES},
    # 开普 吉林省级 2023: 10万 less the 5万 paid → 5万; 酒业 吉林市级 2023 (rose from seed in 2023Q3) → 5万
    "2023Q4": {(S.KAIPU, "吉林省级"): ("provisional", 50000), ("酒业", "吉林市级"): ("provisional", 50000)},
    "2023": {(S.KAIPU, "吉林省级"): ("accrued", 50000), ("酒业", "吉林市级"): ("accrued", 50000)},
    # 松江 吉林市级 in 2024Q1: provisionally 5万 ...  (酒业's 2023 吉林市级 is not paid again under its new name)
    "2024H1": {(S.SONGJIANG, "吉林市级"): ("provisional", 50000)},
    "2024Q3": {(S.SONGJIANG, "吉林市级"): ("provisional", 50000)},
    # ... and 吉林省级 in 2024Q4, the same year: one reward a year, the higher (rule 24) → 10万, 市级 不重复奖励
    "2024Q4": {(S.SONGJIANG, "吉林省级"): ("provisional", 100000), (S.SONGJIANG, "吉林市级"): ("no_repeat", 0)},
    "2024": {(S.SONGJIANG, "吉林省级"): ("accrued", 100000), (S.SONGJIANG, "吉林市级"): ("no_repeat", 0)},
    "2025": {},
}
TOTALS = {"2022": 50000, "2023": 100000, "2024": 100000, "2025": 0}   # the city pays 25万 in all
ANNUAL = {"2022", "2023", "2024", "2025"}


def _ledger(home, period):
    return {(who(r["enterprise_name"]), r["level"]): (r["status"], r["amount_yuan"])
            for r in rows(home, "SELECT * FROM rewards WHERE period = ? AND category = 'srdi'", [period])}


@pytest.mark.parametrize("period", list(LEDGER))
def test_rewards_ledger(scenario, period):
    home, _ = scenario
    assert _ledger(home, period) == LEDGER[period]        # no 待核实 row: 拉法's is before the plan, not unknown


@pytest.mark.parametrize("period", [p for p in LEDGER if LEDGER[p]])
def test_the_pack_ledger_shows_the_same_rows(scenario, period):
    """The 奖励台账 sheet: the same rows, each status in the words of its kind of pack — 预计（以年度总结为准） in a
    季调度 or 半年例会, 应兑现 only in a 年度总结 (judged on the 状态 cells: the sheet's note and its 较上次预计的变化
    column legitimately use both words)."""
    home, _ = scenario
    want = {k: (STATUS_WORDS[st], amount) for k, (st, amount) in LEDGER[period].items()}
    got = pack_ledger(home, period)
    assert got == want
    statuses = {st for st, _ in got.values()}
    if period in ANNUAL:
        assert "应兑现" in statuses and not any("预计" in st for st in statuses)
    else:
        assert "预计（以年度总结为准）" in statuses and "应兑现" not in statuses


@pytest.mark.parametrize("year", sorted(TOTALS))
def test_ledger_totals(scenario, year):
    home, _ = scenario
    assert sum(a for _, a in _ledger(home, year).values()) == TOTALS[year]
    assert sum(TOTALS.values()) == 250000


CHANGED = {  # period -> (identity, level) -> the change since the previous 季调度 (rule 25: the ledger of the year
    # at the end of the quarter before the period's last one; 2024Q4 and 2024 both compare with 2024Q3)
    "2024Q4": {(S.SONGJIANG, "吉林市级"): ("provisional", 50000)},
    "2024": {(S.SONGJIANG, "吉林市级"): ("provisional", 50000)},
}


@pytest.mark.parametrize("period", list(LEDGER))
def test_a_provisional_amount_changed_is_said_in_the_next_pack(scenario, period):
    """松江: 吉林市级 50000 预计 in 2024Q3, then 吉林省级 in 2024Q4 the same year → 市级 不重复奖励; the next packs say
    so in 较上次预计的变化. An unchanged amount (开普 2022, 酒业 2023: 预计 → 应兑现, same 50000) is no change."""
    home, _ = scenario
    got = {(who(r["enterprise_name"]), r["level"]): (r["previous_status"], r["previous_amount_yuan"], r["change_note"])
           for r in rows(home, "SELECT * FROM rewards WHERE period = ? AND category = 'srdi' AND "
                               "change_note IS NOT NULL", [period])}
    want = CHANGED.get(period, {})
    assert {k: v[:2] for k, v in got.items()} == want
    shown = {shown_identity(r["企业名称"]): r["较上次预计的变化"] for r in pack_rows(home, period, "奖励台账")
             if r["较上次预计的变化"]} if LEDGER[period] else {}
    assert set(shown) == {n for n, _ in want}
    for (name, level) in want:
        note = shown[name]
        assert got[(name, level)][2] == note
        assert note.startswith("较2024年第三季度季调度预计") and "50000元预计" in note and "不重复奖励" in note
        assert "100000元" in note


def test_a_recognition_before_the_plan_is_named_not_paid(scenario):
    home, _ = scenario
    # "2022年3月认定吉林市级" is before 2022-04-28: not paid (二、（一）), said so in the 2022 packs, never 待核实
    for period in ("2022Q3", "2022"):
        lines = [line for line in pack_text(home, period) if S.LAFA in line]
        assert any("方案印发前认定，不予奖励" in line and "二、（一）" in line and "2022年3月" in line for line in lines)
        assert not any("待核实" in line for line in lines)
    # listed in the ledger of the year it was recognised only (rule 23)
    assert [p for p in LEDGER if (S.LAFA, "吉林市级") in _ledger(home, p)] == ["2022Q3", "2022"]


# ---------------------------------------------------------------- problems for the city government (三、（三）)

def _problems(home, period):
    return sorted((r["report_period"], r["bureau"], r["task_id"], r["problem"])
                  for r in rows(home, "SELECT * FROM task_problems WHERE period = ?", [period]))


def test_problems_for_the_city_government(scenario):
    home, _ = scenario
    assert _problems(home, "2022") == []
    assert _problems(home, "2023") == [("2023Q4", "工信局", "T1-1", S.GXJ_PROBLEM_2023Q4)]
    assert _problems(home, "2023Q4") == [("2023Q4", "工信局", "T1-1", S.GXJ_PROBLEM_2023Q4)]


def test_a_problem_under_a_merged_header_reaches_the_city_government(scenario):
    """人社局's sheet is laid out as srdi's template, so H is read as the template's 需市政府协调解决的问题 and the clerk
    is warned, naming the merge and the cell (README: header.merged_read)."""
    home, _ = scenario
    want = ("2024Q3", "人社局", "T4-2", S.GRAD_PROBLEM)
    assert want in _problems(home, "2024Q3") and want in _problems(home, "2024")
    assert _problems(home, "2024H1") == []
    for period in ("2024Q3", "2024"):
        (sheet_row,) = [r for r in pack_sheet(home, period, "报市政府问题") if S.GRAD_PROBLEM in r]
        assert "人社局" in sheet_row and "T4-2" in sheet_row
    (sub,) = rows(home, "SELECT submission_id, status, warning_count FROM submissions WHERE bureau = '人社局'")
    assert (sub["status"], sub["warning_count"]) == ("loaded", 1)
    (warn,) = rows(home, "SELECT * FROM validation_errors WHERE submission_id = ?", [sub["submission_id"]])
    assert (warn["severity"], warn["rule"], warn["excel_col"]) == ("warning", "header.merged_read", "H")
    assert "G3:H3" in warn["message"] and "H4" in warn["message"] and "需市政府协调解决的问题" in warn["message"]
    (receipt,) = (home.outbox / "人社局").glob(f"*回执_{sub['submission_id']}.xlsx")
    told = " ".join(str(v) for ws in openpyxl.load_workbook(receipt, read_only=True).worksheets
                    for r in ws.iter_rows(values_only=True) for v in r if v is not None)
    assert "G3:H3" in told and "需市政府协调解决的问题" in told


def test_every_output_of_fifteen_quarters_is_chinese(scenario):
    """#19 finding 10 over the scenario's fifteen quarters (receipts, error lists, notes, templates, packs,
    dashboards): what bureaus and leaders read is Chinese apart from the allow-list (tests/helpers.py), and what the
    bureaus typed themselves (their sheet and file names, their cells), quoted back to them."""
    from tests.helpers import foreign_text, typed_texts
    home, _ = scenario
    files = sorted(p for root in (home.outbox, home.reports) for p in root.rglob("*")
                   if p.suffix in (".xlsx", ".html", ".txt", ".docx"))
    sent = sorted(p for root in (home.archive, home.rejected) for p in root.rglob("*") if p.is_file())
    assert len(files) > 100
    found = foreign_text(files, typed_texts(sent), {p.name for p in files})
    assert found == [], "\n".join(found[:40])
