"""Find what bureaus dropped in the inbox: who (the folder), which period (the name), which bytes."""
from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from pathlib import Path

from prefect import task

from schemas.reference import resolve_bureau
from tasks.run_log import run_logger
from warehouse.home import Home
from schemas.periods import NAMING_HELP, period_from_name
from tasks.intake.submission import Submission, unsafe_chars

IGNORED_PREFIXES = ("~$", ".~lock", ".")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini"}


def _walk(folder: Path):
    """Every entry under a bureau folder, never following symbolic links out of the share."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        base = Path(root)
        for name in dirs:
            if (base / name).is_symlink():
                yield base / name
        for name in sorted(files):
            yield base / name


def scan_inbox(home: Home, settle_seconds: float = 2.0) -> tuple[list[Submission], list[str]]:
    """Files ready to ingest, and notes about what was left in place (unknown folders, files still being written)."""
    notes: list[str] = []
    found: list[Submission] = []
    now = time.time()
    if not home.inbox.exists():
        return found, notes
    for folder in sorted(p for p in home.inbox.iterdir()):
        if folder.name.startswith("."):
            continue
        if folder.is_symlink():
            notes.append(f"“{folder.name}”是符号链接，系统不跟随链接读取，未处理")
            continue
        if not folder.is_dir():
            notes.append(f"收件箱根目录下的文件“{folder.name}”未放在单位文件夹中，未处理")
            continue
        bureau = resolve_bureau(folder.name)
        if bureau is None:
            notes.append(f"文件夹“{folder.name}”不是已知的责任单位，其中的文件未处理")
            continue
        for path in _walk(folder):
            if path.is_symlink():
                notes.append(f"{path.relative_to(home.inbox)} 是符号链接，系统不跟随链接读取，未处理")
                continue
            if not path.is_file():
                continue
            if path.name.startswith(IGNORED_PREFIXES) or path.name in IGNORED_NAMES:
                continue
            st = path.stat()
            if now - st.st_mtime < settle_seconds:
                notes.append(f"{path.relative_to(home.inbox)} 仍在写入，留待下次处理")
                continue
            data = path.read_bytes()
            if len(data) != st.st_size:
                notes.append(f"{path.relative_to(home.inbox)} 读取时大小变化，留待下次处理")
                continue
            sub = Submission(
                path=path, rel=str(path.relative_to(home.inbox)), bureau=bureau, period=None,
                sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                received_at=datetime.fromtimestamp(st.st_mtime), data=data,
            )
            bad = unsafe_chars(path.name)
            if bad:
                codes = "、".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
                sub.fail("file.name_unsafe", f"文件名含有不可见或控制字符（{codes}）",
                         "请把文件重命名为只含汉字、字母、数字和常用标点的名称后重新上传。")
            period = period_from_name(path.stem)
            if isinstance(period, list):
                sub.fail("period.ambiguous", f"文件名中有多个不同的报送期（{'、'.join(period)}）", NAMING_HELP)
            elif period is None:
                sub.fail("period.missing", "文件名中未找到报送期", NAMING_HELP)
            else:
                sub.period = period
            found.append(sub)
    found.sort(key=lambda s: (s.received_at, s.rel))  # arrival order: a resubmission supersedes
    return found, notes


@task(name="discover-submissions", retries=2, retry_delay_seconds=2)
def discover_submissions(home: Home, settle_seconds: float = 2.0) -> list[Submission]:
    subs, notes = scan_inbox(home, settle_seconds)
    log = run_logger()
    for n in notes:
        log.warning(n)
    log.info("found %d file(s) in the inbox", len(subs))
    return subs
