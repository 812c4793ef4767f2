"""SIGKILL the ingest at every window between its steps, and at random moments, several times over; raise an
exception at every window instead: after a final run the warehouse equals a clean run's and every file is
accounted for exactly once."""
from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.crash_points import POINTS
from warehouse.home import Home
from warehouse.lock import holder
from samples.share import build_sample_share
from tests.conftest import drop
from tests.helpers import HANG, alive, ingest_in_process, wait_until
from samples.workbooks import enterprise_rows, task_rows, write_xlsx

ROOT = Path(__file__).resolve().parents[2]


def _env(extra: dict | None = None) -> dict:
    from prefect.settings import PREFECT_API_URL
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_URL=PREFECT_API_URL.value() or "")
    env.pop("SRDI_CRASH_AT", None)
    env.update(extra or {})
    return env


# The ingest's runs, each a process of its own forked from one that imported the pipeline, Prefect and the readers'
# libraries once (2–4 s of CPU for each new Python): each child is armed by its own SRDI_CRASH_AT, killed or ended as
# a `python -c` of the same call would be (-9 for a SIGKILL, 1 and a traceback for an exception out of the run, 0),
# its output in its own log. Nothing runs in the parent before a fork but imports: no thread, connection or
# forkserver is shared with a child (each run's reading children come from a forkserver of the run's own).
# "flow": the Prefect flow, its tasks and retries (what an exception at a crash point is about); "library": the same
# pipeline called as a plain function, no Prefect server (what a SIGKILL at a crash point is about: the warehouse and
# the share on disk). Small reading chunks, so that the reading step too is passed several times per run.
# Requests on stdin, one JSON line each: {"how": "flow" | "library", "home", "crash_at", "log"}; back, the child's pid
# at once, then its exit code.
ZYGOTE = """
import json, os, sys
from flows.ingest import ingest
from flows.pipeline import ingest_inbox
from warehouse.home import Home
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        out = os.open(req["log"] or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        if req["crash_at"]:
            os.environ["SRDI_CRASH_AT"] = req["crash_at"]
        if req["how"] == "flow":
            ingest(home=req["home"], settle_seconds=0, chunk_size=4)
        else:
            ingest_inbox(Home.resolve(req["home"]).ensure(), settle_seconds=0, chunk_size=4)
        raise SystemExit(0)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Zygote:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], env=_env(), cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        assert self._line() == "ready", "the zygote did not start"

    def start(self, how: str, home: Home, crash_at: str | None = None, log: Path | None = None) -> int:
        """A run in a child of its own, started: its pid (`ended` gives its exit code)."""
        self.proc.stdin.write(json.dumps({"how": how, "home": str(home.root), "crash_at": crash_at,
                                          "log": str(log) if log else None}).encode() + b"\n")
        return int(self._line())

    def ended(self) -> int:
        return int(self._line())

    def run(self, how: str, home: Home, crash_at: str | None = None, log: Path | None = None) -> int:
        self.start(how, home, crash_at, log)
        return self.ended()

    def _line(self) -> str:
        """The zygote's next line, read from its pipe a byte at a time (nothing buffered that `select` cannot see),
        within the ceiling only a hang reaches."""
        fd, line = self.proc.stdout.fileno(), b""
        while not line.endswith(b"\n"):
            assert select.select([fd], [], [], HANG)[0], "no answer from the zygote: a run hangs"
            byte = os.read(fd, 1)
            assert byte, "the zygote ended"
            line += byte
        return line.decode().strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=HANG)


@pytest.fixture(scope="module")
def zygote(prefect_server):
    z = Zygote()
    yield z
    z.close()


def finish_here(home: Home) -> dict:
    """The next run, as the library in this test's process (its imports are paid once per test process, not once
    per run); a run that is not killed needs no process of its own."""
    assert "SRDI_CRASH_AT" not in os.environ
    return ingest_in_process(home, chunk_size=4)


def snapshot(home: Home) -> dict:
    """The warehouse's content with what legitimately differs between runs (times, absolute paths) left out."""
    con = duckdb.connect(str(home.warehouse), read_only=True)
    root = str(home.root)
    try:
        return {
            "submissions": con.execute("""SELECT submission_id, bureau, period, form, file_name, source_path, sha256, status,
                                                 error_count, warning_count, row_count, superseded_by, duplicate_of,
                                                 replace(stored_path, ?, ''), moved
                                          FROM submissions ORDER BY 1""", [root]).fetchall(),
            "validation_errors": con.execute("SELECT * FROM validation_errors ORDER BY ALL").fetchall(),
            "enterprise_reports": con.execute("SELECT * FROM enterprise_reports ORDER BY ALL").fetchall(),
            "task_reports": con.execute("SELECT * FROM task_reports ORDER BY ALL").fetchall(),
            "enterprise_registry": con.execute("SELECT * FROM enterprise_registry ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def placement(home: Home) -> list[str]:
    return sorted(str(p.relative_to(home.share)) for p in home.share.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, prefect_server) -> Path:
    """A share with good, rejected, duplicate and superseding files, mtimes fixed so order is the same everywhere."""
    src = Home.resolve(tmp_path_factory.mktemp("pristine")).ensure()
    paths = build_sample_share(src.inbox)
    paths.append(write_xlsx(drop(src, "人民银行", "任务2022Q2（更正）.xlsx"), task_rows("人民银行", 9)))
    paths.append(write_xlsx(drop(src, "工信局", "企业库 副本2022Q3.xlsx"), enterprise_rows(4, 2)))
    shutil.copyfile(paths[-1], drop(src, "工信局", "企业库 再次2022Q3.xlsx"))
    for i, p in enumerate(sorted(src.inbox.rglob("*.xls*"))):
        os.utime(p, (1_660_000_000 + i * 60, 1_660_000_000 + i * 60))
    return src.root


def fresh_home(pristine: Path, tmp_path: Path, name: str) -> Home:
    home = Home.resolve(tmp_path / name)
    shutil.copytree(pristine, home.root, copy_function=shutil.copy2)
    return home


@pytest.fixture(scope="module")
def clean(pristine, tmp_path_factory, zygote):
    home = fresh_home(pristine, tmp_path_factory.mktemp("clean"), "h")
    assert zygote.run("flow", home) == 0
    return home


# the windows inside one file's filing-away step (tasks/intake/file_away.py): that step tries the file again itself;
# an exception at any other window fails a Prefect task, which Prefect retries
FILE_STEP_POINTS = {"after-outbox", "after-move"}
# Each window on its third pass (the run's one publish swap on its first): files before it done, the one at the
# window half-way, files after it not begun. A first pass adds no state of its own (the file at the window is in the
# same state, with nothing done before it), so it is not run again.
KILLS = [(p, 1 if p == "before-publish-swap" else 3) for p in POINTS]


@pytest.mark.parametrize("point,nth", KILLS, ids=[f"{p}-{n}" for p, n in KILLS])
def test_killed_at_a_crash_point_then_finished_equals_a_clean_run(pristine, clean, zygote, tmp_path, point, nth):
    """The library, no Prefect server: a SIGKILL is about what is on disk, not about Prefect's bookkeeping (that is
    test_dead_runs's); the flow is killed at random moments below."""
    home = fresh_home(pristine, tmp_path, "h")
    rc = zygote.run("library", home, crash_at=f"{point}:{nth}")
    assert rc == -signal.SIGKILL, f"the run did not pass {point} {nth} time(s)"
    finish_here(home)
    assert snapshot(home) == snapshot(clean)
    assert placement(home) == placement(clean)


@pytest.mark.parametrize("point,nth", KILLS, ids=[f"{p}-{n}" for p, n in KILLS])
def test_an_exception_at_a_crash_point_is_survived_by_the_same_run(pristine, clean, zygote, tmp_path, point, nth):
    """The same windows, an exception instead of a kill: a file's own step tries it again (the library does, so
    these run without Prefect), a task's is retried by Prefect (these run the flow); the run itself ends as a clean
    run, and the next one has nothing to redo."""
    home = fresh_home(pristine, tmp_path, "h")
    log = tmp_path / "run.log"
    rc = zygote.run("library" if point in FILE_STEP_POINTS else "flow", home, crash_at=f"{point}:{nth}:raise", log=log)
    assert f"injected fault at {point} (pass {nth})" in log.read_text(errors="replace"), "the fault did not fire"
    assert rc == 0, log.read_text(errors="replace")[-3000:]
    assert snapshot(home) == snapshot(clean)
    assert placement(home) == placement(clean)
    assert finish_here(home)["files"] == 0          # nothing left to redo
    assert snapshot(home) == snapshot(clean)


def kill_while_working(zygote: Zygote, home: Home, delay: float) -> bool:
    """Start an ingest (the flow), wait until it holds the writer lock (the work has begun), let it work `delay`
    seconds, then SIGKILL it. True when the kill landed mid-run: the process was still working."""
    pid = zygote.start("flow", home)

    def holds_lock() -> bool:
        try:
            return holder(home).pid == pid
        except OSError:
            return False
    try:
        wait_until(holds_lock, HANG, "the ingest holds the writer lock", alive=lambda: alive(pid), every=0.02)
    except AssertionError:
        pass                                   # it ended first: the caller sees the kill did not land mid-run
    time.sleep(delay)
    landed = alive(pid)                     # still working (a run that ended is a zombie until the zygote reaps it)
    os.kill(pid, signal.SIGKILL)
    zygote.ended()
    return landed


def test_killed_at_random_moments_several_times_then_finished_equals_a_clean_run(pristine, clean, zygote, tmp_path):
    rng = random.Random(20221)
    home = fresh_home(pristine, tmp_path, "h")
    # each run redoes only what the previous one left, so later runs are shorter: keep the delays inside the work
    landed = [kill_while_working(zygote, home, rng.uniform(0.05, 0.6)) for _ in range(4)]
    assert sum(landed) >= 3, f"kills that landed while the run was working: {landed}"
    finish_here(home)
    assert snapshot(home) == snapshot(clean)
    assert placement(home) == placement(clean)
    sources = [s[5] for s in snapshot(home)["submissions"]]
    assert len(sources) == len(set(sources))  # each input file once in submissions
