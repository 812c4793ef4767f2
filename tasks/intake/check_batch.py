"""read → normalise → validate for a batch of files, in one process: what each isolated reading child runs
(tasks/intake/isolate.py). Batched because polars and pandera cost a fixed amount per call."""
from __future__ import annotations

import re

from schemas.periods import period_from_name, period_label
from schemas.reference import resolve_bureau
from tasks.intake.normalise import normalise_many
from tasks.intake.read import UNREADABLE_KINDS, UnreadableWorkbook, read_workbook, sniff_format
from tasks.intake.submission import Submission
from tasks.intake.validate import validate_many


CHANGED_WHILE_READ = "文件在读取时发生变化，留待下次处理"


def read_one(sub: Submission) -> None:
    if not sub.to_read:   # a duplicate, rejected before reading, or already read
        return
    data = None
    try:
        try:
            data = sub.read_bytes()
        except OSError:
            data = None
        if data is None:   # not the bytes that were hashed any more (or gone): the next run reads them afresh
            sub.held = CHANGED_WHILE_READ
            return
        sub.raw = read_workbook(data)
        sub.file_format = sub.raw.format
        apply_metadata(sub)
    except UnreadableWorkbook as exc:
        kind = str(exc)
        sub.file_format = kind
        sub.add_finding(f"file.{kind if kind in UNREADABLE_KINDS else 'unknown'}")
    except BaseException as exc:  # a Rust panic in the reader is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        try:
            sub.file_format = sub.file_format or sniff_format(data or b"")
        except Exception:  # any failure: the reason below is all the clerk needs
            pass
        sub.add_finding("file.unreadable", sub.file_format if sub.file_format in UNREADABLE_FORMATS else "")
    finally:
        sub.data, sub.to_read = None, False


# the formats whose reading can fail on a broken inside, each told in its own words (file.unreadable's variants)
UNREADABLE_FORMATS = ("xlsx", "xlsm", "xls", "ods", "csv", "html")


def apply_metadata(sub: Submission) -> None:
    """A template's metadata sheet names the bureau and period. It never wins over the folder (the bureau), and
    never silently over the file name: a name that states another period rejects the file (period.conflict).
    A name without a period (or with several, one of them the template's) takes the template's."""
    meta = sub.raw.metadata if sub.raw else {}
    if not meta:
        return
    claimed = resolve_bureau(meta.get("bureau"))
    if meta.get("bureau") and claimed != sub.bureau:
        sub.add_finding("bureau.mismatch", claimed=meta.get("bureau"), bureau=sub.bureau)
    period = meta.get("period")
    if not (period and re.fullmatch(r"\d{4}Q[1-4]", period)):
        return
    named = period_from_name(sub.path.stem)
    if isinstance(named, str) and named != period:
        sub.add_finding("period.conflict", named=named, named_label=period_label(named), period=period,
                        period_label=period_label(period))
        return
    if isinstance(named, list) and period not in named:
        return   # period.ambiguous stands: neither the name nor the template settles it
    # the template's period replaces a missing period, or picks one of several the name states
    sub.findings = [f for f in sub.findings if not f.rule.startswith("period.")]
    sub.period = period


def check_many(subs: list[Submission]) -> list[Submission]:
    """read → normalise → validate for a batch of files: reading per file, the rest once for the batch."""
    for sub in subs:
        read_one(sub)
    readable = [s for s in subs if s.raw is not None]
    norms = normalise_many([s.raw for s in readable if s.raw is not None])   # all of readable's
    for sub, norm in zip(readable, norms):
        sub.raw = None
        sub.norm = norm
        sub.findings.extend(norm.findings)
        if not norm.forms:
            sub.add_finding("form.unrecognised")
    items = [(sub, parsed) for sub, norm in zip(readable, norms) for parsed in norm.forms.values()]
    for (sub, _), found in zip(items, validate_many([(parsed, sub.bureau) for sub, parsed in items])):
        sub.findings.extend(found)
    return subs
