"""One writer at a time: ingest and rollups take the writer lock; a second run waits or leaves."""
from __future__ import annotations

import contextlib
import fcntl
import os
import time

from tasks.home import Home


class WriterBusy(RuntimeError):
    pass


@contextlib.contextmanager
def writer_lock(home: Home, wait_seconds: float = 600.0):
    home.ensure()
    fd = os.open(home.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"another srdi run holds {home.lock_file}; waited {wait_seconds:.0f}s") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
