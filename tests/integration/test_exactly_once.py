"""Exactly once under retries and faults, in process (no Prefect server: flows/pipeline.py `ingest_inbox`, the
ingest flow's story, each step its task's own function): every task called twice changes nothing the second time;
an exception at every crash point and in every step ends with the warehouse and the share of a clean run, each
file once in `submissions` and every stored_path present. tests/e2e/test_crash.py does the same with SIGKILL and
with exceptions in the real flow."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from samples.workbooks import enterprise_rows, task_rows, write_xlsx
from tasks.intake import file_away as fa
from tasks.intake.check_batch import check_many
from tasks.intake.discover import discover_submissions
from tasks.intake.file_away import file_away, finish_interrupted
from tasks.intake.load import load_submissions, skip_duplicates
from tasks.storage import prepare_warehouse, publish_warehouse
from tests.conftest import drop
from tests.helpers import ingest_in_process
from warehouse import crash_points
from warehouse.connection import connect
from warehouse.crash_points import POINTS, InjectedFault
from warehouse.home import Home


# ---------------------------------------------------------------- what a run leaves

def writer_rows(home: Home, sql: str, params=None) -> list[tuple]:
    with connect(home.writer_db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def snapshot(home: Home) -> dict:
    """What a run leaves, with what legitimately differs between runs (times, the home's path) left out."""
    root = str(home.root)
    return {
        "submissions": writer_rows(home, """
            SELECT submission_id, bureau, period, form, file_name, source_path, sha256, status, error_count,
                   warning_count, row_count, superseded_by, duplicate_of, replace(stored_path, ?, ''), moved, message
            FROM submissions ORDER BY 1""", [root]),
        "validation_errors": writer_rows(home, "SELECT * FROM validation_errors ORDER BY ALL"),
        "enterprise_reports": writer_rows(home, "SELECT * FROM enterprise_reports ORDER BY ALL"),
        "task_reports": writer_rows(home, "SELECT * FROM task_reports ORDER BY ALL"),
        "enterprise_registry": writer_rows(home, "SELECT * FROM enterprise_registry ORDER BY ALL"),
        "share": sorted(str(p.relative_to(home.share)) for p in home.share.rglob("*") if p.is_file()),
    }


def assert_accounted_for(home: Home, n_files: int) -> None:
    """Every dropped file once in `submissions`, filed away, its stored_path on disk; the inbox empty."""
    rows = writer_rows(home, "SELECT source_path, sha256, count(DISTINCT stored_path), bool_and(moved) "
                             "FROM submissions GROUP BY ALL")
    assert len(rows) == n_files and all(r[2] == 1 and r[3] for r in rows), rows
    stored = [Path(p) for (p,) in writer_rows(home, "SELECT DISTINCT stored_path FROM submissions")]
    assert len(stored) == n_files and all(p.is_file() for p in stored)
    assert not [p for p in home.inbox.rglob("*") if p.is_file()]


# ---------------------------------------------------------------- a small share with every outcome

def build_share(home: Home) -> int:
    """Six files: loaded task and enterprise forms, a correction that supersedes, a rejected file and two
    byte-identical files (one loaded, one duplicate). Modification times one minute apart, in name order."""
    paths = [
        write_xlsx(drop(home, "人民银行", "人民银行任务2022Q2.xlsx"), task_rows("人民银行", 1)),
        write_xlsx(drop(home, "人民银行", "人民银行任务2022Q2（更正）.xlsx"), task_rows("人民银行", 2)),
        write_xlsx(drop(home, "工信局", "企业库2022Q2.xlsx"), enterprise_rows(4, 3)),
    ]
    bad = task_rows("财政局", 1)
    bad[1][4] = "差不多"
    paths.append(write_xlsx(drop(home, "财政局", "财政局任务2022Q2.xlsx"), bad))
    paths.append(write_xlsx(drop(home, "人社局", "人社局任务2022Q2.xlsx"), task_rows("人社局", 5)))
    paths.append(drop(home, "人社局", "人社局任务2022Q2 副本.xlsx"))
    shutil.copyfile(paths[-2], paths[-1])
    base = os.path.getmtime(paths[0]) - 600
    for i, p in enumerate(sorted(paths)):
        os.utime(p, (base + 60 * i, base + 60 * i))
    return len(paths)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, int]:
    """The share, built once (openpyxl stamps the time into each workbook: rebuilt, the bytes would differ)."""
    home = Home.resolve(tmp_path_factory.mktemp("pristine") / "home").ensure()
    return home.root, build_share(home)


