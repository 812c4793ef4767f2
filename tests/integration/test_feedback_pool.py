"""A large batch's outbox workbooks are built in child processes (tasks/intake/feedback_pool.py, from
PARALLEL_FEEDBACK_MIN files on). What a bureau gets back must not depend on that: the same files, names and cells as
when the flow process writes them one by one; and when a child cannot write, the file's own step still answers for
it (the file stays in the inbox, the others are filed)."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import tasks.intake.file_away as file_away
import tasks.intake.feedback_pool as feedback_pool
from samples.workbooks import enterprise_rows, task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import HANG
from warehouse.home import Home

BUREAUS = ("工信局", "农业农村局", "商务局", "财政局")
FILES = 44                           # above PARALLEL_FEEDBACK_MIN (32)


def make_share(root: Path) -> Path:
    """44 files of four bureaus, each its own workbook as a clerk saves it; two of them with a credit code whose check
    digit is wrong (rejected: error list and annotated copy), the rest valid (receipt)."""
    for i in range(FILES):
        bureau = BUREAUS[i % len(BUREAUS)]
        if i % 2:
            rows = task_rows(bureau, seed=i)
        else:
            rows = enterprise_rows(3, seed=i + 1)
            if i in (10, 20):
                rows[1][rows[0].index("统一社会信用代码")] = "91220281MA0000000X"
        kind = "任务进展" if i % 2 else "企业库"
        write_xlsx(root / bureau / f"{bureau}{kind}2022年二季度_{i:02d}.xlsx", rows)
    return root


def copy_in(share: Path, home: Home) -> None:
    for f in sorted(share.rglob("*.xlsx")):
        shutil.copyfile(f, drop(home, f.parent.name, f.name))


DATE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}")


def outbox(home: Home) -> dict[str, list]:
    """Every outbox workbook by its path under the outbox: its sheets and cell values (times of day masked: the two
    runs happen at different moments)."""
    out = {}
    for f in sorted(home.outbox.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(f)
        sheets = []
        for ws in wb.worksheets:
            cells = []
            for row in ws.iter_rows(values_only=True):
                cells.append([DATE.sub("<time>", v) if isinstance(v, str)
                              else "<time>" if isinstance(v, (dt.datetime, dt.time)) else v for v in row])
            sheets.append((ws.title, cells))
        out[str(f.relative_to(home.outbox))] = sheets
    return out


@pytest.fixture
def pooled(monkeypatch):
    """How many outbox jobs the pool took, per batch (the flow process calls feedback_in_children)."""
    seen: list[int] = []
    real = file_away.feedback_in_children

    def spy(*a, **kw):
        futures = real(*a, **kw)
        seen.append(len(futures))
        return futures
    monkeypatch.setattr(file_away, "feedback_in_children", spy)
    return seen


def test_the_pool_writes_what_the_flow_process_writes(tmp_path, run_ingest, pooled, monkeypatch):
    share = make_share(tmp_path / "share")
    by_pool = Home.resolve(tmp_path / "pool").ensure()
    copy_in(share, by_pool)
    summary = run_ingest(by_pool)
    assert sum(pooled) == FILES                      # every file's feedback went to a child
    assert summary["rejected"] == 2 and summary["loaded"] == FILES - 2, summary

    monkeypatch.setattr(feedback_pool, "PARALLEL_FEEDBACK_MIN", 10_000)
    one_by_one = Home.resolve(tmp_path / "serial").ensure()
    copy_in(share, one_by_one)
    pooled.clear()
    run_ingest(one_by_one)
    assert sum(pooled) == 0

    a, b = outbox(by_pool), outbox(one_by_one)
    assert sorted(a) == sorted(b)
    receipts = [k for k in a if "_回执_" in k]
    assert len(receipts) == FILES - 2 and len([k for k in a if "错误清单" in k]) == 2
    for name in a:
        assert a[name] == b[name], name
    assert not list(by_pool.inbox.rglob("*.xlsx"))


def test_a_child_that_cannot_write_leaves_its_file_answered_by_the_step(tmp_path, run_ingest, pooled):
    """财政局's outbox folder cannot be made (a file has its name): its files stay in the inbox for the next run, the
    other bureaus' files are filed with their receipts; once the obstacle is gone, the next run files the rest."""
    share = make_share(tmp_path / "share")
    home = Home.resolve(tmp_path / "home").ensure()
    copy_in(share, home)
    home.outbox.mkdir(parents=True, exist_ok=True)
    blocker = home.outbox / "财政局"
    blocker.write_text("not a folder")
    run_ingest(home)
    assert sum(pooled) > 0
    held = sorted(p.name for p in home.inbox.rglob("*.xlsx"))
    assert held == sorted(p.name for p in (share / "财政局").glob("*.xlsx"))
    for bureau in ("工信局", "农业农村局", "商务局"):
        sent = sorted(p.stem for p in (share / bureau).glob("*.xlsx"))
        answered = {p.name.split("_回执_")[0].split("_错误清单")[0] for p in (home.outbox / bureau).glob("*.xlsx")}
        assert set(sent) <= answered, (bureau, sorted(answered))

    blocker.unlink()
    run_ingest(home)
    assert not list(home.inbox.rglob("*.xlsx"))
    sent = sorted(p.stem for p in (share / "财政局").glob("*.xlsx"))
    answered = {p.name.split("_回执_")[0] for p in (home.outbox / "财政局").glob("*_回执_*.xlsx")}
    assert set(sent) <= answered


SCRIPT = """
from flows.pipeline import ingest_inbox
from warehouse.home import Home

summary = ingest_inbox(Home.resolve({home!r}), 0, False)
print("files", summary["files"], "loaded", summary["loaded"], "rejected", summary["rejected"])
"""


def test_a_script_without_a_main_guard_ingests_a_large_batch_and_ends(tmp_path):
    """docs/architecture.md: a script may call the library. Written as people write scripts, with no
    `if __name__ == "__main__":`, its large batch's outbox pool starts a second child while it works: that child must
    not run the script again (it did, and waited for ever for the writer lock the script held)."""
    home = Home.resolve(tmp_path / "home").ensure()
    copy_in(make_share(tmp_path / "share"), home)
    script = tmp_path / "my_ingest.py"
    script.write_text(SCRIPT.format(home=str(home.root)), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=HANG,
                       env={**os.environ, "PYTHONPATH": str(root)})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["files", str(FILES), "loaded", str(FILES - 2), "rejected", "2"], r.stdout
    assert not [p for p in home.inbox.rglob("*") if p.is_file()]
