"""The runtime of a one-off `srdi` command (ingest, rollup, backfill, templates, demo, docs): which Prefect API its
flows report to, and how Ctrl-C ends it. Prefect and the operating system do the work; this module only chooses.

**Which server** (`use_prefect`, before Prefect is imported, which reads its settings once):

1. the one `PREFECT_API_URL` names, when it answers (a site's server, deploy/; its credential is the operator's
   PREFECT_API_AUTH_STRING). When it does not answer, one line says so and the home's own server is used;
2. the home's `srdi serve`, when it runs (its URL in state/prefect-server.json);
3. else the home's **embedded server**: Prefect's own `prefect server start --background` (API only, on 127.0.0.1,
   a free port, its database <home>/.prefect/prefect.db, requiring the home's credential, srdi/api_auth.py). The
   first command of a home starts it; the next ones use it. It runs until `srdi stop` (which is Prefect's
   `prefect server stop`), `srdi serve` (which stops it and takes the database over) or a reboot. Its URL is kept in
   state/prefect-embedded.json, so a command finds it; a file lock makes two commands starting together start one.

**Ctrl-C and SIGTERM** (`Command`): the first one silences the terminal, raises KeyboardInterrupt in the command
and sets the command's flow runs Cancelled through the API (at once, and again when the command has unwound, with
what is left of the 8 s: a slow server gets the time), prints one line and exits 130. The
reading children die with their forkserver, which ends with the command (tasks/intake/isolate.py). A second Ctrl-C,
or 8 s without an exit, ends the process at once. Every flow run a command creates carries the Prefect tag
`srdi-command:<pid>-<start time>`: that is how it cancels its own runs only, and how the next command of the home
finds the runs of one killed outright (SIGKILL), left RUNNING, and sets them Crashed.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType

from srdi.exits import Exit

TAG = "srdi-command:"      # + pid-start time of the command that created the flow run
STOP_DEADLINE = 8.0        # seconds from Ctrl-C to a forced exit: inside the 10 s the command promises
QUIET = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
         "UVICORN_ACCESS_LOG": "false",     # Prefect's background server writes to a pipe nobody reads
         # a flow run from plain Python with no API set gets Prefect's temporary server: on a busy 2-core machine
         # its default 20 s start-up wait is too short (the wait ends as soon as it answers)
         "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}


# ------------------------------------------------------------------------------------ which server

class ServerStartError(RuntimeError):
    """The home's embedded Prefect server could not be started, or did not answer: the command says why in one line
    (srdi/cli.py) and runs nothing."""


def failure_reason(text: str, fallback: str) -> str:
    """Why a Prefect command, server or worker failed, from what it printed: the exception it ended with, else a line
    saying what is wrong (a port in use …), else `fallback`."""
    import re
    lines = [line.strip() for line in text.splitlines()]
    exception = re.compile(r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt|Failure)\b:?\s*(.*)$")
    telling = ("already in use", "address in use", "permission denied", "no such file", "not found", "error")
    noise = ("application startup failed", "server stopped", "background on this error", "traceback")
    found = [line for line in reversed(lines) if exception.match(line)] or [
        line for line in reversed(lines)
        if line and any(k in line.lower() for k in telling) and not any(n in line.lower() for n in noise)]
    return found[0][:300] if found else fallback


def healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_file(home) -> Path:
    return Path(home.state) / "prefect-server.json"


def embedded_file(home) -> Path:
    return Path(home.state) / "prefect-embedded.json"


def _url_in(path: Path) -> str | None:
    try:
        url = json.loads(path.read_text())["api_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if healthy(url, timeout=0.5) else None


def running_server(home) -> str | None:
    """The API URL of this home's `srdi serve`, if one is up."""
    return _url_in(serve_file(home))


def embedded_server(home) -> str | None:
    """The API URL of this home's embedded server, if one is up and it is ours (`_serves`)."""
    url = _url_in(embedded_file(home))
    return url if url and _serves(home, url) else None


def _port(url: str) -> int:
    """The port of an API URL srdi made (http://127.0.0.1:<port>/api)."""
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _pid_file(home) -> Path:
    """Where `prefect server start --background` records its server's pid (Prefect's SERVER_PID_FILE_NAME)."""
    return Path(prefect_env(home)["PREFECT_HOME"]) / "server.pid"


