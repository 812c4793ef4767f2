"""The home's background Prefect API server: started by the first command that runs a flow, reused by the next
ones, gone by itself when no command has used it for a while.

Without it every `srdi ingest`, `srdi rollup` … would start a Prefect API server of its own and stop it again: on
this 2-core machine that is most of a command's time (issue #12). So the first command starts one per home, in a
session of its own, and later commands of the same home reuse it (srdi/processes.py, `background_api`). It is a
documented, deliberate exception to "no process outlives the command" (issue #10):

* **Owned by the home.** Its pid file is `<home>/state/prefect-background/server.json` (pid, start time, API URL;
  mode 0600); its API requires the home's credential (srdi/api_auth.py);
  its database is the home's (`<home>/.prefect/prefect.db`); its log `<home>/state/logs/prefect-server.log`.
* **Stops itself when idle**: no request, no open connection and no live command registered as using it
  (`<home>/state/prefect-background/users/<pid>-<start>`) for `SRDI_SERVER_IDLE_SECONDS` (default 300 s).
* **Never outlives its home**: once a second it checks that the home's state folder and the Prefect database are
  the ones it started with; if either is gone (the home was deleted or replaced), it exits at once.
* **Carries no SRDI_OWNER mark**, so a command's guard and Ctrl-C leave it alone; it carries
  SRDI_BACKGROUND_SERVER=<home> instead. `kill <pid>` (SIGTERM) stops it cleanly at any time; `srdi serve` stops
  an idle one, since its own server then takes the home over.
* **Quiet**: nothing about it is printed; the API only (no UI), no background services (as Prefect's temporary
  server), no block registration (srdi keeps no blocks).

A new home's Prefect database is copied from a template (an empty database migrated once per Prefect version, kept
in `~/.cache/srdi/`), which saves the seconds the migrations take on every new home.

This module is also the program the server runs: `python -m srdi.background_server --home H --fd N`. It imports
nothing heavy at module level (the command side only needs the paths).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

IDLE_ENV = "SRDI_SERVER_IDLE_SECONDS"
IDLE_DEFAULT = 300.0
MARK_ENV = "SRDI_BACKGROUND_SERVER"
ENABLE_ENV = "SRDI_BACKGROUND_SERVER_ENABLED"   # "0": every command starts and stops a server of its own (old way)
CACHE_ENV = "SRDI_CACHE_DIR"


# ------------------------------------------------------------------------------------ where things are

def folder(state: Path) -> Path:
    return Path(state) / "prefect-background"


def pid_file(state: Path) -> Path:
    return folder(state) / "server.json"


def lock_file(state: Path) -> Path:
    return folder(state) / "lock"


def users_dir(state: Path) -> Path:
    return folder(state) / "users"


def log_file(state: Path) -> Path:
    return Path(state) / "logs" / "prefect-server.log"


def idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_ENV, IDLE_DEFAULT)))
    except ValueError:
        return IDLE_DEFAULT


def enabled() -> bool:
    return os.environ.get(ENABLE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def read_pid_file(state: Path) -> dict | None:
    try:
        info = json.loads(pid_file(state).read_text(encoding="utf-8"))
        return info if isinstance(info, dict) and "pid" in info else None
    except (OSError, ValueError):
        return None


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None


def alive(info: dict) -> bool:
    """The process the pid file names is still that process (pid and start time)."""
    try:
        return _start_time(int(info["pid"])) == str(info.get("start"))
    except (KeyError, TypeError, ValueError):
        return False


def live_users(state: Path) -> list[str]:
    """Commands registered as using the server whose process is still alive; stale entries are removed."""
    out = []
    try:
        entries = list(users_dir(state).iterdir())
    except OSError:
        return out
    for entry in entries:
        pid, _, start = entry.name.partition("-")
        try:
            ok = _start_time(int(pid)) == start
        except ValueError:
            ok = False
        if ok:
            out.append(entry.name)
        else:
            try:
                entry.unlink()
            except OSError:
                pass
    return out


# ------------------------------------------------------------------------------------ the database template

def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "srdi"


def _template_key() -> str:
    import hashlib

    import prefect
    versions = Path(prefect.__file__).parent / "server" / "database" / "_migrations" / "versions" / "sqlite"
    try:
        names = sorted(p.name for p in versions.iterdir())
    except OSError:
        names = []
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
    return f"prefect-{prefect.__version__}-{digest}.db"


def sqlite_path() -> Path | None:
    """The Prefect database file, when it is SQLite (the local case)."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL
    url = PREFECT_API_DATABASE_CONNECTION_URL.value() or ""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def seed_database(db: Path) -> bool:
    """A new SQLite database at `db` as a copy of the migrated template, when there is one (True) and `db` does not
    exist yet; the server that opens it then has no migration to run."""
    template = cache_dir() / _template_key()
    if db.exists() or not template.exists():
        return False
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(db.name + ".template-tmp")
    shutil.copyfile(template, tmp)
    os.replace(tmp, db)
    return True


