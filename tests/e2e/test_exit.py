"""How the real `srdi` command ends (srdi/cli.py `entry`): it skips the interpreter's teardown, so what must happen at
exit is done explicitly. Checked the way an operator meets it: a real ingest of a real workbook, then nothing of the
run left in the temporary folder (the reading children's folder, the launcher srdi writes for them), the receipt
written, the exit code and the summary line there."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from samples.workbooks import task_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
SRDI = Path(sys.executable).with_name("srdi")


@pytest.mark.slow   # subprocesses and a Prefect server
def test_an_ingest_leaves_nothing_in_the_temporary_folder_and_says_what_it_did(tmp_path):
    if not SRDI.exists():
        pytest.skip("no srdi script beside this Python")
    # a short folder of its own: under pytest-xdist tmp_path is too long for the reading forkserver's Unix socket
    # (AF_UNIX paths stop at 107 bytes; multiprocessing puts it in TMPDIR)
    tmp = Path(tempfile.mkdtemp(prefix="srdi-exit-", dir="/tmp" if os.path.isdir("/tmp") else None))
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "SRDI_HOME", "SRDI_OWNER")}
    env.update(TMPDIR=str(tmp), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               SRDI_BACKGROUND_SERVER_ENABLED="0", PYTHONPATH=str(ROOT))
    home = tmp_path / "home"
    init = subprocess.run([str(SRDI), "init", "--home", str(home)], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert init.returncode == 0, init.stderr
    write_xlsx(home / "share" / "inbox" / "工信局" / "工信局任务进展2022Q3.xlsx", task_rows("工信局", 1))
    run = subprocess.run([str(SRDI), "ingest", "--home", str(home), "--settle", "0"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "文件 1 个：已入库 1" in run.stdout, run.stdout
    assert list((home / "share" / "outbox" / "工信局").glob("*_回执_*.xlsx"))
    left = sorted(p.name for p in tmp.iterdir())
    shutil.rmtree(tmp, ignore_errors=True)
    assert left == [], left
