"""`srdi query`, the real command: no Prefect start-up, the entry points, a reader that stops early, no extension
installed, output streamed in bounded memory. What it writes (table, CSV with BOM, xlsx and JSON; --out; read-only;
limits), called in process: tests/integration/test_query_output.py."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.helpers import HANG, after_home_line, peak_rss_bytes

from srdi.cli import main
from tests.conftest import copy_db
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "DO_NOT_TRACK": "1"}

# what bureaus really type: Chinese, and text that a spreadsheet would take for a formula
ROWS = [
    (1, "长白山制药股份有限公司", "=HYPERLINK(\"http://x\",\"点我\")", "2022-07-05", 12.5, "王威"),
    (2, "吉林添正生物科技股份有限公司", "+86 0432 1234567", "2022-07-06", -3.0, "张静"),
    (3, "蛟河市天翔炭业有限公司", "-停产（见备注）", None, None, "@路建国"),
    (4, "吉林旺普家具有限公司", "-1", "2022-10-01", 0.0, "滕慧阳"),
]
SQL = "SELECT id AS 序号, name AS 企业名称, note AS 备注, day, amount, leader FROM sample ORDER BY id"


@pytest.fixture(scope="module")
def wh_template(schema_template, tmp_path_factory) -> Path:
    """The analyst copy every test here starts from, built once: the real schema plus a small table of awkward
    values."""
    path = copy_db(schema_template, tmp_path_factory.mktemp("query-template") / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sample (id INTEGER, name VARCHAR, note VARCHAR, day DATE, amount DECIMAL(10, 2), leader VARCHAR)")
    con.executemany("INSERT INTO sample VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    con.close()
    return path


@pytest.fixture
def wh(tmp_path, wh_template) -> Home:
    """A published analyst copy of this test's own: a copy of wh_template."""
    home = Home.resolve(tmp_path / "home").ensure()
    copy_db(wh_template, home.warehouse)
    return home


def query(home: Home, *args: str) -> int:
    return main(["query", "--home", str(home.root), *args])


def test_query_does_not_import_prefect(wh):
    code = ("import sys, srdi.cli, warehouse.query; assert 'prefect' not in sys.modules, 'imported prefect'; "
            "rc = srdi.cli.main(['query', '--home', sys.argv[1], '--format', 'json', 'SELECT count(*) AS n FROM sample']); "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows', 'polars', 'pandera')); "
            "print(loaded, file=sys.stderr); sys.exit(rc or (3 if loaded else 0))")
    res = subprocess.run([sys.executable, "-c", code, str(wh.root)], capture_output=True, text=True, env=ENV, cwd=ROOT,
                         timeout=HANG)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [{"n": 4}]


def test_the_command_line_entry_point(wh):
    res = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(wh.root), "--format", "csv",
                          "SELECT name FROM sample WHERE id = 2"], capture_output=True, env=ENV, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode("utf-8-sig").splitlines() == ["name", "吉林添正生物科技股份有限公司"]
    res = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(wh.root), "DELETE FROM sample"],
                         capture_output=True, env=ENV, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and "只读" in res.stderr.decode()


