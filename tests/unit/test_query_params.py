"""`srdi query --param name=value` and the query text (warehouse/query_text.py): parsing the pairs, finding a query's
`$name` parameters and its header, binding, and the saved queries' headers. Pure functions and in-memory DuckDB; the
files (-f) and the saved queries run on an ingested home: tests/integration/test_query_saved.py."""
from __future__ import annotations

import duckdb
import pytest

from warehouse.query_text import (QueryError, bind, choose, parameter_names, parse, parse_params, render_list,
                                  saved_queries)


# ---------------------------------------------------------------- --param NAME=VALUE

def test_pairs_become_a_mapping_and_the_value_is_everything_after_the_first_equals_sign():
    assert parse_params(["bureau=工信局", "period=2022Q2"]) == {"bureau": "工信局", "period": "2022Q2"}
    assert parse_params(["note=a=b c"]) == {"note": "a=b c"}
    assert parse_params(["field="]) == {"field": ""}                 # an empty value is a value
    assert parse_params(["$bureau=工信局"]) == {"bureau": "工信局"}     # as the SQL spells it
    assert parse_params(None) == {} and parse_params([]) == {}


@pytest.mark.parametrize("pairs, said", [
    (["bureau"], "expected NAME=VALUE"),
    (["=工信局"], "not a parameter name"),
    (["1st=x"], "not a parameter name"),
    (["bu reau=x"], "not a parameter name"),
    (["bureau=工信局", "bureau=商务局"], "given twice"),
])
def test_a_malformed_pair_is_one_line(pairs, said):
    with pytest.raises(QueryError) as e:
        parse_params(pairs)
    assert said in str(e.value) and "\n" not in str(e.value)


# ---------------------------------------------------------------- the query's $names and header

def test_parameters_are_the_dollar_names_outside_strings_and_comments_in_order_once():
    sql = ("-- $in_comment\nSELECT $bureau AS b, '$in_string' AS s, $period, $bureau /* $in_block */\n"
           "FROM t WHERE x = $Field_2")
    assert parameter_names(sql) == ["bureau", "period", "Field_2"]
    assert parameter_names("SELECT 1") == [] and parameter_names("SELECT ?") == []


HEADER = """-- 某单位的历次报送情况 / a bureau's history
-- 参数 params：srdi query --saved demo --param bureau=商务局 --param year=2022
--   $bureau   单位简称
--   $year?    对照年份（可不给）
-- 其他说明
SELECT $bureau AS b, CAST($year AS INTEGER) AS y, $undeclared AS u
"""


def test_the_header_gives_description_declared_parameters_optional_ones_and_example():
    q = parse(HEADER, name="demo")
    assert q.description == "某单位的历次报送情况 / a bureau's history"
    assert [(p.name, p.optional, p.description) for p in q.params] == [
        ("bureau", False, "单位简称"), ("year", True, "对照年份（可不给）"), ("undeclared", False, "")]
    assert q.used == {"bureau", "year", "undeclared"}
    assert q.example == "srdi query --saved demo --param bureau=商务局 --param year=2022"
    assert parse("\ufeffSELECT 1").sql == "SELECT 1" and parse("SELECT 1").description == ""


# ---------------------------------------------------------------- binding

def test_binding_gives_each_used_name_its_value_and_an_optional_one_not_given_null():
    q = parse(HEADER)
    assert bind(q, {"bureau": "工信局", "undeclared": "x"}) == {"bureau": "工信局", "year": None, "undeclared": "x"}
    assert bind(q, {"bureau": "工信局", "undeclared": "x", "year": "2023"})["year"] == "2023"
    assert bind(parse("SELECT 1"), {}) == {}