def _server_pid(home) -> int | None:
    """The pid `prefect server start --background` recorded in the home's Prefect home, if that process runs."""
    try:
        pid = int(_pid_file(home).read_text())
        return pid if b"prefect.server.api.server" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
    except (OSError, ValueError):
        return None


def _serves(home, url: str) -> bool:
    """Whether the home's own server process listens on `url`'s port. A free port can be taken between our look and
    the server's bind (by another home's server, another account's program): whatever answers there then is not
    ours. The kernel's socket table (/proc/net/tcp) names the socket listening on the port; the server's file
    descriptors say whether it is the server's."""
    pid = _server_pid(home)
    if pid is None:
        return False
    port = _port(url)
    try:
        mine = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for line in f.readlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port and f"socket:[{cols[9]}]" in mine:
                        return True
    except (OSError, ValueError, IndexError):
        pass
    return False


def prefect_home(root) -> str:
    """The Prefect home of the srdi home at `root`: PREFECT_HOME when set, else <home>/.prefect (its database, the
    embedded server's pid file)."""
    return os.environ.get("PREFECT_HOME") or str(Path(root) / ".prefect")


def prefect_env(home) -> dict[str, str]:
    """The environment of Prefect's own commands for this home: its Prefect home, quiet, the home's credential."""
    from srdi import api_auth
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING")}
    env.update(QUIET, PREFECT_HOME=prefect_home(home.root))
    env.update(api_auth.server_env(home.state))
    return env


def _prefect(home, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prefect", *args], env=prefect_env(home), cwd="/",
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, start_new_session=True)


