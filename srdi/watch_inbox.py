"""`srdi serve` watches the inbox: once a dropped file settles, one Prefect event starts the ingest.

* **How it sees files.** watchdog with inotify on a local disk. inotify sees only what this machine writes, so on
  a network share (SMB/CIFS, NFS, sshfs …: files written by the bureaus' own machines) it sees nothing; there a
  polling observer compares the inbox every `poll_interval` seconds. `--watch auto` (the default) polls when the
  inbox is on such a file system and uses inotify elsewhere; `--watch poll` or `--watch inotify` forces one.
* **Debounced.** A change starts a quiet period of `settle` seconds (the ingest's own --settle, 2 s); each further
  change restarts it, so a bureau copying ten files starts one run. A copy that never pauses still starts a run
  after `max_wait` seconds; files still being written are left for the next change (the ingest reads only files
  unchanged for its settle time).
* **Only what bureaus drop counts**: a file created, written, made readable, or moved into the inbox (a folder
  moved in counts too). Reading a file, moving it out (the ingest files everything away), deleting it and creating
  an empty folder start nothing; nor does a file that is still exactly as
  it was when an event last named it, so the ingest's own work can never start another run.
* **The event**: `srdi.inbox.settled`, resource `srdi.inbox.<home>`, one related resource per bureau folder, the
  file names in its payload. prefect.yaml's ingest deployment has a trigger on it: the Prefect UI shows the run
  as started by that automation, after that event.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

EVENT = "srdi.inbox.settled"
MODES = ("auto", "inotify", "poll")
NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "afs", "ceph", "glusterfs", "9p", "fuse.sshfs", "fuse.rclone",
              "davfs", "fuse.davfs", "lustre", "gpfs", "beegfs", "virtiofs", "vboxsf", "fuse.vmhgfs-fuse"}
MAX_FILES_IN_EVENT = 50


def resource_id(home_root: Path) -> str:
    return f"srdi.inbox.{home_root}"


def filesystem_type(path: Path, mountinfo: str = "/proc/self/mountinfo") -> str | None:
    """The type of the file system `path` is on (the longest mount point above it in `mountinfo`)."""
    target = os.path.realpath(path)
    best, kind = "", None
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields = left.split()
                if len(fields) < 5 or not right:
                    continue
                mount = fields[4].replace("\\040", " ")
                inside = target == mount or target.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) >= len(best):
                    best, kind = mount, right.split()[0]
    except OSError:
        return None
    return kind


def choose_mode(mode: str, inbox: Path, mountinfo: str = "/proc/self/mountinfo") -> tuple[str, str]:
    """(inotify|poll, why)."""
    if mode == "poll":
        return "poll", "--watch poll"
    if mode == "inotify":
        return "inotify", "--watch inotify"
    fs = filesystem_type(inbox, mountinfo)
    if fs in NETWORK_FS or (fs or "").startswith("fuse.sshfs"):
        return "poll", f"the inbox is on a network file system ({fs}), where inotify sees no remote writes"
    return "inotify", f"local file system ({fs or 'unknown'})"


def _signature(path: Path) -> tuple | None:
    """What makes a file new to us: identity, size, time and permissions (a file made readable is news)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode) if path.is_file() else ("dir",)


