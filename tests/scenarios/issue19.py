"""Issue 19's "Done when" scenario: fifteen quarters (2022Q2–2025Q4) of a small share, and what srdi must make of
it, written by hand from 蛟政发〔2022〕4号 (never read back from srdi).

The share
---------
Enterprises: the twelve of Annex 1 (in every home: srdi seeds its registry from it) plus two new ones. Six are
reported by a bureau; the other Annex 1 enterprises keep their Annex 1 state all along.

    开普   吉林开普科立辉动力有限公司 (Annex 1, seed)      climbs: 吉林市级 in 2022 (2022Q3), 吉林省级 in 2023 (2023Q4)
    松江   吉林市松江塑料管道设备有限责任公司 (Annex 1)    吉林市级 2024Q1 and 吉林省级 2024Q4: two levels in one year
    拉法   蛟河市拉法新型建材有限公司 (new, 建筑; 住建局)  "2022年3月认定吉林市级": a month-dated recognition before the plan
    酒业   长白山酒业集团有限公司 (Annex 1, 农业)          吉林市级 in 2023 (2023Q3); renamed 吉林长白山酒业集团股份有限公司
                                                           from 2024Q2, same credit code, 备注 says so
    得利斯 吉林得利斯食品有限公司 (Annex 1, 农业)          reported, stays a seed
    庆岭   蛟河市庆岭食品有限公司 (new, 农业, 2022Q3)      a wrong credit code until 2023Q2, corrected from 2023Q3 (备注)

Bureaus (6): 住建局 (enterprise form every quarter: 拉法 alone), 工信局 (enterprise + task form every quarter; T1-1, T3-1 bank event, T4-1 training 20 人次),
农业农村局 (enterprise form; 2023Q1 five days late, 2024Q1 never sent), 人民银行 (T3-1 every quarter),
人社局 (2024Q3 only: 本期进展 merged across the 需市政府协调解决的问题 header, a problem typed under it),
商务局 (2024Q4 only: srdi's own template, filled in; the same bytes dropped again in January 2025).
Every file arrives three days before its deadline at 10:00 Beijing time, except 工信局's 2022Q3 task report, which
arrives 2022-10-11 06:30 Beijing time (2022-10-10 22:30 UTC): one day late.

Each quarter's files are dropped and ingested (the ingest's own steps, in this process) before the next quarter's;
srdi's 2024Q4 templates are written after the 2024Q3 ingest. Then the rollups of ROLLUPS run (their steps in this process).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from samples.workbooks import arrive, credit_code, enterprise_form, task_form, write_xlsx
from schemas.forms import TASK
from schemas.periods import period_label, periods_between
from tests.helpers import ingest_in_process, rollup_in_process, templates_in_process

BJ = ZoneInfo("Asia/Shanghai")
QUARTERS = periods_between("quarterly", "2022Q2", "2025Q4")
ROLLUPS = [("quarterly", "2022Q3"), ("quarterly", "2023Q4"), ("quarterly", "2024Q3"), ("quarterly", "2024Q4"),
           ("midyear", "2024H1"),
           ("annual", "2022"), ("annual", "2023"), ("annual", "2024"), ("annual", "2025")]

# ---------------------------------------------------------------- names and codes

KAIPU = "吉林开普科立辉动力有限公司"
SONGJIANG = "吉林市松江塑料管道设备有限责任公司"
LAFA = "蛟河市拉法新型建材有限公司"
JIUYE_OLD = "长白山酒业集团有限公司"
JIUYE = "吉林长白山酒业集团股份有限公司"          # its name from 2024Q2
DELISI = "吉林得利斯食品有限公司"
QINGLING = "蛟河市庆岭食品有限公司"
# Annex 1 enterprises nobody reports: they keep Annex 1's state
PHARMA, TIANZHENG, TIANXIANG = "长白山制药股份有限公司", "吉林添正生物科技股份有限公司", "蛟河市天翔炭业有限公司"
TIANYI, JINYI, SONGHUAHU = "吉林天一昊宇食品科技有限公司", "吉林金亿食品有限责任公司", "吉林省松花湖管业有限公司"
HONGYUAN, WANGPU = "吉林鸿源绿洲环保科技有限公司", "吉林旺普家具有限公司"

CODE = {KAIPU: credit_code(19001), SONGJIANG: credit_code(19002), LAFA: credit_code(19003),
        JIUYE: credit_code(19004), DELISI: credit_code(19005), QINGLING: credit_code(19006)}
QINGLING_WRONG = credit_code(19096)      # valid check digit, wrong enterprise: what the clerk typed until 2023Q2

RENAMED_FROM = "2024Q2"
CODE_FIXED_FROM = "2023Q3"
JIUYE_REMARK = "原名长白山酒业集团有限公司，2024年4月更名，统一社会信用代码不变"
QINGLING_REMARK = f"统一社会信用代码更正：原误填为{QINGLING_WRONG}"

LAFA_LEVEL = "2022年3月认定吉林市级"
GRAD_PROBLEM = "见习基地补贴资金缺口约30万元，需市政府协调解决"
GXJ_PROBLEM_2023Q4 = "部分种子企业研发投入不足，需市政府协调设立专精特新培育专项资金"


def _ent(name, **kw):
    return {"enterprise_name": name, "credit_code": CODE.get(name), "operating_status": "生产",
            "listing_status": "未上市", **kw}


def _vary(q: str, rows):
    """Each quarter's workbook differs from the last (patents grow; progress names the quarter): the same bytes
    under another quarter's name would rightly be a duplicate."""
    n = QUARTERS.index(q)
    if isinstance(rows, list):
        return [{**r, "patents": n + i} for i, r in enumerate(rows)]
    return {t: {"progress": f"{period_label(q)}，按计划推进{t}相关工作。", **r} for t, r in rows.items()}


