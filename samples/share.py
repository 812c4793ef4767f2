"""Write a realistic demo share: the workbooks bureaus drop into the inbox for 2022Q2 and 2022Q3.

    inbox/工信局/蛟河市专精特新种子企业库2022年第二季度.xlsx   Annex 1 as printed, plus figures
    inbox/工信局/种子企业库2022Q3.xls                         Q3 update (.xls, two-row header)
    inbox/农业农村局/2022-Q2 农业专班企业情况.xlsx            the 农业 service team's enterprises
    inbox/<bureau>/…任务进展….xlsx                            Annex 2 task progress, Q2 and Q3
    inbox/商务局/商务局任务进展2022年第二季度.xlsx            a task report full of mistakes: started from the 2022Q1
                                                             template (its period conflicts with the name), a 合计
                                                             row with SUM formulas at the bottom
    inbox/住建局/企业情况.xlsx                                 valid, but no period in its name

Everything is drawn from one `random.Random(seed)`; .xlsx files get fixed zip and document-property
dates, so the same seed gives byte-identical files.

    python -m samples.share /tmp/demo_inbox
"""
from __future__ import annotations

import io
import pathlib
import random
import re
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from schemas import reference
from schemas.credit_code import CHARSET, make_code
from schemas.forms import ENTERPRISE

# ---------------------------------------------------------------- unified social credit codes (schemas.credit_code)

def _random_credit_code(rng: random.Random, *, new_style: bool = False) -> str:
    # Enterprises registered after 2015 got organisation codes starting "MA".
    if new_style:
        body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6))
    else:
        body = str(rng.randint(1, 7)) + "".join(rng.choice("0123456789") for _ in range(7))
    return make_code(body)


# ---------------------------------------------------------------- Annex 1 as printed

ANNEX1_TITLE = "蛟河市“专精特新”重点培育种子企业库"
_ANNEX1 = reference.annex1_as_printed()
ANNEX1_HEADER = _ANNEX1.header[:-1]          # the printed columns; the last one, 服务专班, is ours
# Columns the rollups need, appended to the right of the printed table.
EXTRA_HEADER = ("统一社会信用代码", "研发投入（万元）", "销售收入（万元）", "科技人员数", "职工总数")


def _as_typed(cell: str) -> int | str | None:
    """A printed cell as Excel holds it: digits are a number, an empty cell is empty, the rest is text as printed."""
    return int(cell) if cell.isdigit() else cell or None


# Exactly as printed in 蛟政发〔2022〕4号 附件1 (schemas/refdata/annex1.csv): line breaks, padded names,
# leading spaces, blanks; with the service team we assign to each enterprise.
ANNEX1_ROWS = tuple(tuple(_as_typed(c) for c in row[:-1]) for row in _ANNEX1.rows)
ANNEX1_TEAMS = {row[1]: row[-1] for row in _ANNEX1.rows}
ANNEX1_NOTE = "  备注：培育企业实行动态管理，结合企业发展情况适时调整。"

# Q3 changes to the printed table (values in the printed style).
Q3_LEVEL_CHANGES = {"吉林开普科立辉动力有限公司": "2022年已认定吉林市级"}
Q3_STATUS_CHANGES = {"蛟河市天翔炭业有限公司": "停产"}
Q3_NEW_ENTERPRISE = (13, "蛟河市瑞丰精密机械有限公司", "装备\n制造", None, 7, "生产", "已纳入吉林市培育库",
                     "2023年", "2024年", "尤海阳")

# Two construction firms the 住建局 (建筑 service team) reports; not in Annex 1.
CONSTRUCTION_ENTERPRISES = (
    ("蛟河市宏泰装配式建筑科技有限公司", "装配式建筑", None, 5, "生产", "已纳入吉林市培育库", 2023, 2025, "李国忠"),
    ("蛟河市鑫源市政工程有限公司", "建筑安装", None, 2, "生产", None, 2024, 2025, "李国忠"),
)

# Scale of each enterprise: sales (万元, year to date at Q2) and staff ranges.
SCALES = {
    "large": ((6000, 15000), (300, 800)),
    "medium": ((1500, 6000), (80, 300)),
    "small": ((300, 1500), (30, 120)),
}
SCALE_OF = {
    "长白山制药股份有限公司": "large", "长白山酒业集团有限公司": "large", "吉林得利斯食品有限公司": "large",
    "吉林金亿食品有限责任公司": "small", "吉林旺普家具有限公司": "small", "吉林天一昊宇食品科技有限公司": "small",
}


@dataclass
class Figures:
    rd_expense: float      # 万元, year to date
    sales_revenue: float   # 万元, year to date
    tech_staff: int
    total_staff: int

    def row(self) -> list:
        return [self.rd_expense, self.sales_revenue, self.tech_staff, self.total_staff]


