"""The meeting brief (会议材料, .docx): what the leader reads on paper at the 季调度, 半年例会 or 年度总结, written
next to the xlsx pack from the same section frames the pack is written from (the rows store_rollup stored), so every
figure is the pack's: a count here is a count of the pack's rows, a label the registry's (schemas/sections.py via
pack.cell_text), an amount the ledger's.

Laid out as a Chinese government meeting material (GB/T 9704 where it applies): A4, margins top 37 mm, bottom
35 mm, left 28 mm, right 26 mm (a 156 mm text width); the title in 方正小标宋简体 二号 (22 pt; Word and WPS use 宋体
where it is not installed: the font table names it as the title font's alternative), body text 仿宋 三号 (16 pt) at
a fixed 28 pt line, headings 一、二、三、… in 黑体, tables in 仿宋 五号 (10.5 pt) whose columns sum to the text width,
page numbers at the foot. The office opens it in WPS or Word, edits and prints it.

python-docx writes it. Only what python-docx has no API for is set on its oxml elements, each in one helper below:
the East Asian font (w:eastAsia), the document's default fonts and language (zh-CN), a table's width, its repeated
header row, the title font's alternative and the page-number field.
"""
from __future__ import annotations

import copy
import io
from pathlib import Path

import polars as pl
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, Twips
from lxml import etree
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import COMPLIANCE, FORM, KIND, REWARD_DUE, REWARD_DUE_WORD, REWARD_PROVISO, TARGET_STATUS
from schemas.periods import RollupPeriod, period_label
from schemas.rollup_config import RollupConfig
from schemas.sections import BY_TABLE, Col, Sheet, with_former_names
from schemas.text_width import em_width
from tasks.rollup.pack import cell_text, notice_lines
from tasks.run_log import run_logger
from warehouse.atomic_write import write_bytes
from warehouse.home import Home

CITY = "蛟河市“专精特新”中小企业培育工作"
ISSUER = "蛟河市促进中小企业（民营经济）发展工作领导小组办公室"
TITLE_KIND = {"quarterly": "季度调度材料", "midyear": "半年例会材料", "annual": "年度总结材料"}

PAGE = (Mm(210), Mm(297))                                                  # A4
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TITLE_FONT, TITLE_FALLBACK, TITLE_PT = "方正小标宋简体", "宋体", 22           # 二号
BODY_FONT, BODY_PT, LINE_PT = "仿宋", 16, 28                                # 三号, a fixed 28 pt line
HEADING_FONT = "黑体"
TABLE_PT = 10.5                                                             # 五号: the smallest text of the brief
LATIN_FONT = "Times New Roman"                                              # digits and Latin letters
CELL_PADDING_PT = 2 * 5.4                                                   # Word's default cell margins, both sides
NUMERALS = "一二三四五六七八九十"
W_TC, W_P, W_R = qn("w:tc"), qn("w:p"), qn("w:r")


def brief_path(home: Home, rp: RollupPeriod) -> Path:
    """Beside the pack: reports/2022Q2/季调度_2022Q2_会议材料.docx."""
    return home.reports / rp.period / f"{KIND[rp.kind]}_{rp.period}_会议材料.docx"


