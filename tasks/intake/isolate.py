"""Parse workbooks in child processes with memory and time limits.

A hostile file (a 1.5 KB .xlsx with a cell at XFD1048576 makes calamine ask for ~550 GB and abort;
a malformed .xls raises a Rust panic that `except Exception` misses) kills only its own child: the
file is rejected with a Chinese reason and the batch goes on. Both cores work meanwhile.

Limits, each with the reason it gives when it strikes:
- memory: what a child really uses (its resident set, polled from /proc every 0.1 s), not its address space.
  Polars, pandera and calamine reserve gigabytes they never touch: reading a valid 60 MB workbook (240,000 rows)
  maps 3.4 GB, past the 3 GB address-space limit that used to reject it, and uses 1.1 GB (2.0 GB in a reading
  child, which also pickles its result back). The default fits the largest workbook the other limits let through:
  an 88 MB .xlsx of 1,048,575 rows (Excel's limit) × 17 columns, 782 MB unpacked, peaked at 4.9 GB in 43 s.
- time: per chunk of files a child reads; a child over it is killed.
- a crash: the child died on its own (an abort, a segfault); its last words (stderr) say whether it was
  a failed memory allocation.
A child stopped from outside (SIGTERM, SIGINT, SIGHUP: Ctrl-C on the command, a shutdown) is not the file's
fault: the read stops with `ReadingInterrupted` and no file is rejected.

No child outlives the process that reads: each child dies with the forkserver (PR_SET_PDEATHSIG), and lets the
forkserver end when the reading process does (it drops its copy of the forkserver's "alive" pipe).
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import re
import signal
import sys
import tempfile
import threading
import time
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.intake.submission import Submission
from warehouse.crash_points import crash_point


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 100.0        # bigger files are rejected before parsing
    max_unpacked_mb: float = 1024.0   # sum of a zip container's uncompressed members
    max_ratio: float = 200.0          # unpacked / packed: beyond this it is a zip bomb
    memory_mb: float = 8192.0         # resident memory (RSS) of each reading child
    seconds: float = 300.0            # time limit per chunk of files (a big file is a chunk of its own)
    workers: int = max(1, min(2, os.cpu_count() or 1))

    @classmethod
    def from_env(cls) -> "Limits":
        d = cls()
        return cls(
            max_file_mb=_env_float("SRDI_MAX_FILE_MB", d.max_file_mb),
            max_unpacked_mb=_env_float("SRDI_MAX_UNPACKED_MB", d.max_unpacked_mb),
            max_ratio=_env_float("SRDI_MAX_COMPRESSION_RATIO", d.max_ratio),
            memory_mb=_env_float("SRDI_READER_MEMORY_MB", d.memory_mb),
            seconds=_env_float("SRDI_READER_SECONDS", d.seconds),
            workers=int(_env_float("SRDI_READER_WORKERS", d.workers)),
        )


class ReadingInterrupted(RuntimeError):
    """A reading child was stopped from outside (Ctrl-C or SIGTERM on the command): no file is to blame."""


def precheck(sub: Submission, limits: Limits) -> None:
    """Size and compression limits, checked before any byte is read: the size from the file system (discover's
    stat), the compression from the zip's central directory."""
    size = len(sub.data) if sub.data is not None else sub.size_bytes
    mb = size / 2**20
    if mb > limits.max_file_mb:
        sub.add_finding("file.too_large", mb=f"{mb:.1f}", limit=f"{limits.max_file_mb:.0f}")
        sub.data, sub.to_read = None, False
        return
    source: io.BytesIO | Path
    try:
        if sub.data is not None:
            if sub.data[:4] != b"PK\x03\x04":
                return
            source = io.BytesIO(sub.data)
        else:
            with open(sub.path, "rb") as f:
                if f.read(4) != b"PK\x03\x04":
                    return
            source = sub.path
        with zipfile.ZipFile(source) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader reports a broken container (or a vanished file) with its own reason
    ratio = unpacked / max(size, 1)
    if unpacked / 2**20 > limits.max_unpacked_mb or ratio > limits.max_ratio:
        sub.add_finding("file.zip_bomb", mb=f"{unpacked / 2**20:.0f}", ratio=f"{ratio:.0f}")
        sub.data, sub.to_read = None, False


