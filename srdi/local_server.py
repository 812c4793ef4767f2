"""`srdi serve`: everything scheduling needs on one machine, started the real way.

A local Prefect server on SQLite (under <home>/.prefect), a process work pool, the deployments of prefect.yaml
(with their schedules and the inbox trigger), a worker, and a watcher on the inbox (srdi/watch_inbox.py): a file
dropped into the inbox starts the ingest within seconds, through a Prefect event and the ingest deployment's
trigger; the 15-minute schedule stays as a safety net. Ctrl-C stops the watcher, the worker, then the server.

The API requires the home's credential (srdi/api_auth.py); the work pool's job template lets no caller choose the
command, environment or directory of a run (deploy/process-work-pool.json); runs a killed worker or server left
unfinished are set Crashed before the worker starts (srdi/dead_runs.py).

What goes wrong is said in one line, with the reason and the fix, never a traceback: a port already in use, a
server or worker that exits (the reason read from its log), a deployment that fails.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from srdi.exits import Exit
from srdi.runtime import descendants, failure_reason, free_port, prefect_home, healthy, running_server, serve_file, stop_embedded
from warehouse.home import Home

REPO = Path(__file__).resolve().parents[1]
POOL = "srdi-local"
# the process pool's job template: Prefect's, without the variables a caller could run anything with (command, env,
# working_dir) and with no other variable allowed (issue #24; docs/security.md)
POOL_TEMPLATE = REPO / "deploy" / "process-work-pool.json"
WORKER_QUERY_SECONDS = "1"     # how often the worker asks for runs to start (Prefect's default is 10 s)
# How long a SIGTERM may take before SIGKILL. Prefect 3.9's worker turns SIGTERM into a SIGINT to itself, whose
# cancellation its run loop swallows: it never ends on its own (measured: still running after 20 s, every time),
# so waiting longer only delayed Ctrl-C by 20 s before the same SIGKILL. The flow runs it started (its descendants,
# which Prefect may start in sessions of their own) are stopped with it, and set Cancelled (`Services.stop`).
STOP_SECONDS = {"worker": 3.0, "server": 20.0}


LOG_MARK = "===== srdi:"        # written before each start into the server's or worker's log
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Make `srdi serve` its descendants' subreaper (prctl PR_SET_CHILD_SUBREAPER): a flow run whose worker was
    killed is re-parented to serve, not to init, so serve still finds it (`Services.stop`) and stops it."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def die_with_parent():
    """A preexec_fn: the kernel sends SIGKILL to the child when `srdi serve`'s main thread ends, however it ends."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)      # loaded before the fork: nothing is imported in the child
    return lambda: libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def server_failure(log: Path, fallback: str) -> str:
    """The reason a Prefect server or worker stopped, from its log since its last start (srdi/runtime.py
    `failure_reason`), else `fallback`."""
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 50000))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return fallback
    return failure_reason(text.split(LOG_MARK)[-1], fallback)


def _signal_all(pids, sig, group: bool = False) -> None:
    for pid in pids:
        for kill, target in ((os.killpg, pid), (os.kill, pid)) if group else ((os.kill, pid),):
            try:
                kill(target, sig)
            except (ProcessLookupError, PermissionError):
                pass