def _server_stop(home) -> None:
    """Prefect's `prefect server stop`: stops the server its pid file names and removes the file (a stale one too).
    Without the pid file the command only says "No server running in the background.", after 2–3 s of starting
    Prefect: then it is not run."""
    if _pid_file(home).exists():
        _prefect(home, "server", "stop")


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def start_embedded(home, port: int | None = None) -> str:
    """The home's embedded server's API URL, started now with `prefect server start --background` if none answers,
    on `port` when given (else a free one). It may still be migrating a new database: `wait_for` waits until it
    answers."""
    from srdi.api_auth import write_private
    with _locked(Path(home.state) / "prefect-embedded.lock"):
        url = embedded_server(home)
        if url:
            return url
        try:                                  # started by a command just before this one, still migrating: wait
            url = json.loads(embedded_file(home).read_text())["api_url"]
            if _server_pid(home) is not None and wait_for_ours(home, url):
                return url
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            pass
        _server_stop(home)                    # Prefect's own cleanup of a pid file a killed server left
        why = ""
        for attempt in range(1 if port else 3):     # a port taken between our look and Prefect's bind: another port
            port = port if port and attempt == 0 else free_port()
            r = _prefect(home, "server", "start", "--background", "--no-ui", "--host", "127.0.0.1", "--port", str(port))
            url = f"http://127.0.0.1:{port}/api"
            if r.returncode == 0 and wait_for_ours(home, url):
                write_private(embedded_file(home), json.dumps({
                    "api_url": url, "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
                return url
            _server_stop(home)
            if r.returncode and "already in use" not in r.stdout + r.stderr:   # not a port taken meanwhile: say it
                why = failure_reason(r.stderr + "\n" + r.stdout, f"exit code {r.returncode}")
                break
            why = f"the server ended before it answered on port {port}" + ("" if attempt == 0 else " (three ports tried)")
        raise ServerStartError(f"prefect server start --background: {why}")


def stop_embedded(home) -> bool:
    """Stop the home's embedded server (`prefect server stop`). True if one was running."""
    was = embedded_server(home) is not None
    _server_stop(home)
    embedded_file(home).unlink(missing_ok=True)
    return was


def use_prefect(home, say=None) -> str | None:
    """Choose this command's API (above) and configure this process for it; call before Prefect is imported.
    Returns the URL when it is one of the home's own servers (the embedded one or serve's), None for the
    operator's."""
    from srdi import api_auth
    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    os.environ["PREFECT_HOME"] = prefect_home(home.root)
    named = os.environ.get("PREFECT_API_URL")
    if named:
        if healthy(named, timeout=2.0):
            return None
        if say:
            say(f"PREFECT_API_URL（{named}）无响应，改用本 home 的 Prefect 服务器 / PREFECT_API_URL ({named}) does not "
                f"answer: using the home's own Prefect server")
        os.environ.pop("PREFECT_API_AUTH_STRING", None)
    api_auth.use(home.state)
    url = running_server(home) or start_embedded(home)
    os.environ["PREFECT_API_URL"] = url
    return url


def wait_for_ours(home, url: str, ceiling: float = 180.0) -> bool:
    """Until the home's server listens on `url` and answers (a new one migrates its database first: seconds).
    False when its process ends first (it could not bind the port, or was killed)."""
    import time
    deadline = time.monotonic() + ceiling
    while not (_serves(home, url) and healthy(url)):
        if _server_pid(home) is None:
            return False
        if time.monotonic() > deadline:
            raise ServerStartError(f"the Prefect server at {url} did not answer within {ceiling:.0f} s")
        time.sleep(0.1)
    return True


def wait_for(url: str, ceiling: float = 180.0) -> None:
    """Until the server answers: a new embedded server migrates its database first (seconds)."""
    import time
    deadline = time.monotonic() + ceiling
    while not healthy(url):
        if time.monotonic() > deadline:
            raise ServerStartError(f"the Prefect server at {url} did not answer within {ceiling:.0f} s")
        time.sleep(0.1)


# ------------------------------------------------------------------------------------ one command

def _start_time(pid: int) -> str | None:
    """A process's start time (/proc/<pid>/stat field 22): with the pid, its identity."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, whatever session it is in (/proc: each process's parent)."""
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                data = Path(f"/proc/{name}/stat").read_bytes()
                parent[int(name)] = int(data[data.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found: list[int] = []
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier}
        found.extend(frontier)
    return found


_current: "Command | None" = None


def current() -> "Command | None":
    return _current


class Command:
    """One command's Prefect runs and its Ctrl-C. `own_process`: this is the `srdi` process itself (not main()
    called inside another program): it then handles SIGINT/SIGTERM and ends with os._exit."""

    def __init__(self, name: str, own_process: bool):
        self.name = name
        self.own_process = own_process and threading.current_thread() is threading.main_thread()
        self.home = None
        self.api_url: str | None = None          # the home's own server this command uses (None: the operator's)
        # every flow run the command creates, subflows included, carries this Prefect tag: how an interrupted
        # command cancels its own runs only, and how the next command finds the runs of one that was killed
        self.tag = f"{TAG}{os.getpid()}-{_start_time(os.getpid()) or 0}"
        self.flows_started = False
        self.signum: int | None = None
        self.started_at = datetime.now(timezone.utc)
        self.stopped_at: datetime | None = None
        self._old: dict = {}
        self._lock = threading.Lock()
        self._saved_err: int | None = None
        self._wakeup: tuple[int, int, int] | None = None    # (read end, write end, the wakeup fd before ours)

    def __enter__(self) -> "Command":
        global _current
        if self.own_process:
            # polars installs a SIGINT handler of its own when it is first imported, with SA_RESTART: from then on a
            # Ctrl-C no longer interrupts the main thread's wait (for a task, a child), so the command went on until
            # that wait ended by itself (pola-rs/polars#21739; seen with a reading child held at work). Imported
            # here, before ours is installed, it is replaced by ours, which interrupts the wait.
            import polars  # noqa: F401
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._on_signal)
            self._watch_signals()
        _current = self
        return self

    def _watch_signals(self) -> None:
        """While a flow runs, Prefect's engine puts its own handler on SIGTERM (prefect.utilities.engine
        `capture_sigterm`): it raises in the flow, then waits for the flow's running tasks to end before it hands the
        signal on to ours. A task waiting for a reading child waited on, and with no stop of ours begun (children
        stopped, runs cancelled, the forced exit), a SIGTERM could leave the command running for as long as the read
        took. So every signal also reaches a pipe, written at the C level whichever Python handler is installed
        (`signal.set_wakeup_fd`), that a thread watches: a SIGTERM that went to Prefect's handler instead of ours
        begins the command's stop at once; Prefect's handling of its flow goes on beside it."""
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        self._wakeup = (read_end, write_end, signal.set_wakeup_fd(write_end, warn_on_full_buffer=False))

        def watch() -> None:
            try:
                while got := os.read(read_end, 64):       # b"" once __exit__ closes the write end
                    if signal.SIGTERM in got and not self._handles(signal.SIGTERM):
                        self._begin_stop(signal.SIGTERM)
            except OSError:
                pass
            finally:
                os.close(read_end)
        threading.Thread(target=watch, name="srdi-signals", daemon=True).start()

    def _handles(self, sig: int) -> bool:
        """Whether our handler is the one installed for `sig` (not Prefect's, say). Compared with ==: each access to
        a bound method makes a new object, so `is` never holds."""
        return signal.getsignal(sig) == self._on_signal

    def __exit__(self, exc_type, exc, tb) -> bool:
        global _current
        _current = None
        for sig, old in self._old.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        if self._wakeup is not None:
            signal.set_wakeup_fd(self._wakeup[2])
            os.close(self._wakeup[1])      # the watching thread reads the end and closes its end
        if self.signum is None:
            self._drain(5.0)
        else:
            # once more now that the flows have unwound (their engine may have set a run Crashed meanwhile), with
            # what is left before the forced exit: a slow server gets all of it
            t = threading.Thread(target=self._cancel_runs, args=(self.signum,), daemon=True)
            t.start()
            t.join(max(0.5, self._time_left() - 1.5))
            self._drain(min(1.0, max(0.1, self._time_left() - 0.5)))
        if self.signum is None:
            return False
        self._say_interrupted(self.signum)
        if self.own_process:
            os._exit(Exit.INTERRUPTED)
        return True

    # ---- before the first flow

    def use_home(self, home, api_url: str | None) -> None:
        self.home, self.api_url = home, api_url

    def before_flow(self) -> None:
        """Right before the first flow: wait for a new server, and settle what killed commands and workers left
        unfinished (on the home's own server only: a site's server is the operator's to judge)."""
        if self.flows_started:
            return
        self.flows_started = True
        if self.api_url is None or self.home is None:
            return
        if not healthy(self.api_url) and _server_pid(self.home) is None and running_server(self.home) is None:
            # the home's embedded server went away since this command chose it (`srdi stop`, a kill) while the
            # command waited for the writer lock: started again on the port this process's Prefect is set to
            print(f"srdi {self.name}: 本 home 的 Prefect 服务器已停止，重新启动 / the home's Prefect server stopped "
                  f"while this command waited: starting it again", file=sys.stderr, flush=True)
            url = start_embedded(self.home, port=_port(self.api_url))
            if url != self.api_url:       # another command started it first, on another port
                raise ServerStartError(f"the home's Prefect server now answers at {url}, not at {self.api_url} where "
                                       f"this command's runs report: run the command again")
        wait_for(self.api_url)
        try:
            from srdi.dead_runs import settle
            settle_killed_commands()
            settle(no_worker=running_server(self.home) is None,
                   log=lambda line: print(f"srdi {self.name}: {line}", file=sys.stderr, flush=True))
        except Exception as exc:
            print(f"srdi {self.name}: 无法检查未完成的流程运行 / could not check for unfinished runs: {exc}",
                  file=sys.stderr, flush=True)

    # ---- Ctrl-C and SIGTERM

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        earlier = self._begin_stop(signum)
        if earlier is not None:
            if signum == signal.SIGINT:
                self._force_exit(earlier)   # a second Ctrl-C: no more waiting
            return
        raise KeyboardInterrupt

    def _begin_stop(self, signum: int) -> int | None:
        """The command's stop, once, whoever sees the signal first (our handler, or the thread that watches for a
        SIGTERM that Prefect's handler took): None when this call began it, else the signal that did."""
        with self._lock:
            earlier = self.signum
            if earlier is None:
                self.signum, self.stopped_at = signum, datetime.now(timezone.utc)
        if earlier is not None:
            return earlier
        self._silence()
        threading.Thread(target=self._stop_children, daemon=True).start()
        # the runs are set Cancelled from the start, while the flows unwind: on a slow server the calls may take
        # seconds, and the forced exit below would otherwise cut them short and leave a run RUNNING
        threading.Thread(target=self._cancel_runs, args=(signum,), daemon=True).start()
        timer = threading.Timer(STOP_DEADLINE, self._force_exit, args=(signum,))
        timer.daemon = True
        timer.start()
        return None

    def _stop_children(self) -> None:
        """SIGTERM to the command's children (the reading children, a pool; the forkserver ignores it and ends with
        the command), again until the command ends, so that a task waiting for a child returns now (a stopped child
        fails no file: tasks/intake/isolate.py).
        No Prefect server is among them: the embedded one is started in a session of its own and is not ours."""
        import time
        while True:
            for pid in descendants(os.getpid()):
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
            time.sleep(0.25)

    def _silence(self) -> None:
        """From the signal on, only our one line reaches the terminal (no Prefect crash logs, no tracebacks)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        self._saved_err = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        threading.excepthook = lambda args: None
        sys.unraisablehook = lambda args: None

    def _say_interrupted(self, signum: int) -> None:
        """The one line the command ends with; `signum`: the signal that stopped it (the first one)."""
        names: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
        name = names.get(signum, f"signal {signum}")
        line = (f"srdi {self.name}: 已中断（{name}），本次运行已取消，下次运行会接着完成 / "
                f"interrupted ({name}): this run is cancelled; the next run finishes the work\n")
        try:
            os.write(self._saved_err if self._saved_err is not None else 2, line.encode("utf-8"))
        except OSError:
            pass

    def _time_left(self) -> float:
        """Seconds until the forced exit (STOP_DEADLINE after the signal)."""
        if self.stopped_at is None:
            return STOP_DEADLINE
        return STOP_DEADLINE - (datetime.now(timezone.utc) - self.stopped_at).total_seconds()

    def _force_exit(self, signum: int) -> None:
        self._say_interrupted(signum)
        os._exit(Exit.INTERRUPTED)

    def _drain(self, timeout: float) -> None:
        """Send Prefect's queued logs and events before the command ends (as Prefect's own harness does)."""
        if "prefect" not in sys.modules or not self.flows_started:
            return
        try:
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker
            APILogWorker.drain_all(timeout=timeout)
            EventsWorker.drain_all(timeout=timeout)
        except Exception:
            pass

    def _cancel_runs(self, signum: int) -> None:
        if not self.flows_started or "prefect" not in sys.modules:
            return
        try:
            cancel_flow_runs(self.tag, f"srdi {self.name} interrupted ({signal.Signals(signum).name})",
                             since=self.stopped_at)
        except Exception:
            pass


def _flow_runs(client, tag: str | None = None, states: tuple[str, ...] = ()) -> list:
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType,
                                                FlowRunFilterTags)
    from prefect.client.schemas.objects import StateType
    return client.read_flow_runs(flow_run_filter=FlowRunFilter(
        tags=FlowRunFilterTags(all_=[tag]) if tag else None,
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in states])) if states else None))


def settle_killed_commands() -> None:
    """The flow runs of commands that were killed (their tag names a process that is gone), still RUNNING or
    PENDING: set Crashed, as Prefect would have had it been told."""
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed
    with get_client(sync_client=True) as client:
        for run in _flow_runs(client, states=("RUNNING", "PENDING", "CANCELLING")):
            for tag in run.tags:
                pid, _, start = tag.removeprefix(TAG).partition("-")
                if tag.startswith(TAG) and pid.isdigit() and _start_time(int(pid)) != start:
                    client.set_flow_run_state(run.id, Crashed(message="the srdi command was killed"), force=True)


def cancel_flow_runs(tag: str, message: str, since: datetime | None = None) -> list[str]:
    """Set the command's flow runs Cancelled unless they completed, and their task runs that were still going or
    that failed or crashed from `since` on (the interruption stopped them). Returns the flow run ids changed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterState,
                                                TaskRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    changed = []
    with get_client(sync_client=True) as client:
        runs = _flow_runs(client, tag)
        for run in runs:
            if run.state is None or run.state.type not in (StateType.COMPLETED, StateType.CANCELLED):
                client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
                changed.append(str(run.id))
        if not runs:
            return changed
        live = [StateType.RUNNING, StateType.PENDING, StateType.SCHEDULED, StateType.PAUSED, StateType.CANCELLING]
        since = since - timedelta(seconds=1) if since else None
        for task_run in client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in runs])),
                task_run_filter=TaskRunFilter(state=TaskRunFilterState(type=TaskRunFilterStateType(
                    any_=live + [StateType.FAILED, StateType.CRASHED])))):
            state = task_run.state
            if state is None:           # not returned: the filter above asks for runs in given states
                continue
            if state.type in live or (since and state.timestamp and state.timestamp >= since):
                client.set_task_run_state(task_run.id, Cancelled(message=message), force=True)
    return changed