@task(name="write-brief", cache_policy=NO_CACHE)
def write_brief(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> str:
    path = brief_path(home, rp)
    write_bytes(path, brief_bytes(rp, cfg, sections))
    run_logger().info("brief written: %s", path)
    return str(path)


# ---------------------------------------------------------------- the document

def _fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """w:rFonts with explicit names (python-docx's font.name sets ascii and hAnsi only; w:eastAsia has no API), and
    no theme font, which Word would use instead."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


class BriefWriter:
    def __init__(self, title: str):
        self.doc = doc = Document()
        doc.core_properties.title = title
        doc.core_properties.author = ISSUER
        sec = doc.sections[0]
        sec.page_width, sec.page_height = PAGE
        for side, length in MARGINS.items():
            setattr(sec, f"{side}_margin", length)
        width, left, right = sec.page_width, sec.left_margin, sec.right_margin
        assert width is not None and left is not None and right is not None, "the page and its margins are set above"
        self.text_width = Emu(width - left - right)
        self._defaults()
        self._title_fallback()
        self._page_numbers(sec)

    def _defaults(self) -> None:
        """Body text 仿宋 16 pt on a fixed 28 pt line for every paragraph, Chinese as the East Asian language."""
        defaults = self.doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _fonts(defaults, BODY_FONT)
        lang = defaults.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(BODY_PT)
        _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
        pf = normal.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT)
        heading = self.doc.styles["Heading 1"]          # the outline level Word's navigation pane lists
        heading.font.size = Pt(BODY_PT)
        heading.font.bold = False
        heading.font.color.rgb = None
        _fonts(heading.element.get_or_add_rPr(), HEADING_FONT)
        hf = heading.paragraph_format
        hf.space_before = hf.space_after = Pt(0)
        hf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        hf.line_spacing = Pt(LINE_PT)
        hf.first_line_indent = Pt(2 * BODY_PT)
        hf.keep_with_next = True

    def _title_fallback(self) -> None:
        """The font table names 宋体 as the title font's alternative (w:altName): what Word and WPS draw the title in
        where 方正小标宋简体 is not installed. python-docx keeps the font table as a part it does not model."""
        part = next(p for p in self.doc.part.package.iter_parts() if p.partname.endswith("/fontTable.xml"))
        fonts = parse_xml(part.blob)
        font = OxmlElement("w:font", {qn("w:name"): TITLE_FONT})
        alt = OxmlElement("w:altName", {qn("w:val"): TITLE_FALLBACK})
        charset = OxmlElement("w:charset", {qn("w:val"): "86"})      # GB2312
        family = OxmlElement("w:family", {qn("w:val"): "roman"})
        font.extend([alt, charset, family])
        fonts.append(font)
        part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)   # a plain Part

    def _page_numbers(self, sec) -> None:
        """"— 1 —" centred at the foot of every page (a PAGE field: python-docx has no field API)."""
        p = sec.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, "— ", 14, BODY_FONT)
        field = OxmlElement("w:fldSimple", {qn("w:instr"): "PAGE"})
        inner = self._run(p, "1", 14, BODY_FONT)._r
        field.append(copy.deepcopy(inner))
        inner.getparent().replace(inner, field)
        self._run(p, " —", 14, BODY_FONT)

    @staticmethod
    def _run(paragraph, text: str, size: float, font: str = BODY_FONT, bold: bool = False):
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        _fonts(run._r.get_or_add_rPr(), font)
        return run

    def title(self, text: str, lines: list[str]) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
        p.paragraph_format.space_after = Pt(LINE_PT)
        self._run(p, text, TITLE_PT, TITLE_FONT)
        for line in lines:
            q = self.doc.add_paragraph()
            q.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(q, line, BODY_PT)
        self.doc.add_paragraph()

    def heading(self, number: int, text: str) -> None:
        p = self.doc.add_paragraph(style="Heading 1")
        self._run(p, f"{NUMERALS[number - 1]}、{text}", BODY_PT, HEADING_FONT)

    def para(self, text: str, indent: bool = True, align=None) -> None:
        for line in text.split("\n"):
            p = self.doc.add_paragraph()
            if indent:
                p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
            if align is not None:
                p.alignment = align
            self._run(p, line, BODY_PT)

    def widths(self, texts: list[list[str]]) -> list[int]:
        """Column widths in twips summing to the text width: each column's natural width (its widest cell, the header
        on two lines at most) when they all fit, stretched to the width; else each at least its header's widest word
        (four characters) and the rest shared in proportion to what each would still take."""
        total = int(self.text_width.twips)
        per_em = TABLE_PT * 20                                           # twips per em at the table's size
        pad = int(CELL_PADDING_PT * 20)
        natural = [max(max((em_width(t) for t in col[1:]), default=0), em_width(col[0]) / 2) * per_em + pad
                   for col in texts]
        least = [min(n, 4 * per_em + pad) for n in natural]
        if sum(natural) <= total:
            widths = [n * total / sum(natural) for n in natural]
        else:
            spare, extra = total - sum(least), [n - m for n, m in zip(natural, least)]
            widths = [m + spare * x / sum(extra) for m, x in zip(least, extra)]
        out = [int(w) for w in widths]
        out[-1] = total - sum(out[:-1])
        return out

    def table(self, headers: list[str], rows: list[list[str]], numeric: set[int] | frozenset[int] = frozenset(),
              total: list[str] | None = None) -> None:
        body = rows + ([total] if total else [])
        widths = self.widths([[h] + [r[i] for r in body] for i, h in enumerate(headers)])
        # the header, the first body row and the total are laid out through python-docx; each further body row is a
        # copy of the first (the same cells, widths and run properties) with its own texts: python-docx's per-cell
        # calls took about 0.1 ms each, a second for the ten-year annual brief
        shown = [headers] + rows[:1] + ([total] if total else [])
        t = self.doc.add_table(rows=len(shown), cols=len(headers))
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        tbl_pr = t._tbl.tblPr
        width = tbl_pr.find(qn("w:tblW"))
        if width is None:
            width = OxmlElement("w:tblW")
            tbl_pr.append(width)
        width.set(qn("w:type"), "dxa")
        width.set(qn("w:w"), str(sum(widths)))
        header = t.rows[0]._tr.get_or_add_trPr()
        header.append(OxmlElement("w:tblHeader"))          # the header row again on every page the table runs onto
        for i, w in enumerate(widths):
            t.columns[i].width = Twips(w)
        for r, values in enumerate(shown):
            row = t.rows[r]
            bold = r == 0 or (total is not None and r == len(shown) - 1)
            for i, (cell, v) in enumerate(zip(row.cells, values)):
                cell.width = Twips(widths[i])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                p.paragraph_format.first_line_indent = None
                if r == 0:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif i in numeric:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self._run(p, v or "", TABLE_PT, HEADING_FONT if r == 0 else BODY_FONT, bold=bold and r != 0)
        if len(rows) > 1:
            first = t.rows[1]._tr
            for values in reversed(rows[1:]):
                tr = copy.deepcopy(first)
                for tc, v in zip(tr.iterchildren(W_TC), values):
                    # the cell's one run (lxml's find: python-docx's p_lst and r_lst are XPath queries);
                    # CT_R's text setter: w:t (spaces preserved), w:br for a newline, w:tab
                    tc.find(W_P).find(W_R).text = v or ""
                first.addnext(tr)
        self.doc.add_paragraph()

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


# ---------------------------------------------------------------- what it says

def _cols(table: str, names: tuple[str, ...]) -> list[Col]:
    """The registry's columns (header, labels, format) of `table`'s sheets, by name: the pack's wording."""
    found = {c.name: c for sh in BY_TABLE[table].sheets for c in sh.cols}
    return [found[n] for n in names]


