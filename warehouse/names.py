"""The names srdi gives files on the share, and the keys it files them under.

    fit_name(name, tail)   the name with `tail` before its extension, the stem cut so that it fits NAME_BYTES
    safe_file_name(name)   no control, bidi or zero-width characters, no separators, never hidden
    repair_name(name)      a name the file system gave as undecodable bytes (surrogate escapes), read as GB18030
    path_key(rel)          a file's place in the inbox as text DuckDB can store, whatever its bytes
    silent(name)           what the ingest and `srdi status` pass over without a word (lock files, Thumbs.db)
    display(rel)           a relative path as a person reads it, whatever its bytes

A file system allows 255 bytes a name (ext4, XFS, and the Samba shares bureaus write to). Every name srdi writes
(archive, rejected, outbox receipts, error lists, annotated copies, notes) fits NAME_BYTES, which leaves room for
the temporary name warehouse.atomic_write uses while writing it (".<name>.<pid>.tmp").
"""
from __future__ import annotations

import os
import re
import unicodedata

NAME_MAX = 255
TEMP_ROOM = 16                      # "." + "." + a pid of up to 10 digits + ".tmp"
NAME_BYTES = NAME_MAX - TEMP_ROOM
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def unsafe_chars(name: str) -> list[str]:
    """Characters no file name from a bureau should carry: control, format (bidi, zero-width), private, separators."""
    return [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") or c in "/\\"]


def safe_file_name(name: str) -> str:
    """`name` with every unsafe character as "_", without leading or trailing dots and spaces (never hidden)."""
    cleaned = "".join("_" if unsafe_chars(c) else c for c in name).strip(". ")
    return cleaned or "unnamed"


def byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def split_extension(name: str) -> tuple[str, str]:
    """("企业库2022Q2", ".xlsx"); a dot followed by anything but a short run of letters and digits is not an
    extension ("报送.2022年第二季度" has none)."""
    m = _EXTENSION.search(name)
    if not m or m.start() == 0:
        return name, ""
    return name[:m.start()], m.group()


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-8 bytes, cut between characters (never inside one)."""
    if byte_length(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        n = byte_length(ch)
        if used + n > limit:
            break
        out.append(ch)
        used += n
    # a trailing space or dot reads badly (and Windows drops it): leave it out
    return "".join(out).rstrip(" .")


def fit_name(name: str, tail: str = "", limit: int = NAME_BYTES) -> str:
    """`name` with `tail` inserted before its extension, the stem shortened (never the tail or the extension)
    so that the whole is at most `limit` UTF-8 bytes.

    fit_name("企业库.xlsx", "_回执_12") == "企业库_回执_12.xlsx"; a 300-byte stem is cut to what fits.
    """
    stem, ext = split_extension(name)
    room = limit - byte_length(tail) - byte_length(ext)
    if room < 1:
        raise ValueError(f"{tail!r}{ext!r} does not fit in {limit} bytes")
    stem = cut_to_bytes(stem, room) or "_"
    return f"{stem}{tail}{ext}"


def has_undecodable_bytes(name: str) -> bool:
    """True when the file system gave bytes that are not UTF-8 (Python's surrogate escapes U+DC80..U+DCFF)."""
    return any("\udc80" <= c <= "\udcff" for c in name)


def repair_name(name: str) -> tuple[str, bool]:
    """(a UTF-8 name for a name with undecodable bytes, whether GB18030 read it). A GBK name from an old Windows
    share reads as GB18030; bytes nothing reads become "_" (the ASCII around them, such as 2022Q2, stays)."""
    raw = os.fsencode(name)
    try:
        text = raw.decode("gb18030")
        if not any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in text):
            return text, True
    except UnicodeDecodeError:
        pass
    return raw.decode("utf-8", "replace").replace("\ufffd", "_"), False


def path_key(rel: str) -> str:
    """A file's place in the inbox as storable text: the relative path itself when it is valid UTF-8, with any
    undecodable byte written as \\xNN otherwise (one key per file, never an error)."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


# What the ingest passes over in silence (tasks/intake/discover.py) and `srdi status` does not count (warehouse/status.py)
SILENT_PREFIXES = ("~$", ".~lock", "._")                  # Office/LibreOffice lock files, macOS resource forks
SILENT_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}  # what Windows and macOS leave in every folder


def silent(name: str) -> bool:
    return name.startswith(SILENT_PREFIXES) or name.lower() in SILENT_NAMES


def display(rel: str) -> str:
    """A relative path as a person reads it, whatever its bytes."""
    return "/".join(repair_name(p)[0] if has_undecodable_bytes(p) else p for p in rel.split("/"))


def lstat_or_none(path) -> os.stat_result | None:
    """The entry's own stat (a link is not followed), or None when it vanished or cannot be looked at."""
    try:
        return os.lstat(path)
    except OSError:
        return None
