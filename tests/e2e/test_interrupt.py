"""Ctrl-C, SIGTERM and SIGKILL on the real `srdi` command (#10 item 5).

Each command runs in a process group of its own, as a terminal runs a job; Ctrl-C is SIGINT to that whole group.
Every process it starts inherits TEST_MARK from its environment, so "no process left" is checked on all of them,
whatever session or parent they end up in, with one documented exception: the home's embedded Prefect server
(srdi/runtime.py: Prefect's `prefect server start --background`), which the first command of a home starts for the
later ones, which is named by Prefect's pid file <home>/.prefect/server.pid and runs until `srdi stop`
(tests/e2e/test_fixed_cost.py). The Prefect runs are read from the API the command used: the database under
<home>/.prefect, or the test session's server.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from samples.share import build_sample_share
from srdi.runtime import free_port, healthy
from tests.helpers import HANG, cmdline, embedded_server, processes_with, wait_until
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "已中断"          # the one line: "srdi <command>: 已中断（Ctrl-C），本次运行已取消…"


def marked(mark: str) -> list[int]:
    return list(processes_with("TEST_MARK", mark))


def background_server(home: Home | None) -> int | None:
    """The pid of the home's embedded Prefect server, if one is running: the one process allowed to stay."""
    return embedded_server(home) if home is not None else None


def left_behind(mark: str, home: Home | None = None) -> list[str]:
    """The marked processes but the home's embedded server, once they are gone ([]), or what is still there when
    only a hang would keep them (the kernel takes a moment to end a dead command's children)."""
    def left() -> list[int]:
        keep = background_server(home)
        return [pid for pid in marked(mark) if pid != keep]
    try:
        wait_until(lambda: not left(), HANG, "the command's processes gone")
    except AssertionError:
        pass
    return [f"{pid} {cmdline(pid)[:100]}" for pid in left()]


