"""One walk of the inbox for the ingest (tasks/intake/discover.py) and `srdi status` (warehouse/status.py): every
entry but the silent ones (warehouse.names.silent), under which bureau's folder (its name resolved through the
reference data) and, for an entry srdi will not read, why. It reads the file system only; a name that is not UTF-8
in a bureau's folder is the ingest's to rename (`rename`), and `srdi status` takes it as the ingest will read it."""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from schemas.reference import resolve_bureau
from warehouse.home import Home
from warehouse.names import has_undecodable_bytes, lstat_or_none, silent

FILE, FOLDER, SKIP = "file", "folder", "skip"


@dataclass(frozen=True)
class Entry:
    kind: str                      # FILE: a regular file in a bureau's folder (at any depth), to read; FOLDER: a
                                   # folder at the inbox root, before what it holds; SKIP: not read, see reason
    path: Path
    rel: str                       # relative to the inbox, as the file system gives it
    st: os.stat_result | None      # its own lstat (a link is not followed); None when it could not be looked at
    bureau: str | None = None      # whose folder holds it (FOLDER: the bureau it names); None: no bureau's
    reason: str | None = None      # SKIP: symlink, hidden, hidden_folder (not entered), special, root, error,
                                   # unknown_folder, undecodable_folder (each entry under a folder of no bureau)
    error: str | None = None       # error: the exception's name


# the ingest's renaming of a name that is not UTF-8: the new (path, lstat), or None when it noted the entry instead
Rename = Callable[[Entry], tuple[Path, os.stat_result] | None]


def _link_or_hidden(name: str, st: os.stat_result) -> str | None:
    hidden = "hidden_folder" if stat.S_ISDIR(st.st_mode) else "hidden"
    return "symlink" if stat.S_ISLNK(st.st_mode) else hidden if name.startswith(".") else None


def walk(home: Home, rename: Rename | None = None) -> Iterator[Entry]:
    """The inbox's entries, each folder's in name order; a link is never followed."""
    if not home.inbox.exists():
        return
    for top in sorted(home.inbox.iterdir()):
        name = top.name
        if silent(name) or (st := lstat_or_none(top)) is None:
            continue
        reason = _link_or_hidden(name, st)
        if reason is not None or not stat.S_ISDIR(st.st_mode):
            yield Entry(SKIP, top, name, st, reason=reason or ("root" if stat.S_ISREG(st.st_mode) else "special"))
            continue
        undecodable = has_undecodable_bytes(name)
        bureau = None if undecodable else resolve_bureau(name)
        yield Entry(FOLDER, top, name, st, bureau)
        if bureau is not None:
            yield from _bureau_folder(home, top, bureau, rename)
            continue
        reason = "undecodable_folder" if undecodable else "unknown_folder"
        for root, dirs, files in os.walk(top, followlinks=False):       # its files, pipes and links, to folders too
            dirs.sort()
            for n in [d for d in dirs if (Path(root) / d).is_symlink()] + sorted(files):
                if not silent(n):
                    path = Path(root) / n
                    yield Entry(SKIP, path, str(path.relative_to(home.inbox)), lstat_or_none(path), reason=reason)


def _bureau_folder(home: Home, folder: Path, bureau: str, rename: Rename | None) -> Iterator[Entry]:
    try:
        children = sorted(folder.iterdir())
    except OSError as exc:
        yield Entry(SKIP, folder, str(folder.relative_to(home.inbox)), None, bureau, "error", type(exc).__name__)
        return
    for path in children:
        if silent(path.name):
            continue
        rel = str(path.relative_to(home.inbox))
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue                       # gone since the folder was listed
        except OSError as exc:
            yield Entry(SKIP, path, rel, None, bureau, "error", type(exc).__name__)
            continue
        reason = _link_or_hidden(path.name, st)
        if reason is None and rename is not None and has_undecodable_bytes(path.name):
            renamed = rename(Entry(FILE, path, rel, st, bureau))
            if renamed is None:
                continue
            path, st = renamed
            rel = str(path.relative_to(home.inbox))
        if reason is None and stat.S_ISDIR(st.st_mode):
            yield from _bureau_folder(home, path, bureau, rename)
        elif reason is None and stat.S_ISREG(st.st_mode):
            yield Entry(FILE, path, rel, st, bureau)
        else:
            yield Entry(SKIP, path, rel, st, bureau, reason or "special")
