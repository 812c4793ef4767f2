"""One place per rule (#20 item 3): every finding the intake raises is an entry of schemas/finding_catalogue.py, raised
by its code; README.md's table of errors and warnings names exactly the catalogue's codes with their severities; and
every template, filled, reads as Chinese to a bureau (tests/helpers.py's allow-list)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemas.finding_catalogue import CATALOGUE, CELLS_MORE, ERROR, WARNING, placeholders
from schemas.findings import Finding, UnknownFinding, cells_text, finding, phrase
from tests.helpers import ALLOWED, FORBIDDEN

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("schemas", "tasks", "warehouse", "flows", "srdi", "dashboards")


def readme_table() -> dict[str, str]:
    """code -> severity, as README.md's section "What is an error and what is a warning" lists them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What is an error and what is a warning", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, str] = {}
    for row in section.splitlines():
        if not (row.startswith("| ") and "`" in row):
            continue
        _, codes, severity = row.strip().strip("|").rsplit("|", 2)
        for code in re.findall(r"`([a-z_]+\.[a-z_]+)`", codes):
            assert code not in listed, f"README lists {code} twice"
            listed[code] = severity.strip()
    return listed


# ---------------------------------------------------------------- the README's table is the catalogue's

def test_the_readme_table_names_every_catalogue_code_with_its_severity():
    listed = readme_table()
    missing = {code: e.severity for code, e in CATALOGUE.items() if listed.get(code) != e.severity}
    assert not missing, f"README's table lacks (or gives another severity for): {missing}"


def test_every_code_of_the_readme_table_is_in_the_catalogue():
    listed = readme_table()
    assert len(listed) > 60   # the parse found the table (else this test could pass on nothing)
    unknown = sorted(set(listed) - set(CATALOGUE))
    assert not unknown, f"README's table names codes the intake never raises: {unknown}"


def test_the_readme_table_reads_the_severities_the_policy_of_issue_11_gives():
    # hand-copied from issue #11: an error rejects the file, a warning loads it and tells the bureau
    issue_11 = {"period.conflict": ERROR, "parse.unit": ERROR, "header.missing": ERROR, "cell.too_long": ERROR,
                "row.total": WARNING, "header.by_meaning": WARNING, "header.unknown": WARNING,
                "cell.control_chars": WARNING, "normalised.enum": WARNING, "normalised.unit": WARNING,
                "normalised.year": WARNING, "normalised.percent": WARNING}
    assert {c: CATALOGUE[c].severity for c in issue_11} == issue_11
    assert {c: readme_table()[c] for c in issue_11} == issue_11
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## What is an error and what is a warning", 1)[1]
    for words in ("无, 暂无, 没有, 无问题, —, -, /", "percent number format", "not reported", "cell_texts"):
        assert words in section.split("\n## ", 1)[0], words


# ---------------------------------------------------------------- raised by code only

def test_a_code_not_in_the_catalogue_cannot_be_raised():
    with pytest.raises(UnknownFinding):
        finding("header.merge")                                   # a typo of header.merged
    with pytest.raises(UnknownFinding):
        finding("parse.credit_code", "as_text", value="1")        # a variant the entry does not have
    with pytest.raises(UnknownFinding):
        phrase("cell.merged", "column")
    with pytest.raises(UnknownFinding):                           # nor made by hand, past the catalogue
        Finding(ERROR, "check.greater_than", "数值不对", "请核对。")
    with pytest.raises(ValueError):                               # nor with another severity than its entry's
        Finding(WARNING, "header.merged", "表头是合并单元格", "请取消合并。")


def test_a_blank_left_unfilled_is_an_error_at_the_call():
    with pytest.raises(KeyError):
        finding("header.merged", ref="G3:H3", anchor="本期进展", letter="H", cells="H5")   # no {row}


def test_severity_message_and_fix_come_from_the_entry():
    f = finding("parse.credit_code", "as_number", value="9.12E+17").at("企业库", 5, "C", "统一社会信用代码", "9.12E+17")
    assert (f.severity, f.rule, f.cell) == (ERROR, "parse.credit_code", "C5")
    # word for word what bureaus read before the catalogue (schemas/values.py, before #20)
    assert f.message == "“9.12E+17”是被 Excel 按数字保存的信用代码，已丢失位数"
    assert f.fix == "请把该列设为“文本”格式后重新输入完整的 18 位统一社会信用代码。"
    f = finding("row.total", "formula", row=11, cell="K11", text="=SUM(K4:K10)", key="企业名称")
    assert f.message == "第 11 行是对上方各行的汇总（K11 的公式 =SUM(K4:K10)），已跳过，未入库"
    assert f.fix == "合计、小计、平均等汇总行由系统自动计算，无需报送；如该行是一条实际数据，请填写企业名称。"


def test_cells_are_named_five_at_most_then_counted():
    assert cells_text(["H5", "H6"]) == "H5、H6"
    assert cells_text([f"H{r}" for r in range(5, 12)]) == "H5、H6、H7、H8、H9 等 7 个单元格"


def test_no_module_builds_a_finding_by_hand():
    """Findings are made by finding(code, …) (or a ParseError of one): a Finding(...) call, or a message written at
    the call, would be a second place for a rule."""
    made = [f"{p.relative_to(ROOT)}" for pkg in PRODUCT for p in (ROOT / pkg).rglob("*.py")
            if p.name != "findings.py" and re.search(r"(?<![\w.])Finding\(", p.read_text(encoding="utf-8"))]
    assert not made