def test_an_unknown_parameter_is_refused_naming_what_the_query_takes():
    with pytest.raises(QueryError) as e:
        bind(parse(HEADER, name="demo"), {"bureu": "工信局"})
    assert str(e.value) == ("unknown parameter bureu (did you mean bureau?): saved query demo does not use it; "
                            "it takes bureau, year (optional), undeclared")
    with pytest.raises(QueryError) as e:
        bind(parse("SELECT 1"), {"bureau": "工信局"})
    assert str(e.value) == "unknown parameter bureau: the query does not use it; it takes no parameters"


def test_a_missing_parameter_is_refused_naming_it():
    with pytest.raises(QueryError) as e:
        bind(parse(HEADER), {"year": "2022"})
    assert str(e.value).startswith("missing parameter bureau (and undeclared): give it with --param bureau=VALUE")


def test_choose_takes_exactly_one_source():
    assert choose("SELECT $a", None, None).used == {"a"}
    for args in ((None, None, None), ("SELECT 1", "x.sql", None), ("SELECT 1", None, "bureau_history")):
        with pytest.raises(QueryError) as e:
            choose(*args)
        assert str(e.value).startswith("give one of: SQL, -f FILE, --saved NAME")


def test_a_bound_value_is_data_never_sql():
    """What an analyst types after `=` is compared as text: a quote or a `--` in it changes nothing."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (bureau VARCHAR, n INTEGER)")
    con.execute("INSERT INTO t VALUES ('工信局', 1), ('商务局', 2), ('x'' OR 1=1 --', 3)")
    q = parse("SELECT n FROM t WHERE bureau = $bureau ORDER BY n")
    def run(value):
        return con.execute(q.sql, bind(q, parse_params([f"bureau={value}"]))).fetchall()
    assert run("工信局") == [(1,)]
    assert run("' OR 1=1 --") == []
    assert run("x' OR 1=1 --") == [(3,)]


# ---------------------------------------------------------------- the saved queries

def test_the_issues_example_names_exist():
    assert {"bureau_history", "enterprise_history"} <= {q.name for q in saved_queries()}


@pytest.mark.parametrize("q", saved_queries(), ids=lambda q: q.name)
def test_each_saved_query_declares_what_it_uses_and_shows_an_example_that_binds(q):
    assert q.description and q.params, f"{q.name}: a description and its parameters in the header"
    declared = {p.name for p in q.params if p.description}
    assert declared == q.used, f"{q.name}: declare every $name it uses (and no other) in the header"
    assert all(p.description for p in q.params)
    assert q.example and q.example.startswith(f"srdi query --saved {q.name} ")
    pairs = q.example.split("--param")[1:]
    given = parse_params([p.strip() for p in pairs])
    assert bind(q, given)                       # the example names every required parameter, and no unknown one
    body = q.sql.split("\n", len(q.header))[-1]
    for value in given.values():                # the analyst no longer edits a literal: the values are bound
        assert f"'{value}'" not in body, f"{q.name}: {value} is still a literal in the SQL"


def test_the_list_shows_name_description_parameters_and_example():
    text = render_list([parse(HEADER, name="demo")])
    assert text.splitlines() == [
        "demo  某单位的历次报送情况 / a bureau's history",
        "    --param bureau=…                   单位简称",
        "    --param year=…  (optional)         对照年份（可不给）",
        "    --param undeclared=…",
        "    e.g. srdi query --saved demo --param bureau=商务局 --param year=2022",
    ]
    assert render_list([parse("-- 说明\nSELECT 1", name="n")]).splitlines() == ["n  说明", "    (no parameters)"]


def test_a_chinese_word_before_a_path_still_finds_the_path():
    """DuckDB's tokenizer counts UTF-8 bytes: the pipe check (warehouse/query.py check_files) cut the SQL by
    characters and, after a Chinese word, found no path at all (so a FIFO named after 工信局 went unchecked)."""
    from warehouse.query import named_paths
    assert named_paths("SELECT '工信局' AS b FROM read_csv('/tmp/x.csv')") == ["工信局", "/tmp/x.csv"]
    assert parameter_names("SELECT '工信局' AS b, $period") == ["period"]
