"""Every process an `srdi` command starts, in one place, and how none of them outlives the command.

A command that runs flows (ingest, rollup, backfill, templates, demo, docs) or the schedules (serve) runs inside a
`Supervisor`:

* **A mark on every descendant.** SRDI_OWNER=<pid>:<start time> goes into the environment, so every process the
  command starts inherits it: the Prefect server, multiprocessing's forkserver and its reading children, Dask
  workers, `srdi serve`'s worker and the flow runs that worker starts. They can be found by the mark even after a
  kill has reparented them.
* **A guard.** For the `srdi` process itself, a tiny Python process in a session of its own waits for the
  command to end, however it ends (SIGKILL included), then stops every process carrying the mark: SIGTERM,
  SIGKILL 3 s later.
* **The next start.** A command first kills marked processes whose owner is gone (a guard killed along with its
  command, say by `kill -9 -<session>`).
* **The kernel.** A server the command starts itself gets PR_SET_PDEATHSIG: the kernel kills it the moment the
  command dies. That is why the command starts its own Prefect API server (`prefect_server`: the app Prefect's
  temporary server runs, on a socket we bind) instead of letting Prefect start one it would orphan; `srdi serve`'s
  server and worker get the same. The reading children die with their forkserver, which ends with the process
  that reads (tasks/intake/isolate.py), with or without a CLI around it.
* **Ctrl-C and SIGTERM.** The work stops at once: marked processes other than the Prefect server are sent SIGTERM
  (a reading child stopped so fails no file); the flow runs this command started are set Cancelled through the
  API; the server is stopped; one line is printed; the exit code is 130. A second Ctrl-C, or 8 s without an
  exit, kills everything and exits at once. The next run finishes the work (the ingest's exactly-once steps).

**The one exception: the home's background Prefect server** (issue #12, srdi/background_server.py). The first
command of a home that runs a flow starts it in a session of its own, without the mark and without the kernel tie;
later commands reuse it (`background_api`), so a command no longer pays a server's start and stop. It is owned by
the home (pid file under <home>/state/prefect-background/), stops itself when no command has used it for
SRDI_SERVER_IDLE_SECONDS (300 s), and exits at once if its home is deleted. A Ctrl-C stops the command's work and
cancels its flow runs through it, and leaves it running for the next command. SRDI_BACKGROUND_SERVER_ENABLED=0
goes back to a server of the command's own (`Supervisor.prefect_server`), stopped with the command.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

OWNER_ENV = "SRDI_OWNER"
STOP_DEADLINE = 8.0        # seconds from Ctrl-C to a forced exit: inside the 10 s the command promises
EXIT_INTERRUPTED = 130
PR_SET_PDEATHSIG = 1


# ------------------------------------------------------------------------------------ processes by mark

def _start_time(pid: int) -> str | None:
    """A process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, its identity."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None


def owner_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_time(pid) or '0'}"


def owner_alive(token: str) -> bool:
    pid, _, start = token.partition(":")
    try:
        return _start_time(int(pid)) == start
    except ValueError:
        return False


def marks() -> dict[int, str]:
    """Every process we may signal that carries an SRDI_OWNER mark: pid → token."""
    found: dict[int, str] = {}
    key = OWNER_ENV.encode() + b"="
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        for entry in env.split(b"\0"):
            if entry.startswith(key):
                found[int(name)] = entry[len(key):].decode("ascii", "replace")
                break
    return found


def marked(token: str) -> list[int]:
    return [pid for pid, t in marks().items() if t == token]


