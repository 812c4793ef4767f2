"""Find what bureaus dropped in the inbox: who (the folder), which period (the name), which bytes, and when it
arrived (when srdi first saw it, not what the sender's clock says).

Every entry of the inbox gets an answer. A workbook in a bureau's folder goes on to be read; anything srdi will not
process (a hidden file, a link, a pipe, a file at the inbox root or in a folder of no known bureau) gets a short
Chinese note in an outbox, written once: the bureau's own (`share/outbox/<bureau>/`) or `share/outbox/_未处理/`
when the folder names no bureau; then, when the entry's own name (or a folder's on its way) names one bureau
(新建文件夹/工信局任务进展.xlsx), that bureau's outbox gets the note too: `_未处理/` is read by no bureau.
Office lock files and Windows' Thumbs.db/desktop.ini stay silent.

One entry's trouble is that entry's alone: a name that is not UTF-8 is renamed (read as GB18030) and the bureau
told; a file srdi may not read is rejected with a reason; anything unexpected leaves the entry in place with a note,
and the scan goes on.
"""
from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import task

from schemas import clock
from schemas.periods import period_from_name
from schemas.reference import bureau_named_in
from schemas.terminal import visible        # bureau names in the log: shown, never obeyed
from tasks.bureau.outbox import write_note
from tasks.intake.submission import UNREADABLE_PREFIX, Submission, unsafe_chars
from tasks.run_log import run_logger
from warehouse import inbox as inbox_db
from warehouse import submissions as wl
from warehouse.connection import connect
from warehouse.home import Home
from warehouse.inbox import InboxEntry
from warehouse.inbox_walk import FILE, SKIP, Entry, walk
from warehouse.names import display, fit_name, path_key, repair_name
from warehouse.names import lstat_or_none as _lstat

# The ingest runs every 15 minutes (prefect.yaml: `interval: 900`): a file whose modification time is at most
# one interval before srdi first saw it was dropped then (23:55, seen at 00:05, is on time); an earlier one is
# the sender's clock, not an arrival, and the file arrived when srdi first saw it.
MTIME_WINDOW = timedelta(seconds=900)
# A file saved less than the settle time ago, or whose modification time is in the future (it settles by srdi's own
# clock): the scan waits out the settle time when it is at most this long, and reads the file if it is unchanged
# (longer settle times leave it to the next run).
FUTURE_WAIT_MAX = 10.0

FORMATS_HELP = "请放入 Excel 或 WPS 工作簿（.xlsx、.xls、.et 或导出的 .csv）。"

# why an entry is not processed, and what the bureau can do; {folder} is the folder's name
NOTES = {
    "hidden": ("文件名以“.”开头，系统视为隐藏文件，不予处理。",
               "如需报送，请把文件改名（去掉开头的“.”）后放回本单位文件夹。"),
    "hidden_folder": ("文件夹名以“.”开头，系统视为隐藏文件夹，其中的文件不予处理。",
                      "请把要报送的文件直接放入本单位文件夹，不要放在隐藏文件夹里。"),
    "symlink": ("这是一个符号链接（快捷方式），系统不跟随链接读取。",
                "请把文件本身（而不是链接或快捷方式）复制到本单位文件夹。"),
    "special": ("这不是普通文件（可能是管道、设备或套接字），系统不予读取。", FORMATS_HELP),
    "root": ("文件直接放在收件箱根目录，系统无法确定报送单位，不予处理。",
             "请把文件放入本单位的文件夹（如“工信局”）。"),
    "unknown_folder": ("文件夹“{folder}”不是已知的责任单位，其中的文件不予处理。",
                       "请把文件移到本单位的文件夹（用单位简称或全称命名，如“工信局”或“蛟河市工业和信息化局”）；"
                       "如“{folder}”是新的责任单位，请联系市专精特新工作专班。"),
    "undecodable_folder": ("文件夹名不是 UTF-8 编码，系统无法确定报送单位，其中的文件不予处理。",
                           "请把文件移到本单位的文件夹（如“工信局”），或把文件夹改为本单位名称。"),
    "rename_failed": ("文件名不是 UTF-8 编码，系统无法把它改为可识别的名称，不予处理。",
                      "请把文件改名（只用汉字、字母、数字和常用标点）后重新放入本单位文件夹。"),
    "error": ("系统处理此文件时出错（{error}），文件留在原处。",
              "请稍后重新放入一次；如仍出现此说明，请联系市专精特新工作专班。"),
}


