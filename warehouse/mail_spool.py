"""srdi's outgoing mail, as files under the home's state/mail/ (docs/architecture.md, "Mail"):

    state/mail/spool/<key>.eml     built, waiting to be sent (one file per message, written atomically)
    state/mail/spool/<key>.json    its attempts so far: how many, when, the last error (absent before the first)
    state/mail/sent/<key>.eml      accepted by the mail server (moved here from the spool; `<key>.json` beside it)
    state/mail/failed/<key>.eml    given up after [mail] max_attempts (moved here; `srdi status` shows it)

The key names what the message is about (`feedback-123` for the outbox of submission 123, `overdue-2022Q3`,
`run-failed-<flow run id>`), so a message is spooled once whatever retries or re-runs build it again: `put`
writes nothing when the key is already in the spool, sent/ or failed/.

Sending (tasks/mail/send.py) takes `sending_lock` first, so two senders (a triggered run and a scheduled one, or
`srdi mail send`) never send the same file twice; a message leaves the spool only by `mark_sent` or `mark_failed`.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from schemas import clock
from warehouse.atomic_write import write_bytes, write_text
from warehouse.home import Home

SPOOL, SENT, FAILED = "spool", "sent", "failed"


class MailPasswordError(OSError):
    pass


@dataclass(frozen=True)
class Spooled:
    key: str
    path: Path                 # the .eml
    attempts: int = 0
    last_error: str | None = None
    last_attempt_at: str | None = None


def mail_dir(home: Home) -> Path:
    return home.state / "mail"


def folder(home: Home, which: str) -> Path:
    return mail_dir(home) / which


def _meta_path(eml: Path) -> Path:
    return eml.with_suffix(".json")


def known(home: Home, key: str) -> bool:
    """The message `key` was spooled before (waiting, sent or given up)."""
    return any((folder(home, w) / f"{key}.eml").exists() for w in (SPOOL, SENT, FAILED))


def put(home: Home, key: str, message: bytes) -> Path | None:
    """Spool `message` (its bytes, as email.message.EmailMessage.as_bytes() gives them) under `key`, atomically;
    None when `key` was spooled before (nothing written)."""
    if known(home, key):
        return None
    path = folder(home, SPOOL) / f"{key}.eml"
    home.own_folder(path.parent)          # never through a link out of the home
    return write_bytes(path, message, mode=0o600)   # a message may carry a bureau's figures: the operator's only


def _read_meta(eml: Path) -> dict:
    try:
        return json.loads(_meta_path(eml).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def pending(home: Home) -> list[Spooled]:
    """The messages waiting in the spool, oldest first (by the time they were spooled)."""
    spool = folder(home, SPOOL)
    if not spool.is_dir():
        return []
    out = []
    for eml in spool.glob("*.eml"):
        with contextlib.suppress(FileNotFoundError):
            meta = _read_meta(eml)
            out.append((eml.stat().st_mtime_ns, Spooled(eml.stem, eml, int(meta.get("attempts", 0)),
                                                         meta.get("last_error"), meta.get("last_attempt_at"))))
    return [s for _, s in sorted(out, key=lambda x: (x[0], x[1].key))]


def record_attempt(home: Home, item: Spooled, error: str | None) -> int:
    """One attempt to send `item` (error None: accepted). Returns the attempts so far."""
    attempts = item.attempts + 1
    write_text(_meta_path(item.path), json.dumps({"attempts": attempts, "last_error": error,
                                                  "last_attempt_at": clock.now().isoformat()}, ensure_ascii=False))
    return attempts


def _move(home: Home, item: Spooled, to: str, note: dict | None = None) -> Path:
    dst = folder(home, to) / item.path.name
    home.own_folder(dst.parent)
    meta = _read_meta(item.path)
    meta.update(note or {})
    write_text(_meta_path(dst), json.dumps(meta, ensure_ascii=False))
    os.replace(item.path, dst)            # the message leaves the spool in one step
    with contextlib.suppress(FileNotFoundError):
        _meta_path(item.path).unlink()
    return dst


def mark_sent(home: Home, item: Spooled, refused: dict[str, str] | None = None) -> Path:
    """`item` was accepted by the server: out of the spool into sent/ (with the recipients it refused, if any)."""
    return _move(home, item, SENT, {"sent_at": clock.now().isoformat(), "refused": refused or {}})


def mark_failed(home: Home, item: Spooled) -> Path:
    return _move(home, item, FAILED, {"failed_at": clock.now().isoformat()})


def summary(home: Home) -> dict:
    """What `srdi status` shows: how many wait (and the last error of each that has one), how many gave up."""
    waiting = pending(home)
    failed_dir = folder(home, FAILED)
    failed = sorted(p.stem for p in failed_dir.glob("*.eml")) if failed_dir.is_dir() else []
    sent_dir = folder(home, SENT)
    return {"waiting": len(waiting),
            "errors": [{"key": s.key, "attempts": s.attempts, "last_error": s.last_error,
                        "last_attempt_at": s.last_attempt_at} for s in waiting if s.last_error],
            "failed": failed,
            "sent": sum(1 for _ in sent_dir.glob("*.eml")) if sent_dir.is_dir() else 0}


@contextlib.contextmanager
def sending_lock(home: Home):
    """Held while one sender works through the spool: yields True, or False at once when another sender holds it
    (that one sends; this one does nothing). An advisory flock, released by the OS when its holder dies."""
    path = mail_dir(home) / "send.lock"
    home.own_folder(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def read_password(home: Home, password_file: str | None, password_env: str | None) -> str | None:
    """The SMTP password: the environment variable `password_env` when set, else the file `password_file` (relative
    to the home), which must be a regular file of this account that others cannot read (as state/prefect-api-auth,
    docs/security.md). MailPasswordError, naming the file, otherwise. None when neither is configured."""
    if password_env and os.environ.get(password_env):
        return os.environ[password_env]
    if not password_file:
        if password_env:
            raise MailPasswordError(f"环境变量 {password_env} 未设置 / {password_env} is not set")
        return None
    path = Path(password_file) if os.path.isabs(password_file) else home.root / password_file
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise MailPasswordError(f"{path}: 无法读取邮件密码文件 / cannot read the mail password file: "
                                f"{exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            raise MailPasswordError(f"{path}: 邮件密码文件应为本账户的普通文件 / must be a regular file of this account")
        if st.st_mode & 0o077:
            raise MailPasswordError(f"{path}: 邮件密码文件其他人可读，拒绝使用：chmod 600 {path} / readable by others, "
                                    f"refused: chmod 600 it")
        return f.read().decode("utf-8").strip()
