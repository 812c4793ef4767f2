"""docs/warehouse.md, generated from the database itself: its tables, views and columns with their COMMENTs.

    render_markdown(con)        the document as text: sorted, no timestamps, no row counts (same schema → same bytes)
    missing_comments(con)       analyst-facing tables, views and columns without a Chinese comment
    write_doc(db_path, out)     render from a database file and write the document

Every relation in the main schema is documented except internal ones, whose names start with `_`. Nothing here
imports Prefect: `srdi docs` builds the database (a fresh demo, or --home) and calls this.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.connection import connect

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "warehouse.md"
QUERIES_DIR = ROOT / "docs" / "queries"
CJK = re.compile(r"[\u4e00-\u9fff]")
REGENERATE = "srdi docs"


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
    rows = con.execute("""
        SELECT table_name, 'table', comment FROM duckdb_tables()
        WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
        UNION ALL
        SELECT view_name, 'view', comment FROM duckdb_views()
        WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
        ORDER BY 1""").fetchall()
    out = [Relation(name, kind, comment) for name, kind, comment in rows if not name.startswith("_")]
    cols: dict[str, list[Column]] = {}
    for table, name, dtype, comment in con.execute("""
            SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
            WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
            ORDER BY table_name, column_index""").fetchall():
        cols.setdefault(table, []).append(Column(name, dtype, comment))
    for r in out:
        r.columns = cols.get(r.name, [])
    return out


def macros(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str], str | None]]:
    rows = con.execute("""
        SELECT function_name, parameters, comment FROM duckdb_functions()
        WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
          AND function_type IN ('macro', 'table_macro')
        ORDER BY function_name, len(parameters)""").fetchall()
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
    out = []
    for path in sorted(queries_dir.glob("*.sql")) if queries_dir.exists() else []:
        head = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            head.append(line[2:].strip())
        out.append((path.name, head))
    return out


def render_markdown(con: duckdb.DuckDBPyConnection, queries_dir: Path = QUERIES_DIR) -> str:
    rels = relations(con)
    views = [r for r in rels if r.kind == "view"]
    tables = [r for r in rels if r.kind == "table"]
    lines = [
        "# 数据仓库说明 / Warehouse reference",
        "",
        f"<!-- 本文件由 `{REGENERATE}` 根据数据库中的 COMMENT 自动生成，请勿手工编辑。"
        f" Generated from the database's COMMENTs by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "## 怎样连接 / How to connect",
        "",
        "分析人员只读 **已发布的分析副本** `<home>/warehouse.duckdb`（默认 home 为 `./srdi-home`）。"
        "流水线只写它自己的数据库 `state/pipeline.duckdb`，每次入库或汇总成功后做检查点并原子替换分析副本："
        "分析人员的连接不会被锁住，也不会挡住入库；已打开的连接继续看到旧版本，重新连接即看到新数据。",
        "",
        "Analysts read the published copy `<home>/warehouse.duckdb`, never `state/pipeline.duckdb`. Open it read-only;"
        " reconnect to see the latest run.",
        "",
        "```sh",
        'srdi query "SELECT * FROM enterprise_history LIMIT 5"                  # 表格 / table',
        'srdi query --format csv --out 企业.csv "SELECT * FROM enterprises"      # CSV（UTF-8 带 BOM，Excel/WPS 直接打开）',
        'srdi query --format xlsx --out 企业.xlsx "SELECT * FROM enterprises"    # xlsx；另有 --format json',
        'srdi query "$(cat docs/queries/enterprise_history.sql)"                # 运行保存的查询',
        "```",
        "",
        "```python",
        "import duckdb",
        'con = duckdb.connect("srdi-home/warehouse.duckdb", read_only=True)',
        "```",
        "",
        "DBeaver 等工具：新建 DuckDB 连接，路径选 `warehouse.duckdb`，并勾选只读（Read-only）。"
        " `srdi query` 只接受查询语句（SELECT、WITH、DESCRIBE、SHOW、EXPLAIN），写入语句会被拒绝。",
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
        lines += ["", "## 保存的查询 / Saved queries", "",
                  "在 `docs/queries/` 中；修改文件开头 `params` 里的参数后运行："
                  ' `srdi query "$(cat docs/queries/<文件>.sql)"`。', ""]
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
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
