"""The one way srdi writes a file others may be reading: to a temporary name beside it, flushed to disk, then
renamed over the target in one step. A reader sees the old file or the new one, never half of one; a crash
leaves at most a `.name.*.tmp` that the next write of the same file removes."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def temp_path(path: Path) -> Path:
    """The temporary sibling a write of `path` uses (hidden, and never an Office lock-file name)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def remove_stale_temps(path: Path) -> None:
    """Debris of earlier writes of `path` that were killed midway (`.<name>.<anything>.tmp`). Names are compared as
    text, not as a glob pattern: a bureau's file name may hold [ ] * ?, and a pattern cost a regex compile a write."""
    prefix, suffix = f".{path.name}.", ".tmp"
    try:
        entries = os.scandir(path.parent)
    except FileNotFoundError:
        return
    with entries:
        stale = [e.path for e in entries
                 if e.name.startswith(prefix) and e.name.endswith(suffix) and len(e.name) >= len(prefix) + len(suffix)]
    for name in stale:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path: Path | str, mode: int | None = None):
    """Yields the temporary path to write `path` through (by any writer that takes a file name); when the block
    ends without an error the file is synced, given `mode` if any, and renamed over `path`; on an error (Ctrl-C
    included) it is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    tmp = temp_path(path)
    try:
        yield tmp
        _fsync(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def open_atomic(path: Path | str, mode: str = "w", **kwargs):
    """`open()` for a file written whole or not at all (the same rules as atomic_path)."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f


def write_bytes(path: Path | str, data: bytes, mode: int | None = None) -> Path:
    """`data` as the whole of `path`. With `mode` (0o600 for a file only its owner may read) the temporary file is
    created with that mode from the start, O_EXCL|O_NOFOLLOW: no moment where others can read it, and nothing already
    at the temporary name (a planted link) is opened."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    tmp = temp_path(path)
    try:
        if mode is None:
            f = open(tmp, "wb")
        else:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
            os.fchmod(fd, mode)           # whatever the umask
            f = os.fdopen(fd, "wb")
        with f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


def copy_file(src: Path | str, dst: Path | str, before_swap=None, mode: int | None = None) -> Path:
    """Copy src over dst atomically (the analyst copy of the warehouse). `before_swap` runs after the copy is on
    disk and before the rename (a crash point in tests, the removal of a stale write-ahead log); `mode`, if given,
    is set on the copy before it is renamed into place (0o444: the analyst copy is read-only)."""
    import shutil
    dst = Path(dst)
    remove_stale_temps(dst)   # debris of a copy that was killed midway
    tmp = temp_path(dst)
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as f:   # on disk before the rename, so a crash cannot publish a torn file
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if before_swap:
            before_swap()
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst
