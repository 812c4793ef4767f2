"""The home's API credential file and srdi's private state files (srdi/api_auth.py), and the locked work-pool job
template (deploy/process-work-pool.json): issue #24."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from srdi import api_auth
from srdi.api_auth import CredentialError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def open_umask():
    old = os.umask(0)          # the loosest umask: the modes below are srdi's, not the umask's
    yield
    os.umask(old)


def test_the_credential_is_made_once_owner_only_and_read_back(tmp_path, open_umask):
    s = api_auth.auth_string(tmp_path)
    path = tmp_path / "prefect-api-auth"
    st = path.stat()
    assert st.st_mode & 0o777 == 0o600 and st.st_uid == os.geteuid()
    user, _, password = s.partition(":")
    assert user == "srdi" and len(password) >= 40          # token_urlsafe(32): 43 characters
    assert api_auth.auth_string(tmp_path) == s == api_auth.read(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prefect-api-auth"]     # no temporary file left
    assert api_auth.server_env(tmp_path) == {"PREFECT_SERVER_API_AUTH_STRING": s, "PREFECT_API_AUTH_STRING": s}
    other = tmp_path / "other"
    assert api_auth.auth_string(other) != s                  # one per home


def test_commands_starting_together_agree_on_one_credential(tmp_path):
    got, errors = [], []

    def make():
        try:
            got.append(api_auth.auth_string(tmp_path))
        except Exception as exc:       # pragma: no cover - what the assertion reports
            errors.append(exc)
    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(got)) == 1 and len(got) == 8


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_credential_others_can_read_is_refused(tmp_path, mode):
    api_auth.auth_string(tmp_path)
    path = tmp_path / "prefect-api-auth"
    path.chmod(mode)
    with pytest.raises(CredentialError, match="chmod 600"):
        api_auth.auth_string(tmp_path)
    with pytest.raises(CredentialError):
        api_auth.read(tmp_path)


def test_a_symlinked_credential_is_refused_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("srdi:" + "x" * 40)
    target.chmod(0o600)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "prefect-api-auth").symlink_to(target)
    with pytest.raises(CredentialError, match="symlink"):
        api_auth.auth_string(tmp_path / "state")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another account")
def test_a_credential_owned_by_another_account_is_refused(tmp_path):
    api_auth.auth_string(tmp_path)
    os.chown(tmp_path / "prefect-api-auth", 65534, 65534)
    with pytest.raises(CredentialError, match="uid 65534"):
        api_auth.auth_string(tmp_path)


def test_a_malformed_credential_is_refused(tmp_path):
    path = tmp_path / "prefect-api-auth"
    path.write_text("\n")
    path.chmod(0o600)
    with pytest.raises(CredentialError, match="malformed"):
        api_auth.auth_string(tmp_path)


def test_private_state_files_are_owner_only_and_replace_a_symlink_without_following_it(tmp_path, open_umask):
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    link = tmp_path / "server.json"
    link.symlink_to(victim)
    api_auth.write_private(link, json.dumps({"port": 1}))
    assert victim.read_text() == "untouched"
    assert not link.is_symlink() and json.loads(link.read_text()) == {"port": 1}
    assert link.stat().st_mode & 0o777 == 0o600


def test_the_basic_auth_header_is_prefects():
    # base64("srdi:abc") worked out by hand: c3JkaTphYmM=
    assert api_auth.header("srdi:abc") == {"Authorization": "Basic c3JkaTphYmM="}
    assert api_auth.header(None) == {}


def test_the_pool_template_takes_no_command_environment_or_directory():
    template = json.loads((ROOT / "deploy" / "process-work-pool.json").read_text(encoding="utf-8"))
    variables = template["variables"]
    assert variables["additionalProperties"] is False                 # a job variable not listed is refused
    assert not {"command", "env", "working_dir"} & set(variables["properties"])
    assert not {"command", "env", "working_dir"} & set(template["job_configuration"])
    assert all(v == "{{ %s }}" % k for k, v in template["job_configuration"].items())
