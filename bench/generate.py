"""Seeded benchmark workloads: real .xlsx workbooks in a home's share/inbox/<bureau>/ folders.

    ten_years    a city's ten years: 40 quarters (2016Q1..2025Q4) of the six service-team bureaus'
                 enterprise libraries and every Annex 2 bureau's task progress (~760 files)
    provincial   a provincial-scale quarter: ~1,800 enterprise workbooks of ~50 rows each
    quarter400   issue #12's marginal-cost workload: 400 enterprise workbooks of exactly 50 rows
    big          one 100k-row enterprise workbook

Every workbook is in printed layout, as bureaus actually send them: a merged title row, a blank
row, line-broken headers ("专利数量\\n（含软著）"), a 序号 column, names padded with spaces
("王  威"), years written "2022年", level texts with leading spaces, and a 备注/填报人 footer.
A small, seeded share of files carries one mistake (rejected, error list written back) or one
warning (loaded, warning list written back), so the pipeline's feedback path is exercised too.

Written with xlsxwriter (fast); each file's bytes depend only on the seed. Output:

    bench-data/<workload>/share/inbox/<bureau>/<file>.xlsx
    bench-data/<workload>/manifest.json      files, data rows, injected errors/warnings, params

A workload whose manifest already matches the parameters is not regenerated.

    python -m bench.generate [--quick] [--out bench-data] [--only provincial]
    env: BENCH_SEED, BENCH_YEARS, BENCH_PROVINCIAL_FILES, BENCH_PROVINCIAL_ROWS, BENCH_BIG_ROWS,
         BENCH_QUARTER_FILES, BENCH_QUARTER_ROWS
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

from schemas import reference
from samples.share import (ANNEX1_HEADER, ANNEX1_NOTE, ANNEX1_WIDTHS, EXTRA_HEADER, REPORTERS, TASK_LABELS,
                           TASK_WIDTHS)
from samples.workbooks import credit_code

GENERATOR_VERSION = 3
WORKLOADS = ("ten_years", "provincial", "big", "quarter400")


@dataclass
class Scale:
    seed: int = 20240601
    years: int = 10                  # ten_years: quarters = 4 × years, ending 2025Q4
    provincial_files: int = 1800
    provincial_rows: int = 50        # mean rows per provincial workbook (±15)
    big_rows: int = 100_000
    quarter_files: int = 400         # quarter400 (issue #12): 400 workbooks of 50 rows each
    quarter_rows: int = 50
    error_rate: float = 0.02         # share of files with one deliberate error (file rejected)
    warning_rate: float = 0.05       # share of files with one warning (file loaded)

    @classmethod
    def from_env(cls, quick: bool = False) -> "Scale":
        s = cls(years=2, provincial_files=200, big_rows=10_000, quarter_files=100) if quick else cls()
        env = os.environ
        s.seed = int(env.get("BENCH_SEED", s.seed))
        s.years = int(env.get("BENCH_YEARS", s.years))
        s.provincial_files = int(env.get("BENCH_PROVINCIAL_FILES", s.provincial_files))
        s.provincial_rows = int(env.get("BENCH_PROVINCIAL_ROWS", s.provincial_rows))
        s.big_rows = int(env.get("BENCH_BIG_ROWS", s.big_rows))
        s.quarter_files = int(env.get("BENCH_QUARTER_FILES", s.quarter_files))
        s.quarter_rows = int(env.get("BENCH_QUARTER_ROWS", s.quarter_rows))
        return s

    def params(self, workload: str) -> dict:
        common = {"version": GENERATOR_VERSION, "seed": self.seed, "error_rate": self.error_rate,
                  "warning_rate": self.warning_rate}
        own = {"ten_years": {"years": self.years},
               "provincial": {"files": self.provincial_files, "rows": self.provincial_rows},
               "big": {"rows": self.big_rows},
               "quarter400": {"files": self.quarter_files, "rows": self.quarter_rows}}[workload]
        return {**common, **own}


@dataclass
class Manifest:
    workload: str
    params: dict
    files: int = 0
    rows: int = 0                    # data rows written (what a reader must turn into records)
    errors: int = 0                  # files with a deliberate error: expected 'rejected'
    warnings: int = 0                # files with a deliberate warning
    bytes: int = 0
    seconds: float = 0.0
    bureaus: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- names and values

PLACES = ("蛟河市", "吉林", "吉林省", "桦甸市", "舒兰市", "磐石市", "永吉县", "丰满区", "船营区", "昌邑区",
          "龙潭区", "长春", "九台区", "榆树市", "德惠市", "农安县", "四平", "辽源", "通化", "白山",
          "松原", "白城", "延边", "敦化市", "珲春市", "梅河口市", "公主岭市", "双辽市", "集安市", "临江市",
          "扶余市", "洮南市", "大安市", "图们市", "龙井市", "和龙市", "东丰县", "柳河县", "辉南县", "抚松县")
CORES = ("恒盛", "鑫源", "华瑞", "宏泰", "兴隆", "长青", "瑞丰", "永新", "金山", "福源",
         "天宝", "众诚", "嘉禾", "松江", "拉法", "新站", "庆岭", "白石", "青背", "漂河",
         "东升", "北华", "盛达", "广源", "富民", "泰和", "博远", "嘉信", "鼎盛", "汇通",
         "中科", "新元", "立辉", "昊宇", "添正", "得利", "开普", "鸿源", "旺普", "金亿")
TRADES = (("装备\n制造", "机械制造有限公司"), ("农副产\n品加工", "食品有限公司"), ("医药", "药业有限公司"),
          ("冶金\n建材", "建材有限公司"), ("家具\n制造", "木业有限公司"), ("石材加工", "石材有限公司"),
          ("废弃资源综合利用", "环保科技有限公司"), ("葡萄酒\n制造", "酒业有限公司"))
LEADERS = ("王  威", "张  静", "路建国", "王媚春", "任  峰", "尤海阳", "滕慧阳", "李国忠", "刘  洋", "孙丽娜")
TECH_CENTERS = (None, None, None, "吉林市级", "吉林省级", "省级")
STATUSES = ("生产", "生产", "生产", "生产", "半生产", "停产")
CN_Q = "一二三四"


def enterprise_name(i: int) -> str:
    """A distinct company name for each i < 40·40·40·8 (mixed radix over places, cores, trades)."""
    i, t = divmod(i, len(TRADES))
    i, b = divmod(i, len(CORES))
    i, a = divmod(i, len(CORES))
    p = i % len(PLACES)
    return f"{PLACES[p]}{CORES[a]}{CORES[b]}{TRADES[t][1]}"


def industry_of(i: int) -> str:
    return TRADES[i % len(TRADES)][0]


def period_text(period: str, style: int) -> str:
    y, q = period[:4], int(period[-1])
    return (f"{y}Q{q}", f"{y}-Q{q}", f"{y}年第{CN_Q[q - 1]}季度", f"{y}年{CN_Q[q - 1]}季度", f"{y}年{q}季度")[style % 5]


def quarters(years: int, last_year: int = 2025) -> list[str]:
    return [f"{y}Q{q}" for y in range(last_year - years + 1, last_year + 1) for q in range(1, 5)]


def _pad(name: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.08:
        return f" {name} "
    if r < 0.12:
        return name + "\u3000"
    return name


def _level_text(rng: random.Random, recognised: int | None, year: int) -> str | None:
    if recognised is not None and year >= recognised:
        return rng.choice((f"{recognised}年已认定吉林市级", f" {recognised}年已认定省级", f"{recognised}年已认定省级国家级拟培育"))
    return rng.choice((None, "已纳入吉林市培育库", "已纳入吉林市培育库"))


# ---------------------------------------------------------------- the printed-layout writer

class PrintedWorkbook:
    """One sheet as printed: merged title, optional sub-title line, header, body, merged footer."""

    def __init__(self, path: Path, stamp: datetime, *, big: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                  "strings_to_urls": False})
        self.wb.set_properties({"created": stamp, "author": "", "company": ""})
        self.title = self.wb.add_format({"bold": True, "font_name": "宋体", "font_size": 16,
                                         "align": "center", "valign": "vcenter"})
        self.head = self.wb.add_format({"bold": True, "font_name": "宋体", "text_wrap": True, "border": 1,
                                        "align": "center", "valign": "vcenter"})
        self.cell = self.wb.add_format({"font_name": "宋体", "border": 1, "text_wrap": not big, "valign": "vcenter"})
        self.text = self.wb.add_format({"font_name": "宋体", "border": 1, "num_format": "@", "valign": "vcenter"})
        self.plain = self.wb.add_format({"font_name": "宋体"})

    def sheet(self, name: str, title: str, header: list[str], body: list[list], *, subtitle: str | None = None,
              blank_row: bool = True, footer: str | None = None, footer_cols: tuple[int, int] = (0, 0),
              text_cols: tuple[int, ...] = (), widths: dict[int, float] | None = None,
              merge_col: int | None = None) -> None:
        ws = self.wb.add_worksheet(name)
        width = len(header)
        ws.merge_range(0, 0, 0, width - 1, title, self.title)
        ws.set_row(0, 30)
        r = 1
        if subtitle is not None:
            ws.merge_range(r, 0, r, min(5, width - 1), subtitle, self.plain)
            r += 1
        elif blank_row:
            r += 1
        for c, h in enumerate(header):
            ws.write_string(r, c, h, self.head)
        r += 1
        first = r
        for row in body:
            for c, v in enumerate(row):
                if v is None:
                    ws.write_blank(r, c, None, self.cell)
                elif isinstance(v, str):
                    ws.write_string(r, c, v, self.text if c in text_cols else self.cell)
                else:
                    ws.write_number(r, c, v, self.cell)
            r += 1
        if merge_col is not None:   # a merged cell down each run of the same value (工作任务 groups)
            run_start = 0
            for i in range(1, len(body) + 1):
                if i == len(body) or body[i][merge_col] is not None:
                    if i - run_start > 1:
                        ws.merge_range(first + run_start, merge_col, first + i - 1, merge_col,
                                       body[run_start][merge_col], self.cell)
                    run_start = i
        if footer is not None:
            c1, c2 = footer_cols
            if c2 > c1:
                ws.merge_range(r, c1, r, c2, footer, self.plain)
            else:
                ws.write_string(r, c1, footer, self.plain)
        for c, w in (widths or {}).items():
            ws.set_column(c, c, w)
        ws.repeat_rows(first - 1)

    def close(self) -> int:
        self.wb.close()
        return self.path.stat().st_size


# ---------------------------------------------------------------- enterprise rows

ENTERPRISE_HEADER = [*ANNEX1_HEADER, *EXTRA_HEADER]      # 15 printed columns, 序号 first


@dataclass
class Firm:
    uid: int                # names and credit codes derive from it
    industry: str
    base_sales: float       # 万元 per year
    staff: int
    rd_ratio: float
    tech_ratio: float
    city_year: int
    prov_year: int | None
    recognised: int | None  # year recognised at city level, if ever
    leader: str
    tech_center: str | None
    patents: int | None
    status: str = "生产"

    @classmethod
    def draw(cls, uid: int, rng: random.Random, first_year: int = 2016) -> "Firm":
        city = rng.randint(max(2015, first_year), 2030)
        return cls(uid, industry_of(uid), round(rng.uniform(300, 12000), 1), rng.randint(30, 600),
                   rng.uniform(0.006, 0.048), rng.uniform(0.05, 0.19), city,
                   rng.choice((None, city, city + 1, city + 2)),
                   rng.choice((None, None, city + rng.randint(0, 3))), rng.choice(LEADERS),
                   rng.choice(TECH_CENTERS), rng.choice((None, *range(0, 31))))


def enterprise_row(seq: int, f: Firm, rng: random.Random, period: str) -> list:
    year, q = int(period[:4]), int(period[-1])
    sales = round(f.base_sales * q / 4 * rng.uniform(0.85, 1.15), 1)     # year to date
    total = max(5, f.staff + rng.randint(-5, 5))
    return [
        seq, _pad(enterprise_name(f.uid), rng), f.industry, f.tech_center, f.patents, f.status,
        _level_text(rng, f.recognised, year), f"{f.city_year}年",
        None if f.prov_year is None else f"{f.prov_year}年", f.leader, credit_code(f.uid),
        round(sales * f.rd_ratio, 1), sales, max(1, round(total * f.tech_ratio)), total,
    ]


def spoil_enterprise(body: list[list], rng: random.Random, kind: str) -> None:
    """One deliberate mistake (kind='error': rejected) or one warning (kind='warning': loaded)."""
    row = rng.choice(body)
    if kind == "error":
        code = row[10]
        row[10] = code[:-1] + ("0" if code[-1] != "0" else "1")    # wrong GB 32100 check character
    else:
        row[7], row[8] = "2026年", "2024年"                        # 拟培育省级 before 拟培育市级


def write_enterprise(path: Path, title: str, body: list[list], stamp: datetime, *, big: bool = False) -> int:
    wb = PrintedWorkbook(path, stamp, big=big)
    wb.sheet("种子企业库", title, ENTERPRISE_HEADER, body, footer=ANNEX1_NOTE, footer_cols=(1, 9),
             text_cols=(10,), widths=ANNEX1_WIDTHS)
    return wb.close()


# ---------------------------------------------------------------- task rows

TASK_STATUS_FLOW = ("未启动", "推进中", "持续推进", "滞后")


def task_body(bureau: str, period: str, rng: random.Random, start: str) -> list[list]:
    """One row per Annex 2 task of the bureau; completion rises over the years (it is a 10-year plan)."""
    items = reference.tasks_of(bureau)
    y0, q0 = int(start[:4]), int(start[-1])
    elapsed = (int(period[:4]) - y0) * 4 + int(period[-1]) - q0
    body, prev_group = [], None
    for i, t in enumerate(items):
        pct = min(100, max(0, elapsed * 3 + rng.randint(-5, 10)))
        status = "已完成" if pct >= 100 else ("未启动" if pct == 0 else rng.choice(TASK_STATUS_FLOW[1:]))
        group = f"{t.group_id}{t.group_name}"
        served = rng.randint(1, 15)
        trained = rng.randint(10, 60) if "trained_persons" in t.metrics or t.task_id.startswith("T4") else None
        events = rng.randint(0, 2) if t.task_id == "T3-1" else None
        body.append([
            i + 1, t.task_id, None if group == prev_group else group, t.item_text, bureau, status,
            f"{pct}%" if rng.random() < 0.2 else pct,
            f"{bureau}按计划推进{t.task_id}相关工作，走访服务企业{served}户，本期完成阶段性任务。",
            rng.choice((None, None, "企业融资需求较大，需市政府统筹协调。")), "继续抓好落实。",
            events, trained, served,
        ])
        prev_group = group
    return body


def spoil_task(body: list[list], rng: random.Random, kind: str) -> None:
    row = rng.choice(body)
    if kind == "error":
        row[6] = 150                          # completion above 100 %
    else:
        row[7] = None                         # 本期进展 empty


def write_task(path: Path, bureau: str, period: str, body: list[list], rng: random.Random, stamp: datetime) -> int:
    full = reference.bureaus()[bureau].full_name
    wb = PrintedWorkbook(path, stamp)
    wb.sheet("任务进展", f"{bureau}{period_text(period, 2)}专精特新工作任务进展情况", TASK_LABELS, body,
             subtitle=f"填报单位：{full}", footer=f"填报人：{rng.choice(REPORTERS)}", footer_cols=(0, 0),
             widths=TASK_WIDTHS, merge_col=2)
    return wb.close()


# ---------------------------------------------------------------- workloads

def _stamp(period: str, k: int = 0) -> datetime:
    y, q = int(period[:4]), int(period[-1])
    m = q * 3 + 1
    return datetime(y + (m > 12), (m - 1) % 12 + 1, 5, 8, 0, 0).replace(minute=k % 60, second=(k // 60) % 60)


def _touch(path: Path, when: datetime) -> None:
    t = when.timestamp()
    os.utime(path, (t, t))


def _mistake(rng: random.Random, scale: Scale) -> str | None:
    r = rng.random()
    if r < scale.error_rate:
        return "error"
    if r < scale.error_rate + scale.warning_rate:
        return "warning"
    return None


def gen_ten_years(inbox: Path, scale: Scale, m: Manifest) -> None:
    rng = random.Random(scale.seed)
    periods = quarters(scale.years)
    teams = reference.service_teams()                         # team -> bureau
    task_bureaus = [b for b in reference.bureaus() if reference.tasks_of(b)]
    rosters: dict[str, list[Firm]] = {}
    next_uid = 0
    for team in teams:
        rosters[team] = []
        for _ in range(rng.randint(10, 25)):
            rosters[team].append(Firm.draw(next_uid, rng))
            next_uid += 1
    m.bureaus = sorted(set(teams.values()) | set(task_bureaus))
    for pi, period in enumerate(periods):
        year = int(period[:4])
        for team, bureau in teams.items():
            roster = rosters[team]
            for _ in range(rng.choice((0, 0, 1, 1, 2))):       # new enterprises enter the library
                roster.append(Firm.draw(next_uid, rng, year))
                next_uid += 1
            for f in roster:
                if f.status != "注销" and rng.random() < 0.01:
                    f.status = rng.choice(("停产", "半生产", "注销"))
                elif f.status in ("停产", "半生产") and rng.random() < 0.2:
                    f.status = "生产"
            body = [enterprise_row(i, f, rng, period) for i, f in enumerate(roster, 1)]
            kind = _mistake(rng, scale)
            if kind:
                spoil_enterprise(body, rng, kind)
                setattr(m, kind + "s", getattr(m, kind + "s") + 1)
            name = f"{bureau}{reference.bureaus()[bureau].service_team}专班企业情况{period_text(period, pi + len(m.bureaus))}.xlsx"
            path = inbox / bureau / name
            m.bytes += write_enterprise(path, f"蛟河市“专精特新”重点培育种子企业库（{team}服务专班，{period_text(period, 2)}）",
                                        body, _stamp(period))
            _touch(path, _stamp(period, 1))
            m.files += 1
            m.rows += len(body)
        for bi, bureau in enumerate(task_bureaus):
            body = task_body(bureau, period, rng, periods[0])
            kind = _mistake(rng, scale)
            if kind:
                spoil_task(body, rng, kind)
                setattr(m, kind + "s", getattr(m, kind + "s") + 1)
            path = inbox / bureau / f"{bureau}专精特新工作任务进展{period_text(period, pi + bi)}.xlsx"
            m.bytes += write_task(path, bureau, period, body, rng, _stamp(period))
            _touch(path, _stamp(period, 2 + bi))
            m.files += 1
            m.rows += len(body)


def _folders() -> list[str]:
    """Every bureau's canonical name and its aliases: the folder names a province's bureaus use."""
    out = []
    for b in reference.bureaus().values():
        out.append(b.bureau)
        out.extend(a for a in b.aliases if "(" not in a and "（" not in a)
    return out


def gen_provincial(inbox: Path, scale: Scale, m: Manifest, period: str = "2024Q2", *, files: int | None = None,
                   rows: int | None = None, spread: int = 15, seed: int = 1) -> None:
    rng = random.Random(scale.seed + seed)
    folders = _folders()
    m.bureaus = sorted({reference.resolve_bureau(f) for f in folders})
    uid = 1_000_000
    files = scale.provincial_files if files is None else files
    rows = scale.provincial_rows if rows is None else rows
    for i in range(files):
        folder = folders[i % len(folders)]
        county = PLACES[(i // len(folders)) % len(PLACES)]
        n = max(5, rows + rng.randint(-spread, spread))
        firms = [Firm.draw(uid + k, rng, 2018) for k in range(n)]
        uid += n
        body = [enterprise_row(k, f, rng, period) for k, f in enumerate(firms, 1)]
        kind = _mistake(rng, scale)
        if kind:
            spoil_enterprise(body, rng, kind)
            setattr(m, kind + "s", getattr(m, kind + "s") + 1)
        path = inbox / folder / f"{county}{folder}专精特新种子企业库{period_text(period, i)}_{i:04d}.xlsx"
        title = f"{county}“专精特新”重点培育种子企业库（{period_text(period, 2)}）"
        m.bytes += write_enterprise(path, title, body, _stamp(period))
        _touch(path, _stamp(period, i))
        m.files += 1
        m.rows += n


def gen_big(inbox: Path, scale: Scale, m: Manifest, period: str = "2024Q4") -> None:
    rng = random.Random(scale.seed + 2)
    m.bureaus = ["工信局"]
    body = [enterprise_row(k, Firm.draw(2_000_000 + k, rng, 2018), rng, period) for k in range(1, scale.big_rows + 1)]
    path = inbox / "工信局" / f"全省专精特新种子企业库汇总{period}.xlsx"
    m.bytes += write_enterprise(path, f"吉林省“专精特新”重点培育种子企业库汇总（{period_text(period, 2)}）", body,
                                _stamp(period), big=True)
    _touch(path, _stamp(period))
    m.files, m.rows = 1, len(body)


def gen_quarter400(inbox: Path, scale: Scale, m: Manifest) -> None:
    """Issue #12's measurement: 400 printed-layout enterprise workbooks of 50 data rows each (one quarter)."""
    gen_provincial(inbox, scale, m, "2024Q3", files=scale.quarter_files, rows=scale.quarter_rows, spread=0, seed=3)