def _sheet(table: str, name: str) -> Sheet:
    return next(sh for sh in BY_TABLE[table].sheets if sh.name == name)


def _rows(frame: pl.DataFrame | None, sheet: Sheet, former: pl.DataFrame | None = None) -> list[dict]:
    """The rows the pack's sheet shows, in its order."""
    frame = with_former_names(frame, former)
    if frame is None or not frame.height:
        return []
    if sheet.where is not None:
        frame = frame.filter(sheet.where)
    if sheet.sort and frame.height:
        frame = frame.sort(list(sheet.sort))
    return list(frame.iter_rows(named=True))


def _texts(cols: list[Col], rows: list[dict], tz: str | None) -> list[list[str]]:
    # cell_text is None only for a None value: that cell shows the column's blank word
    return [[(c.blank or "—") if (text := cell_text(c, r[c.name], tz)) is None else text for c in cols] for r in rows]


def _n(frame: pl.DataFrame | None, expr=None) -> int:
    if frame is None or not frame.height:
        return 0
    return frame.height if expr is None else frame.filter(expr).height


def _amount(v: float) -> str:
    return f"{v:,.0f}"


def headline(rp: RollupPeriod, s: dict[str, pl.DataFrame]) -> list[str]:
    """一、总体情况: the period's figures, each a count of the pack's rows."""
    out = []
    lc = s["ladder_counts"]
    allrow = lc.filter(pl.col("breakdown") == "all").row(0, named=True) if _n(lc) else None
    if allrow:
        out.append(f"企业梯队。期末库内企业{allrow['total_count']}户，其中种子企业{allrow['seed_count']}户、"
                   f"吉林市级“专精特新”中小企业{allrow['city_count']}户、吉林省级{allrow['province_count']}户、"
                   f"国家级专精特新“小巨人”{allrow['national_count']}户；停产或注销{allrow['stopped_count']}户（计入各自级别）。")
    ch = s["ladder_changes"]
    new = sorted(set(ch.filter(pl.col("change") == "new_recognition")["enterprise_name"])) if _n(ch) else []
    out.append(f"新认定企业{len(new)}户" + (f"：{'、'.join(new)}。" if new else "。"))
    c = s["compliance"]
    by = {k: _n(c, pl.col("status") == k) for k in COMPLIANCE}
    out.append(f"报送情况。应报{c.height}份，按时报送{by['on_time']}份，逾期已报{by['late']}份，未报送{by['missing']}份，"
               f"被退回未重报{by['rejected']}份" + (f"，未到截止{by['not_due']}份" if by["not_due"] else "") + "。")
    t = s["task_status"]
    out.append(f"工作任务。任务×责任单位{t.height}项，已报送{_n(t, pl.col('reported'))}项，"
               f"已完成{_n(t, pl.col('status') == '已完成')}项，滞后{_n(t, pl.col('lagging'))}项。")
    tp = s["target_progress"]
    judged = "，".join(f"{TARGET_STATUS[k]}{_n(tp, pl.col('status') == k)}项" for k in TARGET_STATUS
                       if _n(tp, pl.col("status") == k))
    out.append(f"发展目标。共{tp.height}项" + (f"，{judged}" if judged else "") + "。")
    out.append(f"需报市政府研究解决的问题{_n(s['task_problems'])}条。")
    due, paid, total = _ledger(rp, s.get("rewards"))
    if due is not None:
        out.append(f"奖励。{rp.year}年截至期末{REWARD_DUE_WORD[due]}一次性奖励{paid}笔，合计{_amount(total)}元"
                   + (f"（{REWARD_PROVISO}）" if due == "provisional" else "") + "。")
    return [f"{i}．{line}" for i, line in enumerate(out, 1)]


