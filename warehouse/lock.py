"""One writer at a time: ingest and rollups take the writer lock; a second run waits or leaves.

The lock is re-entrant within a process, so the CLI can take it before it starts a flow (a busy writer
is then reported plainly, before Prefect is involved) and the flow's own `writer_lock` passes through.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time

from warehouse.home import Home


class WriterBusy(RuntimeError):
    pass


_held: dict[str, int] = {}
_guard = threading.Lock()


def _holder(home: Home) -> str:
    try:
        return home.lock_file.read_text().strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def writer_lock(home: Home, wait_seconds: float | None = None):
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("SRDI_LOCK_WAIT_SECONDS", 600))
    home.ensure()
    key = str(home.lock_file)
    with _guard:
        if _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    fd = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"another srdi run (pid {_holder(home)}) holds {home.lock_file}; "
                                     f"waited {wait_seconds:.0f}s") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                _held[key] = 0
    finally:
        os.close(fd)
