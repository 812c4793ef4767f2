"""What `srdi query` runs: SQL given on the command line, read from a file (-f), or a saved query by name (--saved,
the files of docs/queries/, named by their stem), with its named parameters (--param name=value, bound through
DuckDB's `$name` parameters, never pasted into the SQL). No Prefect, no database here: text only.

A query file's leading comment is its header (what `srdi query --list` and docs/warehouse.md show):

    -- 某单位的历次报送情况（催报记录）/ a bureau's compliance history        first line: the description
    -- 参数 params：srdi query --saved bureau_history --param bureau=商务局     an example (the tests run it)
    --   $bureau   单位简称（见 ref_bureaus.bureau）                              a parameter it takes
    --   $field?   字段名（不给时列出全部字段）                                    `?`: optional, NULL when not given

The parameters a query takes are those its header declares and the `$name` tokens of its SQL (outside strings and
comments). Every value is text (VARCHAR); a query that needs a number casts it (`CAST($as_of_year AS INTEGER)`).
Every refusal is a QueryError: one line, in English, and the command exits 2.
"""
from __future__ import annotations

import difflib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import duckdb

from schemas.terminal import visible

ROOT = Path(__file__).resolve().parents[1]
SAVED_DIR = ROOT / "docs" / "queries"   # the saved queries: part of the source tree (an editable install reads them)
MAX_FILE_BYTES = 1_000_000               # a -f file larger than this is not SQL someone wrote

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_BYTES = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_DECLARED = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(\?)?(?:\s+(.*))?$")
_EXAMPLE = re.compile(r"srdi query --saved \S+(?:\s+--param\s+\S+)*")


class QueryError(Exception):
    """A query that cannot run as asked: one line for the analyst (srdi query prints it and exits 2)."""


@dataclass(frozen=True)
class Param:
    name: str
    optional: bool = False
    description: str = ""


@dataclass(frozen=True)
class QueryText:
    sql: str
    name: str | None = None             # a saved query's name (its file's stem)
    header: tuple[str, ...] = ()        # the leading comment's lines, without `--`
    params: tuple[Param, ...] = ()      # declared in the header, then the undeclared `$name`s of the SQL
    used: frozenset[str] = frozenset()  # the `$name`s the SQL holds: what DuckDB is given

    @property
    def description(self) -> str:
        return self.header[0] if self.header else ""

    @property
    def example(self) -> str | None:
        """The header's example command line (`srdi query --saved NAME --param a=b …`), if it has one."""
        for line in self.header:
            m = _EXAMPLE.search(line)
            if m:
                return m.group(0)
        return None


def header_lines(sql: str) -> list[str]:
    """The leading `--` comment lines of `sql`, without the `--` and surrounding blanks."""
    head = []
    for line in sql.lstrip("\ufeff").splitlines():
        if not line.startswith("--"):
            break
        head.append(line[2:].strip())
    return head


def tokens(sql: str) -> list[tuple[bytes, object]]:
    """DuckDB's own tokens of `sql`: (the token's text as UTF-8 bytes, its kind); [] for SQL it cannot tokenize.
    The tokenizer gives offsets in UTF-8 bytes, so the text is cut as bytes (a Chinese word moves nothing)."""
    try:
        found = duckdb.tokenize(sql)
    except duckdb.Error:
        return []
    raw = sql.encode("utf-8")
    ends = [start for start, _ in found[1:]] + [len(raw)]
    return [(raw[start:end], kind) for (start, kind), end in zip(found, ends)]


def parameter_names(sql: str) -> list[str]:
    """The `$name` parameters of `sql` in order of first appearance: DuckDB's own tokenizer, so a `$x` inside a
    string constant or a comment is none."""
    found: list[str] = []
    toks = tokens(sql)
    for (text, kind), (following, nkind) in zip(toks, toks[1:]):
        # `$year`: the name may be a keyword token (year, month, …)
        if (kind == duckdb.token_type.operator and text == b"$"
                and nkind in (duckdb.token_type.identifier, duckdb.token_type.keyword)):
            m = _NAME_BYTES.match(following)
            if m and m.group(0).decode() not in found:
                found.append(m.group(0).decode())
    return found


def parse(sql: str, name: str | None = None) -> QueryText:
    head = header_lines(sql)
    declared: list[Param] = []
    for line in head:
        m = _DECLARED.match(line)
        if m and m.group(1) not in {p.name for p in declared}:
            declared.append(Param(m.group(1), bool(m.group(2)), (m.group(3) or "").strip()))
    used = parameter_names(sql)
    known = {p.name for p in declared}
    params = declared + [Param(n) for n in used if n not in known]
    return QueryText(sql=sql.lstrip("\ufeff"), name=name, header=tuple(head), params=tuple(params),
                     used=frozenset(used))


# ------------------------------------------------------------------------------------------- --param

