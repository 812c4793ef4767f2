"""Analysts are never locked out, and never block a load.

The pipeline writes its own database (state/pipeline.duckdb); after each successful run `publish()`
checkpoints it and swaps a copy in atomically as <home>/warehouse.duckdb. These tests prove it with
real processes: readers querying in a loop while a big ingest runs, and an analyst connection held
open (like DBeaver or a notebook) through a load.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.helpers import HANG, after_home_line, wait_until

from schemas import reference
from warehouse.home import Home
from samples.share import build_sample_share
from tests.conftest import copy_db, drop
from samples.workbooks import enterprise_rows, task_rows, write_xlsx
from warehouse import atomic_write
from warehouse.connection import connect
from warehouse.publish import publish

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "DO_NOT_TRACK": "1"}

# A reader process: a fresh read-only connection per query, as analysts' tools do; it notes every
# query's time, the row count it saw, and any error, until the stop file appears; `ready`.seen holds the last
# count it saw (written when the count changes), so the test can wait until a reader has seen a copy.
READER = r"""
import json, os, sys, time
import duckdb
path, stop, out, ready = sys.argv[1:5]
queries, failures, seen, errors = [], 0, [], []
while not os.path.exists(stop):
    t = time.time()
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            n = con.execute("SELECT count(*) FROM submissions").fetchone()[0]
            con.execute("SELECT period, srdi_level, count(*) FROM enterprise_history GROUP BY ALL").fetchall()
            con.execute("SELECT status, count(*) FROM task_progress GROUP BY ALL").fetchall()
        finally:
            con.close()
        if not seen or seen[-1] != n:
            with open(ready + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(ready + ".tmp", ready + ".seen")
        seen.append(n)
        if not os.path.exists(ready):
            open(ready, "w").close()
    except Exception as exc:
        failures += 1
        errors.append(f"{type(exc).__name__}: {exc}")
    queries.append(t)
    time.sleep(0.02)
json.dump({"queries": queries, "failures": failures, "seen": seen, "errors": errors[:5]}, open(out, "w"))
"""

# An analyst's session held open across a load: prints the count, waits for a line, prints it again.
HOLDER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
q = "SELECT count(*) FROM submissions"
print(con.execute(q).fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute(q).fetchone()[0], flush=True)
print(con.execute("SELECT count(*) FROM enterprise_history").fetchone()[0], flush=True)
con.close()
"""


def count(path: Path, sql: str = "SELECT count(*) FROM submissions") -> int:
    """In a separate process: this process's DuckDB instance cache must not hide a swapped file."""
    code = f"import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); print(c.execute({sql!r}).fetchone()[0])"
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, env=ENV)
    assert res.returncode == 0, res.stderr
    return int(res.stdout)


def big_share(home: Home) -> int:
    """The demo share plus five quarters of task and enterprise reports from every bureau: 112 files."""
    n = len(build_sample_share(home.inbox))
    periods = ["2020Q1", "2020Q2", "2020Q3", "2020Q4", "2021Q1"]
    team_bureaus = set(reference.service_teams().values())
    for i, period in enumerate(periods):
        for j, bureau in enumerate(reference.bureaus()):
            if reference.tasks_of(bureau):
                write_xlsx(drop(home, bureau, f"{bureau}任务进展{period}.xlsx"), task_rows(bureau, seed=i * 100 + j))
                n += 1
            if bureau in team_bureaus:
                write_xlsx(drop(home, bureau, f"{bureau}企业库{period}.xlsx"), enterprise_rows(20, seed=i * 100 + j))
                n += 1
    return n


