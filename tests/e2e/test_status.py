"""`srdi status` (#13 item 6): the inbox, the last and next runs, this quarter's compliance, configuration warnings and
the age of the analyst copy, on one screen or as JSON, without starting Prefect.

Some tests read an inbox built on disk and compute schedules; the others run the real `srdi` command on a home the
real `srdi demo` made, and on one whose runs a Prefect API knows."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from samples.workbooks import task_rows, write_xlsx
from tests.helpers import command_env, demo_in_process
from warehouse.home import Home

pytestmark = pytest.mark.usefixtures("shared_api")
ROOT = Path(__file__).resolve().parents[2]
SRDI = [str(Path(sys.executable).with_name("srdi"))] if Path(sys.executable).with_name("srdi").exists() \
    else [sys.executable, "-m", "srdi.cli"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def srdi(*args: str, **kw) -> subprocess.CompletedProcess:
    """The real command, in tests/helpers.py `command_env`'s environment: flows on the session's shared server,
    `srdi status` with no API."""
    return subprocess.run([*SRDI, *args], cwd=ROOT, env=kw.pop("env", None) or command_env(*args), capture_output=True,
                          text=True, timeout=kw.pop("timeout", 900), **kw)


def old(path: Path, seconds: float = 3600) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


# ---------------------------------------------------------------- the inbox, read from disk (fast tier)

def test_the_inbox_sorted_as_the_ingest_would_treat_it(home):
    from warehouse.status import NOT_YET_NOTED, inbox_view
    waiting = old(write_xlsx(home.inbox / "工信局" / "工信局任务进展2022Q3.xlsx", task_rows("工信局", 1)))
    nested = old(write_xlsx(home.inbox / "财政局" / "三季度" / "财政局任务.xlsx", task_rows("财政局", 1)))
    settling = write_xlsx(home.inbox / "财政局" / "财政局任务进展2022Q3.xlsx", task_rows("财政局", 2))   # just written
    old(write_xlsx(home.inbox / "工信局" / ".隐藏2022Q3.xlsx", task_rows("工信局", 3)))
    old(write_xlsx(home.inbox / "放错了2022Q3.xlsx", task_rows("工信局", 4)))                 # at the inbox root
    old(write_xlsx(home.inbox / "新建文件夹" / "a2022Q3.xlsx", task_rows("工信局", 5)))
    old(write_xlsx(home.inbox / "新建文件夹" / "sub" / "b2022Q3.xlsx", task_rows("工信局", 6)))
    (home.inbox / "工信局" / "link2022Q3.xlsx").symlink_to(waiting)
    (home.inbox / "工信局" / "~$工信局任务进展2022Q3.xlsx").write_bytes(b"lock")                # silent, as in the ingest
    (home.inbox / "工信局" / "Thumbs.db").write_bytes(b"thumbs")
    (home.inbox / "工信局" / "Desktop.ini").write_bytes(b"ini")

    view = inbox_view(home, settle_seconds=60)
    assert [w["file"] for w in view.waiting] == ["工信局/工信局任务进展2022Q3.xlsx", "财政局/三季度/财政局任务.xlsx"]
    assert [w["period"] for w in view.waiting] == ["2022Q3", None]
    assert [w["bureau"] for w in view.waiting] == ["工信局", "财政局"]
    assert [s["file"] for s in view.settling] == ["财政局/财政局任务进展2022Q3.xlsx"]
    assert sorted(u["entry"] for u in view.unanswered) == ["工信局/.隐藏2022Q3.xlsx", "工信局/link2022Q3.xlsx", "放错了2022Q3.xlsx"]
    assert {u["reason"] for u in view.unanswered} == {NOT_YET_NOTED}        # no ingest has run: no note yet
    assert view.unknown_folders == [{"folder": "新建文件夹", "files": 2, "noted": 0,
                                     "entries": ["新建文件夹/a2022Q3.xlsx", "新建文件夹/sub/b2022Q3.xlsx"]}]
    assert view.bureau_folders == 2
    assert nested.exists() and settling.exists()


def test_an_entry_with_a_note_shows_the_notes_reason(home):
    from warehouse.names import path_key
    from warehouse.status import inbox_view
    old(write_xlsx(home.inbox / "工信局" / ".隐藏2022Q3.xlsx", task_rows("工信局", 3)))
    note = home.outbox / "工信局" / ".隐藏2022Q3.xlsx_未处理说明.txt"
    note.parent.mkdir(parents=True)
    note.write_text("收件箱中的“工信局/.隐藏2022Q3.xlsx”未被处理。\r\n原因：文件名以“.”开头，系统视为隐藏文件，不予处理。\r\n"
                    "办法：改名后放回。\r\n", encoding="utf-8-sig")
    notes = {path_key("工信局/.隐藏2022Q3.xlsx"): {"first_seen": datetime(2022, 10, 1), "note_reason": "hidden",
                                                  "note_path": str(note)}}
    (entry,) = inbox_view(home, notes).unanswered
    assert entry["reason"] == "文件名以“.”开头，系统视为隐藏文件，不予处理。" and entry["note"] == str(note)


SILENT = ["工信局/~$企业库2022Q3.xlsx", "工信局/.~lock.企业库2022Q3.xlsx#", "工信局/Thumbs.db", "工信局/desktop.ini",
          "工信局/._企业库2022Q3.xlsx", ".DS_Store", "Thumbs.db"]


def test_what_the_ingest_passes_over_status_does_not_count(tmp_path, schema_template):
    """Lock files and what Windows and macOS leave behind: the ingest neither reads nor notes them, and `srdi status`
    shows them neither as waiting nor as unanswered (both read warehouse.names.silent)."""
    from tasks.intake.discover import scan_inbox
    from tests.conftest import memory_copy
    from warehouse.status import inbox_view
    home = Home.resolve(str(tmp_path / "home")).ensure()
    (home.inbox / "工信局").mkdir(parents=True, exist_ok=True)
    for rel in SILENT:
        (home.inbox / rel).write_bytes(b"x")
    later = datetime.now() + timedelta(hours=1)
    scan = scan_inbox(home, memory_copy(schema_template), 0, now=later)
    assert scan.found == [] and scan.notes == []
    view = inbox_view(home, settle_seconds=0, now=later)
    assert view.waiting == [] and view.settling == [] and view.unanswered == [] and view.unknown_folders == []
    (home.inbox / "工信局" / "企业库2022Q3.xlsx").write_bytes(b"x")     # the same check sees a real file
    assert [e["file"] for e in inbox_view(home, settle_seconds=0, now=later).waiting] == ["工信局/企业库2022Q3.xlsx"]


# ---------------------------------------------------------------- schedules and the quarter being reported

# The policy's rhythm (三、（三）: 季调度、半年例会、年度总结), worked out by hand on a calendar, not read from prefect.yaml,
# so a wrong cron string or time zone there shows here. All at 08:00 Beijing time: 季调度 on the 11th of the month after
# each quarter (the day after the reporting deadline, quarter end + 10 days), for the quarter just ended; 半年例会 on
# 15 July, for the first half; 年度总结 on 20 January, for the year before.
def bj(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


POLICY_RHYTHM = [
    # now → (季调度, its quarter), (半年例会, its half), (年度总结, its year)
    (bj(2024, 7, 12, 9, 0), (bj(2024, 10, 11, 8), "2024Q3"), (bj(2024, 7, 15, 8), "2024H1"), (bj(2025, 1, 20, 8), "2024")),
    (bj(2026, 11, 29, 12, 0), (bj(2027, 1, 11, 8), "2026Q4"), (bj(2027, 7, 15, 8), "2027H1"), (bj(2027, 1, 20, 8), "2026")),
    # 2027-04-10 23:59 UTC is 2027-04-11 07:59 in Beijing: the dispatch is a minute away, the same Beijing day
    (datetime(2027, 4, 10, 23, 59, tzinfo=timezone.utc),
     (bj(2027, 4, 11, 8), "2027Q1"), (bj(2027, 7, 15, 8), "2027H1"), (bj(2028, 1, 20, 8), "2027")),
    # the due date itself (2027Q1 + 10 days = 2027-04-10) is still inside the window: no dispatch that day
    (bj(2027, 4, 10, 9, 0), (bj(2027, 4, 11, 8), "2027Q1"), (bj(2027, 7, 15, 8), "2027H1"), (bj(2028, 1, 20, 8), "2027")),
    # at the very minute of a run, the next one is the following (the run due now is Prefect's to start)
    (bj(2024, 4, 11, 8, 0), (bj(2024, 7, 11, 8), "2024Q2"), (bj(2024, 7, 15, 8), "2024H1"), (bj(2025, 1, 20, 8), "2024")),
    (bj(2024, 7, 15, 8, 0), (bj(2024, 10, 11, 8), "2024Q3"), (bj(2025, 7, 15, 8), "2025H1"), (bj(2025, 1, 20, 8), "2024")),
    (bj(2024, 12, 31, 23, 59), (bj(2025, 1, 11, 8), "2024Q4"), (bj(2025, 7, 15, 8), "2025H1"), (bj(2025, 1, 20, 8), "2024")),
]


@pytest.mark.parametrize("now,dispatch,midyear,annual", POLICY_RHYTHM, ids=lambda v: str(v)[:16])
def test_the_next_runs_status_shows_follow_the_policys_rhythm(now, dispatch, midyear, annual):
    """What `srdi status` shows without `srdi serve` (planned_runs over the repository's prefect.yaml): the next run of
    each rollup, in Beijing time, and the period it computes; ingest every 15 minutes. tests/test_schedules.py checks
    that a real Prefect server schedules the same runs."""
    from srdi.commands.status import planned_runs
    runs = {r["deployment"]: r for r in planned_runs(now)}
    assert set(runs) == {"ingest", "quarterly-dispatch", "midyear-meeting", "annual-summary"}
    assert runs["ingest"]["every_seconds"] == 15 * 60
    for name, (at, period) in (("quarterly-dispatch", dispatch), ("midyear-meeting", midyear),
                               ("annual-summary", annual)):
        assert (runs[name]["at"], runs[name]["period"]) == (at.isoformat(), period), name
        assert runs[name]["at"].endswith("+08:00")


@pytest.mark.parametrize("cron,after,expected", [
    ("*/15 * * * *", bj(2024, 1, 1, 10, 7), bj(2024, 1, 1, 10, 15)),
    ("30 9 1 * 1", bj(2024, 4, 2, 0, 0), bj(2024, 4, 8, 9, 30)),       # the 1st or a Monday (cron's either-day rule)
    ("30 9 1 * 1", bj(2024, 4, 29, 10, 0), bj(2024, 5, 1, 9, 30)),
    ("0 0 29 2 *", bj(2023, 3, 1), bj(2024, 2, 29, 0, 0)),              # the next leap day
])
def test_status_reads_any_cron_an_operator_writes_in_prefect_yaml(tmp_path, cron, after, expected):
    """An operator may change a schedule in prefect.yaml (a site with another rhythm): `srdi status` shows its next
    run as cron means it, in the schedule's time zone, with the dates worked out on a calendar."""
    from srdi.commands.status import planned_runs
    yaml_file = tmp_path / "prefect.yaml"
    yaml_file.write_text(f'deployments:\n  - name: quarterly-dispatch\n    description: "季调度：x"\n    schedules:\n'
                         f'      - cron: "{cron}"\n        timezone: Asia/Shanghai\n', encoding="utf-8")
    (run,) = planned_runs(after, yaml_file)
    assert run["at"] == expected.isoformat() and run["label"] == "季调度"


@pytest.mark.parametrize("today,expected", [
    (date(2024, 1, 5), "2023Q4"), (date(2024, 1, 10), "2023Q4"), (date(2024, 1, 11), "2024Q1"),
    (date(2024, 4, 10), "2024Q1"), (date(2024, 4, 11), "2024Q2"), (date(2024, 12, 31), "2024Q4"),
])
def test_the_quarter_being_reported_is_last_quarters_until_its_deadline(today, expected):
    """Quarter end + 10 days (rollup_config.toml [deadline]): until then bureaus are reporting last quarter."""
    from srdi.commands.status import reporting_quarter
    assert reporting_quarter(today, 10) == expected


# ---------------------------------------------------------------- the real command

def next_dispatch(now: datetime) -> datetime:
    """By hand: the next 11 January/April/July/October at 08:00, Beijing time."""
    now = now.astimezone(SHANGHAI)
    for year in (now.year, now.year + 1):
        for month in (1, 4, 7, 10):
            t = datetime(year, month, 11, 8, 0, tzinfo=SHANGHAI)
            if t > now:
                return t
    raise AssertionError


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Home:
    """The demo's home, its story run by the library in this process (tests/helpers.py demo_in_process; `srdi demo`
    itself, the command and its flow runs, is test_cli's and test_voice's): `srdi status` is the subject here. No
    Prefect API is given to status, so it reads what the warehouse recorded."""
    home = Home.resolve(tmp_path_factory.mktemp("status") / "home").ensure()
    demo_in_process(home)
    return home


def test_status_on_a_fresh_home_says_what_is_missing(tmp_path):
    home = tmp_path / "home"
    assert srdi("init", "--home", str(home)).returncode == 0
    r = srdi("status", "--home", str(home), "--format", "json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.splitlines()[0].startswith("srdi status · 主目录 home: " + str(home))   # stdout is JSON only
    o = json.loads(r.stdout)
    assert o["warehouse_available"] is False and o["last_runs"] == []
    assert o["inbox"]["bureau_folders"] == 16 and o["inbox"]["waiting"] == []
    (leaders,) = [w for w in o["warnings"] if w.startswith("责任领导未配置")]
    assert "共 13 个单位" in leaders and str(home / "rollup_config.toml") in leaders
    assert any("srdi serve 没有运行" in w for w in o["warnings"])
    # nobody has reported: every obligation of the quarter is open (13 bureaus' tasks + 6 service-team libraries)
    assert o["compliance"]["owed"] == 19 and o["compliance"]["reported"] == 0
    assert {r["status"] for r in o["compliance"]["rows"]} <= {"not_due", "missing"}
    (dispatch,) = [n for n in o["next_runs"] if n["deployment"] == "quarterly-dispatch"]
    assert datetime.fromisoformat(dispatch["at"]) == next_dispatch(datetime.now(SHANGHAI))
    # every leader set: no more warning about them
    cfg = home / "rollup_config.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(re.sub(r'^# "(.+)" = ""$', r'"\1" = "张三"', text, flags=re.M), encoding="utf-8")
    o = json.loads(srdi("status", "--home", str(home), "--format", "json").stdout)
    assert not [w for w in o["warnings"] if w.startswith(("责任领导未配置", "汇总规则文件有误"))]
    cfg.write_text(text.replace("[leaders]", "[leaders"), encoding="utf-8")          # a typo in the rules file
    o = json.loads(srdi("status", "--home", str(home), "--format", "json").stdout)
    assert [w for w in o["warnings"] if w.startswith("汇总规则文件有误")]
    assert not [w for w in o["warnings"] if w.startswith("责任领导未配置")]       # not judged on rules it cannot read


def test_status_after_the_demo(demo_home):
    home = demo_home
    r = srdi("status", "--home", str(home.root), "--period", "2022年第三季度", "--format", "json")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    # the last runs, from what the warehouse recorded (no Prefect API is up)
    assert o["runs_from"].startswith("数据库记录")
    runs = {x["flow"]: x for x in o["last_runs"]}
    import duckdb
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        by_status = dict(con.execute("SELECT status, count(*) FROM submissions GROUP BY ALL").fetchall())
    finally:
        con.close()
    assert runs["ingest"]["files"]["files"] == sum(by_status.values())
    assert runs["ingest"]["files"]["loaded"] == by_status.get("loaded", 0)
    # samples/demo.py computes 2022Q2, then 2022Q3, 2022H1 and 2022: the last of each kind
    assert [(runs[k]["period"], runs[k]["pack_exists"]) for k in ("quarterly-dispatch", "midyear-meeting", "annual-summary")] \
        == [("2022Q3", True), ("2022H1", True), ("2022", True)]
    # 2022Q3, by the demo share's file names: task progress from 人民银行, 人社局, 工信局, 市监局, 教育局, 财政局 and
    # 工信局's enterprise library (种子企业库2022Q3.xls); the other 12 of the 19 obligations are open
    c = o["compliance"]
    reported = {(x["bureau"], x["form"]) for x in c["rows"] if x["status"] in ("on_time", "late")}
    assert reported == {("人民银行", "task"), ("人社局", "task"), ("工信局", "task"), ("市监局", "task"),
                        ("教育局", "task"), ("财政局", "task"), ("工信局", "enterprise")}
    assert c["owed"] == 19 and c["reported"] == 7 and c["due_date"] == "2022-10-10" and c["deadline_passed"]
    assert {x["status"] for x in c["rows"] if (x["bureau"], x["form"]) not in reported} <= {"missing", "rejected"}
    # the screen: one line per section, in Chinese
    text = srdi("status", "--home", str(home.root), "--period", "2022Q3")
    assert text.returncode == 0 and "Traceback" not in text.stdout + text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == f"srdi status · 主目录 home: {home.root}（--home）"
    for head in ("收件箱", "最近运行", "下次运行", "报送情况（2022年第三季度，截止 2022-10-10", "分析副本"):
        assert any(line.startswith(head) for line in lines), head
    assert len(lines) <= 40


def test_status_shows_the_inbox_and_the_notes_an_ingest_wrote(demo_home):
    home = demo_home
    old(write_xlsx(home.inbox / "新建文件夹" / "任务2022Q3.xlsx", task_rows("工信局", 5)))
    old(write_xlsx(home.inbox / "工信局" / ".草稿2022Q3.xlsx", task_rows("工信局", 6)))
    r = srdi("ingest", "--home", str(home.root), "--settle", "0")
    assert r.returncode == 0, r.stderr[-3000:]
    waiting = old(write_xlsx(home.inbox / "财政局" / "财政局任务进展2022Q4.xlsx", task_rows("财政局", 7)))
    write_xlsx(home.inbox / "教育局" / "教育局任务进展2022Q4.xlsx", task_rows("教育局", 8))     # being written
    o = json.loads(srdi("status", "--home", str(home.root), "--format", "json", "--settle", "60").stdout)
    ib = o["inbox"]
    assert [w["file"] for w in ib["waiting"]] == ["财政局/财政局任务进展2022Q4.xlsx"] and waiting.exists()
    assert [s["file"] for s in ib["settling"]] == ["教育局/教育局任务进展2022Q4.xlsx"]
    (hidden,) = ib["unanswered"]
    note = Path(hidden["note"])
    assert hidden["entry"] == "工信局/.草稿2022Q3.xlsx" and note.exists()
    assert f"原因：{hidden['reason']}" in note.read_text(encoding="utf-8-sig")
    assert ib["unknown_folders"] == [{"folder": "新建文件夹", "files": 1, "noted": 1, "entries": ["新建文件夹/任务2022Q3.xlsx"]}]
    # the analyst copy is as new as the writer's database; after a change behind its back, it is older
    assert o["analyst_copy"]["older_than_writer"] is False
    old(home.warehouse, 3600)       # as if published an hour before the writer's last change (a publish that failed)
    o = json.loads(srdi("status", "--home", str(home.root), "--format", "json").stdout)
    assert o["analyst_copy"]["older_than_writer"] is True
    assert any(w.startswith("分析副本比写入库旧") and "srdi publish" in w for w in o["warnings"])
    assert srdi("publish", "--home", str(home.root)).returncode == 0
    o = json.loads(srdi("status", "--home", str(home.root), "--format", "json").stdout)
    assert o["analyst_copy"]["older_than_writer"] is False


def test_status_imports_no_prefect(demo_home):
    code = ("import sys, srdi.cli; rc = srdi.cli.main(['status', '--home', sys.argv[1]]); "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows', 'tasks')); "
            "print(loaded, file=sys.stderr); sys.exit(rc or (3 if loaded else 0))")
    r = subprocess.run([sys.executable, "-c", code, str(demo_home.root)], capture_output=True, text=True, env=command_env("status"),
                       cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr


def test_last_runs_come_from_the_prefect_api_when_one_is_up(home, prefect_server):
    from flows.ingest import ingest
    from prefect.settings import PREFECT_API_URL
    write_xlsx(home.inbox / "财政局" / "财政局任务进展2022Q2.xlsx", task_rows("财政局", 1))
    before = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)   # the API may round
    assert ingest(home=str(home.root), settle_seconds=0)["loaded"] == 1
    after = datetime.now(timezone.utc)
    api = PREFECT_API_URL.value()
    r = srdi("status", "--home", str(home.root), "--format", "json", env=command_env("status", PREFECT_API_URL=api))
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert o["runs_from"].startswith("Prefect API") and api in o["runs_from"]
    (ingest,) = [x for x in o["last_runs"] if x["flow"] == "ingest"]
    assert ingest["source"] == "prefect" and ingest["state"] == "COMPLETED"
    started = datetime.fromisoformat(ingest["start"])
    assert before <= started <= after, (before, started, after)      # this run's start, in its right zone


def test_status_after_a_first_ingest_without_any_rollup(tmp_path):
    """#19 finding 9: a new home, two bureaus' task workbooks and a hidden draft, one `srdi ingest`, no rollup: status
    counts the two as reported, shows the note the ingest wrote, and reads the analyst copy (no rollup_runs yet)."""
    home = Home.resolve(tmp_path / "home")
    assert srdi("init", "--home", str(home.root)).returncode == 0
    old(write_xlsx(home.inbox / "工信局" / "工信局任务进展2022Q3.xlsx", task_rows("工信局", 1)))
    old(write_xlsx(home.inbox / "财政局" / "财政局任务进展2022Q3.xlsx", task_rows("财政局", 2)))
    old(write_xlsx(home.inbox / "教育局" / ".草稿2022Q3.xlsx", task_rows("教育局", 3)))
    r = srdi("ingest", "--home", str(home.root), "--settle", "0")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert not (home.reports).exists() or not list(home.reports.rglob("*.xlsx"))     # no rollup has run
    assert srdi("stop", "--home", str(home.root)).returncode == 0    # no Prefect API up: what the warehouse recorded
    r = srdi("status", "--home", str(home.root), "--period", "2022Q3", "--format", "json")
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert o["warehouse_available"] is True
    assert not [w for w in o["warnings"] if "无法打开" in w], o["warnings"]
    c = o["compliance"]
    # 19 obligations for 2022Q3 (13 bureaus' task progress, 6 service-team libraries); the two task workbooks arrived
    # now, years after the 2022-10-10 deadline: reported, late
    assert c["owed"] == 19 and c["reported"] == 2
    assert {(x["bureau"], x["form"]) for x in c["rows"] if x["status"] == "late"} == {("工信局", "task"), ("财政局", "task")}
    assert {x["status"] for x in c["rows"] if (x["bureau"], x["form"]) not in {("工信局", "task"), ("财政局", "task")}} \
        == {"missing"}
    (hidden,) = o["inbox"]["unanswered"]
    assert hidden["entry"] == "教育局/.草稿2022Q3.xlsx" and hidden["note"] and Path(hidden["note"]).exists()
    assert "尚未说明" not in hidden["reason"]
    runs = {x["flow"]: x for x in o["last_runs"]}
    assert set(runs) == {"ingest"} and runs["ingest"]["files"]["loaded"] == 2
    # the screen says the same
    text = srdi("status", "--home", str(home.root), "--period", "2022Q3").stdout
    assert "已报送 2/19" in text and "无法打开" not in text and "尚未说明" not in text
    (late,) = [line for line in text.splitlines() if line.strip().startswith("逾期")]
    assert "工信局（任务进展）" in late and "财政局（任务进展）" in late
    (missing,) = [line for line in text.splitlines() if line.strip().startswith("未报送")]
    assert "工信局（任务进展）" not in missing and "财政局（任务进展）" not in missing


def test_an_unreadable_analyst_copy_says_compliance_is_unknown(home):
    """An analyst copy that cannot be opened says nothing about who reported: not 已报送 0/19 with every bureau 未报送."""
    from srdi.commands.status import overview, render
    home.warehouse.write_bytes(b"not a database" * 100)
    o = overview(home, "2022Q3")
    assert o["warehouse_available"] is False and o["compliance"]["known"] is False
    assert o["compliance"]["reported"] == 0 and {r["status"] for r in o["compliance"]["rows"]} == {"unknown"}
    text = "\n".join(render(o))
    assert "无法判断谁已报送" in text and "已报送 0/" not in text and "未报送" not in text
    assert any("无法打开" in w for w in o["warnings"])
