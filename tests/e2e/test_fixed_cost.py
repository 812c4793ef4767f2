"""The home's background Prefect server (#12 item 2, srdi/background_server.py): the first command of a home starts
it, later commands reuse it, nothing is printed about it, and it never lingers: it stops itself when idle, stays
while a command still uses it (also a command that waits), and exits at once when its home is deleted.

How soon it stops is measured by `make bench` (bench/run.py), never asserted here: these tests wait for each stop
with a ceiling only a hang reaches (tests/helpers.py wait_until).
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from srdi import background_server as bg
from tests.helpers import HANG, wait_until
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]


def env_for(home: Home, tmp_path: Path, idle: float, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               SRDI_SERVER_IDLE_SECONDS=str(idle), SRDI_CACHE_DIR=str(tmp_path / "cache"), **extra)
    for k in ("PREFECT_API_URL", "PREFECT_HOME", "SRDI_OWNER"):
        env.pop(k, None)
    return env


def srdi(home: Home, env: dict, *args: str, timeout: float = HANG) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "srdi.cli", *args, "--home", str(home.root)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def prefect_template(tmp_path_factory) -> Path:
    """The migrated empty Prefect database a new home's starts from (bg.prepare_database, the template under
    SRDI_CACHE_DIR), made once for this module: migrating takes some 6 s on this machine, 10 s with the imports.
    The machine's own cache usually holds it already (the other tests' commands use it): then a copy of it."""
    made = tmp_path_factory.mktemp("prefect-template")
    cache, scratch = made / "cache", made / "scratch"
    machine = bg.cache_dir() / bg._template_key()     # the name says the Prefect version and its migrations
    if machine.is_file():
        cache.mkdir()
        return Path(shutil.copyfile(machine, cache / machine.name))
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               SRDI_CACHE_DIR=str(cache), PREFECT_HOME=str(scratch),
               PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{scratch / 'prefect.db'}")
    for k in ("PREFECT_API_URL", "SRDI_OWNER"):
        env.pop(k, None)
    r = subprocess.run([sys.executable, "-c", "from srdi.background_server import prepare_database; prepare_database()"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (template,) = cache.glob("prefect-*.db")
    return template


@pytest.fixture
def warm_cache(tmp_path, prefect_template) -> Path:
    """The test's own cache (env_for's SRDI_CACHE_DIR) holding a copy of the template, as a machine's cache is after
    its first home: the test's new homes start from it instead of migrating. A test of the template itself
    (test_later_commands_reuse_the_homes_server_and_print_nothing_about_it) starts from an empty cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copyfile(prefect_template, cache / prefect_template.name)
    return cache


def server(home: Home) -> dict | None:
    info = bg.read_pid_file(home.state)
    return info if info and bg.alive(info) else None


def wait_gone(info: dict, what: str) -> None:
    """Until the process the pid file named is gone (how soon is `make bench`'s: bench/run.py)."""
    wait_until(lambda: not bg.alive(info), HANG, what)


def waiting_ingest(home: Home, env: dict) -> subprocess.Popen:
    """`srdi ingest` in a session of its own, started while the test holds the writer lock: returned once it has
    registered with the home's server (it then waits for the lock)."""
    proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root), "--wait", "300"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    wait_until(lambda: registered(home), HANG, lambda: f"the command registered with the server: "
               f"{proc.stdout.read() if proc.poll() is not None else ''}", alive=lambda: proc.poll() is None)
    return proc


def api_port(out: str) -> set[str]:
    """The API every flow run reported to, from Prefect's "View at http://127.0.0.1:PORT/…" lines."""
    return set(re.findall(r"View at http://127\.0\.0\.1:(\d+)/", out))


def new_home(tmp_path: Path, name: str = "home") -> Home:
    return Home.resolve(tmp_path / name).ensure()


def test_later_commands_reuse_the_homes_server_and_print_nothing_about_it(tmp_path):
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=120)
    first = srdi(home, env, "ingest")
    info = server(home)
    assert info is not None, "no background server after the first command"
    second = srdi(home, env, "ingest")
    rollup = srdi(home, env, "rollup", "quarterly", "--period", "2022Q2")
    assert server(home) == info                                   # the same process served all three
    assert api_port(first.stdout + first.stderr) == api_port(second.stdout + second.stderr) == {str(info["port"])}
    for r in (first, second, rollup):
        text = r.stdout + r.stderr
        assert not [line for line in text.splitlines() if re.search(r"server|服务器", line, re.I)], text
        assert "Traceback" not in text
    # it is the home's, not a command's: Ctrl-C on the command that started it (SIGINT to that command's process
    # group, as a terminal sends it) stops the command, not the server; a SIGKILLed command (whose guard stops what
    # the command started, and the next command sweeps what is left) does not take it along either. The next
    # command still reports to it. Its state is under the home.
    os.kill(int(info["pid"]), signal.SIGTERM)
    wait_gone(info, "the server stopped with SIGTERM")
    for stop in ("ctrl-c", "sigkill"):
        fd = hold_writer_lock(home)                   # the command waits for the lock, registered with the server
        try:
            proc = waiting_ingest(home, env)
            info = server(home)
            if stop == "ctrl-c":
                os.killpg(proc.pid, signal.SIGINT)
                assert proc.wait(timeout=120) == 130, proc.stdout.read()
            else:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=120)
        finally:
            os.close(fd)
        after = srdi(home, env, "ingest")
        assert server(home) == info, f"the home's server did not outlive a command stopped by {stop}"
        assert api_port(after.stdout + after.stderr) == {str(info["port"])}
    assert (home.root / ".prefect" / "prefect.db").exists()
    pid = int(info["pid"])
    other = new_home(tmp_path, "other")
    srdi(other, env_for(other, tmp_path, idle=5), "ingest")
    assert server(other) is not None and server(other)["pid"] != info["pid"]   # one server per home
    os.kill(pid, signal.SIGTERM)
    wait_gone(info, "the server stopped with SIGTERM")
    assert bg.read_pid_file(home.state) is None


def test_the_server_stops_itself_when_idle_and_the_next_command_starts_another(tmp_path, warm_cache):
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=3)
    srdi(home, env, "ingest")
    info = server(home)
    assert info is not None
    wait_gone(info, "the idle server stopped")
    assert bg.read_pid_file(home.state) is None
    assert "Traceback" not in bg.log_file(home.state).read_text(errors="replace")
    srdi(home, env, "ingest")
    again = server(home)
    assert again is not None and again["pid"] != info["pid"]
    wait_gone(again, "the second idle server stopped")


def hold_writer_lock(home: Home) -> int:
    fd = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def registered(home: Home) -> bool:
    return bool(server(home)) and bool(bg.live_users(home.state))


@pytest.mark.parametrize("end", ["finishes", "killed"])
def test_a_command_that_uses_it_keeps_it_even_when_idle(tmp_path, warm_cache, end):
    """The command waits for the writer lock (held here) for longer than the idle time: the server stays. When the
    command ends, normally or killed with SIGKILL (its registration left behind), the server stops by itself."""
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=2, TEST_MARK=uuid.uuid4().hex)
    fd = hold_writer_lock(home)
    try:
        proc = waiting_ingest(home, env)
        info = server(home)
        time.sleep(6)                                   # three times the idle time, not one request
        assert bg.alive(info), "the server stopped under a command that uses it"
        if end == "killed":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=HANG)
    finally:
        os.close(fd)
    if end == "finishes":
        assert proc.wait(timeout=HANG) == 0, proc.stdout.read()
    wait_gone(info, f"the server stopped after the command that {end}")


def test_it_never_outlives_a_deleted_home(tmp_path, warm_cache):
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=600)
    srdi(home, env, "ingest")
    info = server(home)
    assert info is not None
    shutil.rmtree(home.root)
    wait_gone(info, "the server stopped after its home was deleted")


def test_turned_off_every_command_stops_its_own_server(tmp_path):
    """SRDI_BACKGROUND_SERVER_ENABLED=0: the old way, a server of the command's own, gone with it."""
    home = new_home(tmp_path)
    mark = uuid.uuid4().hex
    env = env_for(home, tmp_path, idle=600, TEST_MARK=mark, SRDI_BACKGROUND_SERVER_ENABLED="0")
    srdi(home, env, "ingest")
    assert bg.read_pid_file(home.state) is None
    from tests.e2e.test_interrupt import marked
    wait_until(lambda: not marked(mark), HANG, lambda: f"the command's own server gone: {marked(mark)}")
