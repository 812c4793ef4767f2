"""The printable meeting brief (issue 22, item 1): a .docx beside each of the demo's packs, read back with python-docx.

Expected figures come from the policy and the demo share, never from running the code: Annex 1 puts 12 enterprises
in the library, two of them 吉林省级 (the ladder at the end of 2022Q2, tests/integration/test_dashboards.py); the plan
names 11 targets (一、（三）1–4 and 二、（三）'s quarterly 银企对接: schemas/refdata/targets.csv is that list); every
quarter from 2022Q2 on, the six service-team bureaus owe the enterprise form and every responsible unit of Annex 2
its task form (rollup_config.toml [[obligations]]).
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from schemas.labels import KIND
from tests.helpers import build_demo, foreign_text, typed_texts

REFDATA = Path(__file__).resolve().parents[2] / "schemas" / "refdata"
PACKS = {"2022Q2": "quarterly", "2022Q3": "quarterly", "2022H1": "midyear", "2022": "annual"}
NUMERALS = "一二三四五六七八九十"
TWIP = 635                       # EMU: Word stores lengths in twips, so a length reads back to the nearest twip
SECTIONS = ["总体情况", "发展目标完成情况", "报送情况", "滞后企业", "滞后任务", "需报市政府研究解决的问题", "奖励台账"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory)


def brief_file(demo, period: str) -> Path:
    return demo.reports / period / f"{KIND[PACKS[period]]}_{period}_会议材料.docx"


@pytest.fixture(scope="module")
def briefs(demo) -> dict:
    return {p: Document(str(brief_file(demo, p))) for p in PACKS}


def text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]


def owed_per_quarter() -> int:
    """The six service-team bureaus' enterprise forms plus one task form per responsible unit of Annex 2."""
    with open(REFDATA / "bureaus.csv", encoding="utf-8") as f:
        teams = [r for r in csv.DictReader(f) if r["service_team"]]
    with open(REFDATA / "task_items.csv", encoding="utf-8") as f:
        units = {u for r in csv.DictReader(f) for u in r["responsible_units"].split("|")}
    assert len(teams) == 6
    return len(teams) + len(units)


def all_runs(doc):
    """Every run of the document: body, table cells, headers and footers, with its paragraph."""
    paragraphs = list(doc.paragraphs)
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                paragraphs += cell.paragraphs
    for s in doc.sections:
        paragraphs += s.footer.paragraphs + s.header.paragraphs
    for p in paragraphs:
        for r in p.runs:
            yield p, r


def size_of(paragraph, run) -> Pt:
    """The run's effective size: its own, else its paragraph style's (through the styles it is based on)."""
    if run.font.size is not None:
        return run.font.size
    style = paragraph.style
    while style is not None:
        if style.font.size is not None:
            return style.font.size
        style = style.base_style
    raise AssertionError(f"run {run.text!r} has no size of its own nor from its style")


# ---------------------------------------------------------------- the files

def test_each_pack_has_its_brief_beside_it_and_the_index_lists_it(demo):
    index = (demo.reports / "index.html").read_text(encoding="utf-8")
    for period in PACKS:
        path = brief_file(demo, period)
        assert path.is_file(), path
        assert (path.parent / f"{KIND[PACKS[period]]}_{period}.xlsx").is_file()
        assert f'href="{quote(period)}/{quote(path.name)}"' in index, period


# ---------------------------------------------------------------- the page

def test_a4_with_the_margins_of_a_government_document(briefs):
    for period, doc in briefs.items():
        for s in doc.sections:
            found = (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
            for length, mm in zip(found, (210, 297, 37, 35, 28, 26)):
                assert abs(length - Mm(mm)) <= TWIP, (period, found)


def test_sections_are_numbered_in_order(briefs):
    for period, doc in briefs.items():
        found = headings(doc)
        assert [h[:2] for h in found] == [f"{NUMERALS[i]}、" for i in range(len(found))], (period, found)
        assert [h[2:].split("（")[0] for h in found] == SECTIONS, (period, found)
        assert doc.paragraphs[0].text == {"quarterly": "蛟河市“专精特新”中小企业培育工作季度调度材料",
                                          "midyear": "蛟河市“专精特新”中小企业培育工作半年例会材料",
                                          "annual": "蛟河市“专精特新”中小企业培育工作年度总结材料"}[PACKS[period]]
        source, issuer, when = [p.text for p in doc.paragraphs if p.text][-3:]
        assert issuer == "蛟河市促进中小企业（民营经济）发展工作领导小组办公室"
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", when)
        assert re.fullmatch(r"数据来源：各责任单位.+报送并已入库的种子企业库和工作任务进展，截至\d{4}年\d{1,2}月\d{1,2}日。", source)


def test_no_text_is_smaller_than_10_5_points_and_the_fonts_are_the_documents(briefs):
    for period, doc in briefs.items():
        runs = list(all_runs(doc))
        assert len(runs) > 50, period
        for p, r in runs:
            assert size_of(p, r) >= Pt(10.5), (period, r.text)
            fonts = r._r.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) in ("方正小标宋简体", "仿宋", "黑体"), (period, r.text)
        title = doc.paragraphs[0].runs[0]
        assert (title.font.size, title._r.rPr.rFonts.get(qn("w:eastAsia"))) == (Pt(22), "方正小标宋简体")
        for i, p in enumerate(doc.paragraphs):
            if p.style.name == "Heading 1":
                assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in p.runs} == {"黑体"}
            elif p.runs and i > 0:
                assert all(size_of(p, r) == Pt(16) for r in p.runs), p.text     # body text 三号