def _signal(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def sweep_orphans() -> list[int]:
    """Kill marked processes whose owner is gone: what a command killed together with its guard left behind."""
    found = marks()
    alive = {t: owner_alive(t) for t in set(found.values())}
    orphans = [pid for pid, t in found.items() if not alive[t]]
    _signal(orphans, signal.SIGKILL)
    return orphans


def _libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent(sig: int = signal.SIGKILL):
    """A preexec_fn: the kernel sends `sig` to the child when the thread that started it ends. Start such children
    from the main thread only (it lives as long as the process)."""
    libc = _libc()      # loaded before the fork: nothing is imported in the child

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    return preexec


# The guard: stdlib only, started with -I -S so it costs ~20 ms. It waits until its stdin closes (the command
# ended, or died: only the command holds the pipe's other end) or the owner process is gone, then stops every
# process carrying the mark.
GUARD = r"""
import os, select, signal, sys, time
owner, token = int(sys.argv[1]), sys.argv[2]
signal.signal(signal.SIGINT, signal.SIG_IGN)
entry = b"SRDI_OWNER=" + token.encode()
def marked():
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in (os.getpid(), owner):
            try:
                with open("/proc/%s/environ" % name, "rb") as f:
                    if entry in f.read().split(b"\0"):
                        out.append(int(name))
            except OSError:
                pass
    return out
def kill(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
fds = [0]
try:
    fds.append(os.pidfd_open(owner))
except (AttributeError, OSError):
    pass
while True:
    ready, _, _ = select.select(fds, [], [], 1.0)
    if 0 in ready and not os.read(0, 64):
        break
    if len(fds) > 1 and fds[1] in ready:
        break
    if len(fds) == 1:
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            break
deadline = time.monotonic() + 3
pids = marked()
kill(pids, signal.SIGTERM)
while pids and time.monotonic() < deadline:
    time.sleep(0.1)
    pids = marked()
for _ in range(3):
    pids = marked()
    if not pids:
        break
    kill(pids, signal.SIGKILL)
    time.sleep(0.1)
"""


# ------------------------------------------------------------------------------------ the home's background server

REPO = Path(__file__).resolve().parents[1]


def _prefect_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("prefect")
    except PackageNotFoundError:
        return "?"


def _zombie(pid: int) -> bool:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
        return data[data.rindex(b")") + 2:].split()[0] in (b"Z", b"X")
    except (OSError, ValueError, IndexError):
        return True


def background_server(home) -> dict | None:
    """The home's background server as its pid file describes it, if that process is still alive."""
    from srdi import background_server as bg
    info = bg.read_pid_file(Path(home.state))
    if info and bg.alive(info) and not _zombie(int(info["pid"])):
        return info
    return None


class _ServerLock:
    """The home's server lock: held while a command chooses (or starts) the server and registers as its user, and
    by the server while it decides it is idle."""

    def __init__(self, state: Path):
        from srdi import background_server as bg
        bg.users_dir(state).mkdir(parents=True, exist_ok=True)
        self.path = bg.lock_file(state)

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def background_api(home, user: str) -> dict | None:
    """The API of the home's background Prefect server, started now if none is running; `user` (an owner token)
    is registered as using it until `release_background` (or until that process is gone). None when the running
    server is not one this command may use (another Prefect version or Prefect home): the caller then starts a
    server of its own."""
    from srdi import background_server as bg
    state = Path(home.state)
    prefect_home = os.environ.get("PREFECT_HOME", "")
    db_url = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL", "")
    version = _prefect_version()
    with _ServerLock(state):
        info = background_server(home)
        if info is not None:
            if (info.get("prefect_home"), info.get("db_url", ""), info.get("prefect")) != (prefect_home, db_url, version):
                return None
        else:
            info = _start_background(home, state, prefect_home, db_url, version)
        (bg.users_dir(state) / user.replace(":", "-")).touch()
    return info


def _start_background(home, state: Path, prefect_home: str, db_url: str, version: str) -> dict:
    from srdi import background_server as bg
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    from srdi import api_auth
    env = {k: v for k, v in os.environ.items() if k not in (OWNER_ENV, "PREFECT_API_URL")}
    env.update(api_auth.server_env(state))          # its API requires the home's credential (issue #24)
    env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                "PREFECT_API_BLOCKS_REGISTER_ON_START": "0", bg.MARK_ENV: str(home.root),
                "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)})
    log = bg.log_file(state)
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "ab") as out:
            out.write(f"\n{LOG_MARK} background server started {datetime.now().isoformat(timespec='seconds')}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                [sys.executable, "-m", "srdi.background_server", "--home", str(home.root), "--state", str(state),
                 "--fd", str(sock.fileno())],
                env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, pass_fds=(sock.fileno(),))
    finally:
        sock.close()
    proc.returncode = 0          # never waited for: it is the home's, not this command's (no ResourceWarning)
    info = {"pid": proc.pid, "start": _start_time(proc.pid), "port": port, "api_url": f"http://127.0.0.1:{port}/api",
            "home": str(home.root), "prefect_home": prefect_home, "db_url": db_url, "prefect": version,
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    api_auth.write_private(bg.pid_file(state), json.dumps(info))     # owner-only: it names the port
    return info


def release_background(home, user: str) -> None:
    from srdi import background_server as bg
    try:
        (bg.users_dir(Path(home.state)) / user.replace(":", "-")).unlink()
    except OSError:
        pass


def stop_background_server(home, timeout: float = 10.0, only_if_idle: bool = True) -> bool:
    """Stop the home's background server (SIGTERM: it finishes what it is answering); with `only_if_idle`, only
    when no live command uses it. True if none is running afterwards."""
    from srdi import background_server as bg
    state = Path(home.state)
    if not bg.folder(state).exists():
        return True
    with _ServerLock(state):
        info = background_server(home)
        if info is None:
            bg.pid_file(state).unlink(missing_ok=True)
            return True
        if only_if_idle and bg.live_users(state):
            return False
        bg.pid_file(state).unlink(missing_ok=True)
        _signal([int(info["pid"])], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while bg.alive(info) and not _zombie(int(info["pid"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    if bg.alive(info) and not _zombie(int(info["pid"])):
        _signal([int(info["pid"])], signal.SIGKILL)
    return True


LOG_MARK = "===== srdi:"        # written before each start into a server's or worker's log


def server_failure(log: Path, fallback: str) -> str:
    """The real reason a Prefect server or worker stopped, from its log since its last start: the exception it ended
    with, else a line saying what is wrong (a port in use …), else `fallback`."""
    import re
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 50000))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return fallback
    lines = [line.strip() for line in text.split(LOG_MARK)[-1].splitlines()]
    exception = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Failure)\b:?\s*(.*)$")
    for line in reversed(lines):
        if exception.match(line):
            return line[:300]
    telling = ("already in use", "address in use", "permission denied", "no such file", "not found", "error")
    noise = ("application startup failed", "server stopped", "background on this error", "traceback")
    for line in reversed(lines):
        low = line.lower()
        if line and any(k in low for k in telling) and not any(n in low for n in noise):
            return line[:300]
    return fallback


# ------------------------------------------------------------------------------------ the supervisor

class FlowRunRecorder(logging.Handler):
    """Notes the id of every flow run this process begins (Prefect logs "Beginning flow run" with its id), so an
    interrupted command cancels exactly its own runs and subflow runs, never a scheduled run beside it. With a
    ledger file (<home>/state/runs/<owner>.txt) the ids outlive a SIGKILL: the next command marks them Crashed."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.ids: list[str] = []
        self.ledger: Path | None = None

    def emit(self, record: logging.LogRecord) -> None:
        run_id = getattr(record, "flow_run_id", None)
        if run_id and run_id != "<unknown>" and str(run_id) not in self.ids:
            self.ids.append(str(run_id))
            if self.ledger is not None:
                try:
                    with open(self.ledger, "a", encoding="ascii") as f:
                        f.write(f"{run_id}\n")
                except OSError:
                    pass


_current: "Supervisor | None" = None


def current() -> "Supervisor | None":
    return _current


class Supervisor:
    """One command's processes. `own_process`: this is the real `srdi` process (not a call of main() inside
    another program): it then handles SIGINT/SIGTERM itself and may end with os._exit."""

    def __init__(self, command: str, own_process: bool, handle_signals: bool = True):
        self.command = command
        self.own_process = own_process
        self.handle_signals = handle_signals and own_process and threading.current_thread() is threading.main_thread()
        self.token = owner_token()
        self.services: list[subprocess.Popen] = []     # kept until the end: the Prefect server the runs report to
        self.signum: int | None = None
        self.stopped_at: datetime | None = None
        self.started_at = datetime.now(timezone.utc)
        self.flows_started = False
        self.recorder = FlowRunRecorder()
        self._lock = threading.RLock()
        self._raised = False
        self._sigints = 0
        self._done = threading.Event()
        self._saved_fds: tuple[int, int] | None = None
        self._guard: subprocess.Popen | None = None
        self._server: subprocess.Popen | None = None
        self._background: dict | None = None      # the home's background server this command uses
        self._api_url: str | None = None
        self._old_env: str | None = None
        self._old_handlers: dict = {}
        self._wakeup: tuple[socket.socket, socket.socket] | None = None
        self._old_wakeup = -1
        self.home = None
        self._dead_runs_settled = False

    # ---- lifetime

    def __enter__(self) -> "Supervisor":
        global _current
        sweep_orphans()
        self._old_env = os.environ.get(OWNER_ENV)
        os.environ[OWNER_ENV] = self.token
        self._start_guard()
        if self.handle_signals:
            self._install_signals()
        _current = self
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        global _current
        interrupted = self.signum is not None
        try:
            if interrupted:
                self._finish_interrupted()
            else:
                self._drain_prefect(5.0)
                self.stop_services()
        finally:
            self._done.set()
            _current = None
            if self.recorder.ledger is not None:
                self.recorder.ledger.unlink(missing_ok=True)
            logging.getLogger("prefect.flow_runs").removeHandler(self.recorder)
            if self._background is not None:
                release_background(self._background_home, self.token)
            self._restore_signals()
            if self._old_env is None:
                os.environ.pop(OWNER_ENV, None)
            else:
                os.environ[OWNER_ENV] = self._old_env
            self._stop_guard()
        if interrupted:
            self._say_interrupted()
            if self.own_process:
                os._exit(EXIT_INTERRUPTED)
            return True      # the interruption is handled: main() returns 130
        return False

    @property
    def interrupted(self) -> bool:
        return self.signum is not None

    def _start_guard(self) -> None:
        """Only for the `srdi` process itself: inside another program (a test calling main()) the mark still goes
        on every child, but that program's life is not the command's."""
        if not self.own_process:
            return
        env = {k: v for k, v in os.environ.items() if k != OWNER_ENV}
        try:
            self._guard = subprocess.Popen([sys.executable, "-I", "-S", "-c", GUARD, str(os.getpid()), self.token],
                                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           env=env, start_new_session=True)
        except Exception:
            self._guard = None

    def _stop_guard(self) -> None:
        """Closing its stdin tells the guard the command is over: it sweeps what is left, then ends."""
        if self._guard is None:
            return
        try:
            self._guard.stdin.close()
        except OSError:
            pass

    # ---- children the command keeps to the end

    def spawn_service(self, args: list[str], *, env: dict | None = None, log: Path | None = None,
                      pass_fds: tuple[int, ...] = (), cwd=None) -> subprocess.Popen:
        """A long-lived child: in a session of its own (a Ctrl-C at the terminal reaches the command only, which
        decides), killed by the kernel if the command dies, stopped at the end of the command."""
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True, pass_fds=pass_fds,
                                    preexec_fn=die_with_parent())
        finally:
            if log:
                out.close()
        self.services.append(proc)
        return proc

    def stop_services(self, grace: float = 5.0) -> None:
        for proc in reversed(self.services):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass
        deadline = time.monotonic() + grace
        for proc in reversed(self.services):
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
        self.services.clear()

    # ---- the Prefect API

    def prefect_api(self, home) -> str:
        """The API this command's flows report to: the home's background server (started now if none runs; it comes
        up while the flows are imported), or a server of the command's own (`prefect_server`) when background
        servers are turned off or the running one is not for this command. Call before importing Prefect."""
        from srdi import background_server as bg
        if bg.enabled():
            try:
                info = background_api(home, self.token)
            except OSError:
                info = None
            if info is not None:
                self._background, self._background_home = info, home
                self._server_log = bg.log_file(Path(home.state))
                self._api_url = info["api_url"]
                os.environ["PREFECT_API_URL"] = self._api_url
                return self._api_url
        return self.prefect_server(home)

    def prefect_server(self, home) -> str:
        """Start this command's own Prefect API server, as Prefect's temporary server would be (the same app, no
        UI, database under PREFECT_HOME), but as our child: bound to a socket we hold (no port race), killed with
        us. Returns the API URL at once; `wait_for_prefect` waits until it answers. Call before importing
        Prefect: it reads PREFECT_API_URL once."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        from srdi import api_auth
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(api_auth.server_env(Path(home.state)))     # its API requires the home's credential (issue #24)
        env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"})
        logs = Path(home.state) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        try:
            self._server = self.spawn_service(
                [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
                 "--fd", str(sock.fileno()), "--log-level", "error", "--lifespan", "on"],
                env=env, log=logs / "prefect-server.log", pass_fds=(sock.fileno(),))
        finally:
            sock.close()
        self._server_log = logs / "prefect-server.log"
        self._api_url = f"http://127.0.0.1:{port}/api"
        os.environ["PREFECT_API_URL"] = self._api_url
        return self._api_url

    def use_home(self, home) -> None:
        """The home whose Prefect database this command's runs go to: its ledger of runs lives there."""
        self.home = home

    def before_flow(self) -> None:
        """Right before a flow runs (Prefect imported, its logging configured): note the runs it begins, wait for
        our server, and settle the runs of commands that were killed (they stay RUNNING otherwise)."""
        runs = logging.getLogger("prefect.flow_runs")
        if self.recorder not in runs.handlers:
            runs.addHandler(self.recorder)
        self.flows_started = True
        self.wait_for_prefect()
        if self.home is not None and self.recorder.ledger is None:
            folder = Path(self.home.state) / "runs"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                settle_killed_runs(folder)
            except Exception:
                pass
            self.recorder.ledger = folder / f"{self.token.replace(':', '-')}.txt"

    def settle_dead_deployment_runs(self, serve_running: bool) -> None:
        """Once per command, before its first flow: runs of `srdi serve`'s deployments a killed worker or server
        left unfinished (srdi/dead_runs.py), when this command uses the home's own server (background or its own);
        without a running `srdi serve` no worker of the home can be running them. Said on stderr, one line each."""
        if self._dead_runs_settled or (self._server is None and self._background is None):
            return                       # PREFECT_API_URL or serve's server: not ours to judge pid-less runs
        self._dead_runs_settled = True
        try:
            from srdi.dead_runs import settle
            settle(no_worker=not serve_running,
                   log=lambda line: print(f"srdi {self.command}: {line}", file=sys.stderr, flush=True))
        except Exception as exc:
            print(f"srdi {self.command}: 无法检查未完成的流程运行 / could not check for unfinished runs: {exc}",
                  file=sys.stderr, flush=True)

    def wait_for_prefect(self, timeout: float = 180.0) -> None:
        if (self._server is None and self._background is None) or self._api_url is None:
            return
        from srdi import background_server as bg
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self._api_url}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self._server is not None and self._server.poll() is not None:
                code = f"code {self._server.returncode}"
            elif self._background is not None and (not bg.alive(self._background) or _zombie(int(self._background["pid"]))):
                code = "background server"
            else:
                code = None
            if code is not None:
                reason = server_failure(self._server_log, f"see {self._server_log}")
                raise RuntimeError(f"the Prefect server exited ({code}): {reason}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {timeout:.0f}s; see {self._server_log}")
            time.sleep(0.05)

    def _drain_prefect(self, timeout: float) -> None:
        """Send Prefect's queued logs and events before the server stops (as Prefect's own harness does)."""
        if (self._server is None and self._background is None) or "prefect" not in sys.modules:
            return

        def drain():
            try:
                from prefect.events.worker import EventsWorker
                from prefect.logging.handlers import APILogWorker
                APILogWorker.drain_all(timeout=timeout)
                EventsWorker.drain_all(timeout=timeout)
            except Exception:
                pass
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        t.join(timeout + 1)

    # ---- Ctrl-C and SIGTERM

    def _install_signals(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        # Prefect swaps in its own SIGTERM handler while a flow runs; the wakeup fd still tells us at once, so the
        # work stops while Prefect unwinds.
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(True)
        try:
            self._old_wakeup = signal.set_wakeup_fd(a.fileno(), warn_on_full_buffer=False)
        except ValueError:
            a.close()
            b.close()
            return
        self._wakeup = (a, b)
        threading.Thread(target=self._watch_signals, name="srdi-signals", daemon=True).start()

    def _restore_signals(self) -> None:
        if not self.handle_signals:
            return
        for sig, old in self._old_handlers.items():
            try:
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
            except (ValueError, TypeError):
                pass
        try:
            signal.set_wakeup_fd(self._old_wakeup)
        except ValueError:
            pass
        if self._wakeup:
            for s in self._wakeup:
                s.close()

    def _watch_signals(self) -> None:
        a, b = self._wakeup
        while not self._done.is_set():
            try:
                data = b.recv(64)
            except OSError:
                return
            if not data:
                return
            for signum in data:
                if signum in (signal.SIGINT, signal.SIGTERM):
                    self._count(signum)
                    self.begin_stop(signum)

    def _count(self, signum: int) -> None:
        if signum == signal.SIGINT:
            self._sigints += 1
            if self._sigints >= 2:
                self._force_exit()          # a second Ctrl-C: no more waiting

    def _on_signal(self, signum, frame) -> None:
        self.begin_stop(signum)
        if self._wakeup is None:            # no watcher thread counts for us
            self._count(signum)
        if not self._raised:
            self._raised = True
            raise KeyboardInterrupt

    def begin_stop(self, signum: int) -> None:
        """Once per command: stop the work (not the Prefect server) and arm the deadline."""
        with self._lock:
            if self.signum is not None:
                return
            self.signum = signum
            self.stopped_at = datetime.now(timezone.utc)
        self._silence()
        threading.Thread(target=self._stop_work, name="srdi-stop", daemon=True).start()
        timer = threading.Timer(STOP_DEADLINE, self._force_exit)
        timer.daemon = True
        timer.start()

    def _keep(self) -> set[int]:
        keep = {p.pid for p in self.services}
        if self._guard:
            keep.add(self._guard.pid)
        return keep

    def _stop_work(self) -> None:
        """Until the command ends: SIGTERM to every marked process but the services (reading children, the
        forkserver, Dask workers), again and again, so a child started meanwhile does not keep the command waiting."""
        while not self._done.is_set():
            keep = self._keep()
            _signal([p for p in marked(self.token) if p not in keep], signal.SIGTERM)
            self._done.wait(0.25)

    def _silence(self) -> None:
        """From the signal on, nothing but our one line reaches the terminal: Prefect's crash logs, tracebacks of
        threads that die with the work, warnings at exit."""
        with self._lock:
            if self._saved_fds is not None:
                return
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            self._saved_fds = (os.dup(1), os.dup(2))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.close(devnull)
        threading.excepthook = lambda args: None
        sys.unraisablehook = lambda args: None

    def _say_interrupted(self) -> None:
        name = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}.get(self.signum, f"signal {self.signum}")
        line = (f"srdi {self.command}: 已中断（{name}），本次运行已取消，下次运行会接着完成 / "
                f"interrupted ({name}): this run is cancelled; the next run finishes the work\n")
        fd = self._saved_fds[1] if self._saved_fds else 2
        try:
            os.write(fd, line.encode("utf-8"))
        except OSError:
            pass

    def _force_exit(self) -> None:
        """The deadline passed, or a second Ctrl-C: kill everything we started and leave now."""
        with self._lock:
            if self._done.is_set() and not self.own_process:
                return
        _signal(self._keep() | set(marked(self.token)), signal.SIGKILL)
        _signal([p.pid for p in self.services], signal.SIGKILL)
        if self.own_process:
            self._say_interrupted()
            if self._guard:
                try:
                    self._guard.stdin.close()
                except OSError:
                    pass
            os._exit(EXIT_INTERRUPTED)

    def _finish_interrupted(self) -> None:
        """After the interrupt unwound the command: its flow runs Cancelled, then the server and the rest stopped."""
        t = threading.Thread(target=self._cancel_flow_runs, daemon=True)
        t.start()
        t.join(4.0)
        self._drain_prefect(1.0)
        self._done.set()
        keep = self._keep()
        _signal([p for p in marked(self.token) if p not in keep], signal.SIGKILL)
        self.stop_services(grace=2.0)

    def _cancel_flow_runs(self) -> None:
        if not self.flows_started or "prefect" not in sys.modules:
            return
        try:
            cancel_flow_runs(list(self.recorder.ids), f"srdi {self.command} interrupted ({signal.Signals(self.signum).name})",
                             since=self.stopped_at, created_after=self.started_at)
        except Exception:
            pass