def check_chunk(chunk: list[Submission]) -> list[Submission]:
    """read → normalise → validate for a chunk of files (runs in the child). Imported here, not at the top: the
    checks need pandera (0.3 s to import), which only the children use (the forkserver preloads it)."""
    from tasks.intake.check_batch import check_many
    return check_many(chunk)


CHUNK_FILES = 100          # at most this many files per child call: polars and pandera cost a fixed amount per call
CHUNK_BYTES = 4 * 2**20   # and at most this many bytes (a chunk whose child dies is read again file by file)


def chunks_of(subs: list[Submission], workers: int = 1) -> list[list[Submission]]:
    """Files grouped so that each child call carries enough work to amortise the batched steps, in equal shares
    for the `workers` children (so that they finish together)."""
    n = len(subs)
    per = CHUNK_FILES
    if n and workers > 1:
        count = -(-max(-(-n // CHUNK_FILES), workers) // workers) * workers   # a multiple of the workers
        per = max(1, -(-n // count))
    out: list[list[Submission]] = []
    cur: list[Submission] = []
    size = 0
    for sub in subs:
        if cur and (len(cur) >= per or size + sub.size_bytes > CHUNK_BYTES):
            out.append(cur)
            cur, size = [], 0
        cur.append(sub)
        size += sub.size_bytes
    if cur:
        out.append(cur)
    return out


# ------------------------------------------------------------------------------------------- the child

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """The kernel kills this child when its parent (the forkserver) ends, however it ends."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _release_forkserver() -> None:
    """Drop this child's copy of the forkserver's "alive" pipe (multiprocessing hands one to every child), so that
    the forkserver sees the end of the reading process, ends too, and takes this child with it."""
    try:
        from multiprocessing import forkserver
        server: Any = forkserver._forkserver   # its private attribute, which typeshed does not declare
        fd = server._forkserver_alive_fd   # private: no public way to drop it
        if fd is not None:
            os.close(fd)
            server._forkserver_alive_fd = None
    except (AttributeError, OSError):
        pass


def _serve(conn, err_path: str) -> None:
    """A reading child: chunks in, checked chunks out, until the pipe closes."""
    _die_with_parent()
    _release_forkserver()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the command's to handle; it stops us with SIGTERM
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ["RUST_BACKTRACE"] = "0"
    if not os.environ.get("SRDI_DEBUG_CHILD"):
        # an aborting reader prints a Rust backtrace: kept in a file, where the parent reads why it died
        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        crash_point("reading")   # the interruption tests stop a command while its child is here (pause mode)
        reply: tuple[str, list[Submission] | str]
        try:
            reply = ("ok", check_chunk(chunk))
        except Exception as exc:   # an error in our own code, not a dead reader: the chunk is settled file by file
            reply = ("error", type(exc).__name__)
        conn.send(reply)


_CTX = None


def _python_ignoring_stop_signals() -> str | None:
    """This Python, behind a two-line launcher that starts it with SIGINT and SIGTERM ignored (which Python then
    keeps).

    multiprocessing starts the forkserver and its resource tracker in the command's process group, where a Ctrl-C
    at the terminal reaches them too; for seconds while the forkserver starts (importing polars, pandera,
    calamine) it would die of one with a traceback on the terminal, before it ignores SIGINT itself. Started
    ignoring it, neither ever sees one, nor do the reading children forked from it: the command stops them with
    SIGTERM (each child takes SIGTERM's default back: `_serve`). The forkserver ignores SIGTERM too, so that a
    SIGTERM to the whole process group (a service manager's stop) or the command's own SIGTERMs to its children
    end each reading child by that signal, which the reading step takes for an interruption: had the forkserver
    died of it first, the kernel would have killed its children with SIGKILL (`_die_with_parent`), which reads as
    the system's out-of-memory killer and has the chunk read again, file by file. The forkserver and the resource
    tracker end when the command does (their pipe from it closes). None (plain Python) where a launcher cannot
    run, e.g. a temporary folder mounted noexec."""
    import atexit
    import shlex
    import shutil
    import subprocess
    folder = tempfile.mkdtemp(prefix="srdi-python-")
    atexit.register(shutil.rmtree, folder, True)
    launcher = os.path.join(folder, "python")
    with open(launcher, "w", encoding="utf-8") as f:
        f.write(f"#!/bin/sh\ntrap '' INT TERM\nexec {shlex.quote(sys.executable)} \"$@\"\n")
    os.chmod(launcher, 0o700)
    try:
        ok = subprocess.run([launcher, "-S", "-c", "import signal as s, sys; "
                             "sys.exit({s.getsignal(s.SIGINT), s.getsignal(s.SIGTERM)} != {s.SIG_IGN})"],
                            timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return launcher if ok else None


class _Process(mp.context.ForkServerProcess):
    """A child of the forkserver that never runs the parent's main module (`_main_module_not_run`), whoever starts
    it: a reading child, or a pool child, which a pool starts when a task finds no idle child, not with the pool."""

    def start(self) -> None:
        with _main_module_not_run():
            super().start()


class _Context(mp.context.ForkServerContext):
    Process = _Process


def _context():
    global _CTX
    if _CTX is None:
        ctx = _Context()        # the forkserver is multiprocessing's one per process, as mp.get_context's is
        # what the children run, imported once by the forkserver: the checks (polars, pandera, calamine) and the
        # outbox pool's writers (xlsxwriter, openpyxl: 0.24 s a child otherwise; tasks.bureau.outbox imports them
        # only when it writes a workbook)
        ctx.set_forkserver_preload(["tasks.intake.isolate", "tasks.intake.check_batch", "tasks.intake.feedback_pool",
                                    "tasks.bureau.annotated_copy", "tasks.bureau.error_list", "tasks.bureau.receipt"])
        launcher = _python_ignoring_stop_signals()
        if launcher:
            ctx.set_executable(launcher)
        _CTX = ctx
    return _CTX


def warm_up() -> None:
    """Start the forkserver now (it imports polars, pandera and calamine: about a second), so that the first reading
    child forks at once later. Harmless when it is running already."""
    _context()
    from multiprocessing import forkserver
    forkserver.ensure_running()


def any_file_in(inbox: Path) -> bool:
    """Whether the inbox holds a file in a folder (where bureaus drop them), stopping at the first one found."""
    try:
        with os.scandir(inbox) as folders:
            for folder in folders:
                if folder.is_dir(follow_symlinks=False) and not folder.name.startswith("."):
                    with os.scandir(folder.path) as entries:
                        if any(e.is_file(follow_symlinks=False) for e in entries):
                            return True
    except OSError:
        return False
    return False


_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def _main_module_not_run():
    """While a child starts: multiprocessing has every child of the forkserver run the parent's main module first
    (as `__mp_main__`, so that what it defines can be unpickled). What our children run lives in modules the
    forkserver preloads, and the main module of a flow run on a worker is Prefect's (`python -m prefect.engine`):
    each reading child and pool child imported Prefect again, 1.3–1.5 s of CPU each (0.2 s otherwise). For the
    start, multiprocessing sees a main module with no file and no name to run (its `get_preparation_data`).
    One start at a time: the flow's chunks start their readers from several threads, and two overlapping swaps
    could restore each other's stand-in and leave it as the process's main module for good."""
    with _MAIN_SWAP:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def _pool_child(initializer, initargs) -> None:
    """A child of `child_pool`: dies with the forkserver like a reading child, leaves Ctrl-C to the command."""
    _die_with_parent()
    _release_forkserver()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if initializer is not None:
        initializer(*initargs)


def child_pool(workers: int | None = None, initializer=None, initargs: tuple = ()):
    """A process pool forked from the reading forkserver (its imports already done), for work of the main process
    that can run on the other cores, e.g. the outbox's workbooks. Its children die with the reading process, as the
    reading children do. The caller shuts it down (a `with` block)."""
    from concurrent.futures import ProcessPoolExecutor
    workers = workers or Limits.from_env().workers
    pool = ProcessPoolExecutor(max(1, workers), mp_context=_context(), initializer=_pool_child,
                               initargs=(initializer, initargs))
    try:
        pool.submit(os.getpid).result()     # its first child started now (a forkserver's pool starts the others
                                            # when a task finds no idle child)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


# ------------------------------------------------------------------------------------------ the parent

POLL_SECONDS = 0.1
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4 / 1024
_INTERRUPTS = {-signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP}


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc/<pid>/statm (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_MB
    except (OSError, ValueError, IndexError):
        return 0.0


class _Reader:
    """One reading child and the chunk it works on."""

    def __init__(self, tmpdir: str, n: int):
        ctx = _context()
        self.err_path = os.path.join(tmpdir, f"reader{n}.err")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.err_path), daemon=True, name=f"srdi-reader-{n}")
        self.proc.start()
        child.close()
        self.chunk: list[Submission] | None = None
        self.started = 0.0
        self.peak_mb = 0.0
        self.killed_for: str | None = None

    def give(self, chunk: list[Submission]) -> None:
        self.chunk, self.started, self.peak_mb, self.killed_for = chunk, time.monotonic(), 0.0, None
        self.conn.send(chunk)

    def kill(self, why: str | None = None) -> None:
        self.killed_for = self.killed_for or why
        try:
            self.proc.kill()
        except (OSError, ValueError, AttributeError):
            pass

    def close(self) -> None:
        if self.proc.exitcode is None and self.chunk is None:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.proc.join(1.0)
        if self.proc.exitcode is None:
            self.kill()
            self.proc.join(5.0)
        self.conn.close()
        try:
            self.proc.close()
        except ValueError:
            pass

    def last_words(self) -> str:
        try:
            with open(self.err_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 4096))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


def _cause(reader: _Reader, exitcode: int | None) -> tuple[str, str]:
    """Why a child died: (kind, detail) with kind memory | timeout | killed | crash."""
    if reader.killed_for == "memory":
        return "memory", f"{reader.peak_mb:.0f}"
    if reader.killed_for == "timeout":
        return "timeout", ""
    if exitcode in _INTERRUPTS:
        raise ReadingInterrupted(f"a reading child was stopped from outside (signal {-exitcode})")
    if exitcode == -signal.SIGKILL:
        return "killed", ""   # not by us: the system's out-of-memory killer
    words = reader.last_words()
    m = re.search(r"memory allocation of (\d+) bytes failed", words)
    if m:
        return "allocation", m.group(1)
    if exitcode is not None and exitcode < 0:
        try:
            return "crash", signal.Signals(-exitcode).name
        except ValueError:
            return "crash", f"signal {-exitcode}"
    return "crash", f"exit code {exitcode}"


def _run(chunks: list[list[Submission]], limits: Limits, workers: int
         ) -> tuple[list[Submission], list[tuple[str, str, list[Submission]]]]:
    """Run chunks in children, at most `workers` at a time. Each child reads one chunk at a time, so when one dies
    or is killed the chunk it held is the only suspect. Returns (finished files, [(kind, detail, chunk)])."""
    done: list[Submission] = []
    failed: list[tuple[str, str, list[Submission]]] = []
    queue = list(reversed(chunks))
    readers: list[_Reader] = []
    started = lost = 0
    with tempfile.TemporaryDirectory(prefix="srdi-readers-") as tmpdir:
        try:
            while queue or any(r.chunk is not None for r in readers):
                for reader in [r for r in readers if r.chunk is None and r.proc.exitcode is not None]:
                    reader.close()
                    readers.remove(reader)
                idle = [r for r in readers if r.chunk is None]
                while queue and (idle or len(readers) < workers):
                    if idle:
                        reader = idle.pop()
                    else:
                        started += 1
                        reader = _Reader(tmpdir, started)
                        readers.append(reader)
                    try:
                        reader.give(queue[-1])
                    except (OSError, ValueError):   # it died while idle: the chunk waits for another child
                        reader.chunk = None
                        code = reader.proc.exitcode
                        reader.close()
                        readers.remove(reader)
                        if code in _INTERRUPTS:
                            raise ReadingInterrupted(f"a reading child was stopped from outside (signal {-code})") from None
                        lost += 1
                        if lost > 8:
                            raise RuntimeError("reading children keep dying before they get any work") from None
                        continue
                    queue.pop()
                busy = [r for r in readers if r.chunk is not None]
                ready = set(mpc.wait([r.conn for r in busy] + [r.proc.sentinel for r in busy], timeout=POLL_SECONDS))
                now = time.monotonic()
                for reader in busy:
                    held = reader.chunk
                    assert held is not None, "busy holds the readers with a chunk"
                    reply = None
                    if reader.conn in ready:
                        try:
                            reply = reader.conn.recv()
                        except (EOFError, OSError):
                            reply = None
                    if reply is not None:
                        status, payload = reply
                        if status == "ok":
                            done += payload
                        else:
                            failed.append(("error", payload, held))
                        reader.chunk = None
                        continue
                    if reader.conn in ready or reader.proc.sentinel in ready:
                        reader.proc.join(5.0)
                        kind, detail = _cause(reader, reader.proc.exitcode)
                        failed.append((kind, detail, held))
                        reader.chunk = None
                        continue
                    reader.peak_mb = max(reader.peak_mb, rss_mb(reader.proc.pid))
                    if reader.peak_mb > limits.memory_mb:
                        reader.kill("memory")
                    elif now - reader.started > limits.seconds:
                        reader.kill("timeout")
        finally:
            for reader in readers:
                reader.close()
    return done, failed


def _reject(sub: Submission, kind: str, detail: str, limits: Limits) -> None:
    sub.data, sub.to_read = None, False
    if kind == "memory":
        sub.add_finding("file.reader_memory", peak_gb=f"{float(detail) / 1024:.1f}",
                        limit_gb=f"{limits.memory_mb / 1024:.1f}")
    elif kind == "killed":
        sub.add_finding("file.reader_memory", "killed")
    elif kind == "allocation":
        sub.add_finding("file.reader_crashed", "allocation", gb=f"{int(detail) / 2**30:,.0f}")
    elif kind == "timeout":
        sub.add_finding("file.timeout", seconds=f"{limits.seconds:g}")      # 300 → "300", 0.05 → "0.05"
    elif kind == "crash":
        sub.add_finding("file.reader_crashed", detail=detail)
    else:
        sub.add_finding("file.unreadable", "reader", detail=detail)


def _settle(kind: str, detail: str, chunk: list[Submission], limits: Limits) -> list[Submission]:
    """A chunk whose child died, was killed or raised: each file again on its own, to find the culprit."""
    if len(chunk) > 1:
        done, failed = _run([[s] for s in chunk], limits, 1)
        for k, d, c in failed:
            done += _settle(k, d, c, limits)
        return done
    (sub,) = chunk
    _reject(sub, kind, detail, limits)
    return [sub]


def _key(sub: Submission) -> tuple[str, str]:
    return sub.rel, sub.sha256


def check_isolated(batch: list[Submission], limits: Limits | None = None) -> list[Submission]:
    """Every file of the batch read, normalised and validated in a child; the batch order is kept."""
    limits = limits or Limits.from_env()
    todo = []
    for sub in batch:
        if sub.to_read:
            precheck(sub, limits)
        if sub.to_read:
            todo.append(sub)
    out = {_key(s): s for s in batch}
    if todo:
        chunks = chunks_of(todo, limits.workers)
        done, failed = _run(chunks, limits, max(1, min(limits.workers, len(chunks))))
        for kind, detail, chunk in failed:
            done += _settle(kind, detail, chunk, limits)
        out.update({_key(s): s for s in done})
    return [out[_key(s)] for s in batch]