def text_width(doc) -> int:
    s = doc.sections[0]
    assert abs(s.page_width - s.left_margin - s.right_margin - Mm(156)) <= 2 * TWIP
    return s.page_width - s.left_margin - s.right_margin


def test_the_title_font_falls_back_to_songti(demo):
    """Where 方正小标宋简体 is not installed, Word and WPS draw the title in the font table's alternative."""
    with zipfile.ZipFile(brief_file(demo, "2022Q2")) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
    assert re.search(r'<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>', fonts)


def test_every_table_fits_the_text_width(briefs):
    for period, doc in briefs.items():
        assert doc.tables, period
        width = text_width(doc)
        for t in doc.tables:
            grid = [int(c.get(qn("w:w"))) for c in t._tbl.tblGrid.findall(qn("w:gridCol"))]
            assert sum(grid) * TWIP <= width, (period, grid)
            assert sum(grid) * TWIP > width - Mm(1)                       # and spans it
            assert t._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
            for row in t.rows:
                assert sum(c.width for c in row.cells) <= width


# ---------------------------------------------------------------- the figures

def test_headline_figures_are_the_policys_and_the_demos(briefs):
    owed = owed_per_quarter()
    q2 = text(briefs["2022Q2"])
    assert "期末库内企业12户" in q2 and "吉林省级2户" in q2
    assert f"应报{owed}份" in q2
    assert f"应报{owed}份" in text(briefs["2022H1"])            # 2022Q1 predates the plan: nothing owed
    assert f"应报{3 * owed}份" in text(briefs["2022"])          # 2022Q2, Q3, Q4
    for period, doc in briefs.items():
        assert "发展目标。共11项" in text(doc), period
        targets = doc.tables[0]
        assert [c.text for c in targets.rows[0].cells][:2] == ["序号", "目标"]
        assert len(targets.rows) == 1 + 11, period


def test_late_and_missing_bureaus_are_listed_with_their_leaders(briefs):
    """The demo configures no leader: every listed bureau's says so, and the brief says why."""
    for period, doc in briefs.items():
        (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "单位"]
        leaders = {row.cells[1].text for row in table.rows[1:]}
        assert leaders == {"（未配置）"}, period
        assert "注：责任领导未配置" in text(doc), period


def test_the_ledger_is_provisional_until_the_annual_summary(briefs):
    for period, doc in briefs.items():
        (ledger,) = [h for h in headings(doc) if "奖励台账" in h]
        assert ledger.endswith("（应兑现）" if PACKS[period] == "annual" else "（预计，以年度总结为准）"), ledger


def test_the_brief_is_chinese_only(demo):
    """Leaders read it: no ASCII word, path, config syntax, table name or rule code (tests/helpers.py foreign_text;
    the demo's enterprise names, typed by a bureau, are shown as typed)."""
    typed = typed_texts(p for root in (demo.archive, demo.rejected) for p in root.rglob("*") if p.is_file())
    assert foreign_text([brief_file(demo, p) for p in PACKS], typed) == []


# ---------------------------------------------------------------- printed (where LibreOffice is installed)

@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")
def test_the_brief_prints_on_a4_inside_the_margins_at_10_5_points_or_more(demo, tmp_path):
    """LibreOffice converts each brief to PDF; pdftotext -bbox gives every word's box in points: each lies inside
    the margins (the page number, in the bottom margin by design, apart) and is at least 10.5 pt high."""
    mm = 72 / 25.4
    for period in PACKS:
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                        str(brief_file(demo, period))], check=True, capture_output=True, timeout=300)
        pdf = tmp_path / brief_file(demo, period).with_suffix(".pdf").name
        html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, flags=re.S)
        assert pages, period
        for width, height, body in pages:
            assert abs(float(width) - 210 * mm) < 1 and abs(float(height) - 297 * mm) < 1
            for x0, y0, x1, y1, word in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', body):
                x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
                if re.fullmatch(r"[—\-]|\d+", word.strip()) and y0 > (297 - 35) * mm:
                    continue                                   # the page number
                if word[-1:] in "，。、；：！？":
                    x1 -= (y1 - y0) / 2    # a Chinese comma or stop inks the left half of its square; the right half
                                           # may sit past the margin (LibreOffice compresses it there), blank on paper
                assert x0 >= 28 * mm - 1 and x1 <= (210 - 26) * mm + 1, (period, word)
                assert y0 >= 37 * mm - 1 and y1 <= (297 - 35) * mm + 1, (period, word)
                assert y1 - y0 >= 10.5 * 0.95, (period, word, y1 - y0)