def _ledger(rp: RollupPeriod, rw: pl.DataFrame | None) -> tuple[str | None, int, float]:
    """Whether the ledger is final (accrued, 年度总结) or provisional, its rows due this year and their sum."""
    if rw is None:
        return None, 0, 0
    due = "accrued" if rp.kind == "annual" else "provisional"
    paid = rw.filter(pl.col("status").is_in(list(REWARD_DUE))) if rw.height else rw
    return due, paid.height, float(paid["amount_yuan"].sum()) if paid.height else 0.0


def compliance_table(rp: RollupPeriod, c: pl.DataFrame) -> tuple[list[str], list[list[str]]]:
    """One row per bureau to chase or that reported late: each form it has not sent (被退回未重报 said) and each it
    sent late (with the days), by quarter when the period has several; and its responsible leader (the 催报清单's, or
    the registry's blank word where none is configured)."""
    (leader_col,) = _cols("compliance", ("responsible_leader",))
    shown: dict[str, dict] = {}
    for r in c.filter(pl.col("status").is_in(["missing", "rejected", "late"])).sort(
            "bureau", "form", "report_period").iter_rows(named=True):
        b = shown.setdefault(r["bureau"], {"leader": r["responsible_leader"] or leader_col.blank, "chase": {}, "late": {}})
        word = period_label(r["report_period"]).removeprefix(f"{rp.year}年") if rp.kind != "quarterly" else ""
        if r["status"] == "late":
            word += f"逾期{r['days_late']}天" if r["days_late"] else "逾期"
            b["late"].setdefault(FORM[r["form"]], []).append(word)
        else:
            word += "被退回未重报" if r["status"] == "rejected" else ""
            b["chase"].setdefault(FORM[r["form"]], []).append(word)

    def listed(forms: dict[str, list[str]]) -> str:
        return "；".join(f + (f"（{'、'.join(w for w in words)}）" if any(words) else "")
                        for f, words in forms.items()) or "—"
    headers = ["单位", "责任领导", "未报送（需催报）", "逾期报送"]
    return headers, [[b, v["leader"], listed(v["chase"]), listed(v["late"])] for b, v in shown.items()]


