"""The home's Prefect API credential: Prefect's own basic authentication (issue #24), one string per home.

Every Prefect API server srdi starts for a home (`srdi serve`'s, the home's background server, a command's own)
requires it (`server.api.auth_string`, PREFECT_SERVER_API_AUTH_STRING), and every client srdi runs for the home
sends it (`api.auth_string`, PREFECT_API_AUTH_STRING): srdi's commands, `srdi serve`'s worker, deployments and inbox
watcher, `srdi status`. Another account on the machine can reach the port, but every call but /health is refused
(401). The operator never types it; the Prefect UI asks for it once (its login page) and keeps it in the browser.

The credential lives in `<home>/state/prefect-api-auth`, one line `srdi:<random>`, owner-only:

* made once, atomically: a temporary file created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, written, then
  hard-linked to its name (two commands starting at once: one link wins, the other reads the winner's);
* read only when it is a regular file (not a symlink), owned by this user and readable by nobody else; otherwise
  srdi refuses with one line saying how to fix it, never uses it, never replaces it.

`write_private` writes srdi's other small state files that name a server (pid, port) the same way: 0600.

Stdlib only, nothing heavy at import: `srdi status` and the server programs read it before Prefect is imported.
"""
from __future__ import annotations

import base64
import os
import secrets
import stat
from pathlib import Path

FILE_NAME = "prefect-api-auth"
USER = "srdi"
SERVER_ENV = "PREFECT_SERVER_API_AUTH_STRING"     # what the server requires (prefect.settings: server.api.auth_string)
CLIENT_ENV = "PREFECT_API_AUTH_STRING"            # what a client sends (prefect.settings: api.auth_string)


class CredentialError(Exception):
    """The credential file cannot be trusted or made: said in one line, with the fix."""


def credential_file(state: os.PathLike | str) -> Path:
    return Path(state) / FILE_NAME


def _check(fd: int, path: Path) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise CredentialError(f"API 凭据 {path} 不是普通文件，拒绝使用 / the API credential {path} is not a regular "
                              f"file: refused; remove it and run srdi again (a new one is made)")
    if st.st_uid != os.geteuid():
        raise CredentialError(f"API 凭据 {path} 不属于当前用户（uid {st.st_uid}），拒绝使用 / the API credential {path} is "
                              f"owned by uid {st.st_uid}, not by this user: refused; remove it and run srdi again")
    if st.st_mode & 0o077:
        raise CredentialError(f"API 凭据 {path} 其他用户可读（权限 {stat.S_IMODE(st.st_mode):o}），拒绝使用 / the API "
                              f"credential {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}): refused; "
                              f"run chmod 600 {path}, or remove it (a new one is made; restart srdi serve)")


def _read(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise CredentialError(f"API 凭据 {path} 是符号链接，拒绝使用 / the API credential {path} is a symlink: "
                                  f"refused; remove it and run srdi again") from None
        raise CredentialError(f"API 凭据 {path} 无法读取 / cannot read the API credential {path}: {exc}") from None
    try:
        _check(fd, path)
        data = os.read(fd, 4096).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if not data.startswith(USER + ":") or len(data) < len(USER) + 20:
        raise CredentialError(f"API 凭据 {path} 内容不对 / the API credential {path} is malformed: remove it and run "
                              f"srdi again (a new one is made; restart srdi serve)")
    return data


def _create_private(path: Path, data: bytes) -> None:
    """A new file at `path` holding `data`, mode 0600 whatever the umask: O_EXCL|O_NOFOLLOW, so nothing already
    there (a file, a planted symlink) is opened; FileExistsError if `path` exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def auth_string(state: os.PathLike | str) -> str:
    """The home's credential, made now if the home has none yet."""
    path = credential_file(state)
    found = _read(path)
    if found is not None:
        return found
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    _create_private(tmp, f"{USER}:{secrets.token_urlsafe(32)}\n".encode("ascii"))
    try:
        os.link(tmp, path)            # atomic, and never over an existing name
    except FileExistsError:
        pass                          # another command made it first: theirs is the home's
    finally:
        tmp.unlink(missing_ok=True)
    found = _read(path)
    if found is None:
        raise CredentialError(f"API 凭据 {path} 无法创建 / could not create the API credential {path}")
    return found


def read(state: os.PathLike | str) -> str | None:
    """The home's credential, None when the home has none yet (nothing is made)."""
    return _read(credential_file(state))


def server_env(state: os.PathLike | str) -> dict[str, str]:
    """The environment of a Prefect server (and of the clients started beside it) for this home."""
    s = auth_string(state)
    return {SERVER_ENV: s, CLIENT_ENV: s}


def client_env(state: os.PathLike | str) -> dict[str, str]:
    return {CLIENT_ENV: auth_string(state)}


def use(state: os.PathLike | str) -> None:
    """This process talks to (and may start) the home's own servers: their credential goes into its environment,
    before Prefect is imported (Prefect reads its settings once). A server Prefect itself starts from this process
    (its temporary server) then requires it too."""
    os.environ.update(server_env(state))


def header(auth: str | None) -> dict[str, str]:
    """The HTTP header a plain (urllib) client sends, as Prefect's client does."""
    if not auth:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")}


def write_private(path: Path | str, text: str) -> None:
    """Replace `path` with `text`, readable by the owner only (warehouse/atomic_write.py, mode 0600 from the
    temporary file's creation): the pid and port files of srdi's servers."""
    from warehouse.atomic_write import write_bytes
    write_bytes(path, text.encode("utf-8"), mode=0o600)
