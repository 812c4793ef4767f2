"""Nobody but the operator drives srdi (issue #24): a real `srdi serve`, attacked from another local account.

The home lies in a folder every account can enter (as a shared office PC's would), so what protects it is what srdi
sets, not the test's temporary directory. As `nobody` (setpriv), a plain Python script lists the deployments, reads
the logs and the artifacts, deletes a flow run and creates a flow run whose job variables run a command: every call
is refused (401), the run is still there, no command ran; it cannot read the home's credential nor the server's
pid/port file either. The operator's own commands (`srdi status`, `srdi ingest`) still work without typing anything,
and even the operator cannot make the worker run a command of their choosing (the pool's job template).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.e2e.serve_api import served_settings
from tests.e2e.test_serve_events import Serve, serve_env
from tests.helpers import HANG
from warehouse.home import Home

ROOT = Path(__file__).resolve().parents[2]
SETPRIV = shutil.which("setpriv")
SYSTEM_PYTHON = "/usr/bin/python3"

ATTACK = r"""
import json, sys, urllib.request, urllib.error
api, deployment, flow_run, marker = sys.argv[1:5]
files = sys.argv[5:]
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(api + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
out = {
    "list deployments": call("POST", "/deployments/filter", {}),
    "read logs": call("POST", "/logs/filter", {}),
    "read artifacts": call("POST", "/artifacts/filter", {}),
    "read flow runs": call("POST", "/flow_runs/filter", {}),
    "delete a flow run": call("DELETE", "/flow_runs/" + flow_run),
    "create a flow run with a command": call("POST", "/deployments/%s/create_flow_run" % deployment,
        {"job_variables": {"command": "sh -c 'id > %s'" % marker}}),
    "a wrong credential": None,
}
req = urllib.request.Request(api + "/deployments/filter", data=b"{}", method="POST",
                             headers={"Content-Type": "application/json", "Authorization": "Basic c3JkaTp4eHg="})
try:
    urllib.request.urlopen(req, timeout=30)
    out["a wrong credential"] = 200
except urllib.error.HTTPError as e:
    out["a wrong credential"] = e.code
for f in files:
    try:
        open(f).read()
        out["read " + f] = "read"
    except OSError as e:
        out["read " + f] = type(e).__name__
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def served():
    """`srdi serve` on a home in a folder every account may enter, after one ingest of a workbook (so that there
    are logs, artifacts and a flow run to go after)."""
    base = Path(tempfile.mkdtemp(prefix="srdi-auth-"))
    base.chmod(0o755)
    home = Home.resolve(base / "home").ensure()
    serve = Serve(home, "--watch", "off").wait_up()
    try:
        with served_settings(home, serve.url):
            from prefect.deployments import run_deployment
            run = run_deployment(name="ingest/ingest", parameters={"settle_seconds": 0}, timeout=HANG)
        assert run.state.is_completed(), run.state
        yield home, serve, run
    finally:
        serve.stop()
        shutil.rmtree(base, ignore_errors=True)


def _ingest_deployment(home: Home, url: str):
    from prefect.client.orchestration import get_client
    with served_settings(home, url), get_client(sync_client=True) as client:
        return client.read_deployment_by_name("ingest/ingest")


@pytest.mark.skipif(SETPRIV is None or not Path(SYSTEM_PYTHON).exists() or os.geteuid() != 0,
                    reason="needs setpriv, /usr/bin/python3 and root (to become nobody)")
def test_another_local_user_is_refused_every_call_and_runs_nothing(served):
    home, serve, run = served
    deployment = _ingest_deployment(home, serve.url)
    marker = Path(tempfile.gettempdir()) / f"srdi-auth-marker-{os.getpid()}"
    marker.unlink(missing_ok=True)
    secrets_ = [home.state / "prefect-api-auth", home.state / "prefect-server.json"]
    r = subprocess.run([SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", SYSTEM_PYTHON, "-I", "-c",
                        ATTACK, serve.url, str(deployment.id), str(run.id), str(marker), *map(str, secrets_)],
                       capture_output=True, text=True, timeout=HANG, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    calls = {k: v for k, v in out.items() if not k.startswith("read /")}
    assert calls == {k: 401 for k in calls}, out
    assert {k: v for k, v in out.items() if k.startswith("read /")} == {f"read {f}": "PermissionError" for f in secrets_}
    for f in secrets_:
        assert f.stat().st_mode & 0o077 == 0, f
    # nothing happened: the run is still there, no run was created with a command, the command never ran
    from prefect.client.orchestration import get_client
    with served_settings(home, serve.url), get_client(sync_client=True) as client:
        assert client.read_flow_run(run.id).state.is_completed()
        runs = client.read_flow_runs()
    assert not [x for x in runs if x.job_variables], [(x.name, x.job_variables) for x in runs if x.job_variables]
    assert not marker.exists()


def test_the_pool_lets_no_caller_choose_what_runs_and_parameters_are_checked(served):
    """Even with the credential (the operator, or whoever stole it): the work pool's job template takes no command,
    environment or working directory, and a parameter of the wrong type is refused by the deployment's schema."""
    home, serve, _ = served
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError
    deployment = _ingest_deployment(home, serve.url)
    marker = Path(tempfile.gettempdir()) / f"srdi-auth-marker-op-{os.getpid()}"
    with served_settings(home, serve.url), get_client(sync_client=True) as client:
        for variables in ({"command": f"sh -c 'id > {marker}'"}, {"env": {"PYTHONSTARTUP": "/tmp/evil.py"}},
                          {"working_dir": "/tmp"}):
            with pytest.raises(PrefectHTTPStatusError) as refused:
                client.create_flow_run_from_deployment(deployment.id, job_variables=variables)
            assert refused.value.response.status_code == 422, variables
            assert "Additional properties are not allowed" in refused.value.response.text
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(deployment.id, parameters={"settle_seconds": "sh -c id"})
        assert refused.value.response.status_code in (409, 422)
        pool = client.read_work_pool("srdi-local")
    assert not {"command", "env", "working_dir"} & set(pool.base_job_template["job_configuration"])
    assert not marker.exists()


def test_the_operators_commands_still_work_without_typing_a_credential(served):
    home, serve, run = served
    env = serve_env(home)
    env.pop("PREFECT_API_AUTH_STRING", None)
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "status", "--home", str(home.root), "--format", "json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert o["serve_running"] and "srdi serve" in o["runs_from"], o["runs_from"]
    assert any(x["flow"] == "ingest" and x["source"] == "prefect" for x in o["last_runs"]), o["last_runs"]
    r = subprocess.run([sys.executable, "-m", "srdi.cli", "ingest", "--home", str(home.root), "--settle", "0"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stdout + r.stderr
    # serve printed where the UI's login string is
    assert str(home.state / "prefect-api-auth") in serve.text()
