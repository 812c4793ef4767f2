"""Event-driven ingest (#12 item 1): `srdi serve` watches the inbox and, once dropped files settle, one Prefect event
starts the ingest through the deployment's trigger.

In process (fast): the debouncer, and the real watchdog observers (inotify and polling) on real folders, with
workbooks written the way clerks' programs write them. With a real `srdi serve` (slow): drop → receipt in the
outbox (how soon, against the issue's goal, is `make bench`'s: bench/run.py), ten files copied at once start one run, the ingest's own moves start none, and the
Prefect API shows the run as started by the trigger, after the event.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from samples.workbooks import task_rows, write_xlsx
from srdi.watch_inbox import EVENT, Debouncer, InboxWatcher, choose_mode, filesystem_type, resource_id
from tests.helpers import HANG, wait_until
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
BUREAU = "财政局"


# ------------------------------------------------------------------------------------ the debouncer (pure)

class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_debounce_waits_for_quiet_then_names_each_changed_file_once(tmp_path):
    clock = Clock()
    d = Debouncer(lambda paths: None, settle=2.0, max_wait=60.0, clock=clock)
    files = [tmp_path / f"{i}.xlsx" for i in range(3)]
    for i, f in enumerate(files):
        f.write_bytes(b"x" * (i + 1))
        clock.t = 100.0 + 0.5 * i          # changes at 100.0, 100.5, 101.0
        d.note(f)
    assert d.due() == pytest.approx(2.0)   # 101.0 + 2 s of quiet, seen from 101.0
    clock.t = 102.9
    assert d.due() == pytest.approx(0.1)
    clock.t = 103.0
    assert d.due() == pytest.approx(0.0)
    assert sorted(d.take()) == sorted(files)
    assert d.due() is None
    # the same files, unchanged (the ingest reads them, moves others): no second event
    for f in files:
        d.note(f)
    assert d.take() == []
    # one of them rewritten: news again; a file that is gone by then: not
    files[0].write_bytes(b"rewritten")
    files[1].unlink()
    d.note(files[0])
    d.note(files[1])
    assert d.take() == [files[0]]


def test_a_copy_that_never_pauses_still_starts_a_run_after_max_wait(tmp_path):
    clock = Clock()
    d = Debouncer(lambda paths: None, settle=2.0, max_wait=5.0, clock=clock)
    f = tmp_path / "big.xlsx"
    f.write_bytes(b"x")
    for step in range(5):                 # a change every second, from 100 to 104: never 2 s of quiet
        clock.t = 100.0 + step
        d.note(f)
    assert d.due() == pytest.approx(1.0)  # 100 + 5 (max wait), seen from 104


def test_a_file_made_readable_is_news(tmp_path):
    """A file the pipeline could not read (#10: held in the inbox with a note) is made readable by the bureau."""
    d = Debouncer(lambda paths: None, settle=0.0)
    f = tmp_path / "locked.xlsx"
    f.write_bytes(b"x")
    f.chmod(0o000)
    d.note(f)
    assert d.take() == [f]
    f.chmod(0o644)
    d.note(f)
    assert d.take() == [f]


# ------------------------------------------------------------------------------------ which observer

def test_auto_polls_on_network_shares(tmp_path):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 27 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n"
        "40 22 0:50 / /srv/share rw,relatime - cifs //fileserver/share rw,vers=3.0\n"
        "41 22 0:51 / /mnt/nfs rw,relatime - nfs4 fileserver:/export rw\n"
        "42 22 0:52 / /srv/share/local\\040disk rw - xfs /dev/sdb1 rw\n", encoding="utf-8")
    m = str(mountinfo)
    assert filesystem_type(Path("/srv/share/inbox/工信局"), m) == "cifs"
    assert filesystem_type(Path("/srv/shared"), m) == "ext4"           # a prefix of a mount point is not inside it
    assert filesystem_type(Path("/srv/share/local disk/inbox"), m) == "xfs"
    assert choose_mode("auto", Path("/srv/share/inbox"), m)[0] == "poll"
    assert choose_mode("auto", Path("/mnt/nfs/srdi/share/inbox"), m)[0] == "poll"
    assert choose_mode("auto", Path("/home/srdi/share/inbox"), m)[0] == "inotify"
    assert choose_mode("inotify", Path("/srv/share/inbox"), m)[0] == "inotify"   # the operator decides
    assert choose_mode("poll", Path("/home/srdi/share/inbox"), m)[0] == "poll"


