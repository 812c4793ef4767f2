"""#19 finding 10: bureaus and leaders read Chinese only. Every bureau- and leader-facing output of `srdi demo`
(receipts, error lists, annotated copies, templates, notes, the three kinds of pack and their briefs, the dashboards
and their index)
is read as a person sees it and searched for ASCII words, paths, config syntax, doc file names, table names and rule
codes (tests/helpers.py: foreign_text, with its allow-list). The demo is built once for the module.

The Prefect artifacts (tasks/rollup/artifacts.py) are left out: only operators read them, in Prefect's UI."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import foreign_text, typed_texts, visible_texts
from tests.e2e.test_status import srdi
from warehouse.home import Home

pytestmark = pytest.mark.usefixtures("shared_api")      # tests.e2e.test_status.srdi: the shared server
OUTPUTS = (".xlsx", ".docx", ".html", ".txt")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Home, str]:
    home = Home.resolve(tmp_path_factory.mktemp("voice") / "home")
    r = srdi("demo", "--home", str(home.root))
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r.stdout[-2000:] + r.stderr[-3000:]
    return home, r.stdout


def outputs(home: Home) -> list[Path]:
    return sorted(p for root in (home.outbox, home.reports) for p in root.rglob("*") if p.suffix in OUTPUTS)


def sent(home: Home) -> list[Path]:
    """What the bureaus sent, as srdi filed it away: loaded (archive) or rejected."""
    return sorted(p for root in (home.archive, home.rejected) for p in root.rglob("*") if p.is_file())


def test_every_bureau_and_leader_facing_output_of_the_demo_is_chinese(demo):
    home, _ = demo
    files = outputs(home)
    kinds = {k: [p for p in files if k in p.name] for k in ("_回执_", "_错误清单_", "_批注版_", "_模板", "季调度_",
                                                           "半年例会_", "年度总结_", "_会议材料", "dashboard_",
                                                           "index.html")}
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}       # every kind of output is there to read
    found = foreign_text(files, typed_texts(sent(home)), {p.name for p in files})
    assert found == [], "\n".join(found[:40])


def test_periods_are_shown_as_people_write_them(demo):
    home, _ = demo
    receipt = next(p for p in outputs(home) if p.name.startswith("工信局专精特新工作任务进展2022Q3_回执_"))
    texts = [t for _, t in visible_texts(receipt)]
    assert "2022年第三季度" in texts and not [t for t in texts if t == "2022Q3"]
    (dash,) = [p for p in outputs(home) if p.name == "dashboard_2022Q3.html"]
    page = " ".join(t for _, t in visible_texts(dash))
    assert "2022年第三季度" in page and not re.search(r"\d{4}Q[1-4]", page)


def test_the_checker_finds_what_it_is_for(tmp_path):
    """The allow-list lets credit codes, cells, task numbers and file names stand, and nothing else."""
    import xlsxwriter
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("概要")
    for i, text in enumerate(["统一社会信用代码 91220281MAG0UEQ544，单元格 B4，任务 T1-2，用 Excel 或 WPS 打开",
                              "规则文件：schemas/refdata/rollup_config.toml", "说明见 docs/rollups.md",
                              "汇总表 rollup_notices", "规则 parse.unit", "报送期 2022Q3", "[leaders] 中填写",
                              "$prev_quarter", "H 列（H4）已读取", "第3号报送（Sheet1 第2行）",
                              "rollup 第2行"]):
        ws.write_string(i, 0, text)
    wb.close()
    found = foreign_text([path])
    words = [re.search(r": '([^']+)'", f).group(1) for f in found]
    assert words == ["schemas/refdata/rollup_config.toml", "docs/rollups.md", "rollup_notices", "parse.unit", "Q3",
                     "leaders", "$prev_quarter", "rollup"], found


def test_cli_lines_of_the_demo_are_chinese(demo):
    """Each line one language: the demo's lines read beside bureau names and periods are Chinese; paths, commands,
    file names and table names stay as they are."""
    _, out = demo
    for line in out.splitlines()[1:]:
        rest = re.sub(r"(/[^\s（）：]+)|(srdi [^\n]*)|([\w.-]*\.(xlsx|xls|html|duckdb))|(\d{4}Q\d)", " ", line)
        assert not re.search(r"[A-Za-z]{2,}", rest), line