def brief_bytes(rp: RollupPeriod, cfg: RollupConfig, s: dict[str, pl.DataFrame]) -> bytes:
    tz = cfg.time_zone
    title = f"{CITY}{TITLE_KIND[rp.kind]}"
    span = period_label(rp.first_quarter) if rp.first_quarter == rp.last_quarter \
        else f"{period_label(rp.first_quarter)}至{period_label(rp.last_quarter)}"
    as_of = f"{rp.as_of.year}年{rp.as_of.month}月{rp.as_of.day}日"
    w = BriefWriter(title)
    w.title(title, [f"（{rp.label}）"])
    former = s.get("former_names")
    n = 0

    def heading(text: str) -> None:
        nonlocal n
        n += 1
        w.heading(n, text)

    heading("总体情况")
    for line in headline(rp, s):
        w.para(line)

    heading("发展目标完成情况")
    cols = _cols("target_progress", ("target", "target_value", "actual_text", "expected_value", "status"))
    rows = _rows(s["target_progress"], _sheet("target_progress", "目标进度"))
    if rows:
        texts = _texts(cols, rows, tz)
        units = [r["unit"] or "" for r in rows]
        for t, u in zip(texts, units):
            t[1] = f"{t[1].removesuffix('.00')}{u}"
            t[3] = t[3].removesuffix(".00")
        w.table(["序号"] + [c.header for c in cols], [[str(i)] + t for i, t in enumerate(texts, 1)], numeric={0})
    else:
        w.para("无。")

    heading("报送情况")
    c = s["compliance"]
    headers, overdue = compliance_table(rp, c)
    if overdue:
        w.para(f"逾期或未报送的单位{len(overdue)}个，名单及责任领导如下。")
        w.table(headers, overdue)
    else:
        w.para("各单位均按时报送。")
    pending = c.filter(pl.col("status") == "not_due") if c.height else c
    if pending.height:
        w.para(f"另有{pending.height}份未到截止日期，暂不催报。")
    leaders = notice_lines(s)[0][1]
    if any(r["responsible_leader"] is None for r in c.filter(pl.col("status").is_in(["missing", "rejected", "late"])).iter_rows(named=True)):
        w.para(f"注：{leaders}")

    heading("滞后企业")
    cols = _cols("ladder_lagging", ("enterprise_name", "planned_level", "planned_year", "current_level", "status",
                                    "service_team", "responsible_leader"))
    rows = _rows(s["ladder_lagging"], _sheet("ladder_lagging", "滞后企业"), former)
    if rows:
        w.para(f"拟培育年份已过仍未认定或本年到期尚未认定的企业{len({r['enterprise_name'] for r in rows})}户。")
        w.table([c.header for c in cols], _texts(cols, rows, tz), numeric={2})
    else:
        w.para("无。")

    heading("滞后任务")
    cols = _cols("task_status", ("task_id", "group_name", "responsible_unit", "status", "completion_pct",
                                 "lagging_reason"))
    rows = _rows(s["task_status"], _sheet("task_status", "滞后任务"))
    if rows:
        w.table([c.header for c in cols], _texts(cols, rows, tz), numeric={4})
    else:
        w.para("无。")

    heading("需报市政府研究解决的问题")
    w.para("按照方案“三、保障措施（三）建立工作机制”，对“专精特新”企业反映的问题报市政府研究解决。本期各责任单位提出：")
    names = ("report_period", "bureau", "task_id", "problem") if rp.kind != "quarterly" else ("bureau", "task_id", "problem")
    cols = _cols("task_problems", names)
    rows = _rows(s["task_problems"], _sheet("task_problems", "报市政府问题"))
    if rows:
        w.table(["序号"] + [c.header for c in cols], [[str(i)] + t for i, t in enumerate(_texts(cols, rows, tz), 1)],
                numeric={0})
    else:
        w.para("无。")

    due, paid, total = _ledger(rp, s.get("rewards"))
    if due is not None:
        heading(f"奖励台账（{'应兑现' if due == 'accrued' else '预计，' + REWARD_PROVISO}）")
        cols = _cols("rewards", ("enterprise_name", "category", "level", "status", "amount_yuan"))
        rows = _rows(s["rewards"], _sheet("rewards", "奖励台账"), former)
        w.para(f"{rp.year}年截至{period_label(rp.last_quarter).removeprefix(f'{rp.year}年')}末，"
               f"{REWARD_DUE_WORD[due]}一次性奖励{paid}笔，合计{_amount(total)}元。")
        if rows:
            w.table([c.header for c in cols], _texts(cols, rows, tz), numeric={4},
                    total=["合计", "", "", "", _amount(total)])
        cats = s.get("reward_categories")
        if cats is not None and cats.height:
            missing = [r["name"] for r in cats.filter(~pl.col("computed")).sort("sort_order").iter_rows(named=True)]
            if missing:
                w.para(f"{'、'.join(missing)}不在本台账中，需人工核定。")

    w.para(f"数据来源：各责任单位{span}报送并已入库的种子企业库和工作任务进展，截至{as_of}。", indent=False)
    w.doc.add_paragraph()
    w.para(f"{ISSUER}\n{as_of}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    return w.save()