def test_queries_in_a_loop_never_fail_while_a_big_load_runs(home, run_ingest, tmp_path):
    # a first run publishes an analyst copy
    write_xlsx(drop(home, "人民银行", "任务2019Q4.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    before = count(home.warehouse)
    assert before == 1
    n_files = big_share(home)
    assert n_files >= 100

    stop = tmp_path / "stop"
    readers = []
    for i in range(2):
        out, ready = tmp_path / f"reader{i}.json", tmp_path / f"ready{i}"
        proc = subprocess.Popen([sys.executable, "-c", READER, str(home.warehouse), str(stop), str(out), str(ready)],
                                env=ENV, stderr=subprocess.PIPE, text=True)
        readers.append((proc, out, ready))

    # `srdi query` itself, started again and again, as a person at a terminal would
    cli = {"queries": 0, "failures": 0, "errors": [], "times": []}

    def cli_loop():
        while not stop.exists():
            t = time.time()
            res = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(home.root), "--format", "json",
                                  "SELECT count(*) AS n FROM submissions"], capture_output=True, text=True, env=ENV,
                                 cwd=ROOT, timeout=120)
            cli["queries"] += 1
            cli["times"].append(t)
            if res.returncode != 0:
                cli["failures"] += 1
                cli["errors"].append(res.stderr.strip()[-300:])
            time.sleep(0.2)

    wait_until(lambda: all(r.exists() for _, _, r in readers), HANG,
               lambda: f"every reader managed a first query: {[p.stderr.read() for p, _, _ in readers if p.poll() is not None]}",
               alive=lambda: all(p.poll() is None for p, _, _ in readers))
    cli_thread = threading.Thread(target=cli_loop, daemon=True)
    cli_thread.start()

    t0 = time.time()
    summary = run_ingest(home)
    t1 = time.time()
    after = count(home.warehouse)
    wait_until(lambda: all(Path(f"{r}.seen").read_text() == str(after) for _, _, r in readers), HANG,
               "every reader saw the swapped copy")
    stop.touch()
    cli_thread.join(timeout=180)
    results = []
    for proc, out, _ in readers:
        proc.wait(timeout=60)
        assert proc.returncode == 0, proc.stderr.read()
        results.append(json.loads(out.read_text()))

    assert summary["files"] == n_files and summary["loaded"] >= 100
    assert after == 1 + summary["files"]

    queries = sum(len(r["queries"]) for r in results)
    failures = sum(r["failures"] for r in results)
    during = sum(t0 <= t <= t1 for r in results for t in r["queries"])
    cli_during = sum(t0 <= t <= t1 for t in cli["times"])
    seen = sorted({n for r in results for n in r["seen"]})
    print(f"\nquery-during-load: load of {summary['files']} files; "
          f"reader processes ran {queries} queries ({during} while the load ran), {failures} failed; "
          f"`srdi query` ran {cli['queries']} times ({cli_during} while the load ran), {cli['failures']} failed; "
          f"submission counts seen: {seen}")
    assert failures == 0, [e for r in results for e in r["errors"]]
    assert cli["failures"] == 0, cli["errors"]
    assert queries > 0 and during > 0 and cli_during > 0
    # they read the old copy while the load ran and the new one after the swap, nothing in between
    assert seen == [before, after]