def copy_of(pristine: tuple[Path, int], where: Path) -> tuple[Home, int]:
    root, n = pristine
    shutil.copytree(root, where, copy_function=shutil.copy2)
    return Home.resolve(where), n


@pytest.fixture
def share(pristine, tmp_path) -> tuple[Home, int]:
    return copy_of(pristine, tmp_path / "home")


@pytest.fixture(scope="module")
def clean(pristine, tmp_path_factory) -> dict:
    home, n = copy_of(pristine, tmp_path_factory.mktemp("clean") / "home")
    ingest_in_process(home)
    assert_accounted_for(home, n)
    statuses = sorted(r[0] for r in writer_rows(home, "SELECT status FROM submissions"))
    assert statuses == ["duplicate", "loaded", "loaded", "loaded", "rejected", "superseded"]
    return snapshot(home)


@pytest.fixture(autouse=True)
def _no_fault(monkeypatch):
    monkeypatch.delenv("SRDI_CRASH_AT", raising=False)
    crash_points.reset()
    yield
    crash_points.reset()


# ---------------------------------------------------------------- each task twice

def test_each_task_called_twice_counts_supersedes_and_moves_each_file_once(share, clean):
    home, n = share
    prepare_warehouse.fn(home)
    prepare_warehouse.fn(home)
    assert finish_interrupted.fn(home) == 0 and finish_interrupted.fn(home) == 0
    found = discover_submissions.fn(home, 0)
    again = discover_submissions.fn(home, 0)
    assert [(s.rel, s.sha256, s.received_at) for s in again] == [(s.rel, s.sha256, s.received_at) for s in found]
    batch = skip_duplicates.fn(home, found)
    batch = skip_duplicates.fn(home, batch)
    batch = check_many(batch)
    batch = load_submissions.fn(home, batch)
    ids = [list(s.submission_ids) for s in batch]
    batch = load_submissions.fn(home, batch)                 # a Prefect retry of the load: same objects, again
    assert [s.submission_ids for s in batch] == ids
    assert writer_rows(home, "SELECT count(*) FROM submissions")[0][0] == n
    # the correction supersedes the original, never a copy of itself
    assert writer_rows(home, "SELECT count(*) FROM submissions WHERE superseded_by = submission_id")[0][0] == 0
    file_away.fn(home, batch)
    file_away.fn(home, batch)                                # a retry after everything was moved
    assert finish_interrupted.fn(home) == 0
    publish_warehouse.fn(home)
    publish_warehouse.fn(home)
    assert snapshot(home) == clean
    assert_accounted_for(home, n)


def test_a_second_load_of_committed_files_in_a_new_run_inserts_nothing(share, clean):
    """The real failure: load committed, then an exception before the files were filed away; the next run."""
    home, n = share
    prepare_warehouse.fn(home)
    batch = load_submissions.fn(home, check_many(skip_duplicates.fn(home, discover_submissions.fn(home, 0))))
    assert writer_rows(home, "SELECT count(*) FROM submissions WHERE NOT moved")[0][0] == n
    # the next run: finish_interrupted files them, discovery finds nothing new
    result = ingest_in_process(home)
    assert (result["files"], result["held"], result["deferred"]) == (0, [], []) and len(batch) == n
    assert snapshot(home) == clean
    assert_accounted_for(home, n)


