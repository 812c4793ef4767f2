"""`srdi query -f FILE`, `--saved NAME`, `--param name=value` and `--list`, called in process on a small home that
the ingest and the quarterly rollups filled (their steps in this process, without Prefect): every saved query of
docs/queries/ runs by name with its parameters bound, against values worked out by hand from the workbooks below.
Pure parsing and binding: tests/unit/test_query_params.py; the real command: tests/e2e/test_query.py.

The home (工信局 only, the programme's Beijing calendar; due date = quarter end + 10 days):
- 2022Q2 企业库, arrived 2022-07-05 (on time): 恒盛机械 (种子: 已纳入吉林市培育库, 生产, 研发投入 typed "1,500",
  planned 吉林市级 2022) and 鑫源食品 (种子, planned 吉林市级 2021).
- 2022Q2 任务进展, arrived 2022-07-12 (2 days late): T1-1 status typed "完成", T1-2 推进中.
- 2022Q3 企业库, arrived 2022-10-08 (on time): 恒盛机械 now 2022年已认定吉林市级 and 半生产; 鑫源食品 still 种子.
- 2022Q3 任务进展: none (missing).
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from samples.workbooks import arrive, credit_code, enterprise_form, task_form, write_xlsx
from srdi.cli import main
from tests.conftest import drop
from tests.helpers import ingest_in_process, rollup_in_process
from warehouse.home import Home

HENGSHENG, XINYUAN = "蛟河市恒盛机械制造有限公司", "吉林鑫源食品有限公司"


def _enterprise(name: str, code: int, **kw) -> dict:
    return {"enterprise_name": name, "credit_code": credit_code(code), "operating_status": "生产",
            "service_team": "工业", "responsible_leader": "王威", **kw}


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Home:
    home = Home.resolve(tmp_path_factory.mktemp("query-saved") / "home").ensure()
    q2 = enterprise_form([_enterprise(HENGSHENG, 1, srdi_level_text="已纳入吉林市培育库", rd_expense="1,500",
                                      planned_city_year=2022),
                          _enterprise(XINYUAN, 2, srdi_level_text="已纳入吉林市培育库", planned_city_year=2021)])
    arrive(write_xlsx(drop(home, "工信局", "工信局企业库2022Q2.xlsx"), q2), datetime(2022, 7, 5, 9))
    tasks = task_form("工信局", {"T1-1": {"status": "完成", "completion_pct": 100, "progress": "完成。"},
                                "T1-2": {"status": "推进中", "completion_pct": 50, "progress": "推进。"}})
    arrive(write_xlsx(drop(home, "工信局", "工信局任务进展2022Q2.xlsx"), tasks), datetime(2022, 7, 12, 9))
    ingest_in_process(home, trust_mtime=True)      # the arrival is the file's time: an old share
    q3 = enterprise_form([_enterprise(HENGSHENG, 1, srdi_level_text="2022年已认定吉林市级", operating_status="半生产",
                                      rd_expense=1600, planned_city_year=2022),
                          _enterprise(XINYUAN, 2, srdi_level_text="已纳入吉林市培育库", planned_city_year=2021)])
    arrive(write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), q3), datetime(2022, 10, 8, 9))
    ingest_in_process(home, trust_mtime=True)      # the arrival is the file's time: an old share
    for period in ("2022Q2", "2022Q3"):
        rollup_in_process("quarterly", home, period)
    return home


def saved(home: Home, capsys, *args: str) -> list[dict]:
    """`srdi query --format json …` in this process: the rows, or the failure's stderr."""
    capsys.readouterr()
    rc = main(["query", "--home", str(home.root), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def refused(home: Home, capsys, *args: str) -> str:
    """The one line a refused `srdi query` prints (exit 2, no traceback)."""
    capsys.readouterr()
    rc = main(["query", "--home", str(home.root), *args])
    out, err = capsys.readouterr()
    assert rc == 2 and out == ""
    lines = [line for line in err.splitlines() if not line.startswith("srdi query · ")]   # the home line
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_bureau_history_lists_each_quarter_and_form_the_bureau_owed(filled, capsys):
    rows = saved(filled, capsys, "--saved", "bureau_history", "--param", "bureau=工信局")
    got = [(r["应报季度"], r["表种"], r["截止日期"], r["报送情况"], r["文件名"]) for r in rows]
    assert got == [
        ("2022Q2", "种子企业库", "2022-07-10", "按时", "工信局企业库2022Q2.xlsx"),
        ("2022Q2", "任务进展", "2022-07-10", "逾期", "工信局任务进展2022Q2.xlsx"),
        ("2022Q3", "种子企业库", "2022-10-10", "按时", "工信局企业库2022Q3.xlsx"),
        ("2022Q3", "任务进展", "2022-10-10", "未报送", None),
    ]
    assert rows[1]["逾期天数"] == 2
    # another bureau's history is its own: 商务局 sent nothing, so each quarter's 企业库 and 任务进展 are missing
    other = saved(filled, capsys, "--saved", "bureau_history", "--param", "bureau=商务局")
    assert {(r["应报季度"], r["表种"], r["报送情况"]) for r in other} == {
        (q, f, "未报送") for q in ("2022Q2", "2022Q3") for f in ("种子企业库", "任务进展")}


def test_enterprise_history_shows_the_recognition_and_the_status_change(filled, capsys):
    rows = saved(filled, capsys, "--saved", "enterprise_history", "--param", f"enterprise_name={HENGSHENG}")
    assert [(r["报送期"], r["专精特新级别"], r["级别变化"], r["经营状态"], r["经营状态变化"], r["研发投入万元"])
            for r in rows] == [("2022Q2", "种子", "首次报送", "生产", "", 1500.0),
                               ("2022Q3", "吉林市级", "种子 → 吉林市级", "半生产", "生产 → 半生产", 1600.0)]
    assert saved(filled, capsys, "--saved", "enterprise_history", "--param", "enterprise_name=没有这家企业") == []


def test_enterprises_behind_plan_compares_with_the_year_given_or_the_latest_reported(filled, capsys):
    def ours(rows):
        return [(r["企业名称"], r["拟培育级别"], r["拟培育年份"], r["情况"]) for r in rows
                             if r["企业名称"] in (HENGSHENG, XINYUAN)]
    # no year: the latest year reported (2022). 鑫源食品 planned 吉林市级 for 2021 and is still 种子; 恒盛机械 got it
    assert ours(saved(filled, capsys, "--saved", "enterprises_behind_plan")) == [
        (XINYUAN, "吉林市级", 2021, "已逾期 1 年")]
    assert ours(saved(filled, capsys, "--saved", "enterprises_behind_plan", "--param", "as_of_year=2021")) == [
        (XINYUAN, "吉林市级", 2021, "本年到期，尚未认定")]
    assert ours(saved(filled, capsys, "--saved", "enterprises_behind_plan", "--param", "as_of_year=2020")) == []
    line = refused(filled, capsys, "--saved", "enterprises_behind_plan", "--param", "as_of_year=明年")
    assert "明年" in line and "INT" in line


def test_lineage_queries_lead_to_the_cell_and_what_was_typed(filled, capsys):
    (hit,) = saved(filled, capsys, "--saved", "lineage_enterprise_figure", "--param", f"enterprise_name={HENGSHENG}",
                   "--param", "period=2022Q2", "--param", "field=rd_expense")
    # 研发投入 is the 12th column (L); 恒盛机械 the first data row
    assert (hit["数值"], hit["填写原文"], hit["单元格"], hit["原文件名"]) == ("1500.0", "1,500", "L2", "工信局企业库2022Q2.xlsx")
    # without the optional field: every field of that row, rd_expense among them
    every = saved(filled, capsys, "--saved", "lineage_enterprise_figure", "--param", f"enterprise_name={HENGSHENG}",
                  "--param", "period=2022Q2")
    assert len(every) > 10 and {r["字段"] for r in every} >= {"rd_expense", "operating_status", "srdi_level"}
    (task,) = saved(filled, capsys, "--saved", "lineage_task_figure", "--param", "task_id=T1-1", "--param",
                    "bureau=工信局", "--param", "period=2022Q2", "--param", "field=status")
    assert (task["数值"], task["填写原文"], task["理解为"], task["单元格"]) == ("已完成", "完成", "已完成", "E2")


def test_a_file_runs_with_its_parameters_bound(filled, capsys, tmp_path):
    sql = tmp_path / "我的查询.sql"
    sql.write_text("-- 某单位某季度的报送 / one bureau's submissions in a quarter\n"
                   "SELECT file_name FROM submissions WHERE bureau = $bureau AND period = $period ORDER BY 1\n",
                   encoding="utf-8-sig")                                        # as Windows Notepad saves it
    rows = saved(filled, capsys, "-f", str(sql), "--param", "bureau=工信局", "--param", "period=2022Q2")
    assert [r["file_name"] for r in rows] == ["工信局任务进展2022Q2.xlsx", "工信局企业库2022Q2.xlsx"]
    # a value that looks like SQL is compared as text
    assert saved(filled, capsys, "-f", str(sql), "--param", "bureau=' OR 1=1 --", "--param", "period=2022Q2") == []
    # parameters inline too
    rows = saved(filled, capsys, "--param", "bureau=工信局", "SELECT count(*) AS n FROM submissions WHERE bureau = $bureau")
    assert rows == [{"n": 3}]


def test_each_refusal_is_one_line_and_exit_2(filled, capsys, tmp_path):
    assert refused(filled, capsys, "--saved", "bureau_history").startswith("srdi query: missing parameter bureau")
    line = refused(filled, capsys, "--saved", "bureau_history", "--param", "bureau=工信局", "--param", "period=2022Q2")
    assert line.startswith("srdi query: unknown parameter period") and "it takes bureau" in line
    line = refused(filled, capsys, "--saved", "bureau_histroy")
    assert "no saved query of that name (did you mean bureau_history?)" in line and "--list" in line
    assert refused(filled, capsys, "-f", str(tmp_path / "nope.sql")).endswith("nope.sql: no such file")
    assert refused(filled, capsys, "-f", str(tmp_path)).endswith("is a folder, not a SQL file")
    gbk = tmp_path / "gbk.sql"
    gbk.write_bytes("SELECT '工信局'".encode("gbk"))
    assert "not UTF-8" in refused(filled, capsys, "-f", str(gbk))
    assert "expected NAME=VALUE" in refused(filled, capsys, "--saved", "bureau_history", "--param", "bureau")
    assert refused(filled, capsys).startswith("srdi query: give one of: SQL, -f FILE, --saved NAME")
    assert "got SQL and --saved NAME" in refused(filled, capsys, "--saved", "bureau_history", "SELECT 1")
    assert "--list takes no" in refused(filled, capsys, "--list", "--saved", "bureau_history")
    # a parameter the SQL does not use, given on the command line
    assert "unknown parameter bureau" in refused(filled, capsys, "--param", "bureau=x", "SELECT 1")
    # the read-only check still holds for a file
    bad = tmp_path / "bad.sql"
    bad.write_text("DELETE FROM submissions WHERE bureau = $bureau", encoding="utf-8")
    assert "只读" in refused(filled, capsys, "-f", str(bad), "--param", "bureau=工信局")


def test_a_parameter_naming_a_pipe_is_refused_before_the_query_runs(filled, capsys):
    import os
    fifo = filled.root / "reports" / "pipe.csv"
    fifo.parent.mkdir(exist_ok=True)
    os.mkfifo(fifo)
    line = refused(filled, capsys, "--param", f"path={fifo}", "SELECT * FROM read_csv($path)")
    assert "is not a regular file" in line


def test_a_fifo_given_with_f_is_not_read(tmp_path, capsys):
    import os
    fifo = tmp_path / "q.sql"
    os.mkfifo(fifo)
    home = Home.resolve(tmp_path / "home").ensure()
    assert "not a regular file" in refused(home, capsys, "-f", str(fifo))


def test_list_needs_no_home_and_names_each_saved_query_with_its_parameters(tmp_path, capsys):
    assert main(["query", "--home", str(tmp_path / "nowhere"), "--list"]) == 0
    out = capsys.readouterr().out
    assert "bureau_history  某单位的历次报送情况" in out
    assert "    --param bureau=…" in out
    assert "    e.g. srdi query --saved bureau_history --param bureau=商务局" in out
    for name in ("enterprise_history", "enterprises_behind_plan", "lineage_enterprise_figure", "lineage_task_figure"):
        assert f"\n{name}  " in out
    assert "--param field=…  (optional)" in out
