"""read → normalise → validate for a batch of files, in one process: what each isolated reading child runs
(tasks/intake/isolate.py). Batched because polars and pandera cost a fixed amount per call."""
from __future__ import annotations

import re

from schemas.periods import period_from_name, period_label
from schemas.reference import resolve_bureau
from tasks.intake.normalise import normalise_many
from tasks.intake.read import FORMAT_ERRORS, FORMAT_FIXES, UnreadableWorkbook, read_workbook, sniff_format
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
        sub.fail(f"file.{kind}", FORMAT_ERRORS.get(kind, FORMAT_ERRORS["unknown"]), FORMAT_FIXES.get(kind, FORMAT_FIXES["unknown"]))
    except BaseException as exc:  # a Rust panic in the reader is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        try:
            sub.file_format = sub.file_format or sniff_format(data or b"")
        except Exception:  # noqa: BLE001 - the reason below is all the clerk needs
            pass
        sub.fail("file.unreadable", UNREADABLE.get(sub.file_format or "", UNREADABLE["unknown"]), FORMAT_FIXES["unknown"])
    finally:
        sub.data, sub.to_read = None, False


# why a file that passed the format check could still not be read, by the format it claimed to be
UNREADABLE = {
    "xlsx": "文件看起来是 .xlsx 工作簿，但内部结构已损坏，系统无法读取其中的表格。",
    "xlsm": "文件看起来是 .xlsm 工作簿，但内部结构已损坏，系统无法读取其中的表格。",
    "xls": "文件看起来是 .xls 工作簿，但内部结构已损坏或版本过旧，系统无法读取其中的表格。",
    "ods": "文件看起来是 .ods 表格，但内部结构已损坏，系统无法读取其中的表格。",
    "csv": "文件是 CSV/文本格式，但内容无法分成行和列（引号不成对或含有不可读的字符）。",
    "html": "文件是网页（HTML）格式，但其中的表格无法读取。",
    "unknown": "文件内容已损坏或不是 Excel/WPS 工作簿，系统无法读取其中的表格。",
}


def apply_metadata(sub: Submission) -> None:
    """A template's metadata sheet names the bureau and period. It never wins over the folder (the bureau), and
    never silently over the file name: a name that states another period rejects the file (period.conflict).
    A name without a period (or with several, one of them the template's) takes the template's."""
    meta = sub.raw.metadata if sub.raw else {}
    if not meta:
        return
    claimed = resolve_bureau(meta.get("bureau"))
    if meta.get("bureau") and claimed != sub.bureau:
        sub.fail("bureau.mismatch", f"文件内标注的报送单位“{meta.get('bureau')}”与所在文件夹“{sub.bureau}”不一致",
                 "请只把本单位的文件放入本单位文件夹；如文件是其他单位的模板，请使用本单位的模板重新填写。")
    period = meta.get("period")
    if not (period and re.fullmatch(r"\d{4}Q[1-4]", period)):
        return
    named = period_from_name(sub.path.stem)
    if isinstance(named, str) and named != period:
        sub.fail("period.conflict",
                 f"文件名中的报送期是{period_label(named)}（{named}），但文件所用模板是{period_label(period)}（{period}）的，"
                 "系统无法确定报送的是哪一期",
                 f"如本文件报送的是{period_label(named)}的数据，请使用{period_label(named)}的模板重新填写（模板在本单位的下发文件夹，"
                 f"名称含“{named}_模板”）；如报送的确是{period_label(period)}的数据，请把文件名中的报送期改为"
                 f"“{period}”或“{period_label(period)}”后重新上传。")
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
