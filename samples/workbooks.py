"""Small helpers for tests and the bench that need workbooks on disk.

    write_xlsx(path, rows, title=…, merges=[…], hidden_sheets={…})   openpyxl
    write_xls(path, rows, title=…, merges=[…], meta={…})              xlwt (BIFF8 .xls)
    write_ods(path, rows, merges=[…], meta={…})                        OpenDocument, by hand (zip + content.xml)
    enterprise_rows(n, seed) / task_rows(bureau, seed)                header + valid rows, template labels
    credit_code(i)                                                    valid GB 32100 codes (schemas.credit_code)

Tests check the check digit against hand-computed codes (tests/unit/test_properties.py), not against this module.
"""
from __future__ import annotations

import pathlib
import random
from collections.abc import Sequence

import openpyxl
import xlwt

from schemas import reference
from schemas.credit_code import make_code
from schemas.forms import ENTERPRISE, TASK, TASK_STATUSES

# ---------------------------------------------------------------- credit codes

def credit_code(seed_int: int) -> str:
    """A valid 18-character code for 蛟河市 (220281); distinct seeds in [0, 10⁸) give distinct codes."""
    body = (seed_int * 48271 + 12345678) % 10**8          # a bijection on 8-digit numbers
    return make_code(f"{body:08d}")


# ---------------------------------------------------------------- writers

def _ensure_parent(path) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_xlsx(path, rows: list[list], *, title: str | None = None, merges: Sequence[str] = (),
               sheet: str = "Sheet1", hidden_sheets: dict[str, list[list]] | None = None) -> pathlib.Path:
    """Write rows from A1, or from A3 under a title merged across row 1 when `title` is given.

    `merges` are Excel ranges ("C4:C6") in final sheet coordinates, i.e. already counting the title
    offset; only the top-left cell of a merged range keeps its value, as in Excel.
    `hidden_sheets` adds sheets (rows from A1) whose state is hidden.
    """
    path = _ensure_parent(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    start = 1
    if title is not None:
        ws.cell(row=1, column=1, value=title)
        width = max((len(r) for r in rows), default=1)
        if width > 1:
            ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=width)
        start = 3
    _fill(ws, rows, start)
    for ref in merges:
        ws.merge_cells(ref)
    for name, hidden_rows in (hidden_sheets or {}).items():
        hs = wb.create_sheet(name)
        _fill(hs, hidden_rows, 1)
        hs.sheet_state = "hidden"
    wb.save(path)
    return path


def _fill(ws, rows: list[list], start: int) -> None:
    for r, row in enumerate(rows, start):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)