@dataclass
class Enterprise:
    printed: tuple          # one ANNEX1_ROWS-style row
    credit_code: str
    q2: Figures
    q3: Figures | None = None
    service_team: str | None = None

    @property
    def name(self) -> str:
        return self.printed[1]


def _is_provincial(level_text: str | None) -> bool:
    return level_text is not None and "认定省级" in level_text


def _figures(rng: random.Random, name: str, provincial: bool) -> Figures:
    (s_lo, s_hi), (e_lo, e_hi) = SCALES[SCALE_OF.get(name, "medium")]
    sales = round(rng.uniform(s_lo, s_hi), 1)
    total = rng.randint(e_lo, e_hi)
    rd_ratio = rng.uniform(0.022, 0.048) if provincial else rng.uniform(0.006, 0.035)
    tech_ratio = rng.uniform(0.11, 0.19) if provincial else rng.uniform(0.05, 0.15)
    return Figures(round(sales * rd_ratio, 1), sales, max(1, round(total * tech_ratio)), total)


def _q3_figures(rng: random.Random, q2: Figures, stopped: bool) -> Figures:
    # Q3 is year to date too: roughly half as much again, far less for a firm that stopped.
    grow = rng.uniform(1.05, 1.12) if stopped else rng.uniform(1.42, 1.58)
    sales = round(q2.sales_revenue * grow, 1)
    rd = round(q2.rd_expense * grow * rng.uniform(0.97, 1.05), 1)
    total = q2.total_staff - rng.randint(10, 25) if stopped else q2.total_staff + rng.randint(-4, 6)
    tech = max(1, min(total, q2.tech_staff + rng.randint(-1, 2)))
    return Figures(rd, sales, tech, total)


def _enterprises(rng: random.Random) -> list[Enterprise]:
    out, codes = [], set()
    for printed in (*ANNEX1_ROWS, Q3_NEW_ENTERPRISE):
        code = _random_credit_code(rng, new_style=printed is Q3_NEW_ENTERPRISE)
        while code in codes:
            code = _random_credit_code(rng)
        codes.add(code)
        name, level_text = printed[1], printed[6]
        # Annex 1's name and level columns hold text, never digits: _as_typed left them str (a level also None)
        assert isinstance(name, str) and not isinstance(level_text, int)
        ent = Enterprise(printed, code, _figures(rng, name, _is_provincial(level_text)),
                         service_team=ANNEX1_TEAMS.get(name, "工业"))
        ent.q3 = _q3_figures(rng, ent.q2, stopped=name in Q3_STATUS_CHANGES)
        out.append(ent)
    return out


# ---------------------------------------------------------------- a sheet, independent of the file format

@dataclass
class Grid:
    rows: list[list]                                   # Excel row 1 first; None is an empty cell
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based r1, r2, c1, c2
    title_rows: tuple[int, ...] = ()                   # 0-based
    header_rows: tuple[int, ...] = ()
    table_rows: tuple[int, int] | None = None          # 0-based first, last row with borders
    text_cols: tuple[int, ...] = ()                    # stored as text ("@"), e.g. credit codes
    widths: Mapping[int, float] = field(default_factory=dict)
    sheet: str = "Sheet1"
    formulas: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)  # 0-based cell -> (=…, value Excel cached)
    metadata: dict[str, str] = field(default_factory=dict)   # a template's very hidden _srdi_meta sheet, when started from one

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def merge(self, r1: int, r2: int, c1: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, r2, c1, c2))


_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ZIP_DATE = (2022, 7, 5, 8, 0, 0)


