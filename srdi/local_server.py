"""`srdi serve`: everything scheduling needs on one machine, started the real way.

A local Prefect server on SQLite (under <home>/.prefect), a process work pool, the deployments of
prefect.yaml, and a worker. Ctrl-C stops the worker, then the server. The temporary server that plain
`srdi ingest` starts cannot schedule anything; this one can.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from warehouse.home import Home

REPO = Path(__file__).resolve().parents[1]
POOL = "srdi-local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def state_file(home: Home) -> Path:
    return home.state / "prefect-server.json"


def running_server(home: Home) -> str | None:
    """The API URL of this home's `srdi serve`, if one is up: ingest and rollups then skip the temporary server."""
    try:
        url = json.loads(state_file(home).read_text())["api_url"]
    except (OSError, ValueError, KeyError):
        return None
    return url if healthy(url, timeout=0.5) else None


def threading_is_main() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def _prefect(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


class Services:
    def __init__(self, home: Home, port: int | None = None, log=print, extra_env: dict | None = None):
        self.home = home.ensure()
        self.port = port or free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log = log
        self.env = dict(os.environ, SRDI_HOME=str(self.home.root), SRDI_REPO=str(REPO), PREFECT_API_URL=self.api_url,
                        DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
                        # yearly schedules (半年例会, 年度总结) need runs created more than 100 days ahead
                        PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME="P400D",
                        PREFECT_HOME=os.environ.get("PREFECT_HOME", str(self.home.root / ".prefect")),
                        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
        self.env.update(extra_env or {})
        self.logs = self.home.state / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        """In a session of its own (Ctrl-C reaches `srdi serve`, which stops it in order); the kernel kills it if
        `srdi serve` dies (srdi/processes.py: and the guard stops what it started, such as flow runs)."""
        from srdi.processes import die_with_parent
        with open(self.logs / f"{name}.log", "ab") as out:
            return subprocess.Popen(args, env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=die_with_parent())

    def _run(self, args: list[str]) -> None:
        r = subprocess.run(args, env=self.env, cwd=REPO, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args[2:])} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")

    def start(self, timeout: float = 120.0) -> "Services":
        self.log(f"starting the Prefect server on {self.api_url} (database under {self.env['PREFECT_HOME']})")
        self.server = self._spawn("server", _prefect("server", "start", "--host", "127.0.0.1", "--port", str(self.port)))
        deadline = time.monotonic() + timeout
        while not healthy(self.api_url):
            if self.server.poll() is not None:
                raise RuntimeError(f"the Prefect server exited; see {self.logs / 'server.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {timeout:.0f}s; see {self.logs / 'server.log'}")
            time.sleep(0.5)
        self.log(f"creating the process work pool {POOL} and deploying prefect.yaml")
        self._run(_prefect("work-pool", "create", POOL, "--type", "process", "--overwrite"))
        self._run(_prefect("--no-prompt", "deploy", "--all"))
        self.log("starting a worker")
        self.worker = self._spawn("worker", _prefect("worker", "start", "--pool", POOL, "--type", "process"))
        state_file(self.home).write_text(json.dumps({"api_url": self.api_url, "server_pid": self.server.pid,
                                                      "worker_pid": self.worker.pid}))
        return self

    def stop(self) -> None:
        if threading_is_main():
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not leave orphans behind
        state_file(self.home).unlink(missing_ok=True)
        for name, proc in (("worker", self.worker), ("server", self.server)):
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                self.log(f"{name} stopped")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(home: Home, port: int | None = None) -> int:
    services = Services(home, port)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        services.start()
        print(f"srdi serve: Prefect UI and API at {services.api_url.removesuffix('/api')}; worker on pool {POOL}.")
        print(f"  schedules: see prefect.yaml; logs in {services.logs}. Press Ctrl-C to stop.")
        while True:
            for name, proc in (("server", services.server), ("worker", services.worker)):
                if proc.poll() is not None:
                    print(f"srdi serve: the {name} exited (code {proc.returncode}); see {services.logs / (name + '.log')}",
                          file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nsrdi serve: stopping")
        return 0
    finally:
        services.stop()