# ------------------------------------------------------------------------------------ real observers, in process

class Fired:
    def __init__(self):
        self.calls: list[list[Path]] = []
        self.event = threading.Event()

    def __call__(self, paths):
        self.calls.append(sorted(paths))
        self.event.set()

    def wait(self, n: int) -> None:
        wait_until(lambda: len(self.calls) >= n, HANG, lambda: f"{len(self.calls)} event(s), expected {n}",
                   every=0.02)


def workbook(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_xlsx(path, task_rows(BUREAU, seed))


def noted(watcher: InboxWatcher, paths) -> None:
    """Until the watcher has noted every one of `paths` (its observer saw them; the test's clock stands still, so the
    quiet period cannot end before)."""
    want = set(paths)
    wait_until(lambda: want <= watcher.debouncer.pending(), HANG,
               lambda: f"the watcher noted {sorted(p.name for p in want - watcher.debouncer.pending())}", every=0.02)


def quiet_passes(watcher: InboxWatcher, clock: Clock) -> None:
    """The settle time passes on the test's clock (again, for a change noted meanwhile) until the debouncer has taken
    what was pending, fired or not."""
    def passed() -> bool:
        clock.t += watcher.debouncer.settle + 1
        return not watcher.debouncer.pending()
    wait_until(passed, HANG, "the debouncer took the pending changes", every=0.1)


@pytest.mark.parametrize("mode", ["inotify", "poll"])
def test_ten_files_copied_at_once_make_one_event_and_the_ingests_moves_none(tmp_path, mode):
    """Real observers on a real folder; the quiet period runs on the test's clock (Clock), so however slowly the
    machine copies, the window is the debouncer's rule, not the machine's speed."""
    inbox = tmp_path / "share" / "inbox"
    inbox.mkdir(parents=True)
    made = [workbook(tmp_path / "clerk" / f"任务进展{i}.xlsx", i) for i in range(10)]
    fired = Fired()
    clock = Clock()
    watcher = InboxWatcher(inbox, fired, mode=mode, settle=0.6, poll_interval=0.2, clock=clock).start()
    try:
        assert watcher.mode == mode
        (inbox / BUREAU).mkdir()
        for f in made:                                    # a bureau's copy: one file after the other
            shutil.copy2(f, inbox / BUREAU / f.name)
            clock.t += 0.05                               # each within the settle time of the one before
        noted(watcher, [inbox / BUREAU / f.name for f in made])
        assert fired.calls == []                          # no quiet period yet on the clock
        quiet_passes(watcher, clock)
        fired.wait(1)
        time.sleep(1.5)                                   # late events of the same copy (attributes, closes) …
        quiet_passes(watcher, clock)                      # … name files unchanged since the event: nothing more
        assert fired.calls == [sorted(inbox / BUREAU / f.name for f in made)]
        # the ingest reads every file and moves it out of the inbox: no event
        archive = tmp_path / "share" / "archive" / BUREAU
        archive.mkdir(parents=True)
        for f in sorted((inbox / BUREAU).iterdir()):
            f.read_bytes()
            os.replace(f, archive / f.name)
        (inbox / BUREAU / "空文件夹").mkdir()             # an empty folder is no news either
        time.sleep(2.0)                                   # whatever the observer makes of it, noted by now …
        quiet_passes(watcher, clock)                      # … and taken after the quiet period: no event
        assert len(fired.calls) == 1
        # Excel and WPS save to a temporary name, then rename: one event, with the final name
        tmp = inbox / BUREAU / "~$tmp1234"
        workbook(tmp, 42)
        os.replace(tmp, inbox / BUREAU / "财政局任务进展2022Q3.xlsx")
        noted(watcher, [inbox / BUREAU / "财政局任务进展2022Q3.xlsx"])
        quiet_passes(watcher, clock)
        fired.wait(2)
        assert fired.calls[1] == [inbox / BUREAU / "财政局任务进展2022Q3.xlsx"]
    finally:
        watcher.stop()


def test_files_waiting_when_serve_starts_make_one_event(tmp_path):
    inbox = tmp_path / "inbox"
    a = workbook(inbox / BUREAU / "a.xlsx", 1)
    b = workbook(inbox / "工信局" / "b.xlsx", 2)
    fired = Fired()
    clock = Clock()
    watcher = InboxWatcher(inbox, fired, mode="inotify", settle=0.3, clock=clock).start()
    try:
        noted(watcher, [a, b])
        quiet_passes(watcher, clock)
        fired.wait(1)
        time.sleep(0.8)                                   # anything the observer adds is unchanged: no event
        quiet_passes(watcher, clock)
        assert fired.calls == [sorted([a, b])]
    finally:
        watcher.stop()


# ------------------------------------------------------------------------------------ a real `srdi serve`

def serve_env(home: Home, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_HOME=str(home.root / ".prefect"), **extra)
    for k in ("PREFECT_API_URL",):
        env.pop(k, None)
    return env


class Serve:
    """`srdi serve` in a process group of its own; its output read as it comes."""

    def __init__(self, home: Home, *args: str, env: dict | None = None):
        from srdi.runtime import free_port
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port", str(self.port), *args],
            cwd=ROOT, env=env or serve_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_up(self) -> "Serve":
        wait_until(lambda: any("Press Ctrl-C to stop" in line for line in self.lines), HANG,
                   lambda: f"srdi serve came up: {self.text()}", alive=lambda: self.proc.poll() is None, every=0.2)
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=HANG)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.reader.join(HANG)