def _at_least(q: str, start: str) -> bool:
    return QUARTERS.index(q) >= QUARTERS.index(start)


def gxj_enterprises(q: str) -> list[dict]:
    """工信局 (工业专班)'s enterprise report for quarter q."""
    kaipu = ("已纳入吉林市培育库" if q == "2022Q2" else
             "2022年已认定吉林市级" if not _at_least(q, "2023Q4") else "2023年已认定吉林省级")
    songjiang = ("已纳入吉林市培育库" if not _at_least(q, "2024Q1") else
                 "2024年已认定吉林市级" if not _at_least(q, "2024Q4") else "2024年已认定吉林省级")
    return [
        _ent(KAIPU, industry="装备制造", srdi_level_text=kaipu, planned_city_year=2022, planned_province_year=2022,
             responsible_leader="尤海阳", service_team="工业", rd_expense=80.0, sales_revenue=4000.0,
             tech_staff=15, total_staff=100),
        _ent(SONGJIANG, industry="冶金建材", srdi_level_text=songjiang, planned_city_year=2022,
             planned_province_year=2022, responsible_leader="路建国", service_team="工业", rd_expense=60.0,
             sales_revenue=4000.0, tech_staff=12, total_staff=100),
    ]


def zjj_enterprises(q: str) -> list[dict]:
    """住建局 (建筑专班)'s enterprise report: its one enterprise, recognised 吉林市级 in March 2022."""
    return [_ent(LAFA, industry="新型建材", srdi_level_text=LAFA_LEVEL, planned_province_year=2025,
                 responsible_leader="李国忠", service_team="建筑", rd_expense=20.0, sales_revenue=1500.0,
                 tech_staff=6, total_staff=60)]


