"""Issue 24, medium and low items: text is text on a terminal; `srdi query` exports, --out, memory, pipes and a
stale WAL; the ingest's progress line."""
from __future__ import annotations

import csv
import io
import logging
import os
import threading
from pathlib import Path

import duckdb
import openpyxl
import pytest

from srdi.cli import main
from tests.conftest import copy_db
from tests.helpers import after_home_line
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "DO_NOT_TRACK": "1"}

# a file name as an attacker writes it: retitle the terminal (OSC 0), clear the screen (CSI 2J), a fake link
# (OSC 8), a C1 CSI (0x9b), a right-to-left override, and a newline that forges a line of srdi's own
HOSTILE = ("报表\x1b]0;pwned\x07\x1b[2J\x1b]8;;http:evil\x1b\\点我\x1b]8;;\x1b\\\x9b31m\u202excod.exe"
           "\n  已入库  伪造2022Q2.xlsx")
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e", "\n")


# ---------------------------------------------------------------- one function for text from a bureau

def test_visible_writes_every_active_character_as_its_escape():
    from schemas.terminal import visible
    assert visible("报表\x1b[2J") == "报表\\x1b[2J"
    assert visible("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert visible("\x9b31m") == "\\x9b31m"                                   # C1 CSI
    assert visible("\u202excod.exe") == "\\u202excod.exe"                    # RLO: shows as exe.docx otherwise
    assert visible("甲\n乙\r丙\t丁") == "甲\\n乙\\r丙\\t丁"                      # stays one line
    assert visible("\u2066x\u2069\u200f") == "\\u2066x\\u2069\\u200f"
    assert visible("任务2022Q2（人民银行）.xlsx") == "任务2022Q2（人民银行）.xlsx"   # ordinary text untouched
    assert visible("bad\udcffname") == "bad\\xffname"                          # a byte that is not UTF-8, printable
    assert visible(None) == "" and visible(3) == "3"


def test_srdi_ingest_prints_a_hostile_file_name_escaped(capsys):
    from srdi.commands.ingest import print_ingest
    summary = {"files": 2, "loaded": 1, "rejected": 0, "duplicate": 0,
               "results": [{"outcome": "loaded", "file": f"人民银行/{HOSTILE}.xlsx", "period": "2022Q2",
                            "submission_ids": [7]}],
               "held": [{"file": f"财政局/{HOSTILE}.xlsx", "reason": f"读取时发生变化：{HOSTILE}"}],
               "deferred": [f"工信局/{HOSTILE}.xlsx"]}
    print_ingest(summary)
    out = capsys.readouterr().out
    for ch in ACTIVE[:-1]:
        assert ch not in out
    lines = out.splitlines()
    # one line per file, as many as without the attack: the forged "已入库" line is inside the escaped name
    assert len(lines) == 6
    assert "报表\\x1b]0;pwned\\x07\\x1b[2J" in lines[1] and "\\n  已入库  伪造2022Q2.xlsx" in lines[1]
    assert "\\u202excod.exe" in lines[3]


def test_srdi_status_prints_a_hostile_file_name_escaped(tmp_path, capsys):
    home = Home.resolve(tmp_path / "home").ensure()
    folder = home.inbox / "人民银行"
    folder.mkdir()
    (folder / f"{HOSTILE}.xlsx").write_bytes(b"PK")
    import time
    future = time.time() + 3600          # still being written: `srdi status` lists it by name
    os.utime(folder / f"{HOSTILE}.xlsx", (future, future))
    assert main(["status", "--home", str(home.root)]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in ACTIVE[:-1])
    shown = [line for line in out.splitlines() if "pwned" in line]
    assert len(shown) == 1 and "报表\\x1b]0;pwned\\x07\\x1b[2J" in shown[0] and "\\n  已入库  伪造2022Q2" in shown[0]


def test_the_progress_line_never_counts_past_the_files_found():
    """The library reports (done, total, counts) after the scan and after each batch (flows/pipeline.py
    on_progress); a count past the total found (a file an earlier run left half-filed) grows the total: never 7/6."""
    from srdi.commands._progress import IngestProgress
    out = io.StringIO()
    p = IngestProgress(interactive=False, out=out)
    p.update(0, 6, {})                                          # the scan found 6
    p.update(5, 6, {"loaded": 5})                               # a batch: 5 loaded, one held
    p.update(6, 6, {"loaded": 5, "rejected": 1})                # the held file answered after all
    assert "已处理 6/6 个文件（已入库 5、退回 1）" in out.getvalue()
    p.update(7, 6, {"loaded": 6, "rejected": 1})                # one more than the scan counted
    assert "已处理 7/7 个文件" in out.getvalue() and "7/6" not in out.getvalue()


def test_a_hostile_name_never_reaches_the_progress_line():
    """Progress is counts from the library, not log text: a file name with a newline and escape sequences cannot
    add a file or a line to it."""
    from srdi.commands._progress import IngestProgress
    out = io.StringIO()
    p = IngestProgress(interactive=False, out=out)
    p.update(0, 1, {})
    p.update(1, 1, {"loaded": 1})
    assert p.done == 1 and p.counts["loaded"] == 1
    assert not any(ch in out.getvalue() for ch in ACTIVE[:-1]) and out.getvalue().count("\n") == 1


# ---------------------------------------------------------------- srdi query

@pytest.fixture
def wh(tmp_path, schema_template) -> Home:
    home = Home.resolve(tmp_path / "home").ensure()
    copy_db(schema_template, home.warehouse)
    con = duckdb.connect(str(home.warehouse))
    con.execute("CREATE TABLE sample (k VARCHAR, n INTEGER)")
    con.executemany("INSERT INTO sample VALUES (?, ?)", [("=cmd|'/Ccalc'!A0", 1), ("=HYPERLINK(\"http://x\",\"y\")", 2),
                                                         ("@SUM(1+1)", 3), ("+1-2", 4), ("普通", 5)])
    con.close()
    return home


def query(home: Home, *args: str) -> int:
    return main(["query", "--home", str(home.root), *args])


PIVOT = "PIVOT (SELECT k, n FROM sample) ON k USING sum(n) ORDER BY ALL"


def test_csv_of_a_pivot_neutralises_its_headers(wh, capsys):
    assert query(wh, "--format", "csv", PIVOT) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert sorted(header) == sorted(["'+1-2", "'=HYPERLINK(\"http://x\",\"y\")", "'=cmd|'/Ccalc'!A0", "'@SUM(1+1)", "普通"])


def test_xlsx_of_a_pivot_writes_its_headers_as_text(wh, tmp_path):
    out = tmp_path / "pivot.xlsx"
    assert query(wh, "--format", "xlsx", "--out", str(out), PIVOT) == 0
    header = list(openpyxl.load_workbook(out).active[1])
    assert {c.value for c in header} == {"+1-2", "=HYPERLINK(\"http://x\",\"y\")", "=cmd|'/Ccalc'!A0", "@SUM(1+1)", "普通"}
    assert {c.data_type for c in header} == {"s"}            # strings, never formulas


@pytest.mark.parametrize("target", ["state/pipeline.duckdb", "state/writer.lock", "state/new.csv", "warehouse.duckdb",
                                    "warehouse.duckdb.wal", "share/archive/人民银行/x.csv", "share/inbox/财政局/任务.xlsx",
                                    "share/outbox/财政局/回执.csv"])
def test_out_inside_srdis_own_files_is_refused(wh, capsys, target):
    (wh.state / "pipeline.duckdb").write_bytes(b"the writer's database")
    path = wh.root / target
    before = path.read_bytes() if path.exists() else None
    fmt = "xlsx" if target.endswith(".xlsx") else "csv"
    assert query(wh, "--format", fmt, "--out", str(path), "SELECT 1 AS n") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert err.count("\n") == 1 and "未写入" in err and "nothing written" in err and "Traceback" not in err
    assert (path.read_bytes() if path.exists() else None) == before
    assert (wh.state / "pipeline.duckdb").read_bytes() == b"the writer's database"


def test_out_through_a_link_or_dotdot_into_state_is_refused(wh, tmp_path, capsys):
    (wh.state / "pipeline.duckdb").write_bytes(b"the writer's database")
    link = tmp_path / "looks-harmless"
    link.symlink_to(wh.state)
    assert query(wh, "--format", "csv", "--out", str(link / "pipeline.duckdb"), "SELECT 1 AS n") == 2
    assert query(wh, "--format", "csv", "--out", str(wh.reports / ".." / "state" / "pipeline.duckdb"), "SELECT 1") == 2
    assert (wh.state / "pipeline.duckdb").read_bytes() == b"the writer's database"
    capsys.readouterr()
    assert query(wh, "--format", "csv", "--out", str(wh.reports / "ok.csv"), "SELECT 1 AS n") == 0   # reports/ is fine
    assert (wh.reports / "ok.csv").read_text(encoding="utf-8-sig").splitlines() == ["n", "1"]


def _limit(home: Home) -> str:
    from warehouse.query import fetch
    return fetch(home, "SELECT current_setting('memory_limit')")[1][0][0]


def test_an_analyst_query_has_a_memory_limit_from_the_homes_rules(wh, capsys):
    # DuckDB reports the limit in binary units: 2GB = 2·10^9 bytes = 1.86 GiB; 64MB = 61.0 MiB
    assert _limit(wh) == "1.8 GiB"                                   # the default, not 80 % of the machine
    wh.rollup_config.write_text('time_zone = "Asia/Shanghai"\n[query]\nmemory_limit = "64MB"\n', encoding="utf-8")
    assert _limit(wh) == "61.0 MiB"
    # a query that needs more: one line that says so and where the limit is set
    assert query(wh, "--format", "csv", "SELECT list(range) FROM range(50000000)") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "内存超过上限" in err and "memory_limit" in err and err.count("\n") == 1 and "Traceback" not in err
    # the analyst's SQL cannot raise it
    assert query(wh, "SET memory_limit = '100GB'") == 2


def test_a_memory_limit_that_is_not_a_size_is_said_and_the_default_used(wh, capsys):
    wh.rollup_config.write_text('[query]\nmemory_limit = "lots"\n', encoding="utf-8")
    assert query(wh, "--format", "csv", "SELECT current_setting('memory_limit') AS m") == 0
    captured = capsys.readouterr()
    assert "memory_limit" in after_home_line(captured.err, "query") and "2GB" in captured.err
    assert captured.out.lstrip("\ufeff").splitlines() == ["m", "1.8 GiB"]
    from schemas.rollup_config import ConfigError, parse
    with pytest.raises(ConfigError, match="memory_limit"):      # the rules' own check says it too
        parse({"query": {"memory_limit": "lots"}})


@pytest.fixture
def fifo(wh):
    """A pipe in the home's reports/; a writer that opens it after a ceiling only a hang reaches, so that a read
    that got past the check ends instead of hanging the test run."""
    path = wh.reports / "pipe.csv"
    os.mkfifo(path)
    stop = threading.Event()

    def release():
        if not stop.wait(60):
            fd = os.open(path, os.O_WRONLY)
            os.close(fd)
    t = threading.Thread(target=release, daemon=True)
    t.start()
    yield path
    stop.set()


@pytest.mark.parametrize("how", ["read_csv('{p}')", "'{p}'", "read_csv('{d}/*.csv')", "read_text('{d}/pi?e.csv')"])
def test_a_pipe_named_by_the_sql_is_refused_before_it_is_opened(wh, fifo, capsys, how):
    sql = "SELECT * FROM " + how.format(p=fifo, d=fifo.parent)
    assert query(wh, "--timeout", "3", "--format", "csv", sql) == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "不是普通文件" in err and "pipe.csv" in err and err.count("\n") == 1


def _stale_wal(home: Home) -> None:
    """What a killed read-write session leaves: a .wal beside the copy holding writes never checkpointed."""
    home.warehouse.chmod(0o644)
    con = duckdb.connect(str(home.warehouse))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO sample VALUES ('from a stranger', 424242)")
    con.close()
    assert home.warehouse.with_name("warehouse.duckdb.wal").exists()


def test_a_stale_wal_is_refused_by_readers_not_replayed(wh, capsys):
    _stale_wal(wh)
    assert query(wh, "--format", "csv", "SELECT sum(n) FROM sample") == 2
    captured = capsys.readouterr()
    err = after_home_line(captured.err, "query")
    assert ".wal" in err and "srdi publish" in err and err.count("\n") == 1 and "424" not in captured.out
    assert main(["status", "--home", str(wh.root), "--format", "json"]) == 0
    import json
    o = json.loads(capsys.readouterr().out)
    assert any(".wal" in w for w in o["warnings"])


# ---------------------------------------------------------------- a full disk, a read-only home

import errno  # noqa: E402

from samples.workbooks import task_rows, write_xlsx  # noqa: E402
from tests.conftest import drop  # noqa: E402


@pytest.fixture
def writer(tmp_path, schema_template) -> Home:
    home = Home.resolve(tmp_path / "home").ensure()
    copy_db(schema_template, home.writer_db)
    con = duckdb.connect(str(home.writer_db))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    con.close()
    return home


def _full(src=None, dst=None, *a, **k):
    raise OSError(errno.ENOSPC, "No space left on device", str(dst) if dst else None)


def test_a_full_disk_during_srdi_publish_is_one_line_and_exit_4(writer, monkeypatch, capsys):
    assert main(["publish", "--home", str(writer.root)]) == 0
    before = writer.warehouse.read_bytes()
    capsys.readouterr()
    import warehouse.publish
    monkeypatch.setattr(warehouse.publish, "copy_file", _full)
    assert main(["publish", "--home", str(writer.root)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "磁盘空间不足" in err and "No space left on device" in err and "Traceback" not in err
    assert writer.warehouse.read_bytes() == before                                   # the old copy stands


def test_a_full_disk_anywhere_else_is_one_line_not_a_traceback(writer, monkeypatch, capsys):
    """Wherever a command meets it (here the writer lock's file): srdi.cli says it in one line, exit 4."""
    import warehouse.lock
    monkeypatch.setattr(warehouse.lock.os, "open", lambda *a, **k: _full(None, str(writer.lock_file)))
    assert main(["publish", "--home", str(writer.root)]) == 4
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "writer.lock" in err and err.count("\n") == 1


def test_a_full_disk_while_the_ingest_publishes_is_said_and_exit_4(home, run_ingest, monkeypatch):
    import warehouse.publish
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    monkeypatch.setattr(warehouse.publish, "copy_file", _full)
    summary = run_ingest(home)
    assert summary["loaded"] == 1                                    # committed, and filed away
    assert "磁盘空间不足" in summary["storage_error"] and "分析副本" in summary["storage_error"]
    assert not home.warehouse.exists()                               # nothing half published


# ---------------------------------------------------------------- srdi's own folders never lead out of the home

def test_own_folder_makes_what_is_missing_and_refuses_a_link_out(tmp_path):
    from warehouse.home import OutsideHome
    home = Home.resolve(tmp_path / "home").ensure()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert home.own_folder(home.archive / "人民银行" / "2022Q2") == home.archive / "人民银行" / "2022Q2"
    assert (home.archive / "人民银行" / "2022Q2").is_dir()
    (home.outbox / "财政局").symlink_to(outside)
    with pytest.raises(OutsideHome, match="财政局") as caught:
        home.own_folder(home.outbox / "财政局")
    assert "主目录之外" in str(caught.value) and str(outside) in str(caught.value)
    (home.archive / "财政局").symlink_to(outside)                # deeper: nothing is made in the target
    with pytest.raises(OutsideHome):
        home.own_folder(home.archive / "财政局" / "2022Q2")
    assert list(outside.iterdir()) == []
    # a link that stays inside the home is followed
    (home.root / "elsewhere-inside").mkdir()
    (home.rejected / "工信局").symlink_to(home.root / "elsewhere-inside")
    assert home.own_folder(home.rejected / "工信局" / "x").is_dir()


def _valid(home: Home, bureau: str) -> Path:
    path = drop(home, bureau, "任务2022Q2.xlsx")
    write_xlsx(path, task_rows(bureau, seed=1))
    return path


@pytest.mark.parametrize("folder", ["outbox", "archive", "rejected"])
def test_the_ingest_never_follows_a_link_out_of_the_home(home, run_ingest, tmp_path, folder, caplog):
    outside = tmp_path / "someone-elses"
    outside.mkdir()
    bureau = "人民银行"
    path = _valid(home, bureau)
    if folder == "rejected":
        from schemas.forms import TASK
        rows = task_rows(bureau, seed=1)
        rows[1][[f.name for f in TASK.fields].index("task_id")] = "T9-99"   # no such task: the file is rejected
        write_xlsx(path, rows)
    link = {"outbox": home.outbox / bureau, "archive": home.archive / bureau / "2022Q2",
            "rejected": home.rejected / bureau}[folder]
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    srdi_log = logging.getLogger("srdi")     # the steps' logger outside a flow run (Prefect's setup may stop it propagating)
    srdi_log.addHandler(caplog.handler)
    try:
        summary = run_ingest(home)
    finally:
        srdi_log.removeHandler(caplog.handler)
    assert list(outside.iterdir()) == []                          # nothing moved or written out there
    assert path.exists()                                          # the file waits in the inbox
    assert [h["file"] for h in summary["held"]] == [f"{bureau}/任务2022Q2.xlsx"]
    said = [r.getMessage() for r in caplog.records if "主目录之外" in r.getMessage()]   # the operator's log names the link
    assert said and str(link) in said[0]


def test_every_test_docs_security_names_exists():
    """docs/security.md names the test that holds each boundary: each must be there (a renamed test breaks this)."""
    import re
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = []
    for row in text.splitlines():
        current = None
        for m in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", row):
            path, name = m.group(1), m.group(2)
            current = path or current
            if path and not name:
                assert (ROOT / path).exists(), path
            if name:
                named.append((current, name))
    assert len(named) > 20
    for path, name in named:
        assert re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), f"{path}::{name}"