def receipts(home: Home, name_part: str) -> list[Path]:
    folder = home.outbox / BUREAU
    return sorted(folder.glob(f"*{name_part}*_回执_*")) if folder.exists() else []


def ingest_runs(serve: "Serve") -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    from tests.e2e.serve_api import served_settings
    with served_settings(serve.home, serve.url), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["ingest"])))
    return [r for r in runs if r.created_by is not None and r.created_by.type == "AUTOMATION"]


def settled_events(serve: "Serve") -> list:
    from prefect.client.orchestration import get_client

    from tests.e2e.serve_api import served_settings
    with served_settings(serve.home, serve.url), get_client(sync_client=True) as client:
        r = client.request("POST", "/events/filter", json={"filter": {"event": {"name": [EVENT]}}, "limit": 50})
        r.raise_for_status()
    return r.json()["events"]


def wait_for(check, what: str, serve: Serve | None = None):
    """Until `check()` is truthy (its value), while `srdi serve` runs; the ceiling only a hang reaches."""
    return wait_until(check, HANG, (lambda: f"{what}: {serve.text()}") if serve else what,
                      alive=(lambda: serve.proc.poll() is None) if serve else None, every=0.1)


@pytest.fixture(scope="module")
def served(tmp_path_factory, new_home):
    """A home that ran one `srdi ingest` first (its embedded server then hands the database to serve's)."""
    from tests.helpers import embedded_server
    home = new_home(tmp_path_factory.mktemp("events") / "home")
    env = serve_env(home)
    first = subprocess.run([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=HANG)
    assert first.returncode == 0, first.stdout + first.stderr
    embedded = embedded_server(home)
    assert embedded is not None
    serve = Serve(home, env=env).wait_up()
    yield home, serve, embedded
    serve.stop()


def test_serve_takes_the_home_over_from_the_embedded_server(served):
    """Two servers on one SQLite database would fight: serve stops the embedded one (Prefect's `prefect server
    stop`) and says so; the one-off commands then use serve's."""
    from srdi.runtime import embedded_server as embedded_url
    from tests.helpers import cmdline, embedded_server
    home, serve, embedded = served
    wait_until(lambda: "prefect.server.api.server" not in cmdline(embedded), HANG, "the embedded server gone")
    assert embedded_server(home) is None and embedded_url(home) is None
    assert "stopped the home's embedded Prefect server" in serve.text()
    assert "inotify" in serve.text()            # a local disk


def test_a_dropped_file_gets_its_receipt_from_a_run_the_trigger_started(served):
    """A real `srdi serve`, a file dropped as a clerk saves it: its receipt appears in the bureau's outbox, from one
    run the deployment's trigger started after the event. (Drop → receipt within the issue's 15 s goal is measured
    by `make bench`, bench/run.py, not asserted here.)"""
    home, serve, _ = served
    before = len(ingest_runs(serve))
    made = workbook(home.root / "clerk" / "财政局任务进展2022Q2.xlsx", 7)
    (home.inbox / BUREAU).mkdir(exist_ok=True)
    shutil.move(made, home.inbox / BUREAU / made.name)
    (receipt,) = wait_for(lambda: receipts(home, "财政局任务进展2022Q2"), "the dropped file's receipt", serve)
    runs = wait_for(lambda: [r for r in ingest_runs(serve)][before:] or None, "the triggered run")
    (run,) = runs
    assert "收件箱有新文件" in run.created_by.display_value      # the automation of prefect.yaml's trigger
    events = [e for e in settled_events(serve) if f"{BUREAU}/{made.name}" in e["payload"]["files"]]
    assert len(events) == 1
    assert events[0]["resource"]["prefect.resource.id"] == resource_id(home.root)


def test_ten_files_make_one_run_and_the_ingests_own_work_none(served):
    home, serve, _ = served
    wait_for(lambda: all(r.state.is_final() for r in ingest_runs(serve)), "earlier runs ended")
    before = len(ingest_runs(serve))
    clerk = home.root / "clerk10"
    made = [workbook(clerk / f"财政局任务进展2022Q3_{i}.xlsx", 100 + i) for i in range(10)]
    (home.inbox / BUREAU).mkdir(exist_ok=True)
    for f in made:
        shutil.copy2(f, home.inbox / BUREAU / f.name)
    wait_for(lambda: not any(p.is_file() for p in (home.inbox / BUREAU).iterdir()),
             "the ten files all filed away", serve)
    wait_for(lambda: all(r.state.is_final() for r in ingest_runs(serve)), "the run ended")
    time.sleep(6)                      # settle (2 s) and more: the ingest's moves and outbox files start nothing
    runs = ingest_runs(serve)[before:]
    assert len(runs) == 1, [(r.name, r.state.type) for r in runs]
    assert runs[0].state.is_completed()
    answered = {p.name.split("_回执_")[0].split("_错误清单_")[0] for p in (home.outbox / BUREAU).iterdir()}
    assert {f.stem for f in made} <= answered


# ------------------------------------------------------------------------------------ clear failures (#13 item 4)

def one_line_failure(out: str, *must: str) -> str:
    """No traceback; after the start-up lines, exactly one `srdi serve:` line, with the reason and the fix."""
    assert "Traceback" not in out, out
    lines = out.splitlines()
    if any("Press Ctrl-C to stop" in line for line in lines):
        lines = lines[next(i for i, line in enumerate(lines) if "Press Ctrl-C to stop" in line) + 1:]
    failures = [line for line in lines if line.startswith("srdi serve:")]
    assert len(failures) == 1, out
    for m in must:
        assert m in failures[0], out
    return failures[0]


def test_a_port_in_use_is_said_in_one_line_with_the_fix(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    with socket_listening() as port:
        r = subprocess.run([sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port", str(port)],
                           cwd=ROOT, env=serve_env(home), capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 2
    line = one_line_failure(r.stdout + r.stderr, f"Port {port} is already in use", "--port", f"端口 {port} 已被占用")
    print("\n" + line)


class socket_listening:
    def __enter__(self) -> int:
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(1)
        return self.s.getsockname()[1]

    def __exit__(self, *exc):
        self.s.close()


def test_a_server_that_exits_at_start_is_said_in_one_line_with_its_reason(tmp_path):
    """The database cannot be opened (a folder that does not exist): the reason is in the server's log; serve
    says it."""
    home = Home.resolve(tmp_path / "home").ensure()
    env = serve_env(home, PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/prefect.db")
    from srdi.runtime import free_port
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port", str(free_port())],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 1
    line = one_line_failure(r.stdout + r.stderr, "Prefect", "exited", "unable to open database file")
    print("\n" + line)


def test_a_worker_that_exits_is_said_in_one_line(tmp_path, new_home):
    import json
    home = new_home(tmp_path / "home")
    serve = Serve(home, "--watch", "off").wait_up()
    try:
        worker = json.loads((home.state / "prefect-server.json").read_text())["worker_pid"]
        os.kill(worker, signal.SIGKILL)
        assert serve.proc.wait(timeout=HANG) == 1
    finally:
        serve.stop()
    line = one_line_failure(serve.text(), "worker", "exited (killed by SIGKILL)", "worker.log", "run srdi serve again")
    print("\n" + line)
    assert "server stopped" in serve.text()      # and what it started is stopped