def test_an_analyst_connection_held_open_through_a_load(home, run_ingest):
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    held = subprocess.Popen([sys.executable, "-c", HOLDER, str(home.warehouse)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert held.stdout.readline().strip() == "1"
        # the scheduled load runs while DBeaver / a notebook keeps its connection open
        write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", seed=1))
        write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_rows(7, seed=3))
        summary = run_ingest(home)
        assert summary["loaded"] == 2
        # the held connection still reads its snapshot, and keeps working
        held.stdin.write("\n")
        held.stdin.flush()
        assert held.stdout.readline().strip() == "1"
        assert held.stdout.readline().strip() == "0"
    finally:
        out, err = held.communicate(timeout=60)
    assert held.returncode == 0, err
    # a new connection sees the new data
    assert count(home.warehouse) == 3
    assert count(home.warehouse, "SELECT count(*) FROM enterprise_history") == 7


def test_a_held_connection_to_the_analyst_copy_never_blocks_the_writer(home, run_ingest):
    """Even a writable analyst connection (someone forgot read_only) cannot stop a load: it holds the old file."""
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    code = ("import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.readline(); print(con.execute('SELECT count(*) FROM submissions').fetchone()[0], flush=True)")
    held = subprocess.Popen([sys.executable, "-c", code, str(home.warehouse)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert held.stdout.readline().strip() == "open"
        write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", seed=1))
        assert run_ingest(home)["loaded"] == 1
        held.stdin.write("\n")
        held.stdin.flush()
        assert held.stdout.readline().strip() == "1"
    finally:
        held.communicate(timeout=60)
    assert count(home.warehouse) == 2


# ---------------------------------------------------------------- publish() itself, no Prefect

@pytest.fixture
def writer(home: Home, schema_template) -> Home:
    """A writer database with the schema (a copy of the session's schema_template) and a table of 1000 rows."""
    copy_db(schema_template, home.writer_db)
    with connect(home.writer_db) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    return home


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_writes_a_temp_file_beside_the_copy_and_renames_it(writer, monkeypatch):
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        src, dst = Path(src), Path(dst)
        calls.append((src, dst))
        # the temp file is complete, a valid database, and on the same file system as the target
        assert src.parent == dst.parent and src.name != dst.name and src.name.startswith(".")
        assert src.stat().st_size == writer.writer_db.stat().st_size
        con = duckdb.connect(str(src), read_only=True)
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
        con.close()
        real_replace(src, dst)

    monkeypatch.setattr(atomic_write.os, "replace", spy)
    assert publish(writer) == writer.warehouse
    assert [d for _, d in calls] == [writer.warehouse]
    assert not calls[0][0].exists()
    # checkpointed: the copy needs no write-ahead log and equals the writer's database
    assert not Path(str(writer.warehouse) + ".wal").exists()
    assert sha(writer.warehouse) == sha(writer.writer_db)
    assert sorted(p.name for p in writer.root.iterdir() if p.is_file()) == ["warehouse.duckdb"]


def test_publish_includes_writes_not_yet_checkpointed(writer):
    con = connect(writer.writer_db)                    # a writer connection still open in this process
    con.execute("INSERT INTO t SELECT 5000")          # sits in the WAL until a checkpoint
    assert Path(str(writer.writer_db) + ".wal").exists()
    publish(writer)
    con.close()
    c = duckdb.connect(str(writer.warehouse), read_only=True)
    assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 1001
    c.close()


def test_a_failed_publish_leaves_the_previous_copy_whole_and_no_debris(writer, monkeypatch):
    publish(writer)
    good = sha(writer.warehouse)
    with connect(writer.writer_db) as con:
        con.execute("INSERT INTO t SELECT range FROM range(1000, 50000)")

    written = []

    def half_copy(src, dst):
        written.append(Path(dst))
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", half_copy)   # what atomic_write.copy_file copies with
    with pytest.raises(OSError):
        publish(writer)
    # the disk filled while copying to a temp file beside the copy, never the copy itself
    assert len(written) == 1 and written[0].parent == writer.root and written[0] != writer.warehouse
    assert not written[0].exists()
    assert sha(writer.warehouse) == good
    con = duckdb.connect(str(writer.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
    con.close()
    assert sorted(p.name for p in writer.root.iterdir() if p.is_file()) == ["warehouse.duckdb"], "temp file left behind"


def test_a_publish_killed_midway_leaves_debris_the_next_publish_removes(writer):
    publish(writer)
    # what a SIGKILL during the copy leaves: a partial temp file beside the copy, under another pid
    stale = writer.root / f".{writer.warehouse.name}.999999.tmp"
    stale.write_bytes(writer.writer_db.read_bytes()[:4096])
    publish(writer)
    assert sorted(p.name for p in writer.root.iterdir() if p.is_file()) == ["warehouse.duckdb"]
    assert sha(writer.warehouse) == sha(writer.writer_db)


def test_the_copy_is_on_disk_before_it_is_renamed_into_place(writer, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(src).name))
        real_replace(src, dst)

    monkeypatch.setattr(atomic_write.os, "fsync", fsync)
    monkeypatch.setattr(atomic_write.os, "replace", replace)
    publish(writer)
    tmp = next(name for kind, name in events if kind == "replace")
    assert events.index(("fsync", tmp)) < events.index(("replace", tmp))


def test_readers_never_see_a_half_written_copy_while_publishing_repeatedly(writer, tmp_path):
    publish(writer)
    stop, out, ready = tmp_path / "stop", tmp_path / "r.json", tmp_path / "ready"
    reader = subprocess.Popen([sys.executable, "-c", READER.replace("SELECT count(*) FROM submissions", "SELECT count(*) FROM t"),
                               str(writer.warehouse), str(stop), str(out), str(ready)], env=ENV, stderr=subprocess.PIPE, text=True)
    wait_until(ready.exists, HANG, lambda: f"the reader's first query: {reader.stderr.read() if reader.poll() is not None else ''}",
               alive=lambda: reader.poll() is None)
    for k in range(30):
        with connect(writer.writer_db) as con:
            con.execute("INSERT INTO t SELECT range FROM range(?, ?)", [100_000 + k * 5000, 100_000 + (k + 1) * 5000])
        publish(writer)
    stop.touch()
    reader.wait(timeout=60)
    result = json.loads(out.read_text())
    print(f"\n30 publishes under a reader: {len(result['queries'])} queries, {result['failures']} failed")
    assert result["failures"] == 0, result["errors"]
    # every count the reader saw is a whole published state
    assert set(result["seen"]) <= {1000 + 5000 * k for k in range(31)}


# ---------------------------------------------------------------- an analyst copy someone broke (#10 item 6)

from srdi.cli import main  # noqa: E402

# DBeaver's default, or a plain duckdb.connect(path): a read-write session that changes the copy and is closed
# without a checkpoint (the tool crashed, the laptop slept): warehouse.duckdb.wal stays beside the copy
ANALYST_WRITES = r"""
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE my_notes AS SELECT 1 AS n")
con.execute("INSERT INTO t SELECT 424242")
os._exit(0)
"""

HOLDER_RW = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM t").fetchone()[0], flush=True)
sys.stdin.readline()
"""


def query_cli(home: Home, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(home.root), "--format", "csv", sql],
                          capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)


def wal(home: Home) -> Path:
    return home.warehouse.with_name(home.warehouse.name + ".wal")


def count_here(path: Path, sql: str) -> int:
    """In this process (fast tier): no connection stays open, so DuckDB's instance cache cannot hide a swap."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_the_published_copy_is_read_only(writer):
    publish(writer)
    assert writer.warehouse.stat().st_mode & 0o777 == 0o444
    with connect(writer.writer_db) as con:
        con.execute("INSERT INTO t SELECT 5000")
    publish(writer)                       # a read-only copy is still replaced (the folder is writable)
    assert writer.warehouse.stat().st_mode & 0o777 == 0o444
    assert count_here(writer.warehouse, "SELECT count(*) FROM t") == 1001
    if os.geteuid() != 0:                 # root ignores file modes
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(writer.warehouse))


def test_a_stale_wal_is_explained_by_query_and_removed_by_srdi_publish(writer, capsys):
    publish(writer)
    writer.warehouse.chmod(0o644)         # a copy published before the copies were read-only
    subprocess.run([sys.executable, "-c", ANALYST_WRITES, str(writer.warehouse)], check=True, env=ENV, timeout=60)
    assert wal(writer).exists()
    # what an older publish did: a new copy swapped in, the analyst's log left beside it
    with connect(writer.writer_db) as con:
        con.execute("INSERT INTO t SELECT range FROM range(1000, 1010)")
        con.execute("CHECKPOINT")
    shutil.copyfile(writer.writer_db, writer.root / ".swap")
    os.replace(writer.root / ".swap", writer.warehouse)
    res = query_cli(writer, "SELECT count(*) AS n FROM t")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert after_home_line(res.stderr, "query").count("\n") == 1 and ".wal" in res.stderr and "srdi publish" in res.stderr

    res = subprocess.run([sys.executable, "-m", "srdi.cli", "publish", "--home", str(writer.root)],
                         capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert not wal(writer).exists()
    assert writer.warehouse.stat().st_mode & 0o777 == 0o444
    res = query_cli(writer, "SELECT count(*) AS n FROM t")
    assert res.returncode == 0 and res.stdout.lstrip("\ufeff").splitlines() == ["n", "1010"]


def test_a_copy_held_read_write_is_explained_and_srdi_publish_frees_it(writer):
    publish(writer)
    writer.warehouse.chmod(0o644)
    held = subprocess.Popen([sys.executable, "-c", HOLDER_RW, str(writer.warehouse)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert held.stdout.readline().strip() == "1000"
        res = query_cli(writer, "SELECT count(*) AS n FROM t")
        assert res.returncode == 2 and "Traceback" not in res.stderr and after_home_line(res.stderr, "query").count("\n") == 1
        assert "read-write" in res.stderr and f"PID {held.pid}" in res.stderr and "srdi publish" in res.stderr
        assert main(["publish", "--home", str(writer.root)]) == 0
        res = query_cli(writer, "SELECT count(*) AS n FROM t")        # the holder keeps the old file, unharmed
        assert res.returncode == 0, res.stderr
        assert res.stdout.lstrip("\ufeff").splitlines() == ["n", "1000"]
    finally:
        held.communicate("\n", timeout=60)
    assert held.returncode == 0


def test_a_damaged_copy_is_explained_and_srdi_publish_repairs_it(writer, capsys):
    publish(writer)
    writer.warehouse.chmod(0o644)
    writer.warehouse.write_bytes(writer.warehouse.read_bytes()[:8192])    # a copy cut short
    assert main(["query", "--home", str(writer.root), "SELECT count(*) FROM t"]) == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "已损坏" in err and "srdi publish" in err and err.count("\n") == 1 and "Traceback" not in err
    assert main(["publish", "--home", str(writer.root)]) == 0
    assert "已重新发布分析副本" in capsys.readouterr().out
    assert main(["query", "--home", str(writer.root), "--format", "json", "SELECT count(*) AS n FROM t"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 1000}]


def test_publish_removes_a_left_wal_and_spill_folder(writer):
    publish(writer)
    wal(writer).write_bytes(b"a log of some other database")
    spill = writer.warehouse.with_name(writer.warehouse.name + ".tmp")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    publish(writer)
    assert not wal(writer).exists() and not spill.exists()
    assert count_here(writer.warehouse, "SELECT count(*) FROM t") == 1000


def test_srdi_publish_with_nothing_to_publish(tmp_path, capsys):
    empty = Home.resolve(tmp_path / "empty")
    assert main(["publish", "--home", str(empty.root)]) == 2
    err = capsys.readouterr().err
    assert "srdi ingest" in err and "Traceback" not in err


def test_the_next_ingest_repairs_the_copy(home, run_ingest):
    write_xlsx(drop(home, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    run_ingest(home)
    home.warehouse.chmod(0o644)
    subprocess.run([sys.executable, "-c", ANALYST_WRITES.replace("INSERT INTO t SELECT 424242", "SELECT 1"),
                    str(home.warehouse)], check=True, env=ENV, timeout=60)
    assert wal(home).exists()
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", seed=1))
    assert run_ingest(home)["loaded"] == 1
    assert not wal(home).exists() and home.warehouse.stat().st_mode & 0o777 == 0o444
    assert count(home.warehouse) == 2