def arrival(first_seen: datetime, mtime: datetime, window: timedelta = MTIME_WINDOW,
            trust_mtime: bool = False) -> datetime:
    """When a file arrived (an aware instant; both arguments are): its modification time when that lies at most `window` before srdi first saw it (the
    file was dropped just before a scheduled run), else the moment srdi first saw it. A future mtime, or one after
    the first sighting (the file was still being written), says nothing earlier. `trust_mtime` takes any mtime up
    to the first sighting: for an inbox restored from an old share with its times kept, never for a live one."""
    if mtime > first_seen:
        return first_seen
    if trust_mtime or first_seen - mtime <= window:
        return mtime
    return first_seen


@dataclass
class Note:
    key: str
    rel: str                  # as the bureau reads it
    bureau: str | None        # whose outbox; None: _未处理
    reason: str               # a key of NOTES
    detail: dict = field(default_factory=dict)
    named: str | None = None  # with bureau None: the bureau the entry's name names, whose outbox gets it too


@dataclass(frozen=True)
class Unsettled:
    """A file not read yet: saved less than the settle time ago, or with a modification time in the future."""
    entry: Entry
    left: float                           # seconds until it has been unchanged for the settle time
    why: str                              # what the log says when it is left to the next run


@dataclass
class Scan:
    home: Home
    now: datetime
    known: dict[str, InboxEntry]          # what the previous scans saw
    settle_seconds: float
    window: timedelta
    trust_mtime: bool
    committed: set[tuple[str, str]]       # (rel, sha256) committed and not yet filed away: finish_interrupted's
    seen: dict[str, InboxEntry] = field(default_factory=dict)
    found: list[Submission] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    unsettled: list[Unsettled] = field(default_factory=list)   # saved < settle ago, or an mtime in the future

    # ------------------------------------------------------------ what the scan saw
    def see(self, key: str, st: os.stat_result | None = None, first_seen: datetime | None = None,
            renamed_from: str | None = None) -> InboxEntry:
        prev = self.seen.get(key) or self.known.get(key)
        size = st.st_size if st is not None and stat.S_ISREG(st.st_mode) else None
        mtime_ns = st.st_mtime_ns if st is not None else None
        changed = prev is None or (prev.size_bytes, prev.mtime_ns) != (size, mtime_ns)
        entry = InboxEntry(
            path_key=key, first_seen=first_seen or (prev.first_seen if prev else self.now), last_seen=self.now,
            changed_at=self.now if changed or prev is None else prev.changed_at, size_bytes=size, mtime_ns=mtime_ns,
            renamed_from=renamed_from or (prev.renamed_from if prev else None),
            note_reason=prev.note_reason if prev else None, note_path=prev.note_path if prev else None)
        self.seen[key] = entry
        return entry

    def note(self, rel: str, bureau: str | None, reason: str, st: os.stat_result | None = None, **detail) -> None:
        key = path_key(rel)
        if key not in self.seen:
            self.see(key, st)
        shown = display(rel)
        self.notes.append(Note(key, shown, bureau, reason, detail, None if bureau else named_bureau(shown)))


def named_bureau(rel: str) -> str | None:
    """The bureau an entry outside every bureau folder names: its own name first, then its folders', innermost
    first (新建文件夹/工信局任务进展.xlsx, 工信局2022/进展.xlsx); None when none, or several, is named."""
    for part in reversed(rel.split("/")):
        named = bureau_named_in(part)
        if named is not None:
            return named
    return None


def scan_inbox(home: Home, con, settle_seconds: float = 2.0, *, window: timedelta = MTIME_WINDOW,
               trust_mtime: bool = False, now: datetime | None = None) -> Scan:
    """Look at every entry of the inbox once (the module's docstring; the walk: warehouse/inbox_walk.py). `con`: the
    writer database."""
    scan = Scan(home=home, now=clock.instant(now) if now else clock.now(), known=inbox_db.entries(con), settle_seconds=settle_seconds,
                window=window, trust_mtime=trust_mtime, committed=wl.unmoved_keys(con))
    for e in walk(home, rename=lambda e: _guarded(scan, e, _rename_undecodable)):
        if e.kind == SKIP and e.reason is not None:
            # each reason's text takes what it names: unknown_folder the folder at the root, error the exception
            scan.note(e.rel, e.bureau, e.reason, e.st, folder=e.rel.split("/")[0], error=e.error)
        elif e.kind == FILE:
            _guarded(scan, e, _regular_file)
    _wait_to_settle(scan)
    # arrival order, so that a resubmission supersedes; files that arrived together keep the order their
    # modification times give (a sender's clock may be off, but not its own files' order)
    scan.found.sort(key=lambda s: (s.received_at, s.signature[1] if s.signature else 0, s.rel))
    return scan