def write_xls(path, rows: list[list], title: str | None = None, *, merges: Sequence[str] = (),
              meta: dict[str, str] | None = None) -> pathlib.Path:
    """The .xls twin of write_xlsx: rows from A1, or from A3 under a merged title. `merges` are Excel ranges
    ("C4:C6", in final sheet coordinates; the top-left cell keeps its value). `meta` adds srdi's very hidden
    metadata sheet, as a filled-in template saved as .xls by Excel or WPS keeps it."""
    path = _ensure_parent(path)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    start = 0
    if title is not None:
        width = max((len(r) for r in rows), default=1)
        ws.write_merge(0, 0, 0, max(width - 1, 0), title)
        start = 2
    spans = [_span(ref) for ref in merges]
    covered = {(r, c) for r1, c1, r2, c2 in spans for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r, row in enumerate(rows, start):
        for c, value in enumerate(row):
            if value is not None and (r, c) not in covered:
                ws.write(r, c, value)
    for r1, c1, r2, c2 in spans:
        value = rows[r1 - start][c1] if 0 <= r1 - start < len(rows) and c1 < len(rows[r1 - start]) else None
        ws.write_merge(r1, r2, c1, c2, value if value is not None else "")
    if meta:
        ms = wb.add_sheet("_srdi_meta")
        for r, (k, v) in enumerate(meta.items()):
            ms.write(r, 0, k)
            ms.write(r, 1, v)
        ms.visibility = 2   # very hidden
    wb.save(str(path))
    return path


def _span(ref: str) -> tuple[int, int, int, int]:
    """"C4:D6" -> 0-based (first row, first column, last row, last column)."""
    from openpyxl.utils.cell import range_boundaries
    c1, r1, c2, r2 = range_boundaries(ref)
    return r1 - 1, c1 - 1, r2 - 1, c2 - 1


def write_ods(path, rows: list[list], *, sheet: str = "Sheet1", merges: Sequence[str] = (),
              meta: dict[str, str] | None = None) -> pathlib.Path:
    """An OpenDocument spreadsheet as LibreOffice and WPS save one: rows from A1, `merges` as spanned cells
    (the top-left keeps its value, the rest are covered cells), `meta` as srdi's metadata sheet."""
    import zipfile
    from xml.sax.saxutils import escape

    def table(name: str, cells: list[list], spans: list[tuple[int, int, int, int]]) -> str:
        anchor = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in spans}
        covered = {(r, c) for r1, c1, r2, c2 in spans for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - set(anchor)
        width = max([len(r) for r in cells] + [c2 + 1 for *_, c2 in spans] + [1])
        height = max([len(cells)] + [r2 + 1 for _, _, r2, _ in spans])
        out = [f'<table:table table:name="{escape(name)}">']
        for r in range(height):
            out.append("<table:table-row>")
            for c in range(width):
                v = cells[r][c] if r < len(cells) and c < len(cells[r]) else None
                if (r, c) in covered:
                    out.append("<table:covered-table-cell/>")
                    continue
                span = anchor.get((r, c))
                attrs = (f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
                         if span else "")
                if v is None:
                    out.append(f"<table:table-cell{attrs}/>")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(f'<table:table-cell{attrs} office:value-type="float" office:value="{v}">'
                               f"<text:p>{v}</text:p></table:table-cell>")
                else:
                    out.append(f'<table:table-cell{attrs} office:value-type="string">'
                               f"<text:p>{escape(str(v))}</text:p></table:table-cell>")
            out.append("</table:table-row>")
        out.append("</table:table>")
        return "".join(out)

    tables = [table(sheet, rows, [_span(ref) for ref in merges])]
    if meta:
        tables.append(table("_srdi_meta", [[k, v] for k, v in meta.items()], []))
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
               '</office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    path = _ensure_parent(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")   # stored, first
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


# ---------------------------------------------------------------- valid content

_PREFIXES = ("吉林", "蛟河市", "吉林省")
_CORES = ("恒盛", "鑫源", "华瑞", "宏泰", "兴隆", "长青", "瑞丰", "永新", "金山", "福源",
          "天宝", "众诚", "嘉禾", "松江", "拉法", "新站", "庆岭", "白石", "青背", "漂河")
_TRADES = (("装备制造", "机械制造有限公司"), ("农副产品加工", "食品有限公司"), ("医药", "药业有限公司"),
           ("冶金建材", "建材有限公司"), ("家具制造", "木业有限公司"), ("石材加工", "石材有限公司"),
           ("废弃资源综合利用", "环保科技有限公司"), ("葡萄酒制造", "酒业有限公司"))
_LEADERS = ("王威", "张静", "路建国", "王媚春", "任峰", "尤海阳", "滕慧阳")
_LEVEL_TEXTS = (None, "已纳入吉林市培育库", "2021年已认定省级", "2022年已认定吉林市级", "2021年已认定省级国家级拟培育")
_TEAMS = ("农业", "工业", "建筑", "商贸", "文旅", "能源")


def enterprise_rows(n: int, seed: int) -> list[list]:
    """Header (the template labels, in form order) + n valid rows with distinct names and codes."""
    rng = random.Random(seed)
    header = [f.label for f in ENTERPRISE.fields]
    names: set[str] = set()
    rows: list[list] = [header]
    for i in range(n):
        industry, suffix = rng.choice(_TRADES)
        name = f"{rng.choice(_PREFIXES)}{rng.choice(_CORES)}{suffix}"
        while name in names:
            name = f"{rng.choice(_PREFIXES)}{rng.choice(_CORES)}{rng.choice(_CORES)}{suffix}"
        names.add(name)
        sales = round(rng.uniform(300, 12000), 1)
        total = rng.randint(30, 600)
        city = rng.randint(2022, 2024)
        values = {
            "enterprise_name": name,
            "credit_code": credit_code(seed * 100_000 + i),
            "industry": industry,
            "tech_center_level": rng.choice((None, "吉林市级", "吉林省级")),
            "patents": rng.randint(0, 30),
            "operating_status": rng.choice(("生产", "生产", "生产", "半生产")),
            "srdi_level_text": rng.choice(_LEVEL_TEXTS),
            "planned_city_year": city,
            "planned_province_year": city + rng.randint(0, 2),
            "responsible_leader": rng.choice(_LEADERS),
            "service_team": rng.choice(_TEAMS),
            "rd_expense": round(sales * rng.uniform(0.01, 0.05), 1),
            "sales_revenue": sales,
            "tech_staff": max(1, round(total * rng.uniform(0.05, 0.2))),
            "total_staff": total,
            "listing_status": "未上市",
            "remarks": None,
        }
        rows.append([values.get(f.name) for f in ENTERPRISE.fields])
    return rows


_METRIC_FIELDS = {"bank_events": (1, 1), "trained_persons": (10, 60)}


def task_rows(bureau: str, seed: int) -> list[list]:
    """Header (the template labels, in form order) + one valid row per Annex 2 task of `bureau`."""
    rng = random.Random(seed)
    header = [f.label for f in TASK.fields]
    rows: list[list] = [header]
    for task in reference.tasks_of(bureau):
        status = rng.choice(TASK_STATUSES)
        pct = {"未启动": 0, "已完成": 100}.get(status, rng.randint(10, 90))
        values = {
            "task_id": task.task_id,
            "task_group": f"{task.group_id}{task.group_name}",
            "item_text": task.item_text,
            "responsible_unit": bureau,
            "status": status,
            "completion_pct": pct,
            "progress": f"{bureau}按计划推进{task.task_id}相关工作，本期完成阶段性任务。",
            "problems": None,
            "next_steps": "继续抓好落实。",
            "bank_events": None,
            "trained_persons": None,
            "enterprises_served": rng.randint(1, 12),
            "remarks": None,
        }
        for metric in task.metrics:
            if metric in _METRIC_FIELDS:
                values[metric] = rng.randint(*_METRIC_FIELDS[metric])
        rows.append([values[f.name] for f in TASK.fields])
    return rows


# ---------------------------------------------------------------- rollup fixtures: chosen content, chosen arrival

def enterprise_form(records: list[dict]) -> list[list]:
    """Header (the template labels) + one row per record, a dict of field name -> value; absent fields empty."""
    header = [f.label for f in ENTERPRISE.fields]
    return [header, *([rec.get(f.name) for f in ENTERPRISE.fields] for rec in records)]


def task_form(bureau: str, records: dict[str, dict]) -> list[list]:
    """Header + one row per task id of `bureau` in `records` (task id -> field values); defaults fill the rest."""
    items = reference.task_items()
    header = [f.label for f in TASK.fields]
    rows: list[list] = [header]
    for task_id, rec in records.items():
        t = items[task_id]
        values = {"task_id": task_id, "task_group": f"{t.group_id}{t.group_name}", "item_text": t.item_text,
                  "responsible_unit": bureau, "status": "推进中", "completion_pct": 50,
                  "progress": f"{bureau}推进{task_id}相关工作。", "next_steps": "继续抓好落实。", **rec}
        rows.append([values.get(f.name) for f in TASK.fields])
    return rows


def arrive(path, when) -> pathlib.Path:
    """Give a dropped file the arrival time `when`: its modification time. A naive `when` is Beijing wall-clock time
    (the programme's zone, as a clerk reads it), never this machine's zone, so a share means the same on any server."""
    path = pathlib.Path(path)
    if when.tzinfo is None:
        from zoneinfo import ZoneInfo
        when = when.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    ts = when.timestamp()
    import os
    os.utime(path, (ts, ts))
    return path


def keep_as_text(path, sheet_cell_values: dict[str, str]) -> pathlib.Path:
    """Rewrite cells (e.g. {"H2": "=SUM(1)"}) as literal strings, the way a bureau's typed text is stored,
    so text that looks like a formula or a link reaches the pipeline as text."""
    path = pathlib.Path(path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for ref, text in sheet_cell_values.items():
        ws[ref].value = text
        ws[ref].data_type = "s"
    wb.save(path)
    return path