def prepare_database() -> None:
    """A new SQLite database starts as a copy of the migrated template; without a template, migrate now and keep a
    copy as the template (SQLite's backup API, before any request is served)."""
    db = sqlite_path()
    if db is None or db.exists():
        return
    if seed_database(db):
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    template = cache_dir() / _template_key()
    import asyncio

    from prefect.server.database import provide_database_interface

    async def migrate():
        interface = provide_database_interface()
        await interface.create_db()
        await (await interface.engine()).dispose()
    asyncio.run(migrate())
    try:
        import sqlite3
        template.parent.mkdir(parents=True, exist_ok=True)
        tmp = template.with_name(f"{template.name}.{os.getpid()}.tmp")
        src, dst = sqlite3.connect(db), sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        os.replace(tmp, template)
    except (OSError, Exception):
        pass


# ------------------------------------------------------------------------------------ the server program

class Activity:
    """An ASGI wrapper that notes when the API was last used and how many requests/connections are open."""

    def __init__(self, app):
        self.app = app
        self.last = time.monotonic()
        self.open = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        self.open += 1
        self.last = time.monotonic()
        try:
            return await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
        return st.st_dev, st.st_ino
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    import argparse
    import signal
    import socket

    p = argparse.ArgumentParser(prog="srdi.background_server")
    p.add_argument("--home", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--fd", type=int, required=True)
    args = p.parse_args(argv)
    state = Path(args.state)
    sock = socket.socket(fileno=args.fd)
    home_id = _identity(state)
    idle = idle_seconds()
    me = {"pid": os.getpid(), "start": _start_time(os.getpid())}

    def ours() -> bool:
        info = read_pid_file(state)
        return bool(info) and info.get("pid") == me["pid"] and str(info.get("start")) == str(me["start"])

    def gone() -> bool:
        return home_id is None or _identity(state) != home_id

    def leave(*_) -> None:
        """SIGTERM: leave quietly, and say so by removing the pid file. Before uvicorn runs (Prefect still imported or
        migrating) this is the handler; uvicorn takes SIGTERM over, shuts down, restores this handler and raises the
        signal again, so this is also how a served server ends."""
        try:
            if ours():
                pid_file(state).unlink(missing_ok=True)
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    prepare_database()
    db = sqlite_path()
    db_id = _identity(db) if db is not None else None

    import uvicorn

    from prefect.server.api.server import create_app

    activity = Activity(create_app(ephemeral=True, final=True))
    config = uvicorn.Config(activity, log_level="error", lifespan="on", timeout_graceful_shutdown=3,
                            timeout_keep_alive=5)
    server = uvicorn.Server(config)

    def idle_stop() -> bool:
        """Under the home's server lock (a command choosing a server takes it too): no live user, so drop the pid
        file; a command that comes after starts a new server."""
        import fcntl
        try:
            fd = os.open(lock_file(state), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if live_users(state):
                return False
            if ours():
                pid_file(state).unlink(missing_ok=True)
            return True
        finally:
            os.close(fd)

    def watch() -> None:
        while not server.should_exit:
            time.sleep(1.0)
            if gone() or (db is not None and _identity(db) != db_id):
                os._exit(0)          # the home was deleted or replaced: nothing left to serve, no waiting
            if activity.open == 0 and time.monotonic() - activity.last >= idle and idle_stop():
                server.should_exit = True

    threading.Thread(target=watch, name="srdi-idle", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        if ours():
            try:
                pid_file(state).unlink()
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
