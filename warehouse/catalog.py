"""docs/warehouse.md, generated from the database itself: its tables, views and columns with their COMMENTs.

    render_markdown(con)        the document as text: sorted, no timestamps, no row counts (same schema → same bytes)
    missing_comments(con)       analyst-facing tables, views and columns without a Chinese comment
    write_doc(db_path, out)     render from a database file and write the document

Every relation in the main schema is documented except internal ones, whose names start with `_`. Nothing here
imports Prefect: `srdi docs` builds the database (a fresh demo, or --home) and calls this. What it asks DuckDB's
catalog is in warehouse/sql/catalog/*.sql; the document's prose (how to connect, with examples) is the template
warehouse/templates/warehouse_md_header.md, the saved queries' introduction warehouse_md_saved_queries.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.atomic_write import write_text
from warehouse.connection import connect
from warehouse.query_text import SAVED_DIR, header_lines, saved_paths
from warehouse.sql import load as sql

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "warehouse.md"
QUERIES_DIR = SAVED_DIR        # the saved queries (warehouse/query_text.py reads their headers)
CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def template(name: str) -> list[str]:
    """warehouse/templates/<name> (package data) as lines, without the final line break."""
    text = resources.files("warehouse").joinpath("templates", name).read_text(encoding="utf-8")
    return text.rstrip("\n").split("\n")


@dataclass
class Column:
    name: str
    data_type: str
    comment: str | None


@dataclass
class Relation:
    name: str
    kind: str               # 'table' | 'view'
    comment: str | None
    columns: list[Column] = field(default_factory=list)


def relations(con: duckdb.DuckDBPyConnection) -> list[Relation]:
    """Analyst-facing tables and views of the main schema, sorted by name, columns in table order."""
    rows = con.execute(sql("catalog/list_documented_relations")).fetchall()
    out = [Relation(name, kind, comment) for name, kind, comment in rows if not name.startswith("_")]
    cols: dict[str, list[Column]] = {}
    for table, name, dtype, comment in con.execute(sql("catalog/list_documented_columns")).fetchall():
        cols.setdefault(table, []).append(Column(name, dtype, comment))
    for r in out:
        r.columns = cols.get(r.name, [])
    return out


def macros(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str], str | None]]:
    rows = con.execute(sql("catalog/list_macros")).fetchall()
    return [(n, list(p or []), c) for n, p, c in rows if not n.startswith("_")]


def _chinese(comment: str | None) -> bool:
    return bool(comment and CJK.search(comment))


def missing_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """'table x', 'view y', 'column x.c' for every analyst-facing object without a Chinese comment."""
    missing = []
    for r in relations(con):
        if not _chinese(r.comment):
            missing.append(f"{r.kind} {r.name}")
        missing += [f"column {r.name}.{c.name}" for c in r.columns if not _chinese(c.comment)]
    return missing


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def saved_queries(queries_dir: Path = QUERIES_DIR) -> list[tuple[str, list[str]]]:
    """(file name, leading comment lines) of each saved query, sorted by file name."""
    return [(path.name, header_lines(path.read_text(encoding="utf-8-sig")))
            for path in saved_paths(queries_dir).values()]


def render_markdown(con: duckdb.DuckDBPyConnection, queries_dir: Path = QUERIES_DIR) -> str:
    rels = relations(con)
    views = [r for r in rels if r.kind == "view"]
    tables = [r for r in rels if r.kind == "table"]
    lines = [
        *template("warehouse_md_header.md"),
        "",
        "## 目录 / Contents",
        "",
        "| 名称 | 类型 | 说明 |",
        "| --- | --- | --- |",
    ]
    for r in views + tables:
        lines.append(f"| [`{r.name}`](#{r.name}) | {'视图 view' if r.kind == 'view' else '表 table'} | {_cell(r.comment)} |")
    for title, group in (("视图 / Views", views), ("表 / Tables", tables)):
        lines += ["", f"## {title}"]
        for r in group:
            lines += ["", f"### {r.name}", "", _cell(r.comment) or "（缺少说明）", "",
                      "| 列 column | 类型 type | 说明 |", "| --- | --- | --- |"]
            lines += [f"| `{c.name}` | {c.data_type} | {_cell(c.comment) or '（缺少说明）'} |" for c in r.columns]
    ms = macros(con)
    if ms:
        lines += ["", "## 宏 / Macros", "", "| 宏 | 说明 |", "| --- | --- |"]
        lines += [f"| `{n}({', '.join(p)})` | {_cell(c)} |" for n, p, c in ms]
    queries = saved_queries(queries_dir)
    if queries:
        lines += ["", *template("warehouse_md_saved_queries.md"), ""]
        for name, head in queries:
            lines.append(f"- [`{name}`](queries/{name})：" + (_cell(head[0]) if head else ""))
            lines += [f"  {_cell(h)}" for h in head[1:]]
    return "\n".join(lines) + "\n"


def describe(db_path: Path | str, queries_dir: Path = QUERIES_DIR) -> tuple[str, list[str]]:
    """(the document, what lacks a Chinese comment) for a database file, opened read-only."""
    con = connect(db_path, read_only=True)
    try:
        return render_markdown(con, queries_dir), missing_comments(con)
    finally:
        con.close()


def write_doc(db_path: Path | str, out: Path = DOC_PATH, queries_dir: Path = QUERIES_DIR) -> Path:
    text, _ = describe(db_path, queries_dir)
    return write_text(out, text)
