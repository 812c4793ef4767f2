"""The home's embedded Prefect server (#20 item 2, srdi/runtime.py): with no PREFECT_API_URL and no `srdi serve`, the
first command of a home starts Prefect's own `prefect server start --background`; the next commands use it; `srdi
stop` stops it with Prefect's `prefect server stop`. What runs is what the README names, and nothing else."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.helpers import HANG, cmdline, embedded_server, processes_with, wait_until
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
SERVER = "prefect.server.api.server:create_app"


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_HOME")}
    e.update(PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return e


def srdi(home: Home, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "srdi.cli", *args, "--home", str(home.root)], cwd=ROOT,
                       env={**env(), **(extra or {})}, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def servers_of(home: Home) -> list[int]:
    """Every Prefect API server process whose Prefect home is this home's."""
    prefect_home = str(home.root / ".prefect")
    return [pid for pid, h in processes_with("PREFECT_HOME", prefect_home).items() if SERVER in cmdline(pid)]


def api_url(home: Home) -> str:
    return json.loads((home.state / "prefect-embedded.json").read_text())["api_url"]


def status_code(url: str, auth: str | None = None) -> int:
    req = urllib.request.Request(url + "/flow_runs/filter", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    if auth:
        import base64
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_first_command_starts_prefects_server_the_next_use_it_and_srdi_stop_stops_it(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    first = srdi(home, "templates", "--period", "2022Q3")
    pid = embedded_server(home)
    assert pid is not None, first.stdout + first.stderr
    assert servers_of(home) == [pid]
    assert "--host 127.0.0.1" in cmdline(pid)                           # Prefect's own command line, local only
    state = home.state / "prefect-embedded.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600                   # it names the port
    url = api_url(home)
    credential = (home.state / "prefect-api-auth").read_text().strip()
    assert status_code(url) == 401 and status_code(url, credential) == 200
    srdi(home, "templates", "--period", "2022Q4")
    assert embedded_server(home) == pid and servers_of(home) == [pid]   # the next command used it
    said = srdi(home, "stop").stdout
    assert "已停止" in said
    wait_until(lambda: not servers_of(home), HANG, "the embedded server gone")
    assert not (home.root / ".prefect" / "server.pid").exists() and not state.exists()
    assert "没有在运行" in srdi(home, "stop").stdout
    srdi(home, "templates", "--period", "2022Q3")                        # and the next command starts one again
    assert embedded_server(home) not in (None, pid)
    srdi(home, "stop")


def test_two_commands_starting_together_start_one_server(tmp_path, new_home):
    home = new_home(tmp_path / "home")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda period: srdi(home, "templates", "--period", period), ["2022Q3", "2022Q4"]))
    assert len(servers_of(home)) == 1
    srdi(home, "stop")
    wait_until(lambda: not servers_of(home), HANG, "the embedded server gone")


def test_a_killed_server_is_replaced_by_the_next_command(tmp_path, new_home):
    """SIGKILL leaves Prefect's pid file behind: the next command has Prefect clean it up and starts a new one."""
    home = new_home(tmp_path / "home")
    srdi(home, "templates", "--period", "2022Q3")
    pid = embedded_server(home)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: SERVER not in cmdline(pid), HANG, "the killed server gone")
    assert (home.root / ".prefect" / "server.pid").exists()
    srdi(home, "templates", "--period", "2022Q4")
    assert embedded_server(home) not in (None, pid) and len(servers_of(home)) == 1
    srdi(home, "stop")


def test_a_server_stopped_while_a_command_waits_for_the_writer_lock_is_started_again_on_its_port(tmp_path, new_home):
    """`srdi stop` while a command waits for another run's writer lock: once the lock is free the command starts the
    home's server again, on the port its Prefect is set to, says so, and runs. (It waited in silence for the
    stopped server, three minutes, then gave up.)"""
    from warehouse.lock import writer_lock
    home = new_home(tmp_path / "home")
    srdi(home, "templates", "--period", "2022Q3")
    url = api_url(home)
    err = tmp_path / "stderr"
    with writer_lock(home, command="test holder"):
        with open(err, "wb") as out:
            waiting = subprocess.Popen([sys.executable, "-m", "srdi.cli", "templates", "--period", "2022Q4", "--home",
                                        str(home.root)], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=out)
        wait_until(lambda: "写入锁被占用" in err.read_text(errors="replace"), HANG, "the command waiting for the lock",
                   alive=lambda: waiting.poll() is None)
        assert "已停止" in srdi(home, "stop").stdout
        wait_until(lambda: not servers_of(home), HANG, "the embedded server gone")
    assert waiting.wait(timeout=HANG) == 0, err.read_text(errors="replace")
    assert "Prefect 服务器已停止，重新启动" in err.read_text(errors="replace")
    assert api_url(home) == url and len(servers_of(home)) == 1 and embedded_server(home) in servers_of(home)
    assert list((home.outbox).rglob("*_2022Q4_模板.xlsx"))
    srdi(home, "stop")


def test_a_prefect_api_url_that_does_not_answer_is_said_and_the_homes_server_used(tmp_path, new_home):
    from srdi.runtime import free_port
    home = new_home(tmp_path / "home")
    dead = f"http://127.0.0.1:{free_port()}/api"
    r = srdi(home, "templates", "--period", "2022Q3", extra={"PREFECT_API_URL": dead})
    assert f"PREFECT_API_URL（{dead}）无响应" in r.stderr
    assert embedded_server(home) is not None
    srdi(home, "stop")


def test_a_port_someone_else_took_is_never_taken_for_the_homes_server(tmp_path, new_home):
    """Another program (another home's server, another account's) answers on the port the home's server was to use,
    as when it takes a free port between our look and the server's bind: the command does not send its runs
    there (it answers /health, but its process is not the home's server) and starts the home's server elsewhere."""
    import http.server
    import threading

    class Foreign(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/health" else 401)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args):
            pass

    foreign = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Foreign)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    taken = f"http://127.0.0.1:{foreign.server_address[1]}/api"
    home = new_home(tmp_path / "home")
    try:
        (home.state / "prefect-embedded.json").write_text(json.dumps({"api_url": taken}))
        srdi(home, "templates", "--period", "2022Q3")
        assert api_url(home) != taken and len(servers_of(home)) == 1
        assert list((home.outbox / "工信局").glob("*_模板.xlsx"))
    finally:
        foreign.shutdown()
        srdi(home, "stop")


def test_a_server_that_cannot_start_is_said_in_one_line_and_nothing_runs(tmp_path):
    """The home's Prefect home is unusable (here a file where its folder should be): the command says why in one
    line, with what to run to see the server's own error, exits 7, and leaves nothing running or changed."""
    home = Home.resolve(tmp_path / "home").ensure()
    (home.root / ".prefect").write_text("not a folder", encoding="utf-8")
    (home.inbox / "工信局").mkdir()
    (home.inbox / "工信局" / "工信局企业库2022Q3.xlsx").write_bytes(b"kept as it is")
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root)], cwd=ROOT, env=env(),
                       capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 7, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "无法启动本 home 的 Prefect 服务器" in r.stderr and "Not a directory" in r.stderr, r.stderr
    assert f"PREFECT_HOME={home.root / '.prefect'} prefect server start" in r.stderr, r.stderr
    assert servers_of(home) == [] and not (home.state / "prefect-embedded.json").exists()
    assert (home.inbox / "工信局" / "工信局企业库2022Q3.xlsx").read_bytes() == b"kept as it is"
