"""Parse workbooks in child processes with memory and time limits.

A hostile file (a 1.5 KB .xlsx with a cell at XFD1048576 makes calamine ask for ~550 GB and abort;
a malformed .xls raises a Rust panic that `except Exception` misses) kills only its own child: the
file is rejected with a Chinese reason and the batch goes on. Both cores work meanwhile.
"""
from __future__ import annotations

import concurrent.futures as cf
import io
import multiprocessing as mp
import os
import resource
import signal
import zipfile
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from tasks.intake.check_batch import check_many
from tasks.intake.submission import Submission


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
    memory_mb: float = 3072.0         # address-space limit of each reading child
    seconds: float = 300.0            # time limit per file
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


def precheck(sub: Submission, limits: Limits) -> None:
    """Size and compression limits, checked on the bytes before any parser sees them."""
    data = sub.data or b""
    mb = len(data) / 2**20
    if mb > limits.max_file_mb:
        sub.fail("file.too_large", f"文件过大（{mb:.1f} MB，上限 {limits.max_file_mb:.0f} MB）",
                 "请删除无关的工作表、图片或空白区域后另存，或按单位拆分为多个文件。")
        sub.data = None
        return
    if data[:4] != b"PK\x03\x04":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader reports a broken container with its own reason
    ratio = unpacked / max(len(data), 1)
    if unpacked / 2**20 > limits.max_unpacked_mb or ratio > limits.max_ratio:
        sub.fail("file.zip_bomb", f"文件解压后过大（{unpacked / 2**20:.0f} MB，压缩比 {ratio:.0f}:1），系统拒绝读取",
                 "请检查文件是否含有超大范围的格式或空白单元格：复制有效数据到新工作簿后另存再上传。")
        sub.data = None


def check_chunk(chunk: list[Submission]) -> list[Submission]:
    """read → normalise → validate for a chunk of files (runs in the child)."""
    return check_many(chunk)


CHUNK_FILES = 32
CHUNK_BYTES = 4 * 2**20


def chunks_of(subs: list[Submission]) -> list[list[Submission]]:
    """Files grouped so that each child call carries enough work to amortise the batched steps."""
    out, cur, size = [], [], 0
    for sub in subs:
        if cur and (len(cur) >= CHUNK_FILES or size + sub.size_bytes > CHUNK_BYTES):
            out.append(cur)
            cur, size = [], 0
        cur.append(sub)
        size += sub.size_bytes
    if cur:
        out.append(cur)
    return out


def _child_init(memory_mb: float) -> None:
    limit = int(memory_mb * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["RUST_BACKTRACE"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.environ.get("SRDI_DEBUG_CHILD") or os.dup2(devnull, 2)  # an aborting reader prints a Rust backtrace; the finding says what happened


_CTX = None


def _context():
    global _CTX
    if _CTX is None:
        _CTX = mp.get_context("forkserver")
        _CTX.set_forkserver_preload(["tasks.intake.isolate"])
    return _CTX


def _crashed(sub: Submission, limits: Limits) -> None:
    sub.data = None
    sub.fail("file.reader_crashed",
             f"读取文件时程序异常退出（内存超过 {limits.memory_mb:.0f} MB 上限或文件结构损坏），文件可能含有超大范围的单元格",
             "请用 Excel/WPS 打开文件，把有效数据复制到新工作簿另存为 .xlsx 后重新上传。")


def _timed_out(sub: Submission, limits: Limits) -> None:
    sub.data = None
    sub.fail("file.timeout", f"读取文件超过 {limits.seconds:.0f} 秒仍未完成，已停止读取",
             "请删除无关的工作表和空白区域，或拆分为多个文件后重新上传。")


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    for p in list((pool._processes or {}).values()):  # noqa: SLF001 - no public way to kill a hung worker
        try:
            p.kill()
        except Exception:
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _key(sub: Submission) -> tuple[str, str]:
    return sub.rel, sub.sha256


def _run(chunks: list[list[Submission]], limits: Limits, workers: int
         ) -> tuple[list[Submission], list[list[Submission]]]:
    """Run chunks in one pool, at most `workers` in flight, so that when a child dies or hangs the suspects
    are only the chunks in flight. Returns (finished files, suspect chunks)."""
    done: list[Submission] = []
    suspects: list[list[Submission]] = []
    queue = list(reversed(chunks))
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                  initializer=_child_init, initargs=(limits.memory_mb,))
    inflight: dict[cf.Future, list[Submission]] = {}
    broken = False
    try:
        while queue or inflight:
            while queue and len(inflight) < workers and not broken:
                chunk = queue.pop()
                inflight[pool.submit(check_chunk, chunk)] = chunk
            if not inflight:
                break
            finished, _ = cf.wait(set(inflight), timeout=limits.seconds, return_when=cf.FIRST_COMPLETED)
            if not finished:
                # nothing finished for the whole limit: every chunk in flight has run at least that long
                suspects += [("timeout", c) for c in inflight.values()]
                inflight.clear()
                _kill(pool)
                broken = True
                break
            for f in finished:
                chunk = inflight.pop(f)
                try:
                    done += f.result()
                except BrokenProcessPool:
                    suspects.append(("crash", chunk))
                    broken = True
                except BaseException as exc:  # an error raised in the child, pickled back
                    suspects.append(("error:" + type(exc).__name__, chunk))
            if broken and not inflight:
                break
    finally:
        pool.shutdown(wait=not broken, cancel_futures=True)
    if broken and queue:  # the chunks never started go on in a fresh pool
        more_done, more_suspects = _run(list(reversed(queue)), limits, workers)
        done += more_done
        suspects += more_suspects
    return done, suspects


def _settle(kind: str, chunk: list[Submission], limits: Limits) -> list[Submission]:
    """A chunk whose child died, hung or raised: each file again on its own, to find the culprit."""
    if len(chunk) > 1:
        done, suspects = _run([[s] for s in chunk], limits, 1)
        for k, c in suspects:
            done += _settle(k, c, limits)
        return done
    (sub,) = chunk
    if kind == "timeout":
        _timed_out(sub, limits)
    elif kind == "crash":
        _crashed(sub, limits)
    else:
        sub.data = None
        sub.fail("file.unreadable", f"文件无法读取（{kind.split(':', 1)[-1]}）", "请用 Excel/WPS 另存为 .xlsx 格式后重新上传。")
    return [sub]


def check_isolated(batch: list[Submission], limits: Limits | None = None) -> list[Submission]:
    """Every file of the batch read, normalised and validated in a child; the batch order is kept."""
    limits = limits or Limits.from_env()
    todo = []
    for sub in batch:
        if sub.data is not None:
            precheck(sub, limits)
        if sub.data is not None:
            todo.append(sub)
    out = {_key(s): s for s in batch}
    if todo:
        chunks = chunks_of(todo)
        done, suspects = _run(chunks, limits, max(1, min(limits.workers, len(chunks))))
        for kind, chunk in suspects:
            done += _settle(kind, chunk, limits)
        out.update({_key(s): s for s in done})
    return [out[_key(s)] for s in batch]