def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """`--param name=value`, repeatable: {name: value}. The value is everything after the first `=` (it may hold
    `=` and spaces, or be empty); `$name=` is read as `name=`. A pair without `=`, a name that is not an
    identifier, or a name given twice is refused."""
    given: dict[str, str] = {}
    for pair in pairs or []:
        name, eq, value = pair.partition("=")
        name = name.strip()
        if name.startswith("$"):
            name = name[1:]
        if not eq:
            raise QueryError(f"--param {visible(pair)}: expected NAME=VALUE, e.g. --param bureau=工信局")
        if not NAME.fullmatch(name):
            raise QueryError(f"--param {visible(pair)}: {visible(name) or 'an empty name'} is not a parameter name "
                             f"(letters, digits and _, not starting with a digit)")
        if name in given:
            raise QueryError(f"--param {name} is given twice ({visible(given[name])!r} and {visible(value)!r}): "
                             f"give it once")
        given[name] = value
    return given


def _usage(q: QueryText) -> str:
    if not q.params:
        return "it takes no parameters"
    names = ", ".join(p.name + (" (optional)" if p.optional else "") for p in q.params)
    return f"it takes {names}"


def _what(q: QueryText) -> str:
    return f"saved query {q.name}" if q.name else "the query"


def bind(q: QueryText, given: dict[str, str]) -> dict[str, str | None]:
    """The values DuckDB binds to the query's `$name`s: each given value, NULL for an optional parameter not given.
    An unknown name, or a required parameter not given, is refused."""
    known = {p.name for p in q.params}
    unknown = [n for n in given if n not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise QueryError(f"unknown parameter {unknown[0]}{hint}: {_what(q)} does not use it; {_usage(q)}")
    missing = [p for p in q.params if not p.optional and p.name in q.used and p.name not in given]
    if missing:
        first = missing[0]
        more = f" (and {', '.join(p.name for p in missing[1:])})" if missing[1:] else ""
        raise QueryError(f"missing parameter {first.name}{more}: give it with --param {first.name}=VALUE; "
                         f"{_usage(q)}")
    return {n: given.get(n) for n in q.used}


# ------------------------------------------------------------------------------------------- -f, --saved

def read_file(path: str) -> QueryText:
    """The SQL of a file (UTF-8, a BOM allowed). A file that does not exist, is not a regular file (a pipe would
    block the read), is too large, or is not UTF-8 is one line."""
    shown = visible(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise QueryError(f"-f {shown}: no such file") from None
    except OSError as exc:
        raise QueryError(f"-f {shown}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise QueryError(f"-f {shown}: is a folder, not a SQL file")
    if not stat.S_ISREG(st.st_mode):
        raise QueryError(f"-f {shown}: not a regular file (a pipe, device or socket): not read")
    if st.st_size > MAX_FILE_BYTES:
        raise QueryError(f"-f {shown}: {st.st_size:,} bytes, more than a SQL file holds ({MAX_FILE_BYTES:,}): not read")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise QueryError(f"-f {shown}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QueryError(f"-f {shown}: not UTF-8 text (saved as GBK?): save it as UTF-8 and run again") from None
    return parse(text)


def saved_paths(folder: Path = SAVED_DIR) -> dict[str, Path]:
    """{name: path} of the saved queries, by name."""
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.sql")) if p.is_file()}


def saved(name: str, folder: Path = SAVED_DIR) -> QueryText:
    paths = saved_paths(folder)
    key = name[:-4] if name.endswith(".sql") else name
    if key not in paths:
        if not paths:
            raise QueryError(f"--saved {visible(name)}: no saved queries at {folder}")
        close = difflib.get_close_matches(key, sorted(paths), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise QueryError(f"--saved {visible(name)}: no saved query of that name{hint}; "
                         f"`srdi query --list` lists them")
    return parse(paths[key].read_text(encoding="utf-8-sig"), name=key)


def saved_queries(folder: Path = SAVED_DIR) -> list[QueryText]:
    return [parse(p.read_text(encoding="utf-8-sig"), name=n) for n, p in saved_paths(folder).items()]


def choose(sql: str | None, file: str | None, saved_name: str | None, folder: Path = SAVED_DIR) -> QueryText:
    """The query the command line names: exactly one of SQL, -f FILE, --saved NAME."""
    given = [what for what, v in (("SQL", sql), ("-f FILE", file), ("--saved NAME", saved_name)) if v is not None]
    if len(given) != 1:
        said = f" (got {' and '.join(given)})" if given else ""
        raise QueryError(f"give one of: SQL, -f FILE, --saved NAME{said}; `srdi query --list` lists the saved queries")
    if file is not None:
        return read_file(file)
    if saved_name is not None:
        return saved(saved_name, folder)
    assert sql is not None   # exactly one of the three was given
    return parse(sql)


def render_list(queries: list[QueryText]) -> str:
    """`srdi query --list`: each saved query's name and description, then the parameters it takes, then its
    example."""
    if not queries:
        return "(no saved queries)\n"
    lines = []
    for q in queries:
        lines.append(f"{q.name}  {q.description}")
        for p in q.params:
            tag = f"--param {p.name}=…" + ("  (optional)" if p.optional else "")
            lines.append(f"    {tag:<34} {p.description}".rstrip())
        if not q.params:
            lines.append("    (no parameters)")
        if q.example:
            lines.append(f"    e.g. {q.example}")
    return "\n".join(lines) + "\n"