class Run:
    """A real `srdi` process in its own process group; stdout and stderr read as they come."""

    def __init__(self, home: Home, *args: str, api_url: str | None = None, extra_env: dict | None = None,
                 hold_reading: bool = False):
        self.mark = uuid.uuid4().hex
        # with `hold_reading`, each reading child waits at the `reading` crash point (warehouse/crash_points.py) once
        # it has its files, and writes its pid to `held`: a child at work for as long as the test needs
        self.held = home.root.parent / f"{self.mark}.reading"
        held = {"SRDI_CRASH_AT": "reading:1:pause", "SRDI_CRASH_PAUSED": str(self.held)} if hold_reading else {}
        env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                   TEST_MARK=self.mark, **held, **(extra_env or {}))
        env.pop("PREFECT_API_URL", None)
        if api_url:
            env["PREFECT_API_URL"] = api_url
        self.home, self.api_url = home, api_url
        self.proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", args[0], "--home", str(home.root), *args[1:]],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.lines: list[tuple[str, str]] = []
        self.readers = [threading.Thread(target=self._read, args=(s, n), daemon=True)
                        for s, n in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
        for t in self.readers:
            t.start()

    def _read(self, stream, name: str) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.append((name, raw.decode("utf-8", "replace").rstrip("\n")))

    def wait_until(self, ready, what: str) -> None:
        wait_until(ready, HANG, lambda: f"{what}: {self.text()}", alive=lambda: self.proc.poll() is None)

    def running_flow_runs(self) -> int:
        if self.api_url:
            return sum(state == "RUNNING" for _, state in flow_runs(self.home, self.api_url))
        db = self.home.root / ".prefect" / "prefect.db"
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)
            try:
                return con.execute("SELECT count(*) FROM flow_run WHERE state_type = 'RUNNING'").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return 0

    def reading(self) -> bool:
        """A reading child is at work (held there: `hold_reading`): a child of multiprocessing's forkserver that
        carries our mark has its files and said so."""
        try:
            said = {int(line) for line in self.held.read_text().split()}
        except (OSError, ValueError):
            return False
        procs = {pid: cmdline(pid) for pid in marked(self.mark)}
        servers = {pid for pid, c in procs.items() if "multiprocessing.forkserver" in c}
        return any(pid in said and _ppid(pid) in servers for pid in procs)

    def forkserver_starting(self) -> bool:
        return any("multiprocessing.forkserver" in cmdline(pid) for pid in marked(self.mark))

    def interrupt(self, sig: int, group: bool = True) -> None:
        """The signal, then the command's end (how long that takes is `make bench`'s: bench/run.py). To the whole
        job, as Ctrl-C at a terminal and a service manager's stop do; to the command alone (`kill <pid>`) for
        SIGKILL or with `group=False`."""
        if sig == signal.SIGKILL or not group:
            os.kill(self.proc.pid, sig)
        else:
            os.killpg(self.proc.pid, sig)
        self.ended()

    def ended(self) -> None:
        self.proc.wait(timeout=HANG)
        for t in self.readers:
            t.join(HANG)

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def _ppid(pid: int) -> int:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
        return int(data[data.rindex(b")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def flow_runs(home: Home, api_url: str | None = None) -> list[tuple[str, str]]:
    """(flow name, state type) of every flow run of the home's commands, oldest first: in the database of the home's
    own server, or, with `api_url` (the session's shared server, which holds every test's runs), those the API
    holds whose `home` parameter names this home."""
    if api_url:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowFilter, FlowFilterId
        from prefect.client.schemas.sorting import FlowRunSort
        with get_client(sync_client=True) as client:     # this test's runs are the newest on its worker's server
            runs = [r for r in client.read_flow_runs(sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=200)
                    if r.parameters.get("home") == str(home.root)]
            ids = list({r.flow_id for r in runs})
            flows = client.read_flows(flow_filter=FlowFilter(id=FlowFilterId(any_=ids))) if ids else []
            names = {f.id: f.name for f in flows}
        return [(names[r.flow_id], r.state.type.value if r.state else "") for r in sorted(runs, key=lambda r: r.created)]
    con = sqlite3.connect(home.root / ".prefect" / "prefect.db")
    try:
        return con.execute("SELECT f.name, r.state_type FROM flow_run r JOIN flow f ON f.id = r.flow_id "
                           "ORDER BY r.created").fetchall()
    finally:
        con.close()


def assert_stopped_cleanly(run: Run, command: str) -> None:
    """Exit code 130, no traceback, the one line said once and last (nothing after it), no process left but the
    home's server. (Stopped within 10 s is a goal `make bench` measures, not a verdict here.)"""
    out = run.text()
    assert run.proc.returncode == 130, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    said = [line for _, line in run.lines if MESSAGE in line]
    assert len(said) == 1, out
    last = run.lines[-1][1]
    assert last == said[0], out
    assert last.startswith(f"srdi {command}: {MESSAGE}") and "interrupted" in last, last
    assert left_behind(run.mark, run.home) == []
    server = background_server(run.home)
    if server is not None:                     # the one process left: the home's server, by its own design
        assert "prefect.server.api.server:create_app" in cmdline(server)


def inbox_files(home: Home) -> list[Path]:
    return sorted(p for p in home.inbox.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def sample_share(tmp_path_factory) -> Path:
    """The demo share (build_sample_share), written once for this module: a test copies it into its own inbox."""
    inbox = tmp_path_factory.mktemp("share") / "inbox"
    build_sample_share(inbox)
    return inbox


def copy_share(share: Path, inbox: Path) -> None:
    """The files as if just written there (shutil.copyfile: new modification times, as build_sample_share's)."""
    shutil.copytree(share, inbox, copy_function=shutil.copyfile, dirs_exist_ok=True)


@pytest.fixture
def share(tmp_path, sample_share, new_home) -> Home:
    """A fresh home of its own for each test, its inbox a copy of the demo share (written once for the module). A
    command to interrupt while it reads runs with `hold_reading`: its reading children wait, at work, for the
    signal (how soon a command stops while a child really reads a 40,000-row workbook is `make bench`'s)."""
    home = new_home(tmp_path / "home")
    copy_share(sample_share, home.inbox)
    return home


def next_run_finishes(home: Home, files: int, api_url: str | None = None) -> None:
    again = Run(home, "ingest", "--settle", "0", api_url=api_url)
    again.ended()
    assert again.proc.returncode == 0, again.text()
    assert inbox_files(home) == []
    assert left_behind(again.mark, home) == []
    import duckdb
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        paths = [r[0] for r in con.execute("SELECT source_path FROM submissions").fetchall()]
    finally:
        con.close()
    assert len(set(paths)) == files                      # every file answered, each once


@pytest.mark.parametrize("moment", ["reading", "forkserver_starting"])
def test_ctrl_c_during_an_ingest(share, moment, shared_api):
    """The issue's case: it took 79 s, printed 5 tracebacks, left 3 flow runs RUNNING and orphaned the server and
    the forkserver. Ctrl-C while a child reads (held there: `hold_reading`), and while the forkserver is still starting (for
    seconds it imports the readers' libraries, in the command's process group). The command reports to the session's
    shared server: what happens on the home's own server is the subject of the SIGKILL and second-Ctrl-C tests."""
    home = share
    files = len(inbox_files(home))
    run = Run(home, "ingest", "--settle", "0", api_url=shared_api, hold_reading=True)
    run.wait_until(getattr(run, moment), moment.replace("_", " "))
    run.interrupt(signal.SIGINT)
    assert_stopped_cleanly(run, "ingest")
    assert flow_runs(home, shared_api) == [("ingest", "CANCELLED")]
    assert len(inbox_files(home)) == files               # nothing read was rejected for being interrupted
    next_run_finishes(home, files, api_url=shared_api)
    assert [s for _, s in flow_runs(home, shared_api)] == ["CANCELLED", "COMPLETED"]


@pytest.mark.parametrize("group", [True, False], ids=["to-the-job", "to-the-command"])
def test_sigterm_during_an_ingest_on_a_shared_api(share, prefect_server, group):
    """SIGTERM with the session's Prefect server as the API the run reports to: to the whole job (a service manager
    stopping it) or to the command alone (`kill <pid>`). While a flow runs, Prefect's engine has its own SIGTERM
    handler, which waits for the running task (here a read held at work) before it hands the signal on: the
    command's stop must begin anyway (srdi/runtime.py `_watch_signals`); before, both runs waited for the read."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL
    home = share
    api = PREFECT_API_URL.value()
    run = Run(home, "ingest", "--settle", "0", api_url=api, hold_reading=True)
    run.wait_until(run.reading, "a reading child at work")
    run.interrupt(signal.SIGTERM, group=group)
    assert_stopped_cleanly(run, "ingest")
    with get_client(sync_client=True) as client:
        mine = [r for r in client.read_flow_runs(limit=200) if r.parameters.get("home") == str(home.root)]
    assert [r.state.type.value for r in mine] == ["CANCELLED"]


def hold_writer_lock(home: Home):
    """The writer lock held by this test, so that a flow that takes it waits inside its run."""
    fd = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


@pytest.mark.parametrize("command,args,hold,running,names", [
    ("templates", ["--period", "2022Q3"], "lock", 0, []),
    ("backfill", ["--kind", "quarterly", "--from", "2022Q2", "--to", "2022Q3"], "pause", 2,
     ["backfill-rollups", "quarterly-dispatch"]),
    ("demo", [], "pause", 2, ["demo", "ingest"]),
], ids=["templates", "backfill", "demo"])
def test_ctrl_c_inside_a_flow_run(tmp_path, command, args, hold, running, names, shared_api):
    """Ctrl-C lands in a running flow and a subflow (every one of them ends Cancelled, on the session's shared
    server), or in a command still waiting for the writer lock before its flow (none is started). Held there by
    the writer lock this test holds (`srdi templates` waits for it before its run), or by a pause before the first
    publish (the backfill's first period's, the demo's ingest's): each command takes the lock before its runs."""
    home = Home.resolve(tmp_path / "home").ensure()
    fd = hold_writer_lock(home) if hold == "lock" else None
    pause = {"SRDI_CRASH_AT": "before-publish-swap:1:pause"} if hold == "pause" else None
    try:
        run = Run(home, command, *args, api_url=shared_api, extra_env=pause)
        if running:
            run.wait_until(lambda: run.running_flow_runs() >= running, f"{running} flow run(s) RUNNING")
        else:
            run.wait_until(lambda: "写入锁被占用" in run.text(), "the command waiting for the writer lock")
        run.interrupt(signal.SIGINT)
    finally:
        if fd is not None:
            os.close(fd)
    assert_stopped_cleanly(run, command)
    assert flow_runs(home, shared_api) == [(n, "CANCELLED") for n in names]


class SlowProxy:
    """A TCP proxy in front of a Prefect API that holds each chunk a client sends for `delay` seconds: a slow, busy
    server, made so at the moment the test chooses."""

    def __init__(self, target_url: str):
        import socket
        from urllib.parse import urlsplit
        up = urlsplit(target_url)
        self.target = (up.hostname, up.port)
        self.delay = 0.0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}{up.path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, slow: bool) -> None:
        try:
            while data := src.recv(65536):
                if slow and self.delay:
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def test_ctrl_c_during_a_rollup_on_a_slow_server(tmp_path, sample_share, shared_api):
    """On a server that answers each call a second late from the Ctrl-C on (a busy site's server): the command still
    stops with its one line and its rollup's run ends Cancelled, not RUNNING or Crashed. The runs are set Cancelled
    from the signal on, while the flow unwinds (its engine's own calls are slow too); a Cancelled run cannot then be
    set Crashed (Prefect's rule for terminal states)."""
    home = Home.resolve(tmp_path / "home").ensure()
    copy_share(sample_share, home.inbox)
    assert Run(home, "ingest", "--settle", "0", api_url=shared_api).proc.wait(timeout=HANG) == 0
    proxy = SlowProxy(shared_api)
    try:
        # a rollup takes well under a second now: it waits before publishing, so the Ctrl-C comes while it runs
        run = Run(home, "rollup", "quarterly", "--period", "2022Q3", api_url=proxy.url,
                  extra_env={"SRDI_CRASH_AT": "before-publish-swap:1:pause"})
        run.wait_until(lambda: running_in(home, shared_api) >= 1, "the rollup's flow run RUNNING")
        proxy.delay = 1.0
        run.interrupt(signal.SIGINT)
    finally:
        proxy.close()
    assert_stopped_cleanly(run, "rollup")
    assert flow_runs(home, shared_api)[-1] == ("quarterly-dispatch", "CANCELLED")
    assert not (home.reports / "2022Q3" / "季调度_2022Q3.xlsx").exists()


def running_in(home: Home, api_url: str) -> int:
    return sum(state == "RUNNING" for _, state in flow_runs(home, api_url))


def test_sigkill_of_the_command_leaves_no_process_and_the_next_run_finishes(share):
    home = share
    files = len(inbox_files(home))
    run = Run(home, "ingest", "--settle", "0", hold_reading=True)
    run.wait_until(run.reading, "a reading child at work")
    before = [cmdline(p) for p in marked(run.mark)]
    server = background_server(home)
    run.interrupt(signal.SIGKILL)
    assert run.proc.returncode == -signal.SIGKILL
    left = left_behind(run.mark, home)
    assert left == [], left
    assert any("prefect.server.api.server:create_app" in c for c in before) and any("forkserver" in c for c in before)
    assert background_server(home) == server      # still there, for the next command
    assert flow_runs(home) == [("ingest", "RUNNING")]     # nobody could tell the server …
    next_run_finishes(home, files)
    assert [s for _, s in flow_runs(home)] == ["CRASHED", "COMPLETED"]   # … the next run did


def test_sigkill_of_srdi_serve_stops_its_server_and_worker(tmp_path, new_home):
    home = new_home(tmp_path / "home")
    port = free_port()
    run = Run(home, "serve", "--port", str(port))
    run.wait_until(lambda: (home.state / "prefect-server.json").exists(), "srdi serve came up")
    url = f"http://127.0.0.1:{port}/api"
    assert healthy(url)
    before = [cmdline(p) for p in marked(run.mark)]
    assert any("prefect server start" in c for c in before) and any("prefect worker start" in c for c in before)
    run.interrupt(signal.SIGKILL)
    assert left_behind(run.mark) == []
    assert not healthy(url)


def test_a_second_ctrl_c_stops_at_once_and_the_next_run_settles_the_rest(share):
    """Ctrl-C twice: no waiting for the Prefect API; everything is killed, the one line still printed. The run that
    could not be told is settled by the next command."""
    home = share
    files = len(inbox_files(home))
    run = Run(home, "ingest", "--settle", "0", hold_reading=True)
    run.wait_until(run.reading, "a reading child at work")
    os.killpg(run.proc.pid, signal.SIGINT)
    time.sleep(0.05)
    try:
        os.killpg(run.proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    run.ended()
    assert_stopped_cleanly(run, "ingest")
    assert [s for _, s in flow_runs(home)] in (["CANCELLED"], ["CRASHED"], ["RUNNING"])
    next_run_finishes(home, files)
    assert [s for _, s in flow_runs(home)][-1] == "COMPLETED" and "RUNNING" not in [s for _, s in flow_runs(home)]