def _xlsx_bytes(grid: Grid, stamp: str) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = grid.sheet
    first, last = grid.table_rows or (-1, -2)
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            cell = ws.cell(row=r + 1, column=c + 1)
            if value is not None:
                cell.value = value
            if r in grid.title_rows:
                cell.font = Font(name="宋体", size=16, bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center")
                continue
            if first <= r <= last:
                cell.border = _BORDER
                cell.alignment = Alignment(wrap_text=True, vertical="center",
                                           horizontal="center" if r in grid.header_rows else None)
            if r in grid.header_rows:
                cell.font = Font(name="宋体", bold=True)
            if c in grid.text_cols:
                cell.number_format = "@"
    for r1, r2, c1, c2 in grid.merges:
        ws.merge_cells(start_row=r1 + 1, end_row=r2 + 1, start_column=c1 + 1, end_column=c2 + 1)
    for c, w in grid.widths.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = w
    for r in grid.title_rows:
        ws.row_dimensions[r + 1].height = 30
    for (r, c), (formula, _) in grid.formulas.items():
        ws.cell(row=r + 1, column=c + 1).value = formula
    if grid.metadata:
        meta = wb.create_sheet("_srdi_meta")
        for k, v in grid.metadata.items():
            meta.append([k, v])
        meta.sheet_state = "veryHidden"
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if grid.formulas:
        data = _cache_formula_values(data, {f"{get_column_letter(c + 1)}{r + 1}": v for (r, c), (_, v) in grid.formulas.items()})
    return _freeze_zip(data, stamp)


def _cache_formula_values(data: bytes, values: Mapping[str, float]) -> bytes:
    """Formula cells with the value Excel keeps beside each formula (openpyxl writes none), as Excel saves them."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                for ref, v in values.items():
                    body = re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*><f>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)',
                                  rb"\g<1><v>" + f"{v:g}".encode() + rb"</v>", body)   # {v:g} writes no backslash
            dst.writestr(info, body)
    return out.getvalue()


def _freeze_zip(data: bytes, stamp: str) -> bytes:
    """Rewrite an .xlsx with fixed entry dates and document dates, so its bytes depend on content only."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xls_bytes(grid: Grid) -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(grid.sheet)
    borders = "borders: left thin, right thin, top thin, bottom thin;"
    title = xlwt.easyxf("font: name 宋体, bold on, height 320; align: horiz centre, vert centre;")
    header = xlwt.easyxf(f"font: name 宋体, bold on; align: wrap on, horiz centre, vert centre; {borders}")
    body = xlwt.easyxf(f"font: name 宋体; align: wrap on, vert centre; {borders}")
    text = xlwt.easyxf(f"font: name 宋体; align: vert centre; {borders}", num_format_str="@")
    plain = xlwt.easyxf("font: name 宋体;")
    first, last = grid.table_rows or (-1, -2)

    def style(r: int, c: int):
        if r in grid.title_rows:
            return title
        if r in grid.header_rows:
            return header
        if first <= r <= last:
            return text if c in grid.text_cols else body
        return plain

    covered = {(r, c) for r1, r2, c1, c2 in grid.merges
               for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r1, r2, c1, c2 in grid.merges:
        ws.write_merge(r1, r2, c1, c2, grid.rows[r1][c1] if c1 < len(grid.rows[r1]) else None, style(r1, c1))
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            if value is not None or first <= r <= last:
                ws.write(r, c, value, style(r, c))
    for c, w in grid.widths.items():
        ws.col(c).width = int(w * 256)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _save(path: pathlib.Path, grid: Grid, stamp: str, written: list[pathlib.Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _xls_bytes(grid) if path.suffix == ".xls" else _xlsx_bytes(grid, stamp)
    path.write_bytes(data)
    written.append(path)


# ---------------------------------------------------------------- 1, 2: Annex 1 workbooks from 工信局

ANNEX1_WIDTHS = {0: 6, 1: 34, 2: 10, 3: 10, 4: 10, 5: 16, 6: 22, 7: 10, 8: 10, 9: 9,
                 10: 22, 11: 12, 12: 12, 13: 10, 14: 10}


def _annex1_q2(ents: list[Enterprise]) -> Grid:
    header = [*ANNEX1_HEADER, *EXTRA_HEADER]
    width = len(header)
    rows: list[list] = [[ANNEX1_TITLE] + [None] * (width - 1), [None] * width, header]
    for e in ents[:12]:
        rows.append([*e.printed, e.credit_code, *e.q2.row()])
    rows.append([None, ANNEX1_NOTE] + [None] * (width - 2))
    grid = Grid(rows, title_rows=(0,), header_rows=(2,), table_rows=(2, len(rows) - 2),
                text_cols=(10,), widths=ANNEX1_WIDTHS, sheet="种子企业库")
    grid.merge(0, 0, 0, width - 1)
    grid.merge(len(rows) - 1, len(rows) - 1, 1, 9)
    return grid


def _annex1_q3(ents: list[Enterprise]) -> Grid:
    """The Q3 table with a two-row header: 拟培育 spans two columns, the rest span both rows."""
    width = len(ANNEX1_HEADER) + len(EXTRA_HEADER)
    top: list[str | None] = [*ANNEX1_HEADER, *EXTRA_HEADER]
    top[7], top[8] = "拟培育", None
    sub: list = [None] * width
    sub[7], sub[8] = "吉林市级", "吉林省级"
    rows: list[list] = [[ANNEX1_TITLE] + [None] * (width - 1), [None] * width, top, sub]
    for e in ents:
        printed = list(e.printed)
        printed[6] = Q3_LEVEL_CHANGES.get(e.name, printed[6])
        printed[5] = Q3_STATUS_CHANGES.get(e.name, printed[5])
        assert e.q3 is not None     # _enterprises gives every Annex 1 enterprise its Q3 figures
        rows.append([*printed, e.credit_code, *e.q3.row()])
    rows.append([None, ANNEX1_NOTE] + [None] * (width - 2))
    grid = Grid(rows, title_rows=(0,), header_rows=(2, 3), table_rows=(2, len(rows) - 2),
                text_cols=(10,), widths=ANNEX1_WIDTHS, sheet="种子企业库")
    grid.merge(0, 0, 0, width - 1)
    for c in range(width):
        if c == 7:
            grid.merge(2, 2, 7, 8)
        elif c != 8:
            grid.merge(2, 3, c, c)
    grid.merge(len(rows) - 1, len(rows) - 1, 1, 9)
    return grid


# ---------------------------------------------------------------- 3, 6: enterprise form with the template header

ENTERPRISE_LABELS = ["序号", *(f.label for f in ENTERPRISE.fields)]


def _plain(printed_value: str | None) -> str | None:
    """A printed cell as someone retyping it would: no wrap breaks, no padding."""
    if printed_value is None:
        return None
    return "".join(str(printed_value).split())


def _year(printed_value: str | None) -> int | None:
    return int(printed_value.rstrip("年")) if printed_value else None


def _template_row(seq: int, e: Enterprise, remarks: str | None = None) -> list:
    """One enterprise in the template's column order, typed as a careful bureau would type it."""
    p = e.printed
    values = {
        "enterprise_name": p[1], "credit_code": e.credit_code, "industry": _plain(p[2]),
        "tech_center_level": p[3], "patents": p[4], "operating_status": p[5],
        "srdi_level_text": _plain(p[6]), "planned_city_year": _year(p[7]), "planned_province_year": _year(p[8]),
        "responsible_leader": _plain(p[9]), "service_team": e.service_team,
        "rd_expense": e.q2.rd_expense, "sales_revenue": e.q2.sales_revenue,
        "tech_staff": e.q2.tech_staff, "total_staff": e.q2.total_staff,
        "listing_status": "未上市", "remarks": remarks,
    }
    return [seq, *(values.get(f.name) for f in ENTERPRISE.fields)]   # no recognition years: the text has them


def _enterprise_form(rows: list[list]) -> Grid:
    widths = {0: 6, 1: 34, 2: 22, 3: 14, 4: 10, 5: 10, 6: 14, 7: 20, 8: 12, 9: 12, 10: 10, 11: 10}
    return Grid([ENTERPRISE_LABELS, *rows], header_rows=(0,), table_rows=(0, len(rows)),
                text_cols=(2,), widths=widths)


def _agri_q2(ents: list[Enterprise]) -> Grid:
    agri = [e for e in ents[:12] if e.service_team == "农业"]
    remarks = {"长白山酒业集团有限公司": "2项发明专利已受理"}
    return _enterprise_form([_template_row(i, e, remarks.get(e.name)) for i, e in enumerate(agri, 1)])


def _construction(rng: random.Random, codes: set[str]) -> Grid:
    rows = []
    for i, (name, industry, tc, patents, status, level, city, prov, leader) in enumerate(CONSTRUCTION_ENTERPRISES, 1):
        code = _random_credit_code(rng, new_style=i == 1)
        while code in codes:
            code = _random_credit_code(rng)
        codes.add(code)
        printed = (i, name, industry, tc, patents, status, level, f"{city}年", f"{prov}年", leader)
        e = Enterprise(printed, code, _figures(rng, name, False), service_team="建筑")
        rows.append(_template_row(i, e))
    return _enterprise_form(rows)


# ---------------------------------------------------------------- 4, 5: Annex 2 task progress

TASK_LABELS = ["序号", "任务编号", "工作任务", "工作内容", "责任单位", "推进状态", "完成进度（%）", "本期进展",
               "需市政府协调解决的问题", "下步计划", "银企对接活动（次）", "培训人才（人次）", "服务企业（户）"]
TASK_WIDTHS = {0: 6, 1: 9, 2: 18, 3: 40, 4: 12, 5: 10, 6: 10, 7: 40, 8: 30, 9: 30, 10: 10, 11: 10, 12: 10}

Q2, Q3 = "2022Q2", "2022Q3"
PERIOD_TEXT = {Q2: "2022年第二季度", Q3: "2022年第三季度"}
STAMP = {Q2: "2022-07-05T08:00:00Z", Q3: "2022-10-10T08:00:00Z"}


@dataclass(frozen=True)
class Step:
    """What a bureau reports for one task in one quarter; ranges are drawn from the seeded rng."""
    status: str
    pct: int | tuple[int, int]
    progress: str                                  # may use {trained} and {served}
    next_steps: str
    served: int | tuple[int, int] | None = None   # 服务企业（户）
    trained: tuple[int, int] | None = None         # 培训人才（人次）
    events: int | None = None                      # 银企对接活动（次）


# (bureau, task) -> (Q2 step, Q3 step, the problem the bureau may raise)
SCRIPT: dict[tuple[str, str], tuple[Step, Step, str]] = {
    ("工信局", "T1-1"): (
        Step("持续推进", (55, 65), "完成种子企业库建库，首批入库企业12户，逐户明确包保领导和服务专班，建立培育档案。",
             "组织入库企业对标吉林市级、省级认定标准开展自评，做好申报准备。", served=12),
        Step("持续推进", (70, 80), "对入库企业实行动态管理，新增入库企业1户；指导4户企业申报吉林市级“专精特新”中小企业，1户已通过认定。",
             "跟踪已申报企业认定进度，力争年内再推荐2户企业申报省级“专精特新”中小企业。", served=13),
        "部分入库企业研发投入和科技人员占比偏低，距离省级认定标准差距较大，需市政府统筹加大政策扶持力度。"),
    ("工信局", "T1-2"): (
        Step("推进中", (20, 30), "梳理首次认定企业奖励政策，会同财政局拟定奖励资金兑现办法（征求意见稿）。",
             "完成奖励资金兑现办法审定，做好首批奖励资金申报受理。"),
        Step("推进中", (50, 60), "吉林开普科立辉动力有限公司被认定为吉林市级“专精特新”中小企业，已受理其5万元奖励申请并转财政局审核。",
             "配合财政局做好奖励资金拨付。", served=1),
        "奖励资金兑现办法尚未经市政府常务会议审定，需协调尽快审议。"),
    ("工信局", "T2-1"): (
        Step("推进中", (30, 40), "摸排{served}户企业首台套、首批次、首版次研发项目，指导企业申报省级研发投入补贴。",
             "指导企业申报省级企业技术中心。", served=(3, 5)),
        Step("推进中", (55, 65), "协助2户企业申报省级企业技术中心，申报材料已报送吉林市工信局。",
             "跟踪省级企业技术中心评审结果，做好奖励资金兑现准备。", served=2),
        "企业技术中心奖励资金需纳入财政预算，需市政府协调落实资金来源。"),
    ("工信局", "T2-2"): (
        Step("推进中", (25, 35), "向{served}户企业征集技术研发需求11项，已推送省内高校、科研院所对接。",
             "组织产学研对接会。", served=(6, 9)),
        Step("推进中", (50, 60), "组织北华大学、吉林化工学院与{served}户企业开展产学研对接会1场，签订技术开发合同2项。",
             "督促合同实施转化，按实际交易额落实补助。", served=(5, 8)),
        "高校与企业对接后合同转化率较低，需协调建立常态化对接机制。"),
    ("工信局", "T2-3"): (
        Step("推进中", (35, 45), "组织企业对接省工业技术研究院公共服务平台，{served}户企业获得检验检测服务。",
             "引导企业加大智能化设备投入。", served=(4, 6)),
        Step("推进中", (60, 70), "引导企业开展智能化改造，{served}户企业购置数控机床、工业机器人等设备。",
             "继续推动企业智能化改造项目建设。", served=(2, 4)),
        "企业智能化改造资金压力较大，需协调争取上级技改资金支持。"),
    ("工信局", "T2-5"): (
        Step("未启动", 0, "正在制定“精益管理企业行”活动方案，尚未组织实施。", "三季度启动“精益管理企业行”活动。"),
        Step("已完成", 100, "开展“精益管理企业行”活动，组织专家入企诊断{served}户，帮助企业完善法人治理结构。",
             "巩固活动成果，适时开展回访。", served=(3, 5)),
        "精益管理专家资源不足，需协调司法局等部门共同参与。"),
    ("工信局", "T3-1"): (
        Step("持续推进", (45, 55), "组织开展线上银企对接活动1次，收集企业融资需求6项、金额约3200万元。",
             "三季度联合人民银行组织线下银企对接会。", served=6, events=1),
        Step("持续推进", (70, 80), "联合人民银行举办“专精特新”企业银企对接会1次，4户企业获得授信约2600万元。",
             "继续每季度开展一次银企对接活动。", served=(8, 10), events=1),
        "部分企业缺少有效抵押物，融资难问题仍较突出，需协调政府性融资担保机构加大担保支持。"),
    ("工信局", "T4-1"): (
        Step("持续推进", (40, 50), "组织企业管理人员参加省“专精特新”线上专题培训，培训{trained}人次。",
             "三季度举办企业经营管理人才培训班。", served=(8, 12), trained=(30, 45)),
        Step("持续推进", (60, 70), "举办企业经营管理人才培训班1期，培训{trained}人次。",
             "联合教育局开展技能人才培训。", served=(10, 13), trained=(40, 60)),
        "企业生产任务重，参训积极性不高，需协调将培训情况纳入企业评先评优。"),
    # 人民银行 held no bank-enterprise event in Q2 (bank_events 0), one in Q3.
    ("人民银行", "T3-1"): (
        Step("滞后", (20, 30), "受疫情影响，二季度未组织线下银企对接活动；通过电话、线上方式摸排企业融资需求，督促辖内银行机构开展无还本续贷业务。",
             "三季度联合工信局举办银企对接会。", served=(5, 8), events=0),
        Step("持续推进", (60, 70), "联合工信局举办银企对接会1次，辖内6家银行机构参加，现场签约授信2600万元。",
             "继续每季度开展一次银企对接活动，推广无还本续贷业务。", served=(4, 6), events=1),
        "部分银行机构授信审批权限在上级行，审批周期较长，需协调上级行开辟绿色通道。"),
    ("人社局", "T4-2"): (
        Step("持续推进", (40, 50), "选派引进人才3名到“专精特新”企业助企服务；组织企业新招聘高校毕业生岗前培训{trained}人次。",
             "做好高校毕业生就业补贴审核发放。", served=(3, 5), trained=(15, 30)),
        Step("持续推进", (65, 75), "新增享受就业补贴高校毕业生5人；开展企业新录用人员岗位技能培训{trained}人次。",
             "按季度兑现高校毕业生就业补贴。", served=(4, 6), trained=(20, 35)),
        "引进人才编制数量有限，需协调增加“助企兴业行动”专项编制。"),
    ("人社局", "T4-3"): (
        Step("推进中", (30, 40), "举办网络招聘会1场，“专精特新”企业提供岗位86个，达成就业意向21人；开展求职人员技能培训{trained}人次。",
             "三季度举办“专精特新”企业专场招聘会。", served=(6, 9), trained=(10, 20)),
        Step("推进中", (60, 70), "举办“专精特新”企业专场招聘会1场，达成就业意向32人；组织新录用人员岗前培训{trained}人次。",
             "持续举办专场招聘会，拓展校企合作。", served=(7, 10), trained=(12, 20)),
        "企业所需技术岗位与求职人员技能匹配度不高，需协调职业院校开展订单式培养。"),
    ("市监局", "T2-4"): (
        Step("推进中", (30, 40), "开展“专精特新”企业品牌培育摸底，指导{served}户企业申报吉林省名牌产品。",
             "组织质量品牌提升培训。", served=(2, 3)),
        Step("推进中", (60, 70), "组织质量品牌提升培训1期，帮助{served}户企业完善质量管理体系认证。",
             "持续推进品牌推广计划。", served=(4, 6)),
        "企业品牌意识不强，申报积极性不高，需协调加大品牌培育奖励力度。"),
    ("教育局", "T2-2"): (
        Step("推进中", (20, 30), "联系省内高校、科研院所，收集技术成果转移目录1份，已转工信局汇总。", "配合工信局组织产学研对接。"),
        Step("推进中", (45, 55), "配合工信局组织产学研对接会1场，协调市职业教育中心与{served}户企业对接技术服务需求。",
             "推动校企合作项目落地。", served=(2, 3)),
        "本地高校资源有限，需协调吉林市域内高校建立长期合作关系。"),
    ("教育局", "T4-1"): (
        Step("持续推进", (35, 45), "市职业教育中心与企业共建实训基地1个，开展企业职工技能培训{trained}人次。",
             "扩大订单式技能人才培养规模。", served=(2, 3), trained=(40, 60)),
        Step("持续推进", (55, 65), "开展订单式技能人才培养，培训企业职工{trained}人次。",
             "筹备“专精特新”企业职业技能大赛。", served=(3, 4), trained=(50, 70)),
        "实训设备不足，需协调资金支持实训基地建设。"),
    ("财政局", "T1-2"): (
        Step("推进中", (20, 30), "配合工信局研究奖励资金兑现流程，奖励资金纳入年度预算统筹安排。", "做好奖励资金拨付准备。"),
        Step("推进中", (50, 60), "已审核吉林开普科立辉动力有限公司奖励申请，5万元奖励资金拨付手续正在办理。",
             "完成奖励资金拨付。", served=1),
        "财政收支矛盾突出，奖励资金足额保障压力较大，需市政府统筹调度。"),
    ("财政局", "T2-1"): (
        Step("推进中", (30, 40), "做好研发费用加计扣除等政策宣传，配合开展研发投入补贴资金审核。", "完成补贴资金审核。"),
        Step("已完成", 100, "完成省级研发投入补贴资金拨付，涉及企业{served}户。", "做好下一批资金申报准备。", served=(2, 3)),
        "省级补贴资金下达时间较晚，需协调上级财政加快资金拨付。"),
    ("财政局", "T2-2"): (
        Step("未启动", 0, "暂无企业提出技术合同交易补助申请，尚未启动资金兑现工作。", "待企业技术合同备案后启动补助审核。"),
        Step("推进中", (30, 40), "受理技术合同交易补助申请2项，正在会同工信局审核合同交易额。", "按实际交易额兑现补助。", served=2),
        "技术合同交易额认定缺少统一标准，需协调科技部门明确审核口径。"),
}

# bureau -> file name per period; the period is written five different ways on purpose.
TASK_FILES = {
    "工信局": {Q2: "工信局2022年第二季度专精特新工作任务进展情况.xlsx", Q3: "工信局专精特新工作任务进展2022Q3.xlsx"},
    "人民银行": {Q2: "人民银行2022年二季度任务进展.xlsx", Q3: "人民银行任务进展情况2022-Q3.xlsx"},
    "人社局": {Q2: "人社局2022年2季度工作任务进展.xlsx", Q3: "人社局2022年第三季度工作任务进展.xlsx"},
    "市监局": {Q2: "市监局任务进展（2022年第二季度）.xlsx", Q3: "2022Q3 市监局任务进展.xlsx"},
    "教育局": {Q2: "教育局2022年二季度工作任务进展情况.xlsx", Q3: "教育局2022-Q3工作任务进展情况.xlsx"},
    "财政局": {Q2: "财政局2022年2季度专精特新任务进展.xlsx", Q3: "财政局2022年3季度专精特新任务进展.xlsx"},
}
# How a bureau writes its own name in the 责任单位 column (one uses its full name).
UNIT_AS_WRITTEN = {"人民银行": "人民银行蛟河市支行"}
PCT_AS_TEXT = {"人社局"}     # this bureau types "60%" instead of 60
REPORTERS = ("刘  洋", "孙丽娜", "赵  磊", "陈晓东", "周  敏", "吴海涛", "郑  爽")


def _draw(rng: random.Random, spec):
    if spec is None or isinstance(spec, int):
        return spec
    return rng.randint(*spec)


def _group_cell(task: reference.TaskItem) -> str:
    return f"{task.group_id}{task.group_name}"


def _task_sheet(bureau: str, period: str, body: list[list], rng: random.Random) -> Grid:
    """Title, 填报单位 line, header, rows, reporter line; 工作任务 merged down each group."""
    width = len(TASK_LABELS)
    title = f"{UNIT_AS_WRITTEN.get(bureau, bureau)}{PERIOD_TEXT[period]}专精特新工作任务进展情况"
    unit = f"填报单位：{reference.bureaus()[bureau].full_name}"
    rows: list[list] = [[title] + [None] * (width - 1), [unit] + [None] * (width - 1), TASK_LABELS]
    start = len(rows)
    rows.extend(body)
    rows.append([f"填报人：{rng.choice(REPORTERS)}"] + [None] * (width - 1))
    grid = Grid(rows, title_rows=(0,), header_rows=(2,), table_rows=(2, len(rows) - 2),
                widths=TASK_WIDTHS, sheet="任务进展")
    grid.merge(0, 0, 0, width - 1)
    grid.merge(1, 1, 0, 5)
    # Merge 工作任务 (column C) over each run of rows of the same group; the value stays top-left.
    r = start
    while r < start + len(body):
        end = r
        while end + 1 < start + len(body) and rows[end + 1][2] is None:
            end += 1
        grid.merge(r, end, 2, 2)
        r = end + 1
    return grid


def _blank_repeated_groups(body: list[list]) -> None:
    """Keep the group text only on the first row of each run, as a merged cell would."""
    prev = None
    for row in body:
        if row[2] == prev:
            row[2] = None
        else:
            prev = row[2]


def _task_rows(bureau: str, period: str, rng: random.Random) -> list[list]:
    tasks = reference.tasks_of(bureau)
    with_problem = set(rng.sample(range(len(tasks)), min(len(tasks), rng.choice((1, 2)))))
    body = []
    for i, task in enumerate(tasks):
        q2, q3, problem = SCRIPT[(bureau, task.task_id)]
        step = q2 if period == Q2 else q3
        served, trained = _draw(rng, step.served), _draw(rng, step.trained)
        pct = _draw(rng, step.pct)
        body.append([
            i + 1, task.task_id, _group_cell(task), task.item_text, UNIT_AS_WRITTEN.get(bureau, bureau),
            step.status, f"{pct}%" if bureau in PCT_AS_TEXT else pct,
            step.progress.format(served=served, trained=trained),
            problem if i in with_problem else None, step.next_steps,
            step.events, trained, served,
        ])
    _blank_repeated_groups(body)
    return body


def _mistakes_rows() -> list[list]:
    """商务局's Q2 report: each row but the first carries one deliberate mistake."""
    items = reference.task_items()
    unit = "商务局"

    def row(seq, tid, status, pct, progress, *, events=None, trained=None, served=None, item=None, group=None):
        t = items.get(tid)
        return [seq, tid, group or (_group_cell(t) if t else None), item or (t.item_text if t else None), unit,
                status, pct, progress, None, "继续推进相关工作。", events, trained, served]

    body = [
        row(1, "T1-1", "持续推进", 60, "摸排商贸领域企业8户，推荐1户企业纳入种子企业库。", served=8),
        row(2, "T1-2", "差不多", 30, "配合工信局做好首次认定企业奖励政策宣传。"),                 # status not in list
        row(3, "T3-1", "持续推进", 150, "组织2户企业参加境内贸易展会，开展银企对接活动1次。", events=1, served=2),  # 150 %
        row(4, "T4-1", "推进中", "八成", "组织商贸企业参加电商人才培训，培训25人次。", trained=25, served=4),   # pct as words
        row(5, "T2-4", "推进中", 40, "指导商贸企业开展品牌推广。", served=3),                      # not 商务局's task
        row(6, "T9-9", "推进中", 50, "走访外贸企业，了解订单和物流情况。", served=5,                # unknown task
            group="（五）其他工作", item="开展外贸企业走访服务。"),
        row(7, "T1-1", "持续推进", 65, "新增摸排商贸企业3户。", served=3),                          # T1-1 again
    ]
    body[0][8] = "商贸企业规模普遍较小，达到“专精特新”认定标准的企业较少，需协调放宽入库条件。"
    _blank_repeated_groups(body)
    return body


# The 2022Q1 template 商务局 filled for the second quarter: its metadata still says 2022Q1 (issue #11's period conflict).
TEMPLATE_REUSED = {"bureau": "商务局", "period": "2022Q1", "form": "task", "template_version": "1"}
TOTAL_COLUMNS = (10, 11, 12)    # 银企对接活动（次）, 培训人才（人次）, 服务企业（户）: K, L, M


def _with_total_row(grid: Grid, metadata: dict[str, str]) -> Grid:
    """A 合计 row under the tasks, SUM formulas over them (with the values Excel caches), and the template's
    metadata sheet: what a clerk's own additions to a reused template look like."""
    first, last = 3, len(grid.rows) - 2          # 0-based: the header is row 2, the 填报人 line the last row
    total = ["合计"] + [None] * (grid.width - 1)
    for c in TOTAL_COLUMNS:
        letter = get_column_letter(c + 1)
        value = sum(r[c] or 0 for r in grid.rows[first:last + 1])
        grid.formulas[(last + 1, c)] = (f"=SUM({letter}{first + 1}:{letter}{last + 1})", value)
    grid.rows.insert(last + 1, total)
    assert grid.table_rows is not None      # _task_sheet's grids, the only ones given a 合计 row, have a table
    grid.table_rows = (grid.table_rows[0], grid.table_rows[1] + 1)
    grid.metadata.update(metadata)
    return grid


# ---------------------------------------------------------------- the share

def build_sample_share(inbox: pathlib.Path, seed: int = 7) -> list[pathlib.Path]:
    """Write the demo share under inbox/<bureau>/<file>; return the paths written, in order."""
    inbox = pathlib.Path(inbox)
    rng = random.Random(seed)
    written: list[pathlib.Path] = []
    ents = _enterprises(rng)

    # 1, 2: Annex 1 from 工信局, Q2 as printed (.xlsx) and Q3 with changes (.xls, two-row header)
    _save(inbox / "工信局" / "蛟河市专精特新种子企业库2022年第二季度.xlsx", _annex1_q2(ents), STAMP[Q2], written)
    _save(inbox / "工信局" / "种子企业库2022Q3.xls", _annex1_q3(ents), STAMP[Q3], written)

    # 3: the 农业 service team's enterprises, reported by 农业农村局 for Q2
    _save(inbox / "农业农村局" / "2022-Q2 农业专班企业情况.xlsx", _agri_q2(ents), STAMP[Q2], written)

    # 4: task progress, Q2 and Q3, from six bureaus
    for period in (Q2, Q3):
        for bureau, names in TASK_FILES.items():
            body = _task_rows(bureau, period, rng)
            _save(inbox / bureau / names[period], _task_sheet(bureau, period, body, rng), STAMP[period], written)

    # 5: a task report with mistakes, started from last quarter's template, with a 合计 row
    _save(inbox / "商务局" / "商务局任务进展2022年第二季度.xlsx",
          _with_total_row(_task_sheet("商务局", Q2, _mistakes_rows(), rng), TEMPLATE_REUSED), STAMP[Q2], written)

    # 6: valid enterprise form, but the file name carries no period
    _save(inbox / "住建局" / "企业情况.xlsx", _construction(rng, {e.credit_code for e in ents}), STAMP[Q2], written)
    return written


if __name__ == "__main__":
    target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "demo_inbox")
    for p in build_sample_share(target, int(sys.argv[2]) if len(sys.argv) > 2 else 7):
        print(p)