def _guarded(scan: Scan, e: Entry, step: Callable[[Scan, Entry], Any]) -> Any:
    """`step` for one entry, once more if it fails (it may have been passing); a second failure is the entry's own
    problem: logged and noted, and the scan goes on."""
    for _ in range(2):
        try:
            return step(scan, e)
        except Exception as exc:
            failure = exc
    run_logger().error("%s: %s: %s", display(e.rel), type(failure).__name__, failure)
    scan.note(e.rel, e.bureau, "error", _lstat(e.path), error=type(failure).__name__)
    return None


def _rename_undecodable(scan: Scan, e: Entry) -> tuple[Path, os.stat_result] | None:
    """A name that is not UTF-8 (DuckDB, the logs and the bureau's Excel all need text): renamed in place to its
    GB18030 reading, or with "_" for what nothing reads. Returns the new (path, stat), or None (noted)."""
    path = e.path
    text, _ = repair_name(path.name)
    target = path.with_name(fit_name(text))
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        target = path.with_name(fit_name(text, f"_{n}"))
    try:
        os.rename(path, target)
    except OSError:
        scan.note(e.rel, e.bureau, "rename_failed", e.st)
        return None
    new_rel = str(target.relative_to(scan.home.inbox))
    old_key = path_key(e.rel)
    prev = scan.known.get(old_key)
    run_logger().warning("%s: the name is not UTF-8; renamed to %s", display(e.rel), new_rel)
    new_st = os.lstat(target)
    scan.see(path_key(new_rel), new_st, first_seen=prev.first_seen if prev else scan.now, renamed_from=old_key)
    return target, new_st


def _regular_file(scan: Scan, e: Entry) -> None:
    path, rel, bureau, st = e.path, e.rel, e.bureau, e.st
    assert bureau is not None and st is not None          # a file to read is in a bureau's folder, looked at
    entry = scan.see(path_key(rel), st)
    mtime = clock.from_timestamp(st.st_mtime)
    if mtime > scan.now:   # the sender's clock is ahead: how long it has been unchanged is srdi's to measure
        left = scan.settle_seconds - (scan.now - entry.changed_at).total_seconds()
        why = "的修改时间在未来，按系统时钟等待其不再变化，留待下次处理"
    else:
        left = scan.settle_seconds - (scan.now - mtime).total_seconds()
        why = "仍在写入，留待下次处理"
    if left > 0:
        scan.unsettled.append(Unsettled(e, left, why))
        return
    _read(scan, path, rel, bureau, st, entry)


HASH_BLOCK = 1 << 20