GENERATORS = {"ten_years": gen_ten_years, "provincial": gen_provincial, "big": gen_big, "quarter400": gen_quarter400}


def share_of(out: Path, workload: str) -> Path:
    return out / workload / "share"


def load_manifest(out: Path, workload: str) -> Manifest | None:
    p = out / workload / "manifest.json"
    if not p.exists():
        return None
    return Manifest(**json.loads(p.read_text(encoding="utf-8")))


def generate(out: Path, workload: str, scale: Scale, *, force: bool = False, log=print) -> Manifest:
    params = scale.params(workload)
    old = load_manifest(out, workload)
    if old is not None and old.params == params and not force and share_of(out, workload).exists():
        return old
    root = out / workload
    if root.exists():
        shutil.rmtree(root)
    inbox = share_of(out, workload) / "inbox"
    inbox.mkdir(parents=True)
    m = Manifest(workload, params)
    t0 = time.perf_counter()
    GENERATORS[workload](inbox, scale, m)
    m.seconds = round(time.perf_counter() - t0, 2)
    (root / "manifest.json").write_text(json.dumps(asdict(m), ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"generated {workload}: {m.files} files, {m.rows} rows, {m.bytes / 1e6:.1f} MB in {m.seconds:.1f}s "
        f"({m.errors} with an error, {m.warnings} with a warning)")
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench-data", help="where the pristine workloads go (default bench-data/)")
    ap.add_argument("--quick", action="store_true", help="small workloads for a smoke run")
    ap.add_argument("--only", action="append", choices=WORKLOADS, help="generate only this workload (repeatable)")
    ap.add_argument("--force", action="store_true", help="regenerate even if the manifest matches")
    args = ap.parse_args(argv)
    scale = Scale.from_env(args.quick)
    out = Path(args.out) / ("quick" if args.quick else "full")
    for w in args.only or WORKLOADS:
        m = generate(out, w, scale, force=args.force)
        print(f"{w}: {m.files} files, {m.rows} rows -> {share_of(out, w)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
