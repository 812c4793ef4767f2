"""A full disk, a quota reached or a read-only file system under the home: one problem, said in one line.

What srdi writes (the writer's database, the analyst copy, the share's folders) fails then whatever the step; the
step stops, nothing half-written is kept (every file srdi writes is written beside its target and renamed, the
database commits whole or not at all), and the command says what happened and what to do instead of a traceback.
DuckDB raises its own IOException for the same conditions: it is recognised by the system's message in it.
"""
from __future__ import annotations

import errno

DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}
_DISK_TEXTS = ("No space left on device", "Disk quota exceeded", "Read-only file system")


def is_disk_problem(exc: BaseException) -> bool:
    """True for a full disk, a quota or a read-only file system (from Python or from DuckDB)."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_ERRNOS
    return type(exc).__module__.lstrip("_").startswith("duckdb") and any(t in str(exc) for t in _DISK_TEXTS)


def disk_problem_line(exc: BaseException, what: str = "", kept: tuple[str, str] | None = None) -> str:
    """One line, Chinese then English: which file, what the system said, what was kept, what to do. `what`: the step
    that did not finish (发布分析副本); `kept`: (Chinese, English) of what stands (default: nothing was changed)."""
    where = getattr(exc, "filename", None) or ""
    text = str(exc).strip()
    said = getattr(exc, "strerror", None) or (text.splitlines()[0] if text else type(exc).__name__)
    read_only = (isinstance(exc, OSError) and exc.errno == errno.EROFS) or "Read-only" in text
    zh = "主目录所在的文件系统是只读的" if read_only else "磁盘空间不足（或超出配额）"
    en = "the home is on a read-only file system" if read_only else "the disk is full (or a quota is reached)"
    kept_zh, kept_en = kept or ("已有的数据和文件未被改动", "nothing was changed")
    at, at_en = (f"：{where}", f" at {where}") if where else ("", "")
    step = f"{what}未完成" if what else "本次未完成"
    return (f"{zh}{at}（{said}）。{step}，{kept_zh}；腾出空间或改为可写后重新运行即可 / {en}{at_en} ({said}): "
            f"{kept_en}; free some space or make it writable, then run again")
