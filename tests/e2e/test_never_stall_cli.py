"""`srdi ingest`, the real command, on an inbox with every kind of bad entry at once: it exits 0 twice, loads what
it can and says what it left once (tests/integration/test_never_stall.py tests each kind through the ingest's
steps)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from samples.workbooks import task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import q
from tests.integration.test_never_stall import drop_good, notes, raw_path
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the real command, every kind at once

def srdi_ingest(home: Home) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_API_URL=PREFECT_API_URL.value() or "")
    env.pop("SRDI_CRASH_AT", None)
    return subprocess.run([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root), "--settle", "0"],
                          env=env, cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=600)


def test_srdi_ingest_with_every_kind_of_bad_entry_exits_0_twice(home, prefect_server):
    good = drop_good(home)
    folder = drop(home, "工信局", "x").parent
    write_xlsx(raw_path(folder, "工信局任务进展2022Q2".encode("gbk") + b".xlsx"), task_rows("工信局", 4))
    write_xlsx(drop(home, "商务局", "商务局" + "任务进展" * 19 + "2022Q2.xlsx"), task_rows("商务局", 4))   # 248 bytes
    write_xlsx(drop(home, "发改局", ".发改局任务2022Q2.xlsx"), task_rows("发改局", 4))
    os.mkfifo(drop(home, "发改局", "管道2022Q2.xlsx"))
    write_xlsx(drop(home, "科技局", "任务2022Q2.xlsx"), task_rows("工信局", 4))
    write_xlsx(home.inbox / "放错了2022Q2.xlsx", task_rows("工信局", 4))
    drop(home, "发改局", "~$锁文件.xlsx").write_bytes(b"lock")                   # these stay silent
    drop(home, "发改局", "Thumbs.db").write_bytes(b"thumbs")
    first = srdi_ingest(home)
    assert first.returncode == 0, first.stderr[-3000:]
    loaded = {r[0] for r in q(home, "SELECT source_path FROM submissions WHERE status = 'loaded'")}
    assert set(good) <= loaded and len(loaded) == len(good) + 2                # + the GBK and the long name
    assert len(notes(home)) == 4 and "未处理说明" in first.stderr + first.stdout
    second = srdi_ingest(home)
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(notes(home)) == 4 and "未处理说明" not in second.stderr + second.stdout   # no warning repeated
    assert q(home, "SELECT count(*) FROM submissions")[0][0] == len(good) + 2
