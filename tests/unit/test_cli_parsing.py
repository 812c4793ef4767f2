"""The command line's pure parts (#13 items 1, 3; #19 finding 10): one period parser for every command, global options
before or after the command, what an ingest's and a rollup's summary print. The real `srdi` command:
tests/e2e/test_cli.py."""
from __future__ import annotations

from datetime import date

import pytest


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("text,expected", [
    ("2022Q3", "2022Q3"), ("2022-Q3", "2022Q3"), ("2022 Q3", "2022Q3"), ("2022q3", "2022Q3"), ("2022.Q3", "2022Q3"),
    ("2022年第三季度", "2022Q3"), ("2022年三季度", "2022Q3"), ("2022年3季度", "2022Q3"), ("2022年度第三季度", "2022Q3"),
    ("２０２２Ｑ３", "2022Q3"), (" 2022年第四季度 ", "2022Q4"), ("2023年第一季度", "2023Q1"),
    ("2022H1", "2022H1"), ("2022-H2", "2022H2"), ("2022h1", "2022H1"), ("2022年上半年", "2022H1"), ("2022下半年", "2022H2"),
    ("2022", "2022"), ("2022年", "2022"), ("2022年度", "2022"),
])
def test_one_parser_reads_every_form_a_file_name_uses(text, expected):
    from schemas.periods import parse_period
    assert parse_period(text) == expected


def test_the_forms_file_names_use_are_read_alike():
    """The same quarters the intake finds in file names (period_from_name) are read by parse_period."""
    from schemas.periods import parse_period, period_from_name
    for form in ("2022Q2", "2022-Q2", "2022年第二季度", "2022年二季度", "2022年2季度"):
        assert period_from_name(f"工信局任务进展{form}") == parse_period(form) == "2022Q2"


@pytest.mark.parametrize("text,kind,says", [
    ("2022H1", "quarterly", "需要季度"), ("2022Q3", "annual", "需要年度"), ("2022", "midyear", "需要半年"),
    ("2022Q5", None, "不是报告期"), ("22Q3", "quarterly", "不是报告期"), ("2022年第三季度报", None, "不是报告期"),
    ("", "annual", "不是报告期"),
])
def test_a_wrong_period_says_what_is_expected(text, kind, says):
    from schemas.periods import parse_period
    with pytest.raises(ValueError) as exc:
        parse_period(text, kind)
    assert says in str(exc.value) and " / " in str(exc.value)        # Chinese, then English


@pytest.mark.parametrize("period,today,ended", [
    ("2022Q3", date(2022, 9, 30), False), ("2022Q3", date(2022, 10, 1), True), ("2022H1", date(2022, 6, 30), False),
    ("2022H1", date(2022, 7, 1), True), ("2022", date(2022, 12, 31), False), ("2022", date(2023, 1, 1), True),
])
def test_a_period_has_ended_after_its_last_day(period, today, ended):
    from schemas.periods import period_has_ended
    assert period_has_ended(period, today) is ended


def test_rollup_periods_accept_the_same_forms():
    from schemas.periods import RollupPeriod, periods_between
    assert RollupPeriod.of("quarterly", "2022年第三季度").period == "2022Q3"
    assert RollupPeriod.of("midyear", "2022年上半年").quarters == ("2022Q1", "2022Q2")
    assert periods_between("quarterly", "2022年第四季度", "2023-Q2") == ["2022Q4", "2023Q1", "2023Q2"]


# ---------------------------------------------------------------- parsing the command line

def test_home_goes_before_or_after_every_command():
    from srdi.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    needs = {"rollup": ["quarterly"], "backfill": ["--kind", "annual", "--from", "2022", "--to", "2022"], "query": ["SELECT 1"]}
    assert {"init", "status", "ingest", "rollup", "backfill", "templates", "query", "publish", "serve", "demo",
            "docs"} <= set(sub.choices)
    for name in sub.choices:
        rest = needs.get(name, [])
        assert parser.parse_args(["--home", "A", name, *rest]).home == "A", name
        assert parser.parse_args([name, *rest, "--home", "B"]).home == "B", name
        assert parser.parse_args(["--home", "A", name, *rest, "--home", "B"]).home == "B", name
        assert parser.parse_args([name, *rest]).home is None, name


def test_ingest_summary_lists_held_files_and_a_big_run_lists_what_needs_attention(capsys):
    from srdi.commands.ingest import print_ingest
    results = [{"file": f"工信局/f{i}2022Q3.xlsx", "bureau": "工信局", "period": "2022Q3", "outcome": "loaded",
                "submission_ids": [i]} for i in range(40)]
    results[7]["outcome"] = "rejected"
    print_ingest({"files": 40, "loaded": 39, "rejected": 1, "duplicate": 0, "results": results,
                  "held": [{"file": "财政局/x2022Q3.xlsx", "reason": "读取后文件被修改，留待下次处理"}], "deferred": []})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "文件 40 个：已入库 39，退回 1，重复 0，留在收件箱 1"           # one language per line (#19)
    assert [line for line in out if line.startswith("  已入库")] == []            # 40 files: only what needs attention
    assert [line.split()[1] for line in out if line.startswith("  退回")] == ["工信局/f72022Q3.xlsx（2022年第三季度，报送编号"]
    assert "  留待下次  财政局/x2022Q3.xlsx：读取后文件被修改，留待下次处理" in out


def test_a_rollup_prints_each_notice_on_its_own_line(capsys):
    from srdi.commands.rollup import _print
    _print({"title": "季调度（2022年第三季度）", "pack": "/h/reports/2022Q3/季调度_2022Q3.xlsx", "dashboard": None,
            "tables": {"compliance": 19, "rollup_runs": 1}, "notices": ["责任领导未配置：工信局（共1个单位）", "汇总表结构已升级"]})
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["  注意：责任领导未配置：工信局（共1个单位）", "  注意：汇总表结构已升级"]


def test_a_rollup_prints_its_dashboard_and_the_history_page(capsys):
    from srdi.commands.rollup import _print
    _print({"title": "季调度（2022年第三季度）", "pack": "/h/reports/2022Q3/季调度_2022Q3.xlsx",
            "dashboard": "/h/reports/2022Q3/dashboard_2022Q3.html", "history": "/h/reports/dashboard_history.html",
            "tables": {"compliance": 19, "rollup_runs": 1}, "notices": []})
    assert capsys.readouterr().out.splitlines()[1:3] == ["  看板：/h/reports/2022Q3/dashboard_2022Q3.html",
                                                         "  全程看板：/h/reports/dashboard_history.html"]


def test_a_rollup_notice_is_followed_by_what_the_operator_does(capsys):
    """#19 finding 10: the notice (which leaders read in the pack) names no file or key; the CLI line under it does."""
    from schemas.rollup_config import load
    from srdi.commands.rollup import _print
    from schemas.periods import RollupPeriod
    from tasks.rollup.summarise import action
    rp, cfg = RollupPeriod.of("quarterly", "2022Q3"), load()
    what = action("leaders", rp, cfg)
    assert "[leaders]" in what and "rollup_config.toml" in what and "srdi rollup quarterly --period 2022Q3" in what
    _print({"title": "季调度（2022年第三季度）", "pack": "/h/reports/2022Q3/季调度_2022Q3.xlsx", "dashboard": None,
            "tables": {"compliance": 19, "rollup_runs": 1}, "notices": ["责任领导未配置：工信局（共1个单位）"],
            "actions": [what]})
    assert capsys.readouterr().out.splitlines()[-2:] == ["  注意：责任领导未配置：工信局（共1个单位）", f"    处理：{what}"]
