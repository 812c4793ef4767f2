"""`srdi query`: read-only SQL on the published analyst copy. No Prefect here: it must start fast."""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from warehouse.connection import connect
from warehouse.home import Home

ALLOWED = {"SELECT", "EXPLAIN"}


class QueryError(Exception):
    pass


# EXPLAIN ANALYZE runs the statement it explains: judge that one instead
_EXPLAIN = re.compile(r"^(?:\s|--[^\n]*\n|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\s+|\([^)]*\)\s*)?", re.I | re.S)


def _kind(st) -> str:
    kind = str(st.type).split(".")[-1]
    if kind == "EXPLAIN":
        m = _EXPLAIN.match(st.query)
        try:
            inner = [str(s.type).split(".")[-1] for s in duckdb.extract_statements(st.query[m.end():])] if m else []
        except duckdb.Error:
            inner = []
        if inner != ["SELECT"]:
            return "EXPLAIN " + (inner[0] if inner else "?")
    return kind


def check_read_only(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"SQL 语法错误 / syntax error: {exc}") from None
    for st in statements:
        kind = _kind(st)
        if kind not in ALLOWED:
            raise QueryError(f"只读查询，不允许 {kind} 语句 / read-only: {kind} statements are not allowed")


def fetch(home: Home, sql: str) -> tuple[list[str], list[tuple]]:
    check_read_only(sql)
    if not home.warehouse.exists():
        raise QueryError(f"还没有已发布的数据仓库 / no published warehouse at {home.warehouse}: run `srdi ingest` first")
    con = connect(home.warehouse, read_only=True)
    try:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description] if cur.description else []
        return cols, cur.fetchall()
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()


def _plain(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _text(v) -> str:
    return "" if v is None else str(_plain(v))


def render_table(cols, rows) -> str:
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    cells = [[_text(v) for v in r] for r in rows]
    widths = [max([width(c)] + [width(r[i]) for r in cells]) for i, c in enumerate(cols)]
    pad = lambda s, w: s + " " * (w - width(s))
    lines = [" | ".join(pad(c, w) for c, w in zip(cols, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(pad(v, w) for v, w in zip(r, widths)) for r in cells]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"


def write_csv(cols, rows, stream) -> None:
    w = csv.writer(stream)
    w.writerow(cols)
    for r in rows:
        # a leading = + - @ would run as a formula in Excel/WPS: keep bureau text as text
        w.writerow([("'" + s) if s[:1] in ("=", "+", "-", "@") and not _is_number(s) else s for s in map(_text, r)])


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def write_xlsx(cols, rows, path: Path) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("查询结果")
    bold = wb.add_format({"bold": True})
    for c, name in enumerate(cols):
        ws.write_string(0, c, name, bold)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            v = _plain(v)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                ws.write_string(r, c, str(v))
            else:
                ws.write_number(r, c, v)
    ws.freeze_panes(1, 0)
    wb.close()


def run_query(home: Home, sql: str, fmt: str = "table", out: str | None = None) -> None:
    cols, rows = fetch(home, sql)
    if fmt == "xlsx":
        if not out:
            raise QueryError("xlsx 格式需要 --out 文件名 / --format xlsx needs --out FILE")
        write_xlsx(cols, rows, Path(out))
        return
    if fmt == "csv":
        buf = io.StringIO()
        write_csv(cols, rows, buf)
        text = buf.getvalue()
    elif fmt == "json":
        text = json.dumps([dict(zip(cols, map(_plain, r))) for r in rows], ensure_ascii=False, indent=1, default=str) + "\n"
    else:
        text = render_table(cols, rows)
    if out:
        Path(out).write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    else:
        if fmt == "csv":
            sys.stdout.write("\ufeff")
        sys.stdout.write(text)
