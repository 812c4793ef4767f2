"""A documented warehouse: Chinese comments everywhere, docs/warehouse.md generated and kept in step, saved queries.

The database these tests read is built the way `srdi docs` builds it: a fresh demo (sample share, ingest,
the 2022 rollups), here with a few hostile enterprise names added for the dashboard tests that share it.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from srdi.cli import main
from warehouse.catalog import DOC_PATH, QUERIES_DIR, missing_comments, relations, render_markdown, saved_queries
from warehouse.home import Home
from warehouse.query import check_read_only, fetch
from warehouse.query_text import bind, parse_params, saved
from warehouse.connection import apply_schema

from tests.helpers import HOSTILE_NAMES, build_demo  # noqa: F401 (the demo home, built in process)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Home:
    return build_demo(tmp_path_factory)


@pytest.fixture
def con(demo):
    c = duckdb.connect(str(demo.warehouse), read_only=True)
    yield c
    c.close()


def test_every_analyst_facing_table_view_and_column_has_a_chinese_comment(con):
    names = {r.name for r in relations(con)}
    assert {"submissions", "enterprise_history", "enterprises", "task_progress", "validation_errors"} <= names
    missing = missing_comments(con)
    assert not missing, "add COMMENT ON (in Chinese) for:\n  " + "\n  ".join(missing)


def test_docs_warehouse_md_is_up_to_date(con):
    generated = render_markdown(con)
    current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    if generated != current:
        diff = "".join(list(difflib.unified_diff(current.splitlines(True), generated.splitlines(True),
                                                 "docs/warehouse.md", "generated"))[:60])
        pytest.fail("docs/warehouse.md is out of date with the database's comments: run `srdi docs` "
                    "(and commit docs/warehouse.md)\n" + diff, pytrace=False)


def test_the_doc_lists_every_relation_with_every_column(con):
    text = DOC_PATH.read_text(encoding="utf-8")
    for r in relations(con):
        assert f"\n### {r.name}\n" in text
        section = text.split(f"\n### {r.name}\n", 1)[1].split("\n### ", 1)[0]
        for c in r.columns:
            assert f"| `{c.name}` | {c.data_type} |" in section, f"{r.name}.{c.name}"
    for name, _ in saved_queries():
        assert f"(queries/{name})" in text


def test_generator_is_deterministic_skips_internal_relations_and_picks_up_new_ones():
    con = duckdb.connect()
    apply_schema(con)
    before = render_markdown(con)
    assert render_markdown(con) == before
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", before), "no timestamps in the document"
    con.execute("CREATE TABLE _scratch (a INTEGER)")
    con.execute("CREATE VIEW _staged AS SELECT 1 AS a")
    assert render_markdown(con) == before and missing_comments(con) == []
    # a table someone adds later (e.g. a rollup) appears by itself, and is flagged until it has comments
    con.execute("CREATE TABLE new_rollup (period VARCHAR, amount DOUBLE)")
    assert missing_comments(con) == ["table new_rollup", "column new_rollup.period", "column new_rollup.amount"]
    con.execute("COMMENT ON TABLE new_rollup IS 'new rollup'")            # English only is not enough
    con.execute("COMMENT ON COLUMN new_rollup.period IS '汇总期'")
    con.execute("COMMENT ON COLUMN new_rollup.amount IS '金额（元）'")
    assert missing_comments(con) == ["table new_rollup"]
    con.execute("COMMENT ON TABLE new_rollup IS '新汇总 / new rollup'")
    assert missing_comments(con) == []
    after = render_markdown(con)
    assert "### new_rollup" in after and "| `amount` | DOUBLE | 金额（元） |" in after
    assert "_scratch" not in after and "_staged" not in after


def test_srdi_docs_writes_and_checks(demo, tmp_path, capsys):
    out = tmp_path / "warehouse.md"
    assert main(["docs", "--home", str(demo.root), "--out", str(out)]) == 0
    con = duckdb.connect(str(demo.warehouse), read_only=True)
    assert out.read_text(encoding="utf-8") == render_markdown(con)
    con.close()
    assert main(["docs", "--home", str(demo.root), "--out", str(out), "--check"]) == 0
    out.write_text("stale\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--home", str(demo.root), "--out", str(out), "--check"]) == 1
    assert "run `srdi docs`" in capsys.readouterr().err
    assert main(["docs", "--home", str(tmp_path / "nowhere")]) == 2


# ---------------------------------------------------------------- saved queries

QUERIES = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


def test_the_saved_queries_answer_the_questions_analysts_ask():
    assert {"enterprises_behind_plan", "bureau_history", "enterprise_history", "lineage_enterprise_figure",
            "lineage_task_figure"} <= set(QUERIES)
    for name, head in saved_queries():
        assert head and re.search(r"[\u4e00-\u9fff]", head[0]), f"{name} starts with a Chinese description"
        assert "params" in (QUERIES_DIR / name).read_text(encoding="utf-8"), f"{name} keeps its parameters in params"


def _example(name: str) -> tuple[str, dict]:
    """The saved query `name` as its header's example runs it: (SQL, the bound parameters)."""
    q = saved(name)
    return q.sql, bind(q, parse_params([p.strip() for p in q.example.split("--param")[1:]]))


@pytest.mark.parametrize("name", QUERIES)
def test_each_saved_query_runs_through_srdi_query_on_the_demo(demo, name):
    sql, params = _example(name)
    check_read_only(sql)
    cols, rows = fetch(demo, sql, params=params)
    assert cols and rows, f"{name} returned nothing on the demo"


def _lineage(demo, name):
    sql, params = _example(name)
    cols, rows = fetch(demo, sql, params=params)
    return [dict(zip(cols, r)) for r in rows]


@pytest.mark.parametrize("name", ["lineage_enterprise_figure", "lineage_task_figure"])
def test_lineage_leads_to_the_cell_in_the_filed_workbook(demo, name):
    (hit,) = _lineage(demo, name)
    path = Path(hit["文件位置"])
    assert path.is_file() and path.is_relative_to(demo.archive) and path.name.endswith(".xlsx")
    ws = openpyxl.load_workbook(path, data_only=True)[hit["工作表"]]
    v = ws[hit["单元格"]].value   # the very cell: column letter from submission_columns, row from the fact
    assert hit["单元格"].endswith(str(hit["Excel行号"]))
    assert (str(v).strip() == hit["数值"]) or (isinstance(v, (int, float)) and float(v) == float(hit["数值"])), (hit, v)
    assert re.search(r"[\u4e00-\u9fff]", hit["列说明"] or "")


def test_enterprise_history_query_shows_the_recognition(demo):
    sql, params = _example("enterprise_history")
    cols, rows = fetch(demo, sql, params=params)
    got = [dict(zip(cols, r)) for r in rows]
    assert [(r["报送期"], r["专精特新级别"], r["级别变化"]) for r in got] == [
        ("2022Q2", "种子", "首次报送"), ("2022Q3", "吉林市级", "种子 → 吉林市级")]
