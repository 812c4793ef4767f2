"""One writer at a time: ingest, rollups, templates and publish take the writer lock; a second run waits or leaves.

The lock is an advisory `flock` on state/writer.lock (the OS releases it when its holder dies, even by SIGKILL, so
a crashed run never leaves it taken). It is taken once per run: by the CLI before it starts a flow (a busy writer is
then told plainly, before Prefect is involved, and the held lock is handed to the run: flows/pipeline.py), or by the
library itself when a run has no such caller (a scheduled or served flow run, a test). Its holder writes into the
file who holds it (command, pid, user, since when, UTC), so a run that has to wait can say for whom it waits; the
line it says shows that time in the programme's zone (the home's rules file `time_zone`), naming the zone.
"""
from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from schemas import clock
from warehouse.home import Home

DEFAULT_WAIT_SECONDS = 600.0
WAIT_ENV = "SRDI_LOCK_WAIT_SECONDS"


class WriterBusy(RuntimeError):
    pass


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its holder wrote it into the lock file (all None when it could not be read)."""
    command: str | None = None
    pid: int | None = None
    user: str | None = None
    since: str | None = None      # ISO 8601, UTC

    def _since(self, tz: str) -> tuple[str, str | None] | None:
        """The start in the programme's zone `tz` (clock.shown) and the zone; one that is not an ISO 8601 instant as
        written, with no zone; None when unknown."""
        if not self.since:
            return None
        try:
            return clock.shown(datetime.fromisoformat(self.since), tz), tz
        except ValueError:
            return self.since, None

    def chinese(self, tz: str) -> str:
        """srdi ingest，进程 1234，用户 alice，自 2026-05-01 16:00（Asia/Shanghai）起: the start in the programme's
        zone `tz`, the zone named."""
        parts = [self.command or "另一个 srdi 运行"]
        parts.append(f"进程 {self.pid}" if self.pid else "进程未知")
        if self.user:
            parts.append(f"用户 {self.user}")
        since = self._since(tz)
        if since:
            parts.append(f"自 {since[0]}（{since[1]}）起" if since[1] else f"自 {since[0]} 起")
        return "，".join(parts)

    def english(self, tz: str) -> str:
        """srdi ingest (pid 1234, user alice, since 2026-05-01 16:00 Asia/Shanghai): as `chinese` says it."""
        since = self._since(tz)
        shown = " ".join(part for part in since if part) if since else "?"
        return f"{self.command or 'another srdi run'} (pid {self.pid or '?'}, user {self.user or '?'}, since {shown})"


def holder(home: Home) -> Holder:
    """Who holds the lock now (or held it last: the file keeps its last holder's line)."""
    try:
        text = home.lock_file.read_text(encoding="utf-8").strip()
    except OSError:
        return Holder()
    try:
        data = json.loads(text)
        return Holder(data.get("command"), data.get("pid"), data.get("user"), data.get("since"))
    except (ValueError, AttributeError):
        return Holder(pid=int(text) if text.isdigit() else None)   # written by an srdi before the holder's line


def waiting_line(who: Holder, wait_seconds: float, tz: str) -> str:
    """The one line a run that has to wait says at once (times in the programme's zone `tz`: Home.time_zone)."""
    return (f"写入锁被占用：{who.chinese(tz)}正在写入；本次运行等待其结束，最多等待 {wait_seconds:g} 秒（--wait 可改），"
            f"Ctrl-C 取消")


def _me(command: str | None) -> dict:
    try:
        user = getpass.getuser()
    except Exception:           # no name for this uid (a container)
        user = str(os.getuid())
    if command is None:
        command = "srdi " + " ".join(a for a in sys.argv[1:2] if not a.startswith("-")) if sys.argv else "srdi"
    return {"command": command, "pid": os.getpid(), "user": user,
            "since": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}


class WriterLock:
    """A held writer lock: handed to the run it was taken for (flows/pipeline.py `writing`)."""

    def __init__(self, home: Home):
        self.lock_file = home.lock_file
        self.held = True

    def check(self, home: Home) -> None:
        if not self.held or self.lock_file != home.lock_file:
            raise RuntimeError(f"the writer lock handed to this run is not held for {home.lock_file}")


@contextlib.contextmanager
def writer_lock(home: Home, wait_seconds: float | None = None, *, command: str | None = None, on_wait=None):
    """Take the writer lock, waiting up to `wait_seconds` (default $SRDI_LOCK_WAIT_SECONDS, else 600) for another
    run to end; WriterBusy past that. `on_wait(line)` is called once, at once, when it has to wait: `line` says for
    whom it waits (waiting_line, in the home's programme zone).
    `command`: how the holder is named to a run that waits (default: srdi and this process's subcommand)."""
    if wait_seconds is None:
        wait_seconds = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS))
    home.ensure()
    fd = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait is not None and wait_seconds > 0:
                    told = True
                    on_wait(waiting_line(holder(home), wait_seconds, home.time_zone))
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"{holder(home).english(home.time_zone)} holds {home.lock_file}; "
                                     f"waited {wait_seconds:g} s") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(_me(command), ensure_ascii=False) + "\n").encode("utf-8"))
        lock = WriterLock(home)
        try:
            yield lock
        finally:
            lock.held = False
    finally:
        os.close(fd)
