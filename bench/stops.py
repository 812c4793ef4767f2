"""How soon srdi stops (#21): the durations the tests used to assert ("stopped within 10 s", "idle for 3 s", "gone
within 10 s"), measured here against their goals instead. The tests (tests/test_interrupt.py, test_fixed_cost.py,
test_reader_limits.py, test_postgres.py, test_query.py) only wait for each stop, with a ceiling only a hang reaches.

    ctrl_c_stop_s        Ctrl-C (SIGINT to the job) while a child reads a big workbook → the command has exited
    ctrl_c_all_gone_s    … → every process it started is gone (but the home's background server, by design)
    sigkill_all_gone_s   SIGKILL of the command alone, while reading → every process it started is gone (ditto)
    serve_stop_s         `srdi serve` stopped as systemd stops it (SIGTERM, KillMode=mixed) → exited
    query_timeout_stop_s `srdi query --timeout 1` on a query of hours → the command has exited
"""
from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CEILING = 600.0          # a hang: the bench gives up on that repetition
IDLE_SECONDS = 3


def _marked(mark: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    if f"BENCH_MARK={mark}".encode() in f.read().split(b"\0"):
                        found.append(int(name))
            except OSError:
                pass
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
        return int(data[data.rindex(b")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def _until(cond, what: str, every: float = 0.02) -> float:
    """Seconds until `cond()` holds (SystemExit past CEILING)."""
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > CEILING:
            raise SystemExit(f"bench stops: {what} not within {CEILING:g} s")
        time.sleep(every)
    return time.perf_counter() - t0


def _background(home: Path) -> int | None:
    """The home's embedded Prefect server (Prefect's pid file), if it runs."""
    try:
        pid = int((home / ".prefect" / "server.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _env(mark: str, **extra) -> dict[str, str]:
    """As bench/run.py's bench_env (a home of its own, no shared Prefect API), with a mark every descendant inherits."""
    env = dict(os.environ)
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    for k in ("PREFECT_HOME", "PREFECT_API_URL", "PREFECT_PROFILE", "SRDI_HOME"):
        env.pop(k, None)
    env.update(BENCH_MARK=mark, **extra)
    return env


def _home_with_big_file(base: Path, name: str, big: Path) -> Path:
    from samples.share import build_sample_share
    from warehouse.home import Home
    home = Home.resolve(base / name).ensure()
    build_sample_share(home.inbox)
    shutil.copyfile(big, home.inbox / "工信局" / big.name)
    return home.root


def _reading(mark: str) -> bool:
    procs = {pid: _cmdline(pid) for pid in _marked(mark)}
    servers = {pid for pid, c in procs.items() if "multiprocessing.forkserver" in c}
    return any(_ppid(pid) in servers for pid in procs)


def _interrupted(home: Path, sig: int, logs: Path, tag: str) -> tuple[float, float]:
    """(seconds to the command's exit, seconds to every process of it gone but the background server)."""
    mark = uuid.uuid4().hex
    with open(logs / f"{tag}.log", "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home), "--settle", "0"],
                                cwd=ROOT, env=_env(mark), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    _until(lambda: _reading(mark) or proc.poll() is not None, "a reading child at work")
    if proc.poll() is not None:
        raise SystemExit(f"bench stops: the ingest ended before it was interrupted; see {logs / tag}.log")
    time.sleep(0.5)
    t0 = time.perf_counter()
    if sig == signal.SIGKILL:
        os.kill(proc.pid, sig)
    else:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=CEILING)
    exited = time.perf_counter() - t0
    _until(lambda: not [p for p in _marked(mark) if p != _background(home)], "the command's processes gone")
    return exited, time.perf_counter() - t0


def bench_stops(work: Path, reps: int, big: Path, log) -> dict:
    """`big`: a big enterprise workbook (bench/generate.py's `big` workload) that keeps a reading child busy."""
    from srdi.local_server import free_port
    base = work / "stops-bench"
    shutil.rmtree(base, ignore_errors=True)
    logs = base / "logs"
    logs.mkdir(parents=True)
    res: dict = {"raw": {}}

    def add(key: str, value: float) -> None:
        res["raw"].setdefault(key, []).append(round(value, 3))

    for rep in range(reps):
        home = _home_with_big_file(base, f"ctrl-c-{rep}", big)
        exited, gone = _interrupted(home, signal.SIGINT, logs, f"{rep}-ctrl-c")
        add("ctrl_c_stop_s", exited)
        add("ctrl_c_all_gone_s", gone)
        home = _home_with_big_file(base, f"kill-{rep}", big)
        add("sigkill_all_gone_s", _interrupted(home, signal.SIGKILL, logs, f"{rep}-kill")[1])
        from srdi.runtime import stop_embedded
        from warehouse.home import Home
        for h in (base / f"ctrl-c-{rep}", base / f"kill-{rep}"):
            stop_embedded(Home.resolve(h))

        # `srdi query --timeout 1` on hours of work
        from warehouse.home import Home
        qhome = Home.resolve(base / f"query-{rep}").ensure()
        import duckdb
        duckdb.connect(str(qhome.warehouse)).close()
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(qhome.root), "--timeout", "1",
                            "SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b"], cwd=ROOT,
                           env=_env(uuid.uuid4().hex), capture_output=True, text=True, timeout=CEILING)
        if r.returncode == 2:
            add("query_timeout_stop_s", time.perf_counter() - t0)
        log(f"  rep {rep + 1}/{reps}: Ctrl-C → exit {res['raw']['ctrl_c_stop_s'][-1]:.2f}s, all gone "
            f"{res['raw']['ctrl_c_all_gone_s'][-1]:.2f}s; SIGKILL → all gone {res['raw']['sigkill_all_gone_s'][-1]:.2f}s;"
            f" query --timeout 1 → "
            f"{(res['raw'].get('query_timeout_stop_s') or ['n/a'])[-1]}s")

    # `srdi serve`, stopped as systemd's srdi-serve.service stops it: SIGTERM to the main process (KillMode=mixed)
    from warehouse.home import Home
    for rep in range(reps):
        home = Home.resolve(base / f"serve-{rep}").ensure()
        port = free_port()
        with open(logs / f"{rep}-serve.log", "w", encoding="utf-8") as out:
            proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "serve", "--home", str(home.root), "--port",
                                     str(port)], cwd=ROOT, env=_env(uuid.uuid4().hex), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _until(lambda home=home, proc=proc: (home.state / "prefect-server.json").exists() or proc.poll() is not None,
                   "srdi serve up", 0.2)
            t0 = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=CEILING)
            add("serve_stop_s", time.perf_counter() - t0)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    res["medians"] = {k: statistics.median(v) for k, v in res["raw"].items()}
    return res


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0]
    except (OSError, IndexError):
        return "zombie"


def timeout_stop_sec() -> float:
    """TimeoutStopSec of deploy/systemd/srdi-serve.service: after it systemd kills what has not stopped."""
    for line in (ROOT / "deploy" / "systemd" / "srdi-serve.service").read_text(encoding="utf-8").splitlines():
        if line.startswith("TimeoutStopSec="):
            return float(line.split("=", 1)[1])
    return 90.0          # systemd's default


def stops_table(res: dict, out=print) -> None:
    m = res.get("medians", {})
    out("\n== how soon srdi stops (medians; #21: the durations the tests no longer assert) ==")
    for key in ("ctrl_c_stop_s", "ctrl_c_all_gone_s", "sigkill_all_gone_s", "idle_stop_s", "deleted_home_stop_s",
                "serve_stop_s", "query_timeout_stop_s"):
        if m.get(key) is not None:
            out(f"{key:<28}{m[key]:7.2f} s   ({', '.join(f'{v:.2f}' for v in res['raw'][key])})")
