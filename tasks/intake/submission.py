"""The state of one submitted file as it moves through the batch steps."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from schemas.findings import ERROR, Finding
from tasks.intake.normalise import NormalisedWorkbook
from tasks.intake.read import RawWorkbook


def unsafe_chars(name: str) -> list[str]:
    """Characters no file name from a bureau should carry: control, format (bidi, zero-width), private."""
    return [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") or c in "/\\"]


def safe_file_name(name: str) -> str:
    cleaned = "".join("_" if unsafe_chars(c) else c for c in name).strip(". ")
    return cleaned or "unnamed"


@dataclass
class Submission:
    path: Path                      # where it sits in the inbox
    rel: str                        # path relative to the inbox, e.g. 工信局/企业库2022Q2.xlsx
    bureau: str
    period: str | None
    sha256: str
    size_bytes: int
    received_at: datetime
    data: bytes | None = None
    file_format: str | None = None
    raw: RawWorkbook | None = None
    norm: NormalisedWorkbook | None = None
    findings: list[Finding] = field(default_factory=list)
    outcome: str | None = None      # loaded | rejected | duplicate
    submission_ids: list[int] = field(default_factory=list)
    duplicate_of: int | None = None
    stored_path: Path | None = None
    deferred: str | None = None     # a storage error kept it in the inbox for the next run

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def safe_name(self) -> str:
        """The name used for the archived copy: no control, bidi or zero-width characters, no separators."""
        return safe_file_name(self.path.name)

    @property
    def rejected(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def fail(self, rule: str, message: str, fix: str = "") -> None:
        self.findings.append(Finding(ERROR, rule, message, fix))
