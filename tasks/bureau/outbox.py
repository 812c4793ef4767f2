"""What a bureau gets back in `share/outbox/<bureau>/` for one dropped file (N = its first submission id):

  rejected  …_错误清单_N.xlsx   the error list
            …_批注版_N.xlsx     its own workbook with each problem cell marked (when a finding points at
                                a cell and the file is not too large; otherwise the error list says why)
  loaded    …_回执_N.xlsx       the receipt: rows loaded per sheet, warnings, what it superseded
  duplicate …_回执_N.xlsx       the receipt says which submission it repeats and that nothing changed

Every name is fixed by the submission id and every file is built in memory and written in one step
(warehouse.atomic_write), so writing the feedback of a file again gives the same outbox. Names are cut to fit the
file system (warehouse.names.fit_name: the id and the extension always stay).

When a workbook cannot be built (an exception nobody foresaw), `write_feedback_text` says the same in a short
text file (…_回执_N.txt or …_错误清单_N.txt), so the bureau still hears what became of its file. And an entry
of the inbox srdi will not process gets a note, `write_note` (…_未处理说明.txt), in the bureau's outbox or in
`_未处理/` when its folder names no bureau.

The workbooks' writers (openpyxl, which imports numpy, and xlsxwriter: 0.2–0.3 s of CPU) are imported when a
workbook is written, not with this module: an ingest that files nothing away, or only writes notes, never needs
them. The outbox pool's children have them from their forkserver (tasks/intake/isolate.py preloads them).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from schemas import clock
from tasks.run_log import run_logger
from warehouse.atomic_write import write_text
from warehouse.home import Home
from warehouse.names import fit_name, safe_file_name
from warehouse.outbox_data import FeedbackData

UNKNOWN_FOLDER = "_未处理"   # share/outbox/_未处理/: notes about inbox entries of no known bureau
SIGNATURE = "蛟河市“专精特新”数据报送系统自动生成"


def outbox_names(stem: str, first_id: int, ext: str = ".xlsx") -> dict[str, str]:
    stem = safe_file_name(stem)
    return {"errors": fit_name(stem + ext, f"_错误清单_{first_id}"),
            "annotated": fit_name(stem + ext, f"_批注版_{first_id}"),
            "receipt": fit_name(stem + ext, f"_回执_{first_id}")}


def _feedback_subject(data, ids: list[int]):
    if not isinstance(data, FeedbackData):
        data = FeedbackData.load(data, ids)
    return data, [data.subs[i] for i in sorted(ids) if i in data.subs]


def write_feedback(data, home: Home, ids: list[int], source: Path | None) -> None:
    """The outbox files of one dropped file (its submissions `ids`, its bytes at `source`; None when they are
    gone: no annotated copy then).

    `data`: a FeedbackData covering `ids` (or a DuckDB connection, to fetch it for this file alone)."""
    from tasks.bureau.annotated_copy import AnnotationSkipped, annotate_workbook
    from tasks.bureau.error_list import write_error_workbook
    from tasks.bureau.receipt import receipt_data, write_receipt
    data, subs = _feedback_subject(data, ids)
    if not subs:
        return
    bureau, period, file_name, status = subs[0]["bureau"], subs[0]["period"], subs[0]["file_name"], subs[0]["status"]
    findings = [f for i in sorted(ids) for f in data.findings.get(i, [])]
    out = home.own_folder(home.outbox / bureau)     # never through a link out of the home
    names = outbox_names(Path(file_name).stem, ids[0])
    if status != "rejected":
        write_receipt(out / names["receipt"], receipt_data(data, ids, home.time_zone))
        return
    note = None
    if source is None:   # the bytes in the inbox are no longer the ones checked: nothing to mark them in
        note = "文件在处理期间被修改，未生成批注副本，请按本清单逐条修改。"
    elif any(f["sheet"] and f["excel_row"] and f["excel_col"] for f in findings):   # something to mark in the file
        try:
            annotate_workbook(source, out / names["annotated"], findings=findings, bureau=bureau, period=period,
                              file_name=file_name, rejected=True)
            note = f"另附《{names['annotated']}》：在您报送的表格中用红色标出了每个错误单元格，鼠标移到单元格上可看修改说明。"
        except AnnotationSkipped as exc:
            note = str(exc)
        except Exception as exc:  # an exotic workbook openpyxl cannot open must not stop the filing away
            run_logger().warning("%s: no annotated copy (%s: %s)", file_name, type(exc).__name__, exc)
            note = "未能生成批注副本，请按本清单逐条修改。"
    write_error_workbook(out / names["errors"], bureau=bureau, file_name=file_name, period=period,
                         findings=findings, rejected=True, note=note)


def _text_file(lines: list[str]) -> str:
    """A note as Windows Notepad and WPS open it: UTF-8 with a byte-order mark, CRLF line ends."""
    return "\ufeff" + "\r\n".join(lines + ["", SIGNATURE]) + "\r\n"


def _when(t: datetime | None, tz: str | None) -> str:
    return clock.shown(t, tz)


def write_feedback_text(data, home: Home, ids: list[int]) -> Path | None:
    """The feedback of one dropped file as a short text file, for when its workbook could not be built."""
    from tasks.bureau.receipt import comparison_line, comparisons
    data, subs = _feedback_subject(data, ids)
    if not subs:
        return None
    first = subs[0]
    findings = [f for i in sorted(ids) for f in data.findings.get(i, [])]
    names = outbox_names(Path(first["file_name"]).stem, ids[0], ext=".txt")
    lines = [f"文件：{first['file_name']}（{first['bureau']}，{first['period'] or '报送期未识别'}）",
             f"报送编号：{'、'.join(map(str, sorted(ids)))}    收到时间：{_when(first['received_at'], home.time_zone)}"]
    if first["status"] == "rejected":
        name = names["errors"]
        lines.append(f"结果：文件已退回，共 {sum(f['severity'] == 'error' for f in findings)} 个错误，请修改后重新放入本单位文件夹。")
    else:
        name = names["receipt"]
        lines.append("结果：与已入库的报送内容完全相同，未重复入库。" if first["status"] == "duplicate"
                     else f"结果：已通过校验并入库，共 {sum(s['row_count'] or 0 for s in subs)} 行。")
        lines += [comparison_line(c, home.time_zone, table=False) for c in comparisons(data, subs)]
    lines.append("（系统未能生成表格形式的清单，以下为文字版。）")
    for n, f in enumerate(sorted(findings, key=lambda f: f["severity"] != "error"), start=1):
        where = "".join(x for x in (f.get("sheet") and f"工作表“{f['sheet']}”", f.get("excel_col") and
                                    f"{f['excel_col']}{f.get('excel_row') or ''}") if x)
        lines.append(f"{n}. [{'错误' if f['severity'] == 'error' else '警告'}] {where + '：' if where else ''}"
                     f"{f.get('message') or ''} {f.get('fix') or ''}".rstrip())
    return write_text(home.own_folder(home.outbox / first["bureau"]) / name, _text_file(lines), encoding="utf-8")


def note_path(home: Home, bureau: str | None, rel: str, named: bool = False) -> Path:
    """Where the note about the inbox entry `rel` goes: the bureau's outbox, or _未处理/ for no known bureau.
    `named`: the entry lies outside the bureau's folder and only its name names the bureau: the note's name keeps
    the whole path (新建文件夹_工信局任务进展.xlsx_未处理说明.txt), which is where the bureau finds its file."""
    parts = rel.split("/")
    if bureau is not None and len(parts) > 1 and not named:
        parts = parts[1:]            # the bureau's own folder is where the note is: not repeated in the name
    base = safe_file_name("_".join(parts))
    return home.outbox / (bureau or UNKNOWN_FOLDER) / fit_name(base + ".txt", "_未处理说明")


def write_note(home: Home, bureau: str | None, rel: str, what: str, fix: str, seen_at: datetime,
               named: bool = False) -> Path:
    """A short note about one inbox entry srdi will not process: which entry, why, and what to do. `named`: a copy
    for the bureau that the name of an entry outside its folder names (the note says why it has it)."""
    lines = [f"收件箱中的“{rel}”未被处理。", f"原因：{what}", f"办法：{fix}",
             f"发现时间：{_when(seen_at, home.time_zone)}（同一情况只说明一次）"]
    if named:
        lines.insert(3, f"说明：该文件不在本单位文件夹中，因其名称写有本单位（{bureau}），本说明也送达本单位；"
                        f"请把文件移到收件箱中的“{bureau}”文件夹。")
    path = note_path(home, bureau, rel, named)
    home.own_folder(path.parent)                  # never through a link out of the home
    return write_text(path, _text_file(lines), encoding="utf-8")
