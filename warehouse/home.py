"""Where everything lives under one home folder (`--home` / SRDI_HOME, default ./srdi-home)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "srdi-home"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> "Home":
        return cls(Path(home or os.environ.get("SRDI_HOME") or DEFAULT_HOME).expanduser().resolve())

    @property
    def share(self) -> Path: return self.root / "share"
    @property
    def inbox(self) -> Path: return self.share / "inbox"
    @property
    def archive(self) -> Path: return self.share / "archive"
    @property
    def rejected(self) -> Path: return self.share / "rejected"
    @property
    def outbox(self) -> Path: return self.share / "outbox"
    @property
    def state(self) -> Path: return self.root / "state"
    @property
    def writer_db(self) -> Path: return self.state / "pipeline.duckdb"
    @property
    def warehouse(self) -> Path: return self.root / "warehouse.duckdb"
    @property
    def reports(self) -> Path: return self.root / "reports"
    @property
    def lock_file(self) -> Path: return self.state / "writer.lock"

    def ensure(self) -> "Home":
        for p in (self.inbox, self.archive, self.rejected, self.outbox, self.state, self.reports):
            p.mkdir(parents=True, exist_ok=True)
        return self