def test_the_srdi_command_runs_a_file_with_bound_parameters_and_refuses_in_one_line(wh, tmp_path):
    """The installed `srdi` script: -f FILE with --param values (a leader's name that starts with @ and a company
    name, both bound, never pasted), --list, and a saved query without its parameter: one line on stderr (the
    arguments are checked before the home), exit 2, no traceback. The rest in process: tests/integration/test_query_saved.py."""
    srdi = Path(sys.executable).with_name("srdi")
    if not srdi.exists():
        pytest.skip("no srdi script beside this Python")
    sql = tmp_path / "查询.sql"
    sql.write_text("-- 按名称查 / by name\nSELECT id FROM sample WHERE name = $name OR leader = $leader ORDER BY id\n",
                   encoding="utf-8")
    res = subprocess.run([str(srdi), "query", "--home", str(wh.root), "--format", "csv", "-f", str(sql),
                          "--param", "name=吉林旺普家具有限公司", "--param", "leader=@路建国"],
                         capture_output=True, env=ENV, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode("utf-8-sig").splitlines() == ["id", "3", "4"]
    res = subprocess.run([str(srdi), "query", "--list"], capture_output=True, env=ENV, cwd=tmp_path, timeout=120)
    assert res.returncode == 0 and "bureau_history  " in res.stdout.decode(), res.stderr.decode()
    res = subprocess.run([str(srdi), "query", "--home", str(wh.root), "--saved", "bureau_history"],
                         capture_output=True, env=ENV, cwd=ROOT, timeout=120)
    err = res.stderr.decode()          # the arguments are checked before the home: no home line
    assert res.returncode == 2 and res.stdout == b""
    assert err == "srdi query: missing parameter bureau: give it with --param bureau=VALUE; it takes bureau\n", err


@pytest.mark.parametrize("script", [True, False], ids=["srdi", "python -m srdi.cli"])
@pytest.mark.parametrize("args, keep", [
    (["query", "--format", "csv", "SELECT range AS n, 'x' || range AS t FROM range(500000)"], 100),  # | head
    (["status"], 0),                                     # | true: the reader is gone before the first line
])
def test_output_piped_into_a_reader_that_stops_early(wh, script, args, keep):
    """`srdi query … | head`: the reader goes away after a few bytes; the command stops without a traceback and
    without Python's "Exception ignored" at exit, with the status a shell gives a command a closed pipe stopped."""
    command = [str(Path(sys.executable).with_name("srdi"))] if script else [sys.executable, "-m", "srdi.cli"]
    if not Path(command[0]).exists():
        pytest.skip("no srdi script beside this Python")
    proc = subprocess.Popen([*command, args[0], "--home", str(wh.root), *args[1:]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    first = proc.stdout.read(keep) if keep else b""
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 141, err
    if keep:
        assert first.decode("utf-8-sig").splitlines()[:2] == ["n,t", "0,x0"]
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize("allow", [[], ["--allow-files"]], ids=["default", "allow-files"])
def test_no_extension_is_installed_or_loaded(wh, tmp_path, allow):
    """read_parquet('https://…') once made DuckDB download httpfs into ~/.duckdb: now it is an error, offline."""
    user_home = tmp_path / "user"
    user_home.mkdir()
    res = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(wh.root), *allow,
                          "SELECT * FROM read_parquet('https://example.com/x.parquet')"],
                         capture_output=True, text=True, env={**ENV, "HOME": str(user_home)}, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert after_home_line(res.stderr, "query").count("\n") == 1
    assert list(user_home.iterdir()) == []           # no ~/.duckdb: nothing installed, nothing downloaded


STREAM_SQL = "SELECT range AS i, '企业' || range::VARCHAR AS name, range * 0.5 AS x, DATE '2022-07-05' AS day FROM range({n})"


def _peak_rss_mb(proc: subprocess.Popen) -> float:
    """The high-water mark of a child's resident memory since its exec (VmHWM), followed until it exits. (ru_maxrss
    would count the memory of the forking test process too.)"""
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, peak_rss_bytes(proc.pid) / 2**20)
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.05)
    return peak


# Measured: streamed, `srdi query` peaks at 92–101 MB whatever the number of rows and format. With the batches
# replaced by one fetchall (the rows held at once, as a regression would), it peaked at 410 MB (csv), 263 MB (json)
# and 196 MB (xlsx) for these rows. A bound of 150 MB passes the streaming command and fails each of those.
STREAM_BOUND_MB = 150


@pytest.mark.parametrize("fmt,rows", [("csv", 500_000), ("json", 500_000), ("xlsx", 300_000)])
def test_output_streams_in_bounded_memory(wh, tmp_path, fmt, rows):
    """The rows never sit in memory at once: peak RSS stays near what `srdi query` needs to start (STREAM_BOUND_MB),
    while the rows held at once take 100 MB more."""
    out = tmp_path / f"all.{fmt}"
    proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "query", "--home", str(wh.root), "--format", fmt,
                             "--out", str(out), STREAM_SQL.format(n=rows)], env=ENV, cwd=ROOT,
                            stderr=subprocess.PIPE)
    peak_mb = _peak_rss_mb(proc)
    assert proc.returncode == 0, proc.stderr.read().decode()
    last = {"i": rows - 1, "name": f"企业{rows - 1}", "x": (rows - 1) * 0.5, "day": "2022-07-05"}
    if fmt == "csv":
        with open(out, encoding="utf-8-sig", newline="") as f:
            n = 0
            for n, row in enumerate(csv.reader(f)):  # noqa: B007 (the last row and its index, after the loop)
                pass
        assert row == [str(v) for v in last.values()]
    elif fmt == "json":
        with open(out, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
            n, before, line = 0, None, None
            for n, text in enumerate(f):  # noqa: B007 (the count, after the loop)
                before, line = line, text.rstrip("\n")
        assert first == "[" and line == "]" and json.loads(before) == last
    else:
        ws = openpyxl.load_workbook(out, read_only=True).active
        n = ws.max_row - 1
    print(f"\n{fmt}: {n:,} rows, {out.stat().st_size / 2**20:.0f} MB written, peak RSS {peak_mb:.0f} MB")
    assert n == rows
    assert 0 < peak_mb < STREAM_BOUND_MB