def test_finish_interrupted_twice_and_a_file_already_moved_but_not_marked(share, clean):
    home, n = share
    prepare_warehouse.fn(home)
    batch = load_submissions.fn(home, check_many(skip_duplicates.fn(home, discover_submissions.fn(home, 0))))
    first = batch[0]
    first.stored_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(first.path, first.stored_path)                # moved, and the process died before marking it
    assert finish_interrupted.fn(home) == n
    assert finish_interrupted.fn(home) == 0
    publish_warehouse.fn(home)
    assert snapshot(home)["submissions"] == clean["submissions"]
    assert_accounted_for(home, n)


# ---------------------------------------------------------------- an exception at every crash point

# a file's own points are passed once per file (six times a run); the others once a run
FAULTS = [(p, n) for p in POINTS for n in ((1,) if p in ("before-check", "before-publish-swap") else (1, 3))]


@pytest.mark.parametrize("point,nth", FAULTS, ids=[f"{p}-{n}" for p, n in FAULTS])
def test_an_exception_at_a_crash_point_then_the_next_run_equals_a_clean_run(share, clean, monkeypatch, point, nth):
    home, n = share
    monkeypatch.setenv("SRDI_CRASH_AT", f"{point}:{nth}:raise")
    try:
        ingest_in_process(home)
    except InjectedFault:
        pass   # outside any file (before the reading step, before the publish swap): the run fails as a whole
    assert crash_points._COUNTS.get(point, 0) >= nth, f"the run did not pass {point} {nth} time(s)"
    monkeypatch.delenv("SRDI_CRASH_AT")
    ingest_in_process(home)
    assert snapshot(home) == clean
    assert_accounted_for(home, n)


@pytest.mark.parametrize("point", ["before-commit", "after-commit", "after-outbox", "after-move"])
def test_an_exception_inside_one_files_step_does_not_stop_the_run(share, clean, monkeypatch, point):
    """In a file's own step the exception is that file's: tried again at once, and the same run ends clean."""
    home, n = share
    monkeypatch.setenv("SRDI_CRASH_AT", f"{point}:2:raise")
    result = ingest_in_process(home)
    assert crash_points._COUNTS[point] >= 2
    assert result["held"] == [] and result["deferred"] == []
    assert snapshot(home) == clean
    assert_accounted_for(home, n)


# ---------------------------------------------------------------- an exception in each step, once or for good

def _once(monkeypatch, module, name: str, when=lambda *a, **k: True):
    """Make module.name raise RuntimeError the first time `when(*args)` holds."""
    real = getattr(module, name)
    state = {"fired": 0}

    def flaky(*args, **kwargs):
        if not state["fired"] and when(*args, **kwargs):
            state["fired"] += 1
            raise RuntimeError(f"injected into {name}")
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, flaky)
    return state


STEPS = {
    "discover": ("tasks.intake.discover", "_read", lambda scan, path, *a: "工信局" in str(path)),
    "load": ("warehouse.submissions", "write_file_submissions", lambda con, recs, *a, **k: recs[0].bureau == "工信局"),
    "feedback": ("tasks.intake.file_away", "write_feedback", lambda data, home, ids, src: True),
    "move": ("tasks.intake.file_away", "_move", lambda src, dst: True),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_an_exception_once_in_any_step_is_retried_and_the_run_ends_clean(share, clean, monkeypatch, step):
    import importlib
    home, n = share
    module, name, when = STEPS[step]
    state = _once(monkeypatch, importlib.import_module(module), name, when)
    result = ingest_in_process(home)
    assert state["fired"] == 1
    assert result["held"] == []
    assert snapshot(home) == clean
    assert_accounted_for(home, n)


def test_finish_interrupted_retries_a_file_that_failed_once(share, clean, monkeypatch):
    home, n = share
    monkeypatch.setattr(fa, "_move", lambda src, dst: (_ for _ in ()).throw(PermissionError(13, "denied", str(dst))))
    result = ingest_in_process(home)
    assert len(result["held"]) == n                     # each file alone could not be moved: each held, committed
    monkeypatch.undo()
    state = _once(monkeypatch, fa, "_move")
    assert finish_interrupted.fn(home) == n and state["fired"] == 1
    publish_warehouse.fn(home)
    assert snapshot(home)["submissions"] == clean["submissions"]
    assert_accounted_for(home, n)