def stream_sha256(path: Path) -> tuple[str, int]:
    """(sha256, bytes hashed) of a file read 1 MB at a time: the main process never holds a file's bytes (issue 24:
    three 1.5 GB files read whole raised the ingest to 4.8 GB before any size check). The reading child reads the
    bytes it checks itself, and only when they are within the size limit (tasks/intake/isolate.py)."""
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(HASH_BLOCK):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def _read(scan: Scan, path: Path, rel: str, bureau: str, st: os.stat_result, entry: InboxEntry) -> None:
    try:
        digest, size = stream_sha256(path)
    except PermissionError:
        digest = None
    else:
        after = os.stat(path)
        if size != st.st_size or (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            scan.waiting.append(f"{rel} 读取时发生变化，留待下次处理")
            return
    sha = digest if digest is not None else f"{UNREADABLE_PREFIX}{st.st_ino}:{st.st_mtime_ns}"
    if (rel, sha) in scan.committed:
        return   # loaded by an earlier run and not yet filed away: finish_interrupted files it
    sub = Submission(
        path=path, rel=rel, bureau=bureau, period=None, sha256=sha, size_bytes=st.st_size,
        received_at=arrival(entry.first_seen, clock.from_timestamp(st.st_mtime), scan.window, scan.trust_mtime),
        to_read=digest is not None, first_seen=entry.first_seen, signature=(st.st_size, st.st_mtime_ns, st.st_ino))
    if digest is None:
        sub.add_finding("file.permission", mode=stat.filemode(st.st_mode))
    if entry.renamed_from:
        sub.add_finding("file.name_encoding", name=path.name)
    bad = unsafe_chars(path.name)
    if bad:
        codes = "、".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
        sub.add_finding("file.name_unsafe", codes=codes)
    period = period_from_name(path.stem)
    if isinstance(period, list):
        sub.add_finding("period.ambiguous", periods="、".join(period))
    elif period is None:
        sub.add_finding("period.missing")
    else:
        sub.period = period
    scan.found.append(sub)


def _wait_to_settle(scan: Scan) -> None:
    """Files changed less than the settle time ago (just saved), and files whose mtime is in the future (they settle
    by srdi's clock): when the settle time is short (at most FUTURE_WAIT_MAX) the scan waits out the rest once and
    reads each one still unchanged, so a clerk who saves a workbook and runs `srdi ingest` at once has it loaded;
    a longer settle time leaves them to the next run, each said in the log."""
    if not scan.unsettled:
        return
    if scan.settle_seconds > FUTURE_WAIT_MAX:
        scan.waiting += [f"{u.entry.rel} {u.why}" for u in scan.unsettled]
        return
    time.sleep(min(max(u.left for u in scan.unsettled), scan.settle_seconds))
    for u in scan.unsettled:
        path, rel, bureau, st = u.entry.path, u.entry.rel, u.entry.bureau, u.entry.st
        assert bureau is not None and st is not None
        now = _lstat(path)
        if now is None or (now.st_size, now.st_mtime_ns, now.st_ino) != (st.st_size, st.st_mtime_ns, st.st_ino):
            scan.waiting.append(f"{rel} 仍在写入，留待下次处理")
            continue
        _read(scan, path, rel, bureau, st, scan.seen[path_key(rel)])


def write_notes(scan: Scan, con) -> list[str]:
    """Each note once: an entry keeps its note until it leaves the inbox or its reason changes. Returns the
    notes written now (what the log says; a note already written is not repeated)."""
    log = run_logger()
    written = []
    for note in scan.notes:
        entry = scan.seen[note.key]
        if entry.note_reason == note.reason:
            continue   # written by an earlier run (even if the bureau has since deleted it)
        what, fix = NOTES[note.reason]
        what, fix = what.format(**note.detail), fix.format(**note.detail)
        try:
            path = write_note(scan.home, note.bureau, note.rel, what, fix, scan.now)
            if note.named:   # _未处理/ is read by no bureau: the bureau the name names gets the note as well
                named_path = write_note(scan.home, note.named, note.rel, what, fix, scan.now, named=True)
                log.warning("%s: %s（名称中写有“%s”，说明也写入 %s）", visible(note.rel), visible(what), note.named,
                            visible(named_path.relative_to(scan.home.share)))
        except OSError as exc:
            log.error("%s: no note written (%s)", visible(note.rel), visible(exc))
            continue
        scan.seen[note.key] = replace(entry, note_reason=note.reason, note_path=str(path))
        written.append(f"{note.rel}: {what}")
        log.warning("%s: %s（说明已写入 %s）", visible(note.rel), visible(what), visible(path.relative_to(scan.home.share)))
    return written


@task(name="discover-submissions", retries=2, retry_delay_seconds=2)
def discover_submissions(home: Home, settle_seconds: float = 2.0, trust_mtime: bool = False,
                         mtime_window_seconds: float = MTIME_WINDOW.total_seconds()) -> list[Submission]:
    """The workbooks ready to read, in arrival order; notes for what will not be read; what was seen remembered."""
    log = run_logger()
    with connect(home.writer_db) as con:
        scan = scan_inbox(home, con, settle_seconds, window=timedelta(seconds=mtime_window_seconds),
                          trust_mtime=trust_mtime)
        write_notes(scan, con)
        inbox_db.replace_entries(con, list(scan.seen.values()))
    for line in scan.waiting:
        log.info(visible(line))
    noted = len({n.key for n in scan.notes})
    log.info("found %d file(s) in the inbox%s", len(scan.found),
             f"; {noted} entr{'y' if noted == 1 else 'ies'} not processed (see the notes in share/outbox)" if noted else "")
    return scan.found
