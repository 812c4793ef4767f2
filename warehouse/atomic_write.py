"""The one way srdi writes a file others may be reading: to a temporary name beside it, flushed to disk, then
renamed over the target in one step. A reader sees the old file or the new one, never half of one; a crash
leaves at most a `.name.*.tmp` that the next write of the same file removes."""
from __future__ import annotations

import os
from pathlib import Path


def temp_path(path: Path) -> Path:
    """The temporary sibling a write of `path` uses (hidden, and never an Office lock-file name)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_bytes(path: Path | str, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
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


def copy_file(src: Path | str, dst: Path | str, before_swap=None) -> Path:
    """Copy src over dst atomically (the analyst copy of the warehouse). `before_swap` runs after the copy is on
    disk and before the rename (a crash point in tests)."""
    import shutil
    dst = Path(dst)
    for stale in dst.parent.glob(f".{dst.name}.*.tmp"):
        stale.unlink(missing_ok=True)   # debris of a copy that was killed midway
    tmp = temp_path(dst)
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as f:   # on disk before the rename, so a crash cannot publish a torn file
            os.fsync(f.fileno())
        if before_swap:
            before_swap()
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst
