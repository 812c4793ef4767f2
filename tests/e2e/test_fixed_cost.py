"""The home's background Prefect server (#12 item 2, srdi/background_server.py): the first command of a home starts
it, later commands reuse it, nothing is printed about it, and it never lingers: it stops itself when idle, stays
while a command still uses it (also a command that waits), and exits at once when its home is deleted.

The times are measured by `make bench` (bench/run.py), not asserted here; these tests pin the behaviour.
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
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def env_for(home: Home, tmp_path: Path, idle: float, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               SRDI_SERVER_IDLE_SECONDS=str(idle), SRDI_CACHE_DIR=str(tmp_path / "cache"), **extra)
    for k in ("PREFECT_API_URL", "PREFECT_HOME", "SRDI_OWNER"):
        env.pop(k, None)
    return env


def srdi(home: Home, env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "srdi.cli", *args, "--home", str(home.root)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=timeout)
    r.seconds = time.monotonic() - t
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


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(e.decode(errors="replace").split("=", 1) for e in raw if b"=" in e)


def gone_within(info: dict, seconds: float) -> float | None:
    """Seconds until the process the pid file named is gone; None if it is still there after `seconds`."""
    t = time.monotonic()
    while time.monotonic() - t < seconds:
        if not bg.alive(info):
            return time.monotonic() - t
        time.sleep(0.1)
    return None


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
    print(f"\nsrdi ingest on a new home {first.seconds:.1f} s, again {second.seconds:.1f} s; "
          f"a rollup after them {rollup.seconds:.1f} s")
    assert server(home) == info                                   # the same process served all three
    assert api_port(first.stdout + first.stderr) == api_port(second.stdout + second.stderr) == {str(info["port"])}
    for r in (first, second, rollup):
        text = r.stdout + r.stderr
        assert not [line for line in text.splitlines() if re.search(r"server|服务器", line, re.I)], text
        assert "Traceback" not in text
    # what makes it the home's and not the command's: no SRDI_OWNER mark (a command's guard and Ctrl-C leave it
    # alone), a session of its own, the home named in its environment; its database is the home's
    pid = int(info["pid"])
    env_of = environ_of(pid)
    assert "SRDI_OWNER" not in env_of and env_of["SRDI_BACKGROUND_SERVER"] == str(home.root)
    assert os.getsid(pid) == pid
    assert "srdi.background_server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    assert (home.root / ".prefect" / "prefect.db").exists()
    # the migrated empty database is kept as the template of the next new home
    assert list((tmp_path / "cache").glob("prefect-*.db"))
    other = new_home(tmp_path, "other")
    srdi(other, env_for(other, tmp_path, idle=5), "ingest")
    assert server(other) is not None and server(other)["pid"] != info["pid"]   # one server per home
    os.kill(pid, signal.SIGTERM)
    assert gone_within(info, 10) is not None and bg.read_pid_file(home.state) is None


def test_the_server_stops_itself_when_idle_and_the_next_command_starts_another(tmp_path, warm_cache):
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=3)
    srdi(home, env, "ingest")
    info = server(home)
    assert info is not None
    took = gone_within(info, 30)
    assert took is not None, "the idle server did not stop"
    print(f"\nidle for 3 s: stopped {took:.1f} s after the command ended")
    assert bg.read_pid_file(home.state) is None
    assert "Traceback" not in bg.log_file(home.state).read_text(errors="replace")
    srdi(home, env, "ingest")
    again = server(home)
    assert again is not None and again["pid"] != info["pid"]
    assert gone_within(again, 30) is not None


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
        proc = subprocess.Popen([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root), "--wait", "300"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        deadline = time.monotonic() + 120
        while not registered(home):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the command never registered with the server"
            time.sleep(0.1)
        info = server(home)
        time.sleep(6)                                   # three times the idle time, not one request
        assert bg.alive(info), "the server stopped under a command that uses it"
        if end == "killed":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    finally:
        os.close(fd)
    if end == "finishes":
        assert proc.wait(timeout=300) == 0, proc.stdout.read()
    took = gone_within(info, 30)
    assert took is not None, f"the server outlived the command that {end}"
    print(f"\ncommand {end}: server stopped {took:.1f} s later")


def test_it_never_outlives_a_deleted_home(tmp_path, warm_cache):
    home = new_home(tmp_path)
    env = env_for(home, tmp_path, idle=600)
    srdi(home, env, "ingest")
    info = server(home)
    assert info is not None
    shutil.rmtree(home.root)
    took = gone_within(info, 10)
    assert took is not None, "the server outlived its home"
    print(f"\nhome deleted: server gone {took:.1f} s later")


def test_turned_off_every_command_stops_its_own_server(tmp_path):
    """SRDI_BACKGROUND_SERVER_ENABLED=0: the old way, a server of the command's own, gone with it."""
    home = new_home(tmp_path)
    mark = uuid.uuid4().hex
    env = env_for(home, tmp_path, idle=600, TEST_MARK=mark, SRDI_BACKGROUND_SERVER_ENABLED="0")
    srdi(home, env, "ingest")
    assert bg.read_pid_file(home.state) is None
    from tests.e2e.test_interrupt import marked
    deadline = time.monotonic() + 5
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked(mark) == []
