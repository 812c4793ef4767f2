"""A run's steps share one instance of the writer's database (warehouse/connection.py kept_open, under the writer lock
of flows/pipeline.py `writing`): the file is opened once per run, not once per step, and closed (so checkpointed,
no write-ahead log left) when the run ends."""
from __future__ import annotations

import duckdb
import pytest

from samples.workbooks import enterprise_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import ingest_in_process, rollup_in_process
from warehouse import connection
from warehouse.connection import connect, kept_open


@pytest.fixture
def opens(monkeypatch) -> list[str]:
    """Every database file srdi opens an instance of (connection._open), in order."""
    seen: list[str] = []
    real = connection._open

    def counting(path, read_only=False):
        seen.append(str(path))
        return real(path, read_only)
    monkeypatch.setattr(connection, "_open", counting)
    return seen


def test_an_ingest_and_a_rollup_open_the_writers_database_once_each_and_leave_no_log(home, opens):
    write_xlsx(drop(home, "工信局", "工信局种子企业库2022Q1.xlsx"), enterprise_rows(3, seed=5))
    summary = ingest_in_process(home)
    assert summary["files"] == 1 and summary["loaded"] == 1, summary
    assert opens.count(str(home.writer_db)) == 1, opens      # seven steps, one instance
    wal = home.writer_db.with_name(home.writer_db.name + ".wal")
    assert not wal.exists(), "the run's instance was closed, its log checkpointed"
    with connect(home.writer_db, read_only=True) as con:      # and another may open it
        assert con.execute("SELECT count(*) FROM submissions").fetchone() == (1,)
    opens.clear()
    rollup_in_process("quarterly", home, "2022Q1")
    assert opens.count(str(home.writer_db)) == 1, opens
    assert not wal.exists()


def test_inside_a_run_a_read_only_connect_reads_what_the_run_committed(tmp_path):
    db = tmp_path / "w.duckdb"
    with kept_open(db):
        with connect(db) as con:
            con.execute("CREATE TABLE t AS SELECT 42 AS v")
        with connect(db, read_only=True) as con:             # the same instance: no "different configuration"
            assert con.execute("SELECT v FROM t").fetchone() == (42,)
        with kept_open(db):                                   # a subflow's run inside its parent's keeps the same
            with connect(db) as con:
                con.execute("INSERT INTO t VALUES (43)")
        with connect(db) as con:                              # the inner block's end closed nothing
            assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)
    assert connection._KEPT == {}
    with duckdb.connect(str(db), read_only=True) as con:      # closed: a read-only instance of its own opens
        assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_a_kept_instance_that_stopped_working_is_opened_again_and_said(tmp_path, caplog):
    """A fatal error (a full disk during a commit) invalidates an instance for good: the next connect of the run opens
    the file again, as a connect of its own would, instead of failing every later step; the log says so."""
    db = tmp_path / "w.duckdb"
    with kept_open(db):
        with connect(db) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS v")
        connection._KEPT[str(db.resolve())].con.close()      # the instance no longer answers
        with connect(db) as con:
            assert con.execute("SELECT v FROM t").fetchone() == (1,)
    assert "no longer answers" in caplog.text and str(db) in caplog.text, caplog.text


def test_a_read_only_connect_of_a_missing_file_still_fails_inside_a_run(tmp_path):
    """A kept path is opened at its first use; a read-only connect does not create the file."""
    db = tmp_path / "missing.duckdb"
    with kept_open(db), pytest.raises(duckdb.IOException):
        connect(db, read_only=True)
    assert not db.exists()
