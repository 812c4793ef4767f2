"""The state of one submitted file as it moves through the batch steps.

A dropped file is identified by its place in the inbox and its bytes: `key` = (rel, sha256). Every step that
writes (load, file away, finish_interrupted) looks that key up first, so doing a step again never counts, supersedes
or moves a file twice."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from schemas.findings import ERROR, Finding, finding
from tasks.intake.normalise import NormalisedWorkbook
from tasks.intake.read import RawWorkbook
from warehouse.names import fit_name, safe_file_name, unsafe_chars  # noqa: F401 (unsafe_chars: discover's)


UNREADABLE_PREFIX = "unreadable:"   # the sha256 stand-in of a file srdi may not read: unreadable:<inode>:<mtime_ns>


@dataclass
class Submission:
    path: Path                      # where it sits in the inbox
    rel: str                        # path relative to the inbox, e.g. 工信局/企业库2022Q2.xlsx
    bureau: str
    period: str | None
    sha256: str
    size_bytes: int
    received_at: datetime
    data: bytes | None = None       # the bytes, when a caller has them in memory (tests); discover never does
    file_format: str | None = None
    raw: RawWorkbook | None = None
    norm: NormalisedWorkbook | None = None
    findings: list[Finding] = field(default_factory=list)
    outcome: str | None = None      # loaded | rejected | duplicate
    submission_ids: list[int] = field(default_factory=list)
    duplicate_of: int | None = None
    stored_path: Path | None = None
    deferred: str | None = None     # a storage error kept it in the inbox for the next run
    held: str | None = None         # this file alone is left in the inbox, with the reason (Chinese)
    first_seen: datetime | None = None   # when srdi first saw it in the inbox
    signature: tuple[int, int, int] | None = None   # (size, mtime_ns, inode) when its bytes were hashed
    # its bytes are still to be read: by a reading child, from `data` or else from `path` (issue 24: the main
    # process never holds a file's bytes; it hashes them as they stream past)
    to_read: bool = False

    def __post_init__(self) -> None:
        self.to_read = self.to_read or self.data is not None

    def read_bytes(self) -> bytes | None:
        """The bytes to check: `data`, else the file at `path` when it still has the hashed bytes (None when it
        changed since: it is held in the inbox for the next run)."""
        if self.data is not None:
            return self.data
        with open(self.path, "rb") as f:
            st = os.fstat(f.fileno())
            if self.signature is not None and (st.st_size, st.st_mtime_ns, st.st_ino) != self.signature:
                return None
            data = f.read()
        return data if hashlib.sha256(data).hexdigest() == self.sha256 else None

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a dropped file: its place in the inbox and the sha256 of its bytes."""
        return self.rel, self.sha256

    @property
    def readable(self) -> bool:
        """False for a file whose bytes srdi may not read (its sha256 is then a stand-in, UNREADABLE_PREFIX…)."""
        return not self.sha256.startswith(UNREADABLE_PREFIX)

    @property
    def short_hash(self) -> str:
        """8 hex digits that tell this file's bytes apart (in archive names)."""
        return self.sha256[:8] if self.readable else hashlib.sha256(self.sha256.encode()).hexdigest()[:8]

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def safe_name(self) -> str:
        """The name used for the archived copy: no control, bidi or zero-width characters, no separators, and
        short enough for any file system (warehouse.names)."""
        return fit_name(safe_file_name(self.path.name))

    @property
    def rejected(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def add_finding(self, code: str, variant: str = "", /, **blanks: object) -> None:
        """A finding on the file as a whole, by its code (schemas/finding_catalogue.py): an error rejects it."""
        self.findings.append(finding(code, variant, **blanks))