def test_every_check_of_the_models_raises_a_catalogue_finding_of_its_models_severity():
    from schemas.common import rule_for
    from tasks.intake.validate import MODELS, RULES
    checked = 0
    for form, models in MODELS.items():
        for model, severity in models:
            schema = model.to_schema()
            checks = [(name, c.name) for name, column in schema.columns.items() for c in column.checks]
            checks += [(name, "not_nullable") for name, column in schema.columns.items() if not column.nullable]
            checks += [("*", c.name) for c in schema.checks]
            for column, check in checks:
                rule = rule_for(RULES[form], column, check)
                entry = CATALOGUE[rule.code]
                assert entry.severity == severity, (form, column, check, rule.code)
                entry.wording(rule.variant)   # the variant exists
                checked += 1
    assert checked > 40
    with pytest.raises(KeyError):
        rule_for(RULES["task"], "*", "a_check_nobody_wrote")


# ---------------------------------------------------------------- every template reads as Chinese

# a sample for every blank a template may have: what the intake puts there. A bureau's own text (a cell, a header, a
# file name, the periods its file name spells) is quoted back to it as typed, which the voice checker lets stand
# (tests/helpers.py foreign_text's `typed`); its samples here are Chinese, so that only the catalogue's words are judged.
SAMPLES = {
    "value": "约十二", "shown": "2022年3月", "understood": "2022年3月", "text": "合计", "sheet": "企业库",
    "header": "本期工作进展情况", "label": "本期进展", "letter": "H", "ref": "G3:H3", "anchor": "本期进展",
    "cells": "H5、H6", "row": 3, "rows": "6、7", "first": 5, "last": 6, "span": "第 5–6 行", "labels": "“推进状态”",
    "parts": "“推进中”已用于第 5–6 行的“推进状态”", "cell": "K11", "key": "企业名称", "codes": "U+202E、U+0007",
    "length": 201, "limit": 200, "unit": "元", "column": "万元", "number": "1200", "converted": "0.12",
    "where": "“2022年13月认定吉林市级”中", "date": "2022年13月", "year": 2022, "month": 3, "day": 15,
    "level_text": "已认定吉林市级", "name": "工信局企业库二季度", "mode": "读写权限", "mb": "120.5", "ratio": "300",
    "peak_gb": "8.2", "limit_gb": "8.0", "gb": "12", "seconds": "300", "detail": "读取程序退出", "error": "系统错误",
    "periods": "一季度、二季度", "named": "2022Q1", "named_label": "2022年第一季度", "period": "2022Q2",
    "period_label": "2022年第二季度", "claimed": "商务局", "bureau": "工信局", "choices": "未启动、推进中、已完成",
    "low": 2015, "high": 2035, "task_id": "T4-1", "metric": "银企对接活动", "tasks": "T3-1",
    "enterprise_name": "吉林某某机械有限公司", "count": 7,
}


# Beyond the voice checker's allow-list (tests/helpers.py ALLOWED), the few technical words a clerk needs to act on a
# file-level finding, each with why. Nothing else in a finding may be in Latin letters.
TERMS = {
    # sizes as Windows Explorer and WPS show them
    "size unit": re.compile(r"(?<=\d )[MG]B(?![A-Za-z])"),
    # file formats as the 另存为 dialog names them (.xlsx after a space or a slash, HTML, UTF-8 …)
    "file format": re.compile(r"(?<![A-Za-z])(?:\.(?:xlsx|xlsm|xls|ods)|HTML|UTF-8|UTF-16|GB18030|Unicode)(?![A-Za-z\d])"),
    # the system a share comes from, which tells the clerk why a name looks garbled
    "system": re.compile(r"(?<![A-Za-z])Windows(?![A-Za-z])"),
    # the standard of the credit code's check character, and the letters a credit code never holds (I, O, Z, S, V),
    # or that clerks mistype for digits (0/O, 1/I)
    "credit code standard": re.compile(r"GB 32100"),
    "credit code letters": re.compile(r"(?<![A-Za-z])[IOZSV](?=[、/）])|(?<=[、/（])[IOZSV](?![A-Za-z])"),
    # an invisible character srdi removed, named the only way it can be (cell.control_chars, file.name_unsafe)
    "code point": re.compile(r"(?<![A-Za-z])U\+[0-9A-F]{4,5}(?![0-9A-Za-z])"),
    # the placeholder srdi writes for a character of a name nothing reads
    "underscore in quotes": re.compile(r"(?<=“)_(?=”)"),
}


def rendered() -> list[tuple[str, str]]:
    out = []
    for code, entry in CATALOGUE.items():
        for name, template in entry.templates().items():
            out.append((f"{code} {name}", template.format(**SAMPLES)))
    out.append(("CELLS_MORE", CELLS_MORE.format(**SAMPLES)))
    return out


def test_every_blank_of_the_catalogue_has_a_sample():
    blanks = {b for e in CATALOGUE.values() for t in e.templates().values() for b in placeholders(t)}
    assert blanks <= set(SAMPLES), sorted(blanks - set(SAMPLES))


@pytest.mark.parametrize("where,text", rendered(), ids=[w for w, _ in rendered()])
def test_every_template_renders_into_chinese_only_text(where, text):
    rest = text
    for pattern in (*ALLOWED.values(), *TERMS.values()):
        rest = pattern.sub(" ", rest)
    foreign = [m.group(0) for m in FORBIDDEN.finditer(rest)]
    assert not foreign, f"{where}: {foreign} in {text!r}"
    assert re.search(r"[\u4e00-\u9fff]", text), where