class Debouncer:
    """Collects changed paths; `fire(paths)` once `settle` seconds passed without a change (or `max_wait` since the
    first), for the paths that still exist and changed since an event last named them."""

    def __init__(self, fire: Callable[[list[Path]], None], settle: float, max_wait: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.fire, self.settle, self.max_wait, self.clock = fire, settle, max(max_wait, settle), clock
        self._pending: dict[Path, None] = {}
        self._first = self._last = 0.0
        self._seen: dict[Path, tuple] = {}          # what the last event named, as it was then
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None

    def note(self, path: Path) -> None:
        with self._cond:
            now = self.clock()
            if not self._pending:
                self._first = now
            self._last = now
            self._pending[Path(path)] = None
            self._cond.notify()

    def pending(self) -> set[Path]:
        """The changed paths noted and not yet taken (what the next event may name)."""
        with self._cond:
            return set(self._pending)

    def due(self) -> float | None:
        """Seconds until the pending changes are due (≤ 0: now); None when nothing is pending."""
        if not self._pending:
            return None
        now = self.clock()
        return min(self._last + self.settle, self._first + self.max_wait) - now

    def take(self) -> list[Path]:
        """The pending paths worth an event, forgetting the rest (gone, or unchanged since the last event)."""
        paths, self._pending = list(self._pending), {}
        out = []
        for p in paths:
            sig = _signature(p)
            if sig is None or self._seen.get(p) == sig:
                continue
            if sig != ("dir",):           # a folder moved in: its files are news, the folder itself each time
                self._seen[p] = sig
            out.append(p)
        if len(self._seen) > 10_000:
            self._seen = {p: s for p, s in self._seen.items() if _signature(p) == s}
        return out

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    wait = self.due()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(timeout=wait)
                if self._stop:
                    return
                paths = self.take()
            if paths:
                try:
                    self.fire(paths)
                except Exception:
                    pass

    def start(self) -> "Debouncer":
        self._thread = threading.Thread(target=self.run, name="srdi-debounce", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()


class InboxWatcher:
    """Watches `inbox` (recursively) and calls `fire(paths)` once the changes settle."""

    def __init__(self, inbox: Path, fire: Callable[[list[Path]], None], *, mode: str = "auto", settle: float = 2.0,
                 poll_interval: float = 1.0, max_wait: float = 60.0, log: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.monotonic):
        self.inbox = Path(inbox)
        self.requested = mode
        self.mode, self.why = choose_mode(mode, self.inbox)
        self.poll_interval = poll_interval
        self.debouncer = Debouncer(fire, settle, max_wait, clock=clock)   # a test's clock: windows not timed
        self.log = log
        self.observer: BaseObserver | None = None

    def _handler(self):
        from watchdog.events import (DirMovedEvent, FileAttribEvent, FileClosedEvent, FileCreatedEvent,
                                     FileModifiedEvent, FileMovedEvent, FileSystemEventHandler)
        inbox = str(self.inbox)
        debouncer = self.debouncer

        def inside(p) -> bool:
            p = os.fsdecode(p)
            return p == inbox or p.startswith(inbox.rstrip("/") + "/")

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if isinstance(event, (FileMovedEvent, DirMovedEvent)):
                    if event.dest_path and inside(event.dest_path):
                        debouncer.note(Path(os.fsdecode(event.dest_path)))
                elif isinstance(event, (FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileAttribEvent)):
                    debouncer.note(Path(os.fsdecode(event.src_path)))
        return Handler()

    def _observer(self, mode: str) -> BaseObserver:
        if mode == "poll":
            from watchdog.observers.polling import PollingObserver
            return PollingObserver(timeout=self.poll_interval)
        from watchdog.observers.inotify import InotifyObserver
        return InotifyObserver()

    def start(self) -> "InboxWatcher":
        self.inbox.mkdir(parents=True, exist_ok=True)
        try:
            self.observer = self._observer(self.mode)
            self.observer.schedule(self._handler(), str(self.inbox), recursive=True)
            self.observer.start()
        except OSError as exc:               # inotify limits reached, or no inotify: poll instead
            if self.mode == "poll":
                raise
            self.log(f"srdi serve: inotify unavailable ({exc}); polling the inbox every {self.poll_interval:g} s")
            self.mode, self.why = "poll", f"inotify unavailable: {exc}"
            self.observer = self._observer("poll")
            self.observer.schedule(self._handler(), str(self.inbox), recursive=True)
            self.observer.start()
        self.debouncer.start()
        # files already waiting when serve starts get a run now, not at the next scheduled one
        for p in sorted(self.inbox.rglob("*")):
            if p.is_file():
                self.debouncer.note(p)
        return self

    def healthy(self) -> bool:
        return self.observer is not None and self.observer.is_alive()

    def restart(self) -> None:
        """The observer stopped (the inbox was removed and made again, a share came back): watch anew."""
        self.stop_observer()
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.observer = self._observer(self.mode)
        self.observer.schedule(self._handler(), str(self.inbox), recursive=True)
        self.observer.start()

    def stop_observer(self) -> None:
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except Exception:
                pass

    def stop(self) -> None:
        self.debouncer.stop()
        self.stop_observer()

    def describe(self) -> str:
        how = "inotify" if self.mode == "inotify" else f"polling every {self.poll_interval:g} s"
        return f"{how} ({self.why}); a run starts {self.debouncer.settle:g} s after the last change"


def emit_settled(home_root: Path, inbox: Path, paths: list[Path], settle: float, mode: str) -> None:
    """The Prefect event the ingest deployment's trigger waits for (PREFECT_API_URL must name serve's server)."""
    from prefect.events import emit_event

    rel = sorted({str(p.relative_to(inbox)) if p.is_relative_to(inbox) else str(p) for p in paths})
    bureaus = sorted({r.split("/", 1)[0] for r in rel if "/" in r})
    emit_event(
        event=EVENT,
        resource={"prefect.resource.id": resource_id(home_root), "prefect.resource.name": f"收件箱 {inbox}",
                  "srdi.home": str(home_root)},
        related=[{"prefect.resource.id": f"srdi.bureau.{b}", "prefect.resource.role": "bureau",
                  "prefect.resource.name": b} for b in bureaus[:20]],
        payload={"files": rel[:MAX_FILES_IN_EVENT], "count": len(rel), "settle_seconds": settle, "watch": mode},
    )