class ServeError(Exception):
    """A failure `srdi serve` reports in one line (the reason and the fix); `code` is its exit code."""

    def __init__(self, message: str, code: int = Exit.FAILED):
        super().__init__(message)
        self.code = code


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """As Prefect's `server start` checks it (SO_REUSEADDR, as uvicorn binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def suggest_port(port: int) -> int:
    for candidate in range(port + 1, port + 100):
        if 0 < candidate < 65536 and port_free(candidate):
            return candidate
    return free_port()


def port_message(port: int) -> str:
    other = suggest_port(port)
    return (f"端口 {port} 已被占用，请用 --port 换一个端口，例如 srdi serve --port {other} / "
            f"Port {port} is already in use: choose another with --port, e.g. srdi serve --port {other}")


def state_file(home: Home) -> Path:
    return serve_file(home)


def threading_is_main() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def _prefect(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


def _last_lines(text: str, n: int = 1) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
    return " | ".join(lines[-n:])[:400] if lines else ""


class Services:
    def __init__(self, home: Home, port: int | None = None, log=print, extra_env: dict | None = None):
        from srdi import api_auth
        self.home = home.ensure()
        self.port = port or free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log = log
        self.credential = api_auth.credential_file(self.home.state)
        auth = api_auth.server_env(self.home.state)
        # this process (the inbox watcher, the settling of dead runs) is a client of this server: set before
        # Prefect is imported, which reads its settings once
        os.environ.update(auth, PREFECT_API_URL=self.api_url)
        self.env = dict(os.environ, SRDI_HOME=str(self.home.root), SRDI_REPO=str(REPO), PREFECT_API_URL=self.api_url,
                        DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                        # yearly schedules (半年例会, 年度总结) need runs created more than 100 days ahead
                        PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME="P400D",
                        PREFECT_HOME=prefect_home(self.home.root),
                        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
        self.env.setdefault("PREFECT_WORKER_QUERY_SECONDS", WORKER_QUERY_SECONDS)
        self.env.update(auth)      # the server requires it; the deploy commands, the worker and its runs send it
        self.env.update(extra_env or {})
        self.logs = self.home.state / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        """In a session of its own (Ctrl-C reaches `srdi serve`, which stops it in order); the kernel kills it if
        `srdi serve` dies (PR_SET_PDEATHSIG: the one tie the operating system offers, and nothing else does)."""
        log = self.log_of(name)
        with open(log, "ab") as out:
            out.write(f"\n{LOG_MARK} serve's {name} started {datetime.now().isoformat(timespec='seconds')}\n".encode())
            out.flush()
            return subprocess.Popen(args, env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=die_with_parent())

    def _run(self, what: str, args: list[str]) -> None:
        r = subprocess.run(args, env=self.env, cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            with open(self.log_of("deploy"), "a", encoding="utf-8") as f:
                f.write(f"\n===== {' '.join(args[2:])} (exit {r.returncode})\n{r.stdout}\n{r.stderr}\n")
            reason = _last_lines(r.stderr) or _last_lines(r.stdout) or f"exit code {r.returncode}"
            raise ServeError(f"{what} 失败 / {what} failed: {reason} (log: {self.log_of('deploy')})")

    def exited(self, name: str, proc: subprocess.Popen) -> ServeError:
        """The one line for a server or worker that ended: the reason from its log, and the fix when we know it."""
        log = self.log_of(name)
        code = proc.returncode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        reason = server_failure(log, "")
        label = {"server": "Prefect 服务器 / the Prefect server", "worker": "worker / the worker"}[name]
        if "already in use" in reason.lower() or "address in use" in reason.lower():
            return ServeError(f"{label}: {port_message(self.port)}", code=Exit.USAGE)
        return ServeError(f"{label} 已退出 / exited ({how}){': ' + reason if reason else ''}; 看过日志后请重新运行 "
                          f"srdi serve / see {log}, then run srdi serve again")

    def start(self, timeout: float = 180.0) -> "Services":
        if not port_free(self.port):
            raise ServeError(port_message(self.port), code=Exit.USAGE)
        self.log(f"starting the Prefect server on {self.api_url} (database under {self.env['PREFECT_HOME']})")
        self.server = self._spawn("server", _prefect("server", "start", "--host", "127.0.0.1", "--port", str(self.port)))
        deadline = time.monotonic() + timeout
        while not healthy(self.api_url):
            if self.server.poll() is not None:
                raise self.exited("server", self.server)
            if time.monotonic() > deadline:
                raise ServeError(f"Prefect 服务器 {timeout:.0f} 秒内没有响应 / the Prefect server did not answer "
                                 f"within {timeout:.0f} s (log: {self.log_of('server')})")
            time.sleep(0.25)
        self.log(f"creating the process work pool {POOL}, starting a worker and deploying prefect.yaml")
        self.create_pool()
        self.settle_dead_runs()
        # the worker starts (2–3 s of imports) while prefect.yaml is deployed: it finds the deployments' runs once
        # they exist; a deploy that fails stops it with the rest (`stop`)
        self.worker = self._spawn("worker", _prefect("worker", "start", "--pool", POOL, "--type", "process"))
        self._run("部署 prefect.yaml / deploying prefect.yaml", _prefect("--no-prompt", "deploy", "--all"))
        from srdi.api_auth import write_private
        write_private(state_file(self.home), json.dumps({"api_url": self.api_url, "server_pid": self.server.pid,
                                                          "worker_pid": self.worker.pid}))
        return self

    def create_pool(self) -> None:
        """The process work pool with srdi's job template, created or overwritten through Prefect's client (what
        `prefect work-pool create --overwrite` does, without starting a second Python for it)."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import WorkPoolCreate
        template = json.loads(POOL_TEMPLATE.read_text(encoding="utf-8"))
        try:
            with get_client(sync_client=True) as client:
                client.create_work_pool(WorkPoolCreate(name=POOL, type="process", base_job_template=template),
                                        overwrite=True)
        except Exception as exc:
            raise ServeError(f"创建 work pool 失败 / creating the work pool failed: {exc}") from exc

    def settle_dead_runs(self) -> None:
        """Before this serve's worker starts no worker of the home's pool runs: every run a killed worker or server
        left unfinished is set Crashed, its concurrency slot released (srdi/dead_runs.py)."""
        from srdi.dead_runs import settle
        settle(no_worker=True, log=lambda line: self.log(f"srdi serve: {line}"))

    def check(self) -> None:
        for name, proc in (("server", self.server), ("worker", self.worker)):
            if proc is not None and proc.poll() is not None:
                raise self.exited(name, proc)

    def stop(self) -> None:
        if threading_is_main():
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not leave orphans behind
        state_file(self.home).unlink(missing_ok=True)
        worker_alive = self.worker is not None and self.worker.poll() is None
        runs = descendants(self.worker.pid) if self.worker and worker_alive else []
        if self.worker is not None and not worker_alive:
            self._crash_orphaned_runs()
        for name, proc in (("worker", self.worker), ("server", self.server)):
            if proc and proc.poll() is None:
                if name == "server" and runs:       # the runs the worker was running: Cancelled, not left RUNNING
                    self._cancel_stopped_runs()
                _signal_all([proc.pid, *runs] if name == "worker" else [proc.pid], signal.SIGTERM, group=True)
                try:
                    proc.wait(timeout=STOP_SECONDS[name])
                except subprocess.TimeoutExpired:
                    _signal_all([proc.pid], signal.SIGKILL, group=True)
                    proc.wait()
                if name == "worker":
                    _signal_all(runs, signal.SIGKILL, group=True)
                self.log(f"{name} stopped")

    def _crash_orphaned_runs(self) -> None:
        """The worker was killed: the runs it had started live on as serve's children (`adopt_orphans`). They are
        killed, and set Crashed while the server still answers (else at the next start, `settle_dead_runs`)."""
        server = {self.server.pid, *descendants(self.server.pid)} if self.server else set()
        orphans = [p for p in descendants(os.getpid()) if p not in server]
        if not orphans:
            return
        _signal_all(orphans, signal.SIGKILL)
        for pid in orphans:
            try:
                os.waitpid(pid, 0)      # reaped here, so the crash check sees them gone
            except ChildProcessError:
                pass
        if self.server is not None and self.server.poll() is None:
            try:
                self.settle_dead_runs()
            except Exception as exc:
                self.log(f"srdi serve: could not set the killed worker's runs Crashed: {exc}")

    def _cancel_stopped_runs(self) -> None:
        try:
            from srdi.dead_runs import settle
            settle(no_worker=True, cancelled="srdi serve stopped", log=lambda line: self.log(f"srdi serve: {line}"))
        except Exception as exc:
            self.log(f"srdi serve: could not set the stopped runs Cancelled: {exc}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def start_watcher(services: Services, mode: str, settle: float, poll_interval: float):
    """The inbox watcher, emitting to this serve's server (Prefect is imported here, its API set first)."""
    from srdi.watch_inbox import InboxWatcher, emit_settled

    os.environ["PREFECT_API_URL"] = services.api_url
    home = services.home

    def fire(paths: list[Path]) -> None:
        emit_settled(home.root, home.inbox, paths, settle, watcher.mode)
        names = ", ".join(sorted({p.name for p in paths})[:3]) + (" …" if len(paths) > 3 else "")
        from schemas import clock
        print(f"{clock.shown(clock.now(), home.time_zone, '%H:%M:%S')} 收件箱：{len(paths)} 个文件已放稳，已发出入库事件 / inbox: "
              f"{len(paths)} file(s) settled ({names}); event {EVENT_NAME} sent", flush=True)

    watcher = InboxWatcher(home.inbox, fire, mode=mode, settle=settle, poll_interval=poll_interval)
    return watcher.start()


EVENT_NAME = "srdi.inbox.settled"


def serve(home: Home, port: int | None = None, watch: str = "auto", settle: float = 2.0,
          poll_interval: float = 1.0) -> int:
    url = running_server(home)
    if url:
        print(f"srdi serve: 此 home 已有 srdi serve 在运行（{url.removesuffix('/api')}）/ "
              f"srdi serve is already running for this home at {url.removesuffix('/api')}", file=sys.stderr)
        return Exit.USAGE
    services = Services(home, port)
    watcher = None

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    adopt_orphans()
    try:
        # the home's embedded server (srdi/runtime.py) hands its database over to this one: Prefect's own stop
        if stop_embedded(home):
            print("srdi serve: stopped the home's embedded Prefect server (prefect server stop); this server takes over")
        services.start()
        if watch != "off":
            watcher = start_watcher(services, watch, settle, poll_interval)
        print(f"srdi serve: Prefect UI and API at {services.api_url.removesuffix('/api')}; worker on pool {POOL}.")
        print(f"  login: the UI asks for the API credential: paste the line in {services.credential} "
              f"(readable by you only; srdi's commands read it themselves).")
        if watcher is not None:
            print(f"  inbox: {home.inbox} watched by {watcher.describe()}.")
        print(f"  schedules: see prefect.yaml; logs in {services.logs}. Press Ctrl-C to stop.", flush=True)
        while True:
            services.check()
            if watcher is not None and not watcher.healthy():
                try:
                    watcher.restart()
                except OSError as exc:       # the inbox is unreachable for now: the schedule still runs
                    print(f"srdi serve: 收件箱暂时无法监视 / cannot watch the inbox for now: {exc}", file=sys.stderr)
                    time.sleep(10)
            time.sleep(1)
    except ServeError as exc:
        print(f"srdi serve: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("\nsrdi serve: stopping", flush=True)
        return 0
    finally:
        if watcher is not None:
            watcher.stop()
        services.stop()
