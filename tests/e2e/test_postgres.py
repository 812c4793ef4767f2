"""The multi-machine path of docs/scaling.md, run for real: PostgreSQL, a Prefect server on it, a worker on another
"host", prefect.yaml deployed, the ingest and a rollup run as deployments, the warehouse and the pack checked.

What runs is what an operator copies from deploy/: the test reads deploy/*.env and deploy/systemd/*.service, makes
the edits an operator makes (host names, ports, the password, paths), and starts each unit's ExecStartPre/ExecStart
with its EnvironmentFile and WorkingDirectory. Two hosts are simulated on this one: the server host and the writer
host have their own directories, HOME, PREFECT_HOME and environment (only what their env file says); they meet
over TCP on 127.0.0.1 only.

PostgreSQL runs in a temporary directory (initdb, pg_ctl, a free port on 127.0.0.1, its unix socket in the same
directory). initdb refuses to run as root: as root, the cluster belongs to the `postgres` user (Debian's package
creates it). Every process the test starts carries a mark in its environment; at the end none may be left, and a
failure midway stops everything too (PostgreSQL with `pg_ctl stop -m fast`). The logs go to
test-artifacts/postgres/. Nothing here is timed: each step is waited for with a ceiling only a hang reaches.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from srdi.runtime import free_port, healthy
from tests.helpers import HANG, cmdline, owner_alive, owner_token, processes_with, wait_until
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ARTIFACTS = ROOT / "test-artifacts" / "postgres"
MARK = "TEST_POSTGRES_OWNER"
POOL = "srdi-local"


# ------------------------------------------------------------------------------------------ finding PostgreSQL

def pg_bindir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian keeps them in /usr/lib/postgresql/<major>/bin (off PATH)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [d for d in found if (d / "pg_ctl").exists() and (d / "psql").exists()]
    if found:
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl") and shutil.which("psql"):
        return Path(initdb).parent
    return None


def cluster_user() -> pwd.struct_passwd | None:
    """Who owns the cluster: ourselves, or as root the `postgres` user (initdb will not run as root)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


# ------------------------------------------------------------------------------------------ processes by mark

def marked_processes(token: str | None = None) -> dict[int, str]:
    """pid → token of every live process carrying the test's mark."""
    return processes_with(MARK, token)


def describe(pids) -> list[str]:
    return [f"{pid}: {(cmdline(pid) or '?')[:200]}" for pid in pids]


