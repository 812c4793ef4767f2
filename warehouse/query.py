"""`srdi query`: read-only SQL on the published analyst copy. No Prefect here: it must start fast.

What a session may do, and what it says when it cannot:
- Read-only statements only: queries in all their forms (select, from-first, values, with, describe, show,
  summarize), PIVOT and UNPIVOT, EXPLAIN of one of those. Empty SQL (or only `;`) is a message, not a traceback.
- No extension is installed or loaded behind the analyst's back (`read_parquet('https://…')` cannot reach out or
  write ~/.duckdb), and files outside the home are not read unless `allow_files` (DuckDB's allowed_directories
  with external access off, then the configuration locked).
- A timeout (default 300 s): a timer interrupts DuckDB, and the writing loop checks it between batches.
- Results stream in batches of BATCH rows: CSV, JSON and xlsx in bounded memory whatever the row count; a table
  (for eyes) shows the first TABLE_ROWS rows and says so. xlsx refuses more rows than Excel holds, writing nothing;
  every --out file is written beside its target and renamed only when complete.
- A copy that cannot be opened — held read-write by another program ("Could not set lock"), a stale .wal left by
  one, a damaged file — is one line saying what happened and what to do (`srdi publish` repairs it). A stale .wal
  that DuckDB could replay is refused as well: a reader never silently sees what a killed read-write session wrote.
- A memory limit (rollup_config.toml [query] memory_limit, default 2GB): a query that needs more stops with a line.
- No pipe, device or socket is read: a file the SQL names that is not a regular file is refused before the query
  runs (a FIFO would block DuckDB in open(), where no interrupt reaches; `srdi query` itself also gives up after
  its timeout and a grace period, whatever DuckDB is blocked in).
- `--out` never lands in srdi's own files: state/, the analyst copy (and its .wal, .tmp) and share/ are refused.
- `params` (`--param name=value`) are bound by DuckDB to the SQL's `$name`s, never pasted into it; a value that names
  a pipe is refused like a path in the SQL. Where the SQL comes from (-f, --saved) and how the values are parsed
  and checked against the query's parameters: warehouse/query_text.py.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import re
import stat
import sys
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from schemas.terminal import visible as _visible   # what a terminal would act on, escaped (\x1b, \u202e)
from schemas.text_width import terminal_width
from warehouse.atomic_write import atomic_path, open_atomic
from warehouse.connection import connect
from warehouse.home import Home
from warehouse.query_text import QueryError, tokens
from warehouse.sql import load as sql_file

ALLOWED = {"SELECT", "EXPLAIN", "PIVOT"}
BATCH = 10_000
TABLE_ROWS = 10_000
EXCEL_MAX_ROWS = 1_048_576            # Excel's rows per sheet, the header row included
DEFAULT_TIMEOUT = 300.0


# EXPLAIN ANALYZE runs the statement it explains: judge that one instead
_EXPLAIN = re.compile(r"^(?:\s|--[^\n]*\n|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\s+|\([^)]*\)\s*)?", re.I | re.S)
# PIVOT without an IN list is a MULTI statement (DuckDB first reads the pivot values): allowed when it is a PIVOT
_PIVOT = re.compile(r"^(?:\s|--[^\n]*\n|/\*.*?\*/)*PIVOT(?:_WIDER)?\b", re.I | re.S)


def _kind(st) -> str:
    kind = str(st.type).split(".")[-1]
    if kind == "MULTI" and _PIVOT.match(st.query):
        return "PIVOT"
    if kind == "EXPLAIN":
        m = _EXPLAIN.match(st.query)
        try:
            inner = [_kind(s) for s in duckdb.extract_statements(st.query[m.end():])] if m else []
        except duckdb.Error:
            inner = []
        if len(inner) != 1 or inner[0] not in ("SELECT", "PIVOT"):
            return "EXPLAIN " + (inner[0] if inner else "?")
    return kind


def check_read_only(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"SQL 语法错误 / syntax error: {_first_line(exc)}") from None
    if not statements:
        raise QueryError("没有要执行的 SQL 语句（只有空白、注释或分号）/ no SQL statement given: "
                         "write one, e.g. srdi query \"FROM submissions LIMIT 10\"")
    for st in statements:
        kind = _kind(st)
        if kind not in ALLOWED:
            raise QueryError(f"只读查询，不允许 {kind} 语句 / read-only: {kind} statements are not allowed")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# ------------------------------------------------------------------------------ what the SQL names, where it writes

def _literal(text: str) -> str | None:
    """The value of a SQL string constant ('a''b' → a'b) or quoted identifier ("x.csv"), else None."""
    text = text.rstrip()
    for q in ("'", '"'):
        if len(text) >= 2 and text[0] == q and text[-1] == q:
            return text[1:-1].replace(q + q, q)
    return None


def named_paths(sql: str) -> list[str]:
    """Every string constant and quoted identifier of `sql`: what could name a file DuckDB opens."""
    found = []
    for text, kind in tokens(sql):
        if kind in (duckdb.token_type.string_const, duckdb.token_type.identifier):
            value = _literal(text.decode("utf-8", errors="replace"))
            if value:
                found.append(value)
    return found


GLOB_MATCHES = 1000       # files a pattern may name before the check stops looking (DuckDB reads them all anyway)


def check_files(sql: str, values=()) -> None:
    """Refuse SQL that names a pipe, a device or a socket (directly or through a glob pattern): DuckDB would block
    in open() on a FIFO, where neither the timeout nor Ctrl-C reaches it. `values`, the parameters bound to the
    query, are read the same way (`read_csv($path)` names a file too). A file's kind is its target's (DuckDB
    follows links); what does not exist is DuckDB's to report."""
    for value in [*named_paths(sql), *(v for v in values if isinstance(v, str) and v)]:
        if "://" in value or "\0" in value:
            continue
        path = os.path.expanduser(value)
        if any(c in path for c in "*?["):
            candidates = []
            for i, match in enumerate(glob.iglob(path, recursive=True)):
                if i >= GLOB_MATCHES:
                    break
                candidates.append(match)
        else:
            candidates = [path]
        for candidate in candidates:
            try:
                mode = os.stat(candidate).st_mode
            except (OSError, ValueError):
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                from schemas.terminal import visible
                raise QueryError(f"{visible(candidate)} 不是普通文件（是管道、设备或套接字），读取它可能永远等不到数据，查询未运行 / "
                                 f"{visible(candidate)} is not a regular file (a pipe, device or socket): not read")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_out(home: Home, out: str) -> None:
    """Refuse an --out that would land in srdi's own files: state/ (the writer's database, its lock), the analyst
    copy and what lies beside it (warehouse.duckdb.wal, .tmp), and share/ (the inbox srdi reads, the archive,
    rejected/ and the outbox bureaus read). Links are followed: a link that points there is refused too."""
    target = Path(out).expanduser()
    try:
        target = target.resolve()
    except (OSError, RuntimeError):
        target = Path(os.path.abspath(target))
    root = home.root.resolve()
    own = [(root / "state", "state/（入库程序自己的数据库 / the pipeline's own database）"),
           (root / "share", "share/（收件箱、归档、退回与回执 / the bureaus' inbox, archive, rejected files and outbox）")]
    for folder, what in own:
        if _inside(target, folder):
            raise QueryError(f"--out {out} 位于 srdi 自己的 {what}，不能写在那里，未写入：请写到主目录之外或 reports/ 下 / "
                             f"--out {out} is inside srdi's own {folder.name}/: nothing written; write elsewhere")
    copy = root / home.warehouse.name
    if target.parent == root and (target == copy or target.name.startswith(copy.name + ".")):
        raise QueryError(f"--out {out} 是分析副本 {copy.name} 或其旁边的文件，不能覆盖，未写入 / --out {out} is the "
                         f"analyst copy {copy.name} or a file beside it: nothing written; write elsewhere")


# ------------------------------------------------------------------------------------------ the session

def stale_wal_message(home: Home) -> str:
    name = home.warehouse.name
    return (f"分析库 {name} 旁有一个过期的 {name}.wal（有程序曾以读写方式打开并改动过它），副本无法读取：运行 "
            f"`srdi publish`（或等下一次入库、汇总）即可修复 / {name} has a stale {name}.wal beside it (someone "
            f"opened it read-write): run `srdi publish`, or wait for the next ingest or rollup, to repair it")


def stale_wal(home: Home) -> bool:
    """A write-ahead log beside the analyst copy that no session holds: what a killed read-write session left.
    DuckDB would replay it into a read-only session (the reader would see the stranger's writes as srdi's data);
    srdi's readers refuse instead. Asked after a read-only open succeeded: a live read-write holder would have
    made that open fail ("Could not set lock"), so a .wal then is stale."""
    return home.warehouse.with_name(home.warehouse.name + ".wal").exists()


def memory_limit(home: Home) -> str:
    """[query] memory_limit of the home's rules file (rollup_config.toml), else the default (2GB). A file that
    cannot be read, or a value that is not a size, gives the default and says so on stderr."""
    from schemas.query_config import DEFAULT_QUERY_MEMORY, QueryConfigError, query_memory_limit
    if not home.rollup_config.exists():
        return DEFAULT_QUERY_MEMORY
    try:
        return query_memory_limit(home.rollup_config)
    except QueryConfigError as exc:
        sys.stderr.write(f"srdi query: {home.rollup_config} 无法读取查询内存上限（{_first_line(exc)}），本次按默认 "
                         f"{DEFAULT_QUERY_MEMORY} / cannot read [query] memory_limit there: using {DEFAULT_QUERY_MEMORY}\n")
        return DEFAULT_QUERY_MEMORY


def _cannot_open(home: Home, exc: duckdb.Error) -> str:
    text = str(exc)
    name = home.warehouse.name
    if "Could not set lock" in text:
        m = re.search(r"PID (\d+)", text)
        who = f"（PID {m.group(1)}）" if m else ""
        pid = f" (PID {m.group(1)})" if m else ""
        return (f"分析库 {name} 正被另一个程序以读写方式打开{who}，例如 DBeaver 未勾选只读、或 duckdb.connect 未加 "
                f"read_only=True：请关闭该连接或改用只读方式后重试，或运行 `srdi publish` 发布一份新副本 / {name} is "
                f"open read-write in another program{pid}: close it or open it read-only, or run `srdi publish`")
    if "WAL" in text:
        return stale_wal_message(home)
    return (f"分析库 {name} 已损坏，无法打开（{_first_line(exc)}）：运行 `srdi publish`（或等下一次入库、汇总）即可"
            f"修复 / {name} is damaged ({_first_line(exc)}): run `srdi publish`, or wait for the next ingest or rollup")


def open_copy(home: Home, allow_files: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only session on the analyst copy that installs and loads no extension and, unless `allow_files`,
    reads no file outside the home."""
    if not home.warehouse.exists():
        raise QueryError(f"还没有已发布的数据仓库 / no published warehouse at {home.warehouse}: run `srdi ingest` first")
    try:
        con = connect(home.warehouse, read_only=True)
    except duckdb.Error as exc:
        raise QueryError(_cannot_open(home, exc)) from None
    if stale_wal(home):
        con.close()
        raise QueryError(stale_wal_message(home))
    try:
        con.execute(sql_file("query/disable_extension_loading"))
        con.execute(sql_file("query/set_memory_limit"), [memory_limit(home)])
        if not allow_files:
            con.execute(sql_file("query/allow_directories"), [[str(home.root) + "/"]])
            con.execute(sql_file("query/disable_external_access"))
        con.execute(sql_file("query/lock_configuration"))
    except duckdb.Error:
        con.close()
        raise
    return con


class _Deadline:
    """Interrupts DuckDB after `seconds`; `check()` stops our own writing loop too."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float | None):
        self.seconds = seconds
        self.fired = False
        self._timer = None
        if seconds and seconds > 0:
            self._timer = threading.Timer(seconds, self._fire, args=(con,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, con) -> None:
        self.fired = True
        try:
            con.interrupt()
        except duckdb.Error:
            pass

    def error(self) -> QueryError:
        return QueryError(f"查询超过 {self.seconds:g} 秒仍未完成，已停止：请用 WHERE 或 LIMIT 缩小范围，或用 --timeout 放宽 / "
                          f"the query ran longer than {self.seconds:g}s and was stopped: narrow it with WHERE or LIMIT, "
                          f"or raise --timeout")

    def check(self) -> None:
        if self.fired:
            raise self.error()

    def cancel(self) -> None:
        if self._timer:
            self._timer.cancel()


def _out_of_memory(con) -> str:
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    except duckdb.Error:
        limit = "?"
    return (f"查询所需内存超过上限 {limit}，已停止：请用 WHERE、LIMIT 或更少的列缩小范围；上限在 rollup_config.toml 的 "
            f"[query] memory_limit 中设置 / the query needs more memory than its limit ({limit}) and was stopped: "
            f"narrow it, or raise [query] memory_limit in rollup_config.toml")


class Result:
    """The columns and the rows of a running query, in batches."""

    def __init__(self, cur, deadline: _Deadline):
        self.cur = cur
        self.deadline = deadline
        self.columns = [d[0] for d in cur.description] if cur.description else []

    def batches(self):
        while True:
            self.deadline.check()
            try:
                rows = self.cur.fetchmany(BATCH)
            except duckdb.Error as exc:
                if self.deadline.fired:
                    raise self.deadline.error() from None
                if isinstance(exc, duckdb.OutOfMemoryException):
                    raise QueryError(_out_of_memory(self.cur)) from None
                raise QueryError(_first_line(exc)) from None
            if not rows:
                return
            yield rows


def _execute(con, sql: str, deadline: _Deadline, params: dict | None = None) -> Result:
    """Run `sql`, its `$name` parameters bound to `params` by DuckDB (never pasted into the text)."""
    try:
        return Result(con.execute(sql, params) if params else con.execute(sql), deadline)
    except duckdb.Error as exc:
        if deadline.fired:
            raise deadline.error() from None
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise QueryError(_out_of_memory(con)) from None
        if isinstance(exc, duckdb.PermissionException):
            raise QueryError(f"不能读取分析库以外的文件（{_first_line(exc)}）；确需读取时加 --allow-files / files outside "
                             f"the home are not read: add --allow-files to allow it") from None
        raise QueryError(_first_line(exc)) from None


def fetch(home: Home, sql: str, timeout: float | None = DEFAULT_TIMEOUT, allow_files: bool = False,
          params: dict | None = None) -> tuple[list[str], list[tuple]]:
    """All rows at once: for small results in code and tests (the command itself streams). `params`: the values of
    the SQL's `$name` parameters (warehouse.query_text.bind)."""
    check_read_only(sql)
    check_files(sql, (params or {}).values())
    con = open_copy(home, allow_files)
    deadline = _Deadline(con, timeout)
    try:
        result = _execute(con, sql, deadline, params)
        return result.columns, [r for batch in result.batches() for r in batch]
    finally:
        deadline.cancel()
        con.close()


# ------------------------------------------------------------------------------------------- the writers

def _plain(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _text(v) -> str:
    return "" if v is None else str(_plain(v))


def render_table(cols, rows, more: bool = False) -> str:
    cols = [_visible(c) for c in cols]
    cells = [[_visible(_text(v)) for v in r] for r in rows]
    widths = [max([terminal_width(c)] + [terminal_width(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def pad(s: str, w: int) -> str:
        return s + " " * (w - terminal_width(s))

    lines = [" | ".join(pad(c, w) for c, w in zip(cols, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(pad(v, w) for v, w in zip(r, widths)) for r in cells]
    if more:
        lines.append(f"(前 {len(rows):,} 行；其余未显示，完整结果请用 --format csv 或 xlsx --out 文件 / first {len(rows):,} "
                     f"rows shown, more not shown: use --format csv, or xlsx with --out FILE, for all)")
    else:
        lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"


def write_table(result: Result, stream) -> None:
    rows: list[tuple] = []
    more = False
    for batch in result.batches():
        room = TABLE_ROWS - len(rows)
        rows += batch[:room]
        if len(batch) > room:
            more = True
            break
    stream.write(render_table(result.columns, rows, more))


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _csv_cell(s: str) -> str:
    # a leading = + - @ would run as a formula in Excel/WPS: keep bureau text as text
    return ("'" + s) if s[:1] in ("=", "+", "-", "@") and not _is_number(s) else s


def write_csv(result: Result, stream) -> None:
    w = csv.writer(stream)
    w.writerow([_csv_cell(c) for c in result.columns])   # a PIVOT's headers are values too
    for batch in result.batches():
        w.writerows([[_csv_cell(s) for s in map(_text, r)] for r in batch])


def write_json(result: Result, stream) -> None:
    """A JSON array, one object per line, written as the rows come."""
    cols = result.columns
    stream.write("[")
    first = True
    for batch in result.batches():
        for r in batch:
            stream.write("\n" if first else ",\n")
            first = False
            stream.write(json.dumps(dict(zip(cols, map(_plain, r))), ensure_ascii=False, default=str))
    stream.write("\n]\n")


def write_xlsx(result: Result, path: Path) -> None:
    """Row by row (xlsxwriter's constant_memory mode), into `path`; more rows than a sheet holds is an error."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    try:
        ws = wb.add_worksheet("查询结果")
        bold = wb.add_format({"bold": True})
        for c, name in enumerate(result.columns):
            ws.write_string(0, c, name, bold)
        ws.freeze_panes(1, 0)
        r = 0
        for batch in result.batches():
            if r + len(batch) > EXCEL_MAX_ROWS - 1:
                raise QueryError(f"结果超过 {EXCEL_MAX_ROWS - 1:,} 行，超出 Excel 一张工作表的行数上限，未写入 xlsx：请用 WHERE "
                                 f"或 LIMIT 缩小结果，或改用 --format csv / the result has more than {EXCEL_MAX_ROWS - 1:,} "
                                 f"rows, beyond what an Excel sheet holds; nothing written: narrow it, or use --format csv")
            for row in batch:
                r += 1
                for c, v in enumerate(row):
                    v = _plain(v)
                    if v is None:
                        continue
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        ws.write_string(r, c, str(v))
                    else:
                        ws.write_number(r, c, v)
    finally:
        wb.close()


def run_query(home: Home, sql: str, fmt: str = "table", out: str | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, allow_files: bool = False, params: dict | None = None) -> None:
    """`params`: the values of the SQL's `$name` parameters (warehouse.query_text.bind), bound by DuckDB."""
    check_read_only(sql)
    if fmt == "xlsx" and not out:
        raise QueryError("xlsx 格式需要 --out 文件名 / --format xlsx needs --out FILE")
    if out:
        check_out(home, out)
    check_files(sql, (params or {}).values())
    con = open_copy(home, allow_files)
    deadline = _Deadline(con, timeout)
    try:
        result = _execute(con, sql, deadline, params)
        if fmt == "xlsx":
            assert out is not None   # xlsx without --out was refused above
            with atomic_path(out) as tmp:
                write_xlsx(result, tmp)
            return
        writer = {"csv": write_csv, "json": write_json}.get(fmt, write_table)
        if out:
            with open_atomic(out, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as f:
                writer(result, f)
        else:
            stream = sys.stdout
            if fmt == "csv":
                stream.write("\ufeff")     # Excel and WPS then read the UTF-8
            writer(result, stream)
            stream.flush()
    finally:
        deadline.cancel()
        con.close()
