"""read → normalise → validate for a batch of files, in one process: what each isolated reading child runs
(tasks/intake/isolate.py). Batched because polars and pandera cost a fixed amount per call."""
from __future__ import annotations

import re

from schemas.reference import resolve_bureau
from tasks.intake.normalise import normalise_many
from tasks.intake.read import FORMAT_ERRORS, FORMAT_FIXES, UnreadableWorkbook, read_workbook
from tasks.intake.submission import Submission
from tasks.intake.validate import validate_many


def read_one(sub: Submission) -> None:
    if sub.data is None:   # a duplicate, or already read
        return
    try:
        sub.raw = read_workbook(sub.data)
        sub.file_format = sub.raw.format
        apply_metadata(sub)
    except UnreadableWorkbook as exc:
        kind = str(exc)
        sub.file_format = kind
        sub.fail(f"file.{kind}", FORMAT_ERRORS.get(kind, FORMAT_ERRORS["unknown"]), FORMAT_FIXES.get(kind, FORMAT_FIXES["unknown"]))
    except BaseException as exc:  # a Rust panic in the reader is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        sub.fail("file.unreadable", f"文件无法读取（{type(exc).__name__}）", FORMAT_FIXES["unknown"])
    finally:
        sub.data = None


def apply_metadata(sub: Submission) -> None:
    """A template's metadata sheet names the bureau and period; it wins over the file name but never over the folder."""
    meta = sub.raw.metadata if sub.raw else {}
    if not meta:
        return
    claimed = resolve_bureau(meta.get("bureau"))
    if meta.get("bureau") and claimed != sub.bureau:
        sub.fail("bureau.mismatch", f"文件内标注的报送单位“{meta.get('bureau')}”与所在文件夹“{sub.bureau}”不一致",
                 "请只把本单位的文件放入本单位文件夹；如文件是其他单位的模板，请使用本单位的模板重新填写。")
    period = meta.get("period")
    if period and re.fullmatch(r"\d{4}Q[1-4]", period):
        # the template's period replaces a missing or different period from the file name
        sub.findings = [f for f in sub.findings if not f.rule.startswith("period.")]
        sub.period = period


def check_many(subs: list[Submission]) -> list[Submission]:
    """read → normalise → validate for a batch of files: reading per file, the rest once for the batch."""
    for sub in subs:
        read_one(sub)
    readable = [s for s in subs if s.raw is not None]
    for sub, norm in zip(readable, normalise_many([s.raw for s in readable])):
        sub.raw = None
        sub.norm = norm
        sub.findings.extend(norm.findings)
        if not norm.forms:
            sub.fail("form.unrecognised", "未在任何工作表中找到企业库或任务进展的表头",
                     "请使用模板：企业库需有“企业名称”等列，任务进展需有“任务编号”“推进状态”等列。")
    items = [(sub, parsed) for sub in readable for parsed in sub.norm.forms.values()]
    for (sub, _), found in zip(items, validate_many([(parsed, sub.bureau) for sub, parsed in items])):
        sub.findings.extend(found)
    return subs