def agri_enterprises(q: str) -> list[dict]:
    """农业农村局 (农业专班)'s enterprise report for quarter q."""
    renamed = _at_least(q, RENAMED_FROM)
    rows = [
        _ent(JIUYE_OLD if not renamed else JIUYE, credit_code=CODE[JIUYE], industry="葡萄酒制造",
             srdi_level_text="已纳入吉林市培育库" if not _at_least(q, "2023Q3") else "2023年已认定吉林市级",
             planned_city_year=2023, planned_province_year=2025, responsible_leader="任峰", service_team="农业",
             rd_expense=30.0, sales_revenue=9000.0, tech_staff=20, total_staff=400,
             remarks=JIUYE_REMARK if renamed else None),
        _ent(DELISI, industry="农副产品加工", srdi_level_text="已纳入吉林市培育库", planned_city_year=2023,
             planned_province_year=2023, responsible_leader="尤海阳", service_team="农业", rd_expense=10.0,
             sales_revenue=3000.0, tech_staff=8, total_staff=150),
    ]
    if q != "2022Q2":
        fixed = _at_least(q, CODE_FIXED_FROM)
        rows.append(_ent(QINGLING, credit_code=CODE[QINGLING] if fixed else QINGLING_WRONG, industry="农副产品加工",
                         srdi_level_text="已纳入吉林市培育库", planned_city_year=2025, responsible_leader="王媚春",
                         service_team="农业", rd_expense=5.0, sales_revenue=800.0, tech_staff=4, total_staff=50,
                         remarks=QINGLING_REMARK if fixed else None))
    return rows


BANKLESS_QUARTER = "2023Q2"     # neither unit owing T3-1 held a bank–enterprise event


def gxj_tasks(q: str) -> dict[str, dict]:
    events = 0 if q == BANKLESS_QUARTER else 1
    return {
        "T1-1": {"status": "持续推进", "completion_pct": 50, "enterprises_served": 6,
                 "problems": GXJ_PROBLEM_2023Q4 if q == "2023Q4" else None},
        "T3-1": {"status": "持续推进", "completion_pct": 50, "bank_events": events, "enterprises_served": 4},
        "T4-1": {"status": "持续推进", "completion_pct": 50, "trained_persons": 20, "enterprises_served": 5},
    }


def pbc_tasks(q: str) -> dict[str, dict]:
    events = 0 if q == BANKLESS_QUARTER else 1
    return {"T3-1": {"status": "持续推进" if events else "滞后", "completion_pct": 50, "bank_events": events,
                     "enterprises_served": 3}}


# ---------------------------------------------------------------- arrivals (Beijing time)

def due_date(q: str) -> date:
    year, n = int(q[:4]), int(q[-1])
    end = date(year, 3 * n, 31 if n in (1, 4) else 30)
    return end + timedelta(days=10)


def usual_arrival(q: str) -> datetime:
    d = due_date(q) - timedelta(days=3)
    return datetime(d.year, d.month, d.day, 10, 0, tzinfo=BJ)


LATE = {("工信局", "task", "2022Q3"): datetime(2022, 10, 11, 6, 30, tzinfo=BJ),      # 2022-10-10 22:30 UTC
        ("农业农村局", "enterprise", "2023Q1"): datetime(2023, 4, 15, 10, 0, tzinfo=BJ)}
NEVER_SENT = {("农业农村局", "enterprise", "2024Q1")}
TEMPLATE_QUARTER = "2024Q4"
TEMPLATE_FIRST = datetime(2025, 1, 8, 10, 0, tzinfo=BJ)
TEMPLATE_AGAIN = datetime(2025, 1, 20, 10, 0, tzinfo=BJ)   # with 2025Q1's files, a later ingest
MERGED_QUARTER = "2024Q3"


# ---------------------------------------------------------------- the files

def _drop(home, bureau: str, name: str) -> Path:
    folder = home.inbox / bureau
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _when(bureau: str, form: str, q: str) -> datetime:
    return LATE.get((bureau, form, q), usual_arrival(q))


def merged_header_report(path: Path) -> Path:
    """人社局's 2024Q3 progress: a title, the template's labels on row 3, 本期进展 (G3) merged across the
    需市政府协调解决的问题 header (H3), so H3's label is gone; the problem is typed under it, in H4."""
    rows = task_form("人社局", {
        "T4-2": {"status": "持续推进", "completion_pct": 60, "trained_persons": 10, "enterprises_served": 4,
                 "problems": GRAD_PROBLEM},
        "T4-3": {"status": "推进中", "completion_pct": 50, "enterprises_served": 3}})
    labels = [f.label for f in TASK.fields]
    assert labels[6:8] == ["本期进展", "需市政府协调解决的问题"]      # G and H
    return write_xlsx(path, rows, title="人社局2024年第三季度专精特新工作任务进展情况", merges=["G3:H3"])


