"""Where everything lives under one home folder (`--home` / SRDI_HOME, default ./srdi-home).

A home is made by `srdi init` (or `srdi demo`); every other command only uses one that exists (`is_home`), so a
typo in `--home` is a clear error, never a new empty home. `ensure()` creates the folders: for init, the demo, the
flows inside a home, and tests."""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_HOME = "srdi-home"
CONFIG_NAME = "rollup_config.toml"     # the home's own rollup rules (责任领导 in [leaders]); `srdi init` writes it


@lru_cache(maxsize=64)
def _time_zone(path: Path | None, stamp: int | None) -> str:
    """The `time_zone` of a rules file, read once per version of it (`stamp`: its mtime)."""
    from schemas.rollup_config import ConfigError, time_zone_name
    try:
        return time_zone_name(path)
    except ConfigError:
        return time_zone_name(None)


class OutsideHome(OSError):
    """One of srdi's own folders (rejected/<bureau>, archive/<bureau>/<period>, outbox/<bureau> …) is a link that
    leads out of the home: srdi writes nothing through it."""

    def __init__(self, link: Path, target: Path):
        super().__init__(errno.ELOOP, f"{link} 是指向主目录之外（{target}）的链接，srdi 不会通过它移动或写入文件；请删除该链接，"
                                      f"srdi 会重建文件夹 / {link} is a link out of the home (to {target}): srdi moves and "
                                      f"writes nothing through it; remove the link and srdi makes the folder again",
                         str(link))


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
    @property
    def rollup_config(self) -> Path: return self.root / CONFIG_NAME

    @property
    def time_zone(self) -> str:
        """The programme's time zone: `time_zone` of this home's rollup_config.toml, else the packaged default
        (Asia/Shanghai). A rules file that cannot be read gives the default here; the rollups and `srdi status`
        say what is wrong with it."""
        try:
            stamp = self.rollup_config.stat().st_mtime_ns
        except OSError:
            stamp = None
        return _time_zone(self.rollup_config if stamp is not None else None, stamp)

    def is_home(self) -> bool:
        """The folders every home has (what `ensure()` lays out first): the share's inbox and the pipeline's state."""
        return self.inbox.is_dir() and self.state.is_dir()

    def own_folder(self, folder: Path) -> Path:
        """`folder` (inside the home), made if missing, never through a link that leads out of the home: each part
        from the home down is checked before it is entered, and a link whose target lies outside raises OutsideHome
        (a link that stays inside the home is followed). Returns `folder`."""
        root = self.root.resolve()
        rel = Path(os.path.abspath(folder)).relative_to(self.root)
        here = self.root
        for part in rel.parts:
            here = here / part
            if here.is_symlink():
                target = here.resolve()
                if target != root and root not in target.parents:
                    raise OutsideHome(here, target)
            if not here.is_dir():
                here.mkdir(exist_ok=True)
        return folder

    def ensure(self) -> "Home":
        for p in (self.inbox, self.archive, self.rejected, self.outbox, self.state, self.reports):
            p.mkdir(parents=True, exist_ok=True)
        return self