def kill_all(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def sweep_earlier_runs() -> None:
    """Processes an earlier run of this test left when it was killed outright (its pytest gone)."""
    stale = [pid for pid, token in marked_processes().items() if not owner_alive(token)]
    kill_all(stale, signal.SIGKILL)


# ------------------------------------------------------------------------------------------ deploy/ as an operator reads it

def read_env_file(path: Path) -> dict[str, str]:
    """systemd's EnvironmentFile format, as deploy/ uses it: KEY=VALUE lines, # comments."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path.name}: not KEY=VALUE: {line!r}"
            env[key] = value
    return env


def read_unit(path: Path) -> dict[str, list[str]]:
    """The [Service] section of a systemd unit: key → values in order (ExecStartPre may repeat)."""
    section, out = None, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


class Site:
    """The operator's edits, as substitutions: where /opt/srdi, /etc/srdi, /srv/srdi… are on this machine, and the
    host names, ports and password of this run."""

    def __init__(self, base: Path, pg_port: int, api_port: int, password: str):
        self.base = base
        venv_bin = Path(sys.executable).parent
        self.paths = {                                    # longest first: /opt/srdi/.venv/bin before /opt/srdi
            "/opt/srdi/.venv/bin": str(venv_bin),
            "/opt/srdi": str(ROOT),
            "/etc/srdi": str(base / "etc-srdi"),
            "/srv/srdi": str(base / "writer-host" / "srv-srdi"),
            "/var/lib/prefect-server": str(base / "server-host" / "var-lib-prefect-server"),
        }
        # the API over the TLS proxy the docs put in front (docs/scaling.md); here the hosts meet on loopback
        api = {"https://prefect.internal/api": f"http://127.0.0.1:{api_port}/api"}
        self.edits = {                                    # per env file: what the operator replaces
            "prefect-server.env": {
                "prefect:CHANGE_ME@db.internal:5432": f"prefect:{password}@127.0.0.1:{pg_port}",
                "PREFECT_SERVER_API_PORT=4200": f"PREFECT_SERVER_API_PORT={api_port}",
                **api},
            "srdi-worker.env": api,
        }

    def text(self, s: str) -> str:
        for old, new in self.paths.items():
            s = s.replace(old, new)
        return s

    def env_file(self, name: str) -> tuple[Path, dict[str, str]]:
        """deploy/<name> edited as the operator would, installed under /etc/srdi (here: base/etc-srdi)."""
        text = (DEPLOY / name).read_text(encoding="utf-8")
        for old, new in self.edits[name].items():
            assert old in text, f"deploy/{name} no longer has {old!r}: update the test's edits and the docs"
            text = text.replace(old, new)
        text = self.text(text)
        target = Path(self.paths["/etc/srdi"]) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        # the API credential, as the operator makes it: deploy/setup-auth.sh, the server's file first (its
        # credential is kept and copied into the worker's)
        server = target.with_name("prefect-server.env")
        subprocess.run([str(DEPLOY / "setup-auth.sh"), *dict.fromkeys([str(server), str(target)])], check=True,
                       capture_output=True, timeout=HANG)
        assert target.stat().st_mode & 0o077 == 0
        text = target.read_text(encoding="utf-8")
        settings = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"CHANGE_ME|\.internal|/opt/srdi|/srv/srdi", settings), settings
        return target, read_env_file(target)

    def unit(self, name: str, hostname: str, args: dict[str, str] | None = None) -> dict:
        """A unit's commands, environment and working directory, paths and %H resolved for this machine; `args`:
        command-line arguments the operator would change (a port)."""
        spec = read_unit(DEPLOY / "systemd" / name)
        env = {}
        for f in spec.get("EnvironmentFile", []):
            env.update(read_env_file(Path(self.text(f))))
        for assignment in spec.get("Environment", []):
            for kv in shlex.split(assignment):
                k, _, v = kv.partition("=")
                env[k] = v

        def command(line: str) -> list[str]:
            argv = [self.text(a).replace("%H", hostname) for a in shlex.split(line)]
            return [(args or {}).get(a, a) for a in argv]
        return {"env": env, "cwd": Path(self.text(spec["WorkingDirectory"][0])), "kill_mode": spec.get("KillMode", ["control-group"])[0],
                "pre": [command(c) for c in spec.get("ExecStartPre", [])], "start": command(spec["ExecStart"][0])}


# ------------------------------------------------------------------------------------------ the lab

class Lab:
    """Everything the test starts, and how it all stops (idempotent; also after a failure midway)."""

    def __init__(self, tmp: Path, bindir: Path, owner: pwd.struct_passwd):
        self.tmp, self.bindir, self.owner = tmp, bindir, owner
        self.token = owner_token()
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = tmp / "logs"
        self.logs.mkdir()
        # the cluster's directory must be reachable by its owner: not under pytest's 0700 tmp tree
        self.pg_root = Path(tempfile.mkdtemp(prefix="srdi-pg-"))
        os.chown(self.pg_root, owner.pw_uid, owner.pw_gid)
        self.pg_data = self.pg_root / "data"
        self.pg_port = free_port()
        self.pg_started = False
        self.last: subprocess.CompletedProcess | None = None

    # -- environments: a clean host has nothing of ours or of Prefect's set

    def base_env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PREFECT_", "SRDI_", "PG", "DASK_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        home.mkdir(parents=True, exist_ok=True)
        env.update({MARK: self.token, "HOME": str(home), "PATH": f"{self.bindir}{os.pathsep}{env.get('PATH', '')}",
                    # as every subprocess test here: the repository's packages (the venv has them installed too)
                    "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8"})
        return env

    def as_owner(self) -> dict:
        if os.geteuid() == 0:
            return {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}
        return {}

    def run(self, name: str, args: list[str], env: dict, cwd: Path, timeout: float = HANG, **kw) -> str:
        r = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)
        self.last = r
        with open(self.logs / f"{name}.log", "a", encoding="utf-8") as log:
            log.write(f"$ {shlex.join(args)}\n{r.stdout}\n{r.stderr}\n")
        assert r.returncode == 0, f"{name} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r.stdout

    def spawn(self, name: str, args: list[str], env: dict, cwd: Path) -> subprocess.Popen:
        """A service, in a session of its own (stopping it reaches its whole process group)."""
        with open(self.logs / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, n: int = 4000) -> str:
        try:
            return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""

    # -- PostgreSQL

    def pg_env(self) -> dict:
        env = self.base_env(self.tmp / "db-host" / "home")
        env.update(PGHOST=str(self.pg_root), PGPORT=str(self.pg_port))
        if os.geteuid() == 0:
            env.update(HOME=str(self.pg_root), USER=self.owner.pw_name, LOGNAME=self.owner.pw_name)
        return env

    def start_postgres(self) -> None:
        env = self.pg_env()
        self.run("initdb", [str(self.bindir / "initdb"), "-D", str(self.pg_data), "--auth-local=peer",
                            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"],
                 env, self.pg_root, **self.as_owner())
        options = f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {self.pg_root}"
        self.pg_started = True     # from here on, stop() runs pg_ctl stop
        self.run("pg_ctl-start", [str(self.bindir / "pg_ctl"), "-D", str(self.pg_data), "-l",
                                  str(self.pg_root / "postgres.log"), "-o", options, "-w", "-t", "60", "start"],
                 env, self.pg_root, **self.as_owner())

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self.run("psql", [str(self.bindir / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db,
                                 "-c", sql], self.pg_env(), self.pg_root, **self.as_owner()).strip()

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.pg_data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- stopping

    def stop_service(self, name: str, grace: float = HANG) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)           # as systemd stops a unit: SIGTERM to all of it
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        """As an operator stops the units: the worker, the server (SIGTERM to each process group), PostgreSQL."""
        for name in ("worker", "server"):
            self.stop_service(name)
        if self.pg_started and self.pg_data.exists():
            self.pg_started = False
            try:
                self.run("pg_ctl-stop", [str(self.bindir / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w",
                                         "-t", "60", "stop"], self.pg_env(), self.pg_root, **self.as_owner())
            except AssertionError:
                pass     # leftovers() reports anything still running

    def leftovers(self) -> list[str]:
        """What is still running of everything the test started: [] once all of it exited, else what a hang left."""
        try:
            wait_until(lambda: not marked_processes(self.token), HANG, "everything the test started exited", every=0.1)
        except AssertionError:
            pass
        return describe(marked_processes(self.token))

    def sweep(self) -> None:
        """After a failure: whatever is left (flow runs, reading children), SIGTERM, then SIGKILL."""
        left = marked_processes(self.token)
        if left:
            kill_all(left, signal.SIGTERM)
            time.sleep(5)                   # a grace period before SIGKILL, as systemd gives one (cleanup only)
            kill_all(marked_processes(self.token), signal.SIGKILL)

    def cleanup(self) -> None:
        self.stop()
        self.sweep()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for log in self.logs.glob("*.log"):
            shutil.copyfile(log, ARTIFACTS / log.name)
        if (self.pg_root / "postgres.log").exists():
            shutil.copyfile(self.pg_root / "postgres.log", ARTIFACTS / "postgres.log")
        shutil.rmtree(self.pg_root, ignore_errors=True)


def wait_for(what: str, check, proc: subprocess.Popen | None = None, log: str = "") -> None:
    """Until `check()`, while `proc` runs; the ceiling only a hang reaches."""
    wait_until(check, HANG, lambda: f"{what} (exit code {proc.returncode if proc else None}):\n{log}",
               alive=(lambda: proc.poll() is None) if proc is not None else None, every=0.5)


# ------------------------------------------------------------------------------------------ the test

BINDIR = pg_bindir()
OWNER = cluster_user()


@pytest.mark.skipif(BINDIR is None, reason="PostgreSQL is not installed (no initdb/pg_ctl/psql under "
                    "/usr/lib/postgresql/*/bin or on PATH); .ci/run installs Debian's `postgresql` when root")
@pytest.mark.skipif(OWNER is None, reason="running as root and there is no `postgres` user to own the cluster "
                    "(initdb refuses root); Debian's postgresql package creates it")
def test_multi_machine_path_on_postgresql(tmp_path):
    import asyncpg  # noqa: F401  -- Prefect's PostgreSQL driver, installed with prefect: fail here, not in the server

    sweep_earlier_runs()
    lab = Lab(tmp_path, BINDIR, OWNER)
    try:
        _walk_the_path(lab)
        lab.stop()
        assert lab.leftovers() == [], "processes left behind after everything was stopped"
        pid = lab.postmaster_pid()
        assert pid is None or not Path(f"/proc/{pid}").exists(), "PostgreSQL still running after pg_ctl stop"
    finally:
        lab.cleanup()


def _walk_the_path(lab: Lab) -> None:
    from samples.demo import build_demo_share

    password = secrets.token_hex(12)
    api_port = free_port()
    site = Site(lab.tmp, lab.pg_port, api_port, password)
    api_url = f"http://127.0.0.1:{api_port}/api"

    # ---- the database host: a cluster, then deploy/setup-postgres.sh as the operator runs it (as root, or its owner)
    lab.start_postgres()
    setup = dict(lab.pg_env(), PREFECT_DB_PASSWORD=password)
    lab.run("setup-postgres", [str(DEPLOY / "setup-postgres.sh")], setup, lab.pg_root)
    lab.run("setup-postgres (again)", [str(DEPLOY / "setup-postgres.sh")], setup, lab.pg_root)   # idempotent
    assert lab.psql("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'prefect'") == "prefect"

    # ---- the server host: prefect-server.service with its env file
    site.env_file("prefect-server.env")
    server_unit = site.unit("prefect-server.service", "server-host")
    server_env = dict(lab.base_env(lab.tmp / "server-host" / "home"), **server_unit["env"])
    assert server_env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://prefect:")
    assert not any(k.startswith("SRDI_") for k in server_env), "the server host needs nothing of srdi's"
    server_unit["cwd"].mkdir(parents=True)          # systemd's StateDirectory=
    server = lab.spawn("server", server_unit["start"], server_env, server_unit["cwd"])
    wait_for("the Prefect server on PostgreSQL", lambda: healthy(api_url), server, lab.log_tail("server"))
    # the UI on other hosts calls the API at the address the env file gives
    with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/ui-settings", timeout=10) as r:
        ui = json.loads(r.read())
        assert ui["api_url"] == api_url and ui["auth"] == "BASIC"       # the UI asks for the credential
    # without the credential every call is refused (issue #24): the same from any account or host
    for path, body in (("/deployments/filter", b"{}"), ("/logs/filter", b"{}"), ("/artifacts/filter", b"{}")):
        req = urllib.request.Request(api_url + path, data=body, method="POST", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10)
        assert refused.value.code == 401, path
    # its state is in PostgreSQL (the migrations ran there), none in SQLite under its PREFECT_HOME
    assert int(lab.psql("SELECT count(*) FROM pg_tables WHERE tablename IN ('flow_run', 'deployment', 'work_pool')",
                        db="prefect")) == 3
    assert not list(server_unit["cwd"].rglob("*.db")), list(server_unit["cwd"].rglob("*"))

    # ---- the writer host: its home with the demo share, srdi-worker.service (deploy, then the worker)
    site.env_file("srdi-worker.env")
    worker_unit = site.unit("srdi-worker.service", "writer-host")
    worker_env = dict(lab.base_env(lab.tmp / "writer-host" / "home"), **worker_unit["env"])
    assert worker_env["PREFECT_API_URL"] == api_url
    assert worker_env["PREFECT_API_AUTH_STRING"] == server_env["PREFECT_SERVER_API_AUTH_STRING"]
    assert server_env["PREFECT_SERVER_API_HOST"] == "127.0.0.1"          # deploy/ binds loopback: no edit needed
    assert "PREFECT_API_DATABASE_CONNECTION_URL" not in worker_env, "the writer host never sees the database"
    home = Home.resolve(worker_env["SRDI_HOME"]).ensure()
    assert home.root == worker_unit["cwd"]
    # the demo share: the workbooks of samples/share.py, each dated as it arrived in 2022 (Q2 files 2022-07-05)
    written = [Path(p) for p in build_demo_share.fn(home)]
    assert len(written) == 17       # 工信局 ×2, 农业农村局, six bureaus' tasks ×2 quarters, 商务局's faulty one, 住建局
    (pre,) = worker_unit["pre"]
    lab.run("deploy (srdi-deploy.sh)", pre, worker_env, worker_unit["cwd"])
    lab.run("deploy again (srdi-deploy.sh)", pre, worker_env, worker_unit["cwd"])      # a worker restart redeploys
    worker = lab.spawn("worker", worker_unit["start"], worker_env, worker_unit["cwd"])

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    site_client = {PREFECT_API_URL: api_url, PREFECT_API_AUTH_STRING: worker_env["PREFECT_API_AUTH_STRING"]}
    with temporary_settings(updates=site_client), get_client(sync_client=True) as client:
        def online() -> bool:
            return any(w.name == "srdi-worker-writer-host" and str(w.status).endswith("ONLINE")
                       for w in client.read_workers_for_work_pool(POOL))
        wait_for("the worker on pool srdi-local", online, worker, lab.log_tail("worker"))
        pool = client.read_work_pool(POOL)
        assert (pool.type, pool.concurrency_limit) == ("process", 1)
        deployments = {d.name: d for d in client.read_deployments()}
        scheduled = {"ingest", "quarterly-dispatch", "midyear-meeting", "annual-summary"}
        # the mail deployments have no schedule: Prefect automations start them (docs/architecture.md, "Mail")
        assert set(deployments) == scheduled | {"send-mail", "notify-failed-run"}
        assert all(d.work_pool_name == POOL and not d.paused for d in deployments.values())
        assert all(deployments[name].schedules for name in scheduled)

    # ---- the deployments run on the worker, started as docs/scaling.md says, from the writer host's environment:
    # the ingest on the demo share's 2022 arrivals (their mtimes believed), then 季调度 for 2022Q2
    prefect = str(Path(sys.executable).parent / "prefect")
    lab.run("ingest run (deployment)", [prefect, "deployment", "run", "ingest/ingest", "-p", "settle_seconds=0",
                                        "-p", "trust_mtime=true", "--watch", "--watch-timeout", "600"],
            worker_env, worker_unit["cwd"], timeout=700)
    lab.run("quarterly-dispatch 2022Q2 run (deployment)",
            [prefect, "deployment", "run", "quarterly-dispatch/quarterly-dispatch", "-p", "period=2022Q2",
             "--watch", "--watch-timeout", "600"], worker_env, worker_unit["cwd"], timeout=700)
    with temporary_settings(updates=site_client), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED]))))
        by_deployment = {deployments[name].id: name for name in deployments}
        done = sorted((by_deployment[r.deployment_id], r.parameters, r.state_type.value, r.work_pool_name)
                      for r in runs if r.deployment_id)
        assert done == [("ingest", {"settle_seconds": 0, "trust_mtime": True}, "COMPLETED", POOL),
                        ("quarterly-dispatch", {"period": "2022Q2"}, "COMPLETED", POOL)], done

    check_warehouse(home, written)
    check_pack(home)

    # ---- a hand run on the writer host with the same env file reports to the same server (no server of its own)
    lab.run("srdi ingest by hand (empty inbox)", [str(Path(sys.executable).parent / "srdi"), "ingest"],
            worker_env, worker_unit["cwd"])
    assert "Traceback" not in lab.last.stdout + lab.last.stderr
    # every run is in PostgreSQL: two ingests (the deployment's, the hand run) and the rollup, all completed
    runs = lab.psql("SELECT f.name || ':' || coalesce(d.name, '-') || ':' || r.state_type FROM flow_run r "
                    "JOIN flow f ON f.id = r.flow_id LEFT JOIN deployment d ON d.id = r.deployment_id "
                    "WHERE r.parent_task_run_id IS NULL AND r.state_type <> 'SCHEDULED' ORDER BY r.created", db="prefect")
    assert runs.split() == ["ingest:ingest:COMPLETED", "quarterly-dispatch:quarterly-dispatch:COMPLETED",
                            "ingest:-:COMPLETED"], runs
    assert not list(server_unit["cwd"].rglob("*.db")) and not list((lab.tmp / "writer-host").rglob("prefect.db"))


def check_warehouse(home: Home, written: list[Path]) -> None:
    """Hand-counted from samples/share.py: 17 files; two are rejected — 商务局's task report (a 合计 row, last
    quarter's template) and 住建局's 企业情况.xlsx (no period in its name); the other 15 load."""
    from tests.helpers import q

    assert not [p for p in home.inbox.rglob("*") if p.is_file()]
    filed = [p for folder in (home.archive, home.rejected) for p in folder.rglob("*") if p.is_file()]
    assert sorted(p.name for p in filed) == sorted(p.name for p in written)
    statuses = dict(q(home, "SELECT status, count(*) FROM submissions GROUP BY status"))
    assert statuses == {"loaded": 15, "rejected": 2}, statuses
    rejected = {r[0] for r in q(home, "SELECT file_name FROM submissions WHERE status = 'rejected'")}
    assert rejected == {"商务局任务进展2022年第二季度.xlsx", "企业情况.xlsx"}
    # 2022Q2 compliance: six service-team bureaus owe the enterprise form, the 13 Annex 2 units the task form
    # (rollup_config.toml). The files carry 2022-07-05 (mtimes believed, due 2022-07-10): on time.
    rows = q(home, "SELECT bureau, form, status FROM compliance WHERE period = '2022Q2' AND report_period = '2022Q2'")
    by_form = {}
    for bureau, form, status in rows:
        by_form.setdefault(form, {})[bureau] = status
    assert {f: len(b) for f, b in by_form.items()} == {"enterprise": 6, "task": 13}, by_form
    on_time = lambda form: {b for b, s in by_form[form].items() if s == "on_time"}  # noqa: E731
    assert on_time("enterprise") == {"工信局", "农业农村局"}
    assert on_time("task") == {"工信局", "人民银行", "人社局", "市监局", "教育局", "财政局"}
    assert by_form["task"]["商务局"] == "rejected"            # its only file was sent back, not resubmitted
    assert by_form["enterprise"]["住建局"] != "on_time"        # its only file was rejected
    assert sum(s == "missing" for s in by_form["task"].values()) == 6


def check_pack(home: Home) -> None:
    import openpyxl

    packs = sorted((home.reports / "2022Q2").glob("*.xlsx"))
    assert [p.name for p in packs] == ["季调度_2022Q2.xlsx"], packs
    wb = openpyxl.load_workbook(packs[0], read_only=True)
    assert wb.sheetnames[0] == "概要"
    cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    wb.close()
    assert any("2022" in c and "季调度" in c for c in cells[:5]), cells[:5]
    # the compliance sheet names the bureau whose report was sent back
    assert any("商务局" in c for c in cells) and "退回未重报" in cells


def test_the_srdi_serve_unit_starts_and_stops_as_systemd_would(tmp_path):
    """The one-machine alternative, deploy/systemd/srdi-serve.service: its ExecStart comes up (server, deployments,
    worker) and, stopped as its KillMode=mixed stops it (SIGTERM to the main process only), ends by itself, exit
    code 0, leaving nothing behind. (Within the unit's TimeoutStopSec is measured by `make bench`, bench/run.py.)"""
    sweep_earlier_runs()
    port = free_port()
    site = Site(tmp_path, pg_port=0, api_port=port, password="")
    unit = site.unit("srdi-serve.service", "one-host", args={"4200": str(port)})
    spec = read_unit(DEPLOY / "systemd" / "srdi-serve.service")
    assert unit["kill_mode"] == "mixed"
    assert float(spec["TimeoutStopSec"][0]) > 0        # systemd's bound on the stop (bench/run.py: serve_stop_s)
    home = Home.resolve(unit["cwd"]).ensure()
    token = owner_token()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SRDI_"))}
    env.update(unit["env"], **{MARK: token, "HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)})
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(unit["start"], env=env, cwd=unit["cwd"], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for("srdi serve", lambda: (home.state / "prefect-server.json").exists(), proc,
                 log.read_text(errors="replace") if log.exists() else "")
        assert healthy(f"http://127.0.0.1:{port}/api")
        assert len(marked_processes(token)) >= 3          # srdi serve, its server, its worker
        proc.send_signal(signal.SIGTERM)
        # it exits by itself, code 0 (within TimeoutStopSec is a goal `make bench` measures: bench/run.py)
        assert proc.wait(timeout=HANG) == 0, log.read_text(errors="replace")
        wait_until(lambda: not marked_processes(token), HANG,
                   lambda: f"what srdi serve started gone with it: {describe(marked_processes(token))}", every=0.2)
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kill_all(marked_processes(token), signal.SIGKILL)