def settle_killed_runs(folder: Path) -> None:
    """Flow runs of commands that were killed (their ledger is left, their owner gone) and still RUNNING or
    PENDING: set Crashed, as Prefect would have had it been told."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    for ledger in folder.glob("*.txt"):
        owner = ledger.stem.replace("-", ":", 1)
        if owner_alive(owner):
            continue
        ids = [UUID(line) for line in ledger.read_text(encoding="ascii").split() if line]
        if ids:
            with get_client(sync_client=True) as client:
                for run in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))):
                    if run.state is None or run.state.type in (StateType.RUNNING, StateType.PENDING, StateType.CANCELLING):
                        client.set_flow_run_state(run.id, Crashed(message="the srdi command was killed"), force=True)
        ledger.unlink(missing_ok=True)


def _our_flow_runs(client, ids: list[str], since: datetime | None, created_after: datetime | None) -> dict:
    """The flow runs this command began: those the recorder noted, those the interrupt crashed before Prefect logged
    their start (CRASHED "aborted by" the signal, at or after `since`, created after `created_after`), and their
    parents and subflows."""
    from uuid import UUID

    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterExpectedStartTime, FlowRunFilterId,
                                                FlowRunFilterParentFlowRunId, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType

    runs = {r.id: r for r in client.read_flow_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(i) for i in ids])))} if ids else {}
    if since is not None and created_after is not None:
        for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CRASHED])),
                expected_start_time=FlowRunFilterExpectedStartTime(after_=created_after - timedelta(seconds=5)))):
            st = r.state
            if st and st.timestamp and st.timestamp >= since - timedelta(seconds=1) and "aborted by" in (st.message or ""):
                runs[r.id] = r
    for _ in range(4):                       # demo → ingest; backfill → one rollup per period
        found = dict(runs)
        if runs:
            for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=list(runs)))):
                found[r.id] = r
        for r in list(runs.values()):
            if r.parent_task_run_id:
                parent = client.read_task_run(r.parent_task_run_id).flow_run_id
                if parent and parent not in found:
                    found[parent] = client.read_flow_run(parent)
        if found.keys() == runs.keys():
            break
        runs = found
    return runs


def cancel_flow_runs(ids: list[str], message: str, since: datetime | None = None,
                     created_after: datetime | None = None) -> list[str]:
    """Set this command's flow runs (`_our_flow_runs`) Cancelled unless they completed, and their task runs that
    were still going, or that failed or crashed from `since` on (the interruption stopped them). Returns the flow
    run ids it changed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterState,
                                                TaskRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    final = {StateType.COMPLETED, StateType.CANCELLED}
    changed = []
    with get_client(sync_client=True) as client:
        runs = _our_flow_runs(client, ids, since, created_after)
        for run in runs.values():
            if run.state is None or run.state.type not in final:
                client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
                changed.append(str(run.id))
        if not runs:
            return changed
        live = [StateType.RUNNING, StateType.PENDING, StateType.SCHEDULED, StateType.PAUSED, StateType.CANCELLING]
        stopped = [StateType.FAILED, StateType.CRASHED]
        since = since - timedelta(seconds=1) if since else None
        for task_run in client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(runs))),
                task_run_filter=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(any_=live + stopped)))):
            state = task_run.state
            if state.type in live or (since and state.timestamp and state.timestamp >= since):
                client.set_task_run_state(task_run.id, Cancelled(message=message), force=True)
    return changed
