"""Two writers never overlap: a second ingest waits for the first, or gives up with a clear message."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from warehouse.lock import writer_lock
from tests.conftest import drop
from samples.workbooks import task_rows, write_xlsx
from tests.helpers import q

ROOT = Path(__file__).resolve().parents[2]


def cli(home, *args, env_extra=None):
    from prefect.settings import PREFECT_API_URL
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_API_URL=PREFECT_API_URL.value() or "")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "srdi.cli", *args, "--home", str(home.root)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_second_ingest_gives_up_clearly_while_another_writes(home, prefect_server):
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    with writer_lock(home):
        r = cli(home, "ingest", "--settle", "0", "--wait", "1")
    assert r.returncode == 3
    assert "另一个入库或汇总任务正在写入" in r.stderr and "Traceback" not in r.stderr
    assert (home.inbox / "财政局" / "任务2022Q2.xlsx").exists()  # nothing moved, nothing half-done


def test_a_second_ingest_waits_for_the_first_then_runs(home, prefect_server):
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    held, released = threading.Event(), threading.Event()

    def hold():
        with writer_lock(home):
            held.set()
            time.sleep(4)
        released.set()

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(60), "the thread never took the lock"
    r = cli(home, "ingest", "--settle", "0", "--wait", "120")
    t.join()
    assert r.returncode == 0, r.stderr
    assert released.is_set()
    assert q(home, "SELECT status FROM submissions") == [("loaded",)]


def test_a_rollup_gives_up_clearly_while_an_ingest_writes(home, prefect_server):
    """Rollups take the same lock, so they never read a half-loaded submission; past --wait they leave cleanly."""
    with writer_lock(home):
        r = cli(home, "rollup", "quarterly", "--period", "2022Q2", env_extra={"SRDI_LOCK_WAIT_SECONDS": "1"})
    assert r.returncode == 3, r.stderr
    assert "另一个入库或汇总任务正在写入" in r.stderr and "Traceback" not in r.stderr
    assert not (home.reports / "2022Q2").exists()          # nothing computed, no pack


def test_a_rollup_waits_for_the_writer_then_runs(home, prefect_server):
    """While another run holds the lock the rollup waits; once it is released the rollup computes the period."""
    released_at: list[datetime] = []
    held = threading.Event()

    def hold():
        with writer_lock(home):
            held.set()
            time.sleep(4)
            released_at.append(datetime.now(timezone.utc))

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(60), "the thread never took the lock"
    r = cli(home, "rollup", "quarterly", "--period", "2022Q2", env_extra={"SRDI_LOCK_WAIT_SECONDS": "120"})
    t.join()
    assert r.returncode == 0, r.stderr
    (computed_at,) = q(home, "SELECT computed_at FROM rollup_runs WHERE period = '2022Q2'")[0]
    assert computed_at >= released_at[0]                   # it ran after the lock was released, not beside it
    assert (home.reports / "2022Q2" / "季调度_2022Q2.xlsx").exists()