def files_of_quarter(home, q: str) -> list[Path]:
    """Write quarter q's workbooks into the inbox, each with its arrival time; return them."""
    out = []
    for bureau, name, rows in (("工信局", f"工信局种子企业库{q}.xlsx", gxj_enterprises),
                               ("农业农村局", f"农业专班企业情况{q}.xlsx", agri_enterprises),
                               ("住建局", f"住建局建筑专班企业{q}.xlsx", zjj_enterprises)):
        if (bureau, "enterprise", q) not in NEVER_SENT:
            out.append(arrive(write_xlsx(_drop(home, bureau, name), enterprise_form(_vary(q, rows(q)))),
                              _when(bureau, "enterprise", q)))
    for bureau, name, tasks in (("工信局", f"工信局任务进展{q}.xlsx", gxj_tasks),
                                ("人民银行", f"人民银行任务进展{q}.xlsx", pbc_tasks)):
        out.append(arrive(write_xlsx(_drop(home, bureau, name), task_form(bureau, _vary(q, tasks(q)))),
                          _when(bureau, "task", q)))
    if q == MERGED_QUARTER:
        out.append(arrive(merged_header_report(_drop(home, "人社局", f"人社局任务进展{q}.xlsx")), _when("人社局", "task", q)))
    return out


def fill_template(path: Path, values: dict[str, dict], out: Path) -> Path:
    """A clerk filling srdi's task template in Excel: each task's row, found by its id in column A."""
    from tasks.bureau.templates import FIRST_DATA
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cols = {TASK.match(c.value).name: c.column for c in ws[FIRST_DATA] if TASK.match(c.value)}
    for row in ws.iter_rows(min_row=FIRST_DATA + 1):
        for name, v in values.get(row[0].value, {}).items():
            ws.cell(row=row[0].row, column=cols[name], value=v)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


COMMERCE_TASKS = {t: {"status": "推进中", "completion_pct": 50, "progress": f"商务局推进{t}相关工作。"}
                  for t in ("T1-1", "T1-2", "T3-1", "T4-1")}


def build(home) -> dict:
    """Drop and ingest the fifteen quarters, then run ROLLUPS; return {period: rollup result}. Needs Prefect (the
    templates and rollup flows' steps in this process, tests/helpers.py: no Prefect server). Arrival = each file's
    modification time (an old share replayed)."""
    from tasks.bureau.templates import template_name
    filled_bytes = b""
    for q in QUARTERS:
        files_of_quarter(home, q)
        if q == TEMPLATE_QUARTER:
            templates_in_process(home, q)
            tpl = home.outbox / "商务局" / template_name("商务局", "task", q)
            filled = fill_template(tpl, COMMERCE_TASKS, _drop(home, "商务局", tpl.name))
            arrive(filled, TEMPLATE_FIRST)
            filled_bytes = filled.read_bytes()
        if q == "2025Q1":   # the same filled template, dropped again under another name
            again = _drop(home, "商务局", "商务局任务进展2024年第四季度（再次报送）.xlsx")
            again.write_bytes(filled_bytes)
            arrive(again, TEMPLATE_AGAIN)
        ingest_in_process(home, trust_mtime=True)
    return {period: rollup_in_process(kind, home, period) for kind, period in ROLLUPS}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The scenario's home, built once per module that uses it: (home, {period: rollup result}). Other tests (the
    Chinese-only checker) import this fixture to read its receipts, error lists, packs and dashboards."""
    from warehouse.home import Home
    home = Home.resolve(tmp_path_factory.mktemp("issue19") / "home").ensure()
    return home, build(home)
