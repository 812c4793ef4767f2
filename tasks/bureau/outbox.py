"""What a bureau gets back in `share/outbox/<bureau>/` for one dropped file (N = its first submission id):

  rejected  …_错误清单_N.xlsx   the error list
            …_批注版_N.xlsx     its own workbook with each problem cell marked (when a finding points at
                                a cell and the file is not too large; otherwise the error list says why)
  loaded    …_回执_N.xlsx       the receipt: rows loaded per sheet, warnings, what it superseded
  duplicate …_回执_N.xlsx       the receipt says which submission it repeats and that nothing changed

Every name is fixed by the submission id and every file is built in memory and written in one step
(warehouse.atomic_write), so writing the feedback of a file again gives the same outbox.
"""
from __future__ import annotations

from pathlib import Path

from tasks.bureau.annotated_copy import AnnotationSkipped, annotate_workbook
from tasks.bureau.error_list import write_error_workbook
from tasks.bureau.receipt import receipt_data, write_receipt
from tasks.run_log import run_logger
from warehouse.home import Home
from warehouse.outbox_data import FeedbackData


def outbox_names(stem: str, first_id: int) -> dict[str, str]:
    return {"errors": f"{stem}_错误清单_{first_id}.xlsx", "annotated": f"{stem}_批注版_{first_id}.xlsx",
            "receipt": f"{stem}_回执_{first_id}.xlsx"}


def write_feedback(data, home: Home, ids: list[int], source: Path) -> None:
    """The outbox files of one dropped file (its submissions `ids`, its bytes at `source`).

    `data`: a FeedbackData covering `ids` (or a DuckDB connection, to fetch it for this file alone)."""
    if not isinstance(data, FeedbackData):
        data = FeedbackData.load(data, ids)
    subs = [data.subs[i] for i in sorted(ids) if i in data.subs]
    if not subs:
        return
    bureau, period, file_name, status = subs[0]["bureau"], subs[0]["period"], subs[0]["file_name"], subs[0]["status"]
    findings = [f for i in sorted(ids) for f in data.findings.get(i, [])]
    out = home.outbox / bureau
    names = outbox_names(Path(file_name).stem, ids[0])
    if status != "rejected":
        write_receipt(out / names["receipt"], receipt_data(data, ids))
        return
    note = None
    if any(f["sheet"] and f["excel_row"] and f["excel_col"] for f in findings):   # something to mark in the file
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
