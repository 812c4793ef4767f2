"""`srdi query` for people, called in process on a DuckDB file: table, CSV with BOM, xlsx and JSON; --out; read-only;
limits. The real command in a subprocess: tests/e2e/test_query.py."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from srdi.cli import main
from tests.e2e.test_query import SQL, query, wh, wh_template  # noqa: F401 (wh, wh_template: the fixtures)
from tests.helpers import HANG, after_home_line
from warehouse.home import Home


def test_table_output_lines_up_chinese(wh, capsys):
    import unicodedata
    assert query(wh, SQL) == 0
    out = capsys.readouterr().out.splitlines()
    assert [c.strip() for c in out[0].split(" | ")] == ["序号", "企业名称", "备注", "day", "amount", "leader"]
    assert "长白山制药股份有限公司" in out[2] and out[-1] == "(4 rows)"
    # every line is as wide on screen as the header: CJK characters take two columns

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    assert len({width(line) for line in out[:-1]}) == 1
    assert set(out[1]) == {"-", "+"}


def test_csv_has_a_bom_reads_as_chinese_and_keeps_formula_text_as_text(wh, capsysbinary):
    assert query(wh, "--format", "csv", SQL) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith("\ufeff".encode("utf-8"))       # Excel and WPS then read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "企业名称", "备注", "day", "amount", "leader"]
    assert rows[1][1] == "长白山制药股份有限公司"
    # a leading = + - @ would run as a formula when the file is opened: kept as text
    assert rows[1][2] == "'=HYPERLINK(\"http://x\",\"点我\")"
    assert rows[2][2] == "'+86 0432 1234567"
    assert rows[3][2] == "'-停产（见备注）" and rows[3][5] == "'@路建国"
    # real numbers stay numbers; NULL is an empty cell; dates are ISO
    assert rows[4][2] == "-1" and rows[2][4] == "-3.0"
    assert rows[3][3] == "" and rows[1][3] == "2022-07-05"


def test_csv_out_file_has_a_bom_and_nothing_goes_to_the_terminal(wh, tmp_path, capsys):
    out = tmp_path / "企业.csv"
    assert query(wh, "--format", "csv", "--out", str(out), SQL) == 0
    assert capsys.readouterr().out == ""
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert "蛟河市天翔炭业有限公司" in data.decode("utf-8-sig")


def test_xlsx_out_keeps_formula_looking_text_as_text(wh, tmp_path):
    out = tmp_path / "企业.xlsx"
    assert query(wh, "--format", "xlsx", "--out", str(out), SQL) == 0
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "查询结果"
    assert [c.value for c in ws[1]] == ["序号", "企业名称", "备注", "day", "amount", "leader"]
    formula = ws["C2"]
    assert formula.value == "=HYPERLINK(\"http://x\",\"点我\")" and formula.data_type == "s"
    assert ws["C5"].value == "-1" and ws["C5"].data_type == "s"     # text stays text
    assert ws["E3"].value == -3 and ws["E3"].data_type == "n"       # numbers stay numbers
    assert ws["B4"].value == "蛟河市天翔炭业有限公司" and ws["D4"].value is None
    assert ws.freeze_panes == "A2"


def test_xlsx_needs_an_out_file(wh, capsys):
    assert query(wh, "--format", "xlsx", SQL) == 2
    assert "--out" in capsys.readouterr().err


def test_json_is_readable_chinese_and_typed(wh, capsys):
    assert query(wh, "--format", "json", SQL) == 0
    out = capsys.readouterr().out
    assert "长白山制药股份有限公司" in out          # not \\u957f...
    data = json.loads(out)
    assert data[0] == {"序号": 1, "企业名称": "长白山制药股份有限公司", "备注": "=HYPERLINK(\"http://x\",\"点我\")",
                       "day": "2022-07-05", "amount": 12.5, "leader": "王威"}
    assert data[2]["day"] is None and data[2]["amount"] is None


def test_json_copes_with_every_duckdb_type(wh, capsys, tmp_path):
    sql = ("SELECT INTERVAL 3 DAY AS i, TIME '08:30:00' AS t, '\\xAA'::BLOB AS b, "
           "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, [1, 2] AS l, {'a': '甲'} AS s, TIMESTAMP '2022-07-05 08:00' AS ts")
    assert query(wh, "--format", "json", sql) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["t"] == "08:30:00" and row["u"] == "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    assert row["l"] == [1, 2] and row["s"] == {"a": "甲"} and row["ts"] == "2022-07-05T08:00:00"
    for fmt in ("table", "csv"):
        assert query(wh, "--format", fmt, sql) == 0
    assert query(wh, "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), sql) == 0


@pytest.mark.parametrize("fmt,suffix", [("table", "txt"), ("json", "json")])
def test_out_writes_utf8_files(wh, tmp_path, capsys, fmt, suffix):
    out = tmp_path / f"r.{suffix}"
    assert query(wh, "--format", fmt, "--out", str(out), SQL) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "吉林旺普家具有限公司" in text


@pytest.mark.parametrize("sql", [
    "INSERT INTO sample VALUES (9, '新企业', NULL, NULL, NULL, NULL)",
    "CREATE TABLE x AS SELECT 1",
    "COPY sample TO '{tmp}/leak.csv'",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "UPDATE sample SET name = '改' WHERE id = 1",
    "DELETE FROM sample",
    "DROP TABLE sample",
    "SELECT 1; DELETE FROM sample",
    "EXPLAIN ANALYZE COPY submissions TO '{tmp}/leak.csv'",
    "EXPLAIN ANALYZE COPY (SELECT * FROM sample) TO '{tmp}/leak.csv'",
    "EXPLAIN ANALYZE CREATE TABLE y AS SELECT 1",
    "EXPORT DATABASE '{tmp}/dump'",
    "INSTALL httpfs",
    "SET threads = 1",
])
def test_write_statements_are_refused_with_a_clear_error(wh, tmp_path, capsys, sql):
    before = wh.warehouse.read_bytes()
    assert query(wh, sql.format(tmp=tmp_path)) == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert err.startswith("srdi query: ") and "只读" in err and "read-only" in err
    assert "Traceback" not in err
    assert wh.warehouse.read_bytes() == before
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()
    assert not (tmp_path / "dump").exists()


@pytest.mark.parametrize("sql", [
    "-- 注释\nSELECT count(*) FROM sample",
    "WITH a AS (SELECT * FROM sample) SELECT count(*) FROM a",
    "FROM sample SELECT count(*)",
    "DESCRIBE sample",
    "SHOW TABLES",
    "EXPLAIN SELECT * FROM sample",
    "EXPLAIN ANALYZE SELECT * FROM sample",
])
def test_reading_statements_are_allowed(wh, capsys, sql):
    assert query(wh, sql) == 0, capsys.readouterr().err


def test_bad_sql_and_missing_warehouse_are_one_line_errors(wh, tmp_path, capsys):
    assert query(wh, "SELEC 1") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert err.startswith("srdi query: SQL 语法错误") and "SELEC" in err and "Traceback" not in err
    assert query(wh, "SELECT * FROM no_such_table") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "no_such_table" in err and err.count("\n") == 1
    empty = Home.resolve(tmp_path / "empty")
    assert main(["query", "--home", str(empty.root), "SELECT 1"]) == 2
    assert "srdi ingest" in capsys.readouterr().err


# ---------------------------------------------------------------- limits (#10 item 10)

@pytest.mark.parametrize("sql", ["", ";", "  ;  ;\n", "-- 只有注释", "/* 注释 */ ;"])
def test_empty_sql_is_a_message_not_a_traceback(wh, capsys, sql):
    assert query(wh, sql) == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert err.startswith("srdi query: 没有要执行的 SQL 语句") and "no SQL statement" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_pivot_and_unpivot_are_read_only_and_allowed(wh, capsys):
    # sample ids 1..4: odd 1 and 3, even 2 and 4 — two of each
    assert query(wh, "--format", "json", "PIVOT (SELECT id % 2 AS odd FROM sample) ON odd USING count(*)") == 0
    assert json.loads(capsys.readouterr().out) == [{"0": 2, "1": 2}]
    assert query(wh, "--format", "json", "PIVOT (SELECT id % 2 AS odd FROM sample) ON odd IN (0, 1) USING count(*)") == 0
    assert json.loads(capsys.readouterr().out) == [{"0": 2, "1": 2}]
    assert query(wh, "--format", "json",
                 "FROM (UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v) ORDER BY k") == 0
    assert json.loads(capsys.readouterr().out) == [{"k": "a", "v": 1}, {"k": "b", "v": 2}]
    assert query(wh, "EXPLAIN PIVOT (SELECT id % 2 AS odd FROM sample) ON odd IN (0, 1) USING count(*)") == 0
    # a PIVOT does not carry a write past the check
    before = wh.warehouse.read_bytes()
    assert query(wh, "PIVOT sample ON leader USING count(*); DELETE FROM sample") == 2
    assert "read-only" in capsys.readouterr().err and wh.warehouse.read_bytes() == before


def test_a_query_past_its_timeout_is_stopped_with_a_message(wh, capsys):
    # 4·10^10 rows to add up: hours, unless the timeout stops it; ending before a ceiling only a hang reaches is the
    # proof (how soon is not asserted: a busy machine is slower)
    import threading
    rc = []
    t = threading.Thread(target=lambda: rc.append(query(wh, "--timeout", "1", "SELECT sum(a.range * b.range) "
                                                        "FROM range(200000) a, range(200000) b")), daemon=True)
    t.start()
    t.join(HANG)
    assert rc == [2], "the query ran on past its timeout"
    err = after_home_line(capsys.readouterr().err, "query")
    assert "超过 1 秒" in err and "--timeout" in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_timeout_while_writing_leaves_no_half_file(wh, tmp_path, capsys):
    out = tmp_path / "all.csv"
    out.write_bytes(b"an earlier export")
    assert query(wh, "--timeout", "1", "--format", "csv", "--out", str(out), "SELECT range FROM range(10000000000)") == 2
    assert "超过 1 秒" in capsys.readouterr().err
    assert out.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv", "home"]      # no temporary file left


def test_files_outside_the_home_are_read_only_with_allow_files(wh, tmp_path, capsys):
    outside = tmp_path / "outside.csv"
    outside.write_text("a,b\n1,甲\n", encoding="utf-8")
    inside = wh.reports / "inside.csv"
    inside.write_text("a,b\n2,乙\n", encoding="utf-8")
    assert query(wh, "--format", "json", f"SELECT * FROM read_csv('{outside}')") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "--allow-files" in err and err.count("\n") == 1 and "Traceback" not in err
    # climbing out of the home by its own path is the same file, refused the same way
    assert query(wh, "--format", "json", f"SELECT * FROM read_csv('{wh.root}/../outside.csv')") == 2
    assert "--allow-files" in capsys.readouterr().err
    assert query(wh, "--format", "json", f"SELECT * FROM read_csv('{inside}')") == 0
    assert json.loads(capsys.readouterr().out) == [{"a": 2, "b": "乙"}]
    assert query(wh, "--allow-files", "--format", "json", f"SELECT * FROM read_csv('{outside}')") == 0
    assert json.loads(capsys.readouterr().out) == [{"a": 1, "b": "甲"}]


def test_xlsx_past_excels_row_limit_says_so_and_writes_nothing(wh, tmp_path, capsys, monkeypatch):
    import warehouse.query as wq
    assert wq.EXCEL_MAX_ROWS == 2 ** 20        # Excel's rows per sheet, the header included
    monkeypatch.setattr(wq, "EXCEL_MAX_ROWS", 101)   # a sheet of a header and 100 rows, to keep the test small
    out = tmp_path / "r.xlsx"
    assert query(wh, "--format", "xlsx", "--out", str(out), "SELECT range AS n FROM range(100)") == 0
    ws = openpyxl.load_workbook(out).active
    assert ws.max_row == 101 and ws["A101"].value == 99
    capsys.readouterr()
    out.write_bytes(b"an earlier export")
    assert query(wh, "--format", "xlsx", "--out", str(out), "SELECT range AS n FROM range(101)") == 2
    err = after_home_line(capsys.readouterr().err, "query")
    assert "超出 Excel" in err and "--format csv" in err and err.count("\n") == 1
    assert out.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "r.xlsx"]


def test_a_table_shows_control_characters_escaped(wh, capsys):
    sql = "SELECT 'red' || chr(27) || '[31m' AS a, 'abc' || chr(8238) || 'def' AS b, 'x' || chr(10) || 'y' AS c"
    assert query(wh, sql) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "red\\x1b[31m" in out and "abc\\u202edef" in out and "x\\ny" in out
    assert out.count("\n") == 4                       # header, rule, one row, count: the newline did not break it
    assert query(wh, "--format", "csv", sql) == 0     # data formats keep the data as it is
    assert "red\x1b[31m" in capsys.readouterr().out


def test_a_table_shows_the_first_rows_and_says_more_were_not_shown(wh, capsys, monkeypatch):
    import warehouse.query as wq
    monkeypatch.setattr(wq, "TABLE_ROWS", 5)
    assert query(wh, "SELECT range AS n FROM range(12)") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.strip() for ln in lines[2:7]] == ["0", "1", "2", "3", "4"]
    assert lines[-1].startswith("(前 5 行；其余未显示") and "--format csv" in lines[-1]
    assert query(wh, "SELECT range AS n FROM range(5)") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "(5 rows)"
