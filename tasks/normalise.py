"""Find the header in each sheet, recognise the form, and turn cell text into typed values.

Everything here is parse-first: a value that cannot be parsed becomes a Finding at its cell,
never a silent null. pandera then validates the typed frame (tasks/validate.py).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from schemas.findings import ERROR, WARNING, Finding
from schemas.forms import FORMS, SEQ_KEYS, Field, Form, header_key
from tasks.read import RawWorkbook, SheetGrid

HEADER_SCAN_ROWS = 30
FOOTER_PREFIXES = ("备注", "注：", "注:", "说明", "填表说明", "填报人", "审核人", "联系人", "联系电话", "填报日期", "制表", "单位负责人")


@dataclass
class HeaderMatch:
    form: Form
    header_rows: tuple[int, ...]            # 0-based grid rows
    columns: dict[str, int]                  # field -> grid column
    labels: dict[str, str]                   # field -> the header text as written
    score: int
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (grid col, header text)
    duplicates: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ParsedForm:
    """One form's rows from one workbook, typed, with where each came from."""
    form: Form
    frame: pl.DataFrame                      # typed columns + _sheet, _row
    letters: dict[str, dict[str, str]]       # sheet -> field -> Excel column letter
    labels: dict[str, dict[str, str]]        # sheet -> field -> header text as written
    sheets: list[str]


@dataclass
class NormalisedWorkbook:
    forms: dict[str, ParsedForm]
    findings: list[Finding]


# ---------------------------------------------------------------- header detection

def _row_texts(grid: SheetGrid, r: int) -> list[str | None]:
    if r >= grid.frame.height:
        return [None] * grid.frame.width
    return [v if v is None else v.strip() or None for v in grid.frame.row(r)]


def _match_labels(form: Form, labels: list[str | None]) -> HeaderMatch:
    cols: dict[str, int] = {}
    written: dict[str, str] = {}
    unmatched, dups = [], []
    for c, label in enumerate(labels):
        if not label:
            continue
        f = form.match(label)
        if f is None:
            if header_key(label) not in SEQ_KEYS:
                unmatched.append((c, label))
            continue
        if f.name in cols:
            dups.append((c, label))
            continue
        cols[f.name] = c
        written[f.name] = "".join(label.split())
    score = len(cols) if any(k in cols for k in form.identifying) else 0
    return HeaderMatch(form, (), cols, written, score, unmatched, dups)


def _two_row_labels(top: list[str | None], sub: list[str | None], form: Form) -> list[str | None]:
    """Labels for a two-row header: a merged parent (its value only in its top-left cell) over children."""
    out: list[str | None] = []
    carry: str | None = None
    for c, (p, s) in enumerate(zip(top, sub)):
        if p is not None:
            carry = p
        elif s is None or c == 0 or sub[c - 1] is None:
            carry = None
        parent = p if p is not None else carry
        if s is None:
            out.append(parent)
            continue
        combined = (parent or "") + s
        if parent and form.match(combined):
            out.append(combined)
        elif form.match(s) or parent is None:
            out.append(s)
        else:
            out.append(parent)
    return out


def find_header(grid: SheetGrid) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    rows = min(HEADER_SCAN_ROWS, grid.frame.height)
    for r in range(rows):
        top = _row_texts(grid, r)
        if sum(v is not None for v in top) < 2:
            continue
        sub = _row_texts(grid, r + 1)
        for form in FORMS:
            cands = [(_match_labels(form, top), (r,))]
            if r + 1 < grid.frame.height:
                cands.append((_match_labels(form, _two_row_labels(top, sub, form)), (r, r + 1)))
            for m, hdr in cands:
                if m.score < 2:
                    continue
                m.header_rows = hdr
                if best is None or m.score > best.score:
                    best = m
    return best


# ---------------------------------------------------------------- value parsers (on unique values)

_NUM_SUFFIX = re.compile(r"(万元|元|人次|人|次|户|项|件|个|家|场)$")
_INT_RE = re.compile(r"^[+-]?\d+(\.0+)?$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_YEAR_RE = re.compile(r"^(\d{4})(?:年(?:度)?)?(?:\.0+)?(?:-\d{2}-\d{2}(?: 00:00:00)?)?$")


class ParseError(ValueError):
    def __init__(self, rule: str, message: str, fix: str):
        super().__init__(message)
        self.rule, self.message, self.fix = rule, message, fix


def _num_text(s: str) -> str:
    s = s.replace(",", "").replace("，", "")
    return _NUM_SUFFIX.sub("", s).strip()


def parse_int(s: str) -> int:
    t = _num_text(s)
    if _INT_RE.match(t):
        return int(float(t))
    raise ParseError("parse.int", f"“{s}”不是整数", "请只填写阿拉伯数字，如 12；不要填写“约”“若干”等文字。")


def parse_float(s: str) -> float:
    t = _num_text(s)
    if _FLOAT_RE.match(t):
        return float(t)
    raise ParseError("parse.number", f"“{s}”不是数字", "请只填写数字（单位见表头），如 125.5。")


def parse_year(s: str) -> int:
    m = _YEAR_RE.match(s)
    if m:
        return int(m.group(1))
    raise ParseError("parse.year", f"“{s}”不是年份", "请填写四位年份，如 2023 或 2023年。")


def parse_pct(s: str) -> float:
    t = s.strip()
    if t.endswith("%"):
        v = parse_float(t[:-1])
        return v
    v = parse_float(t)
    # An Excel cell formatted as a percentage stores 80% as 0.8.
    if 0 < v < 1:
        return round(v * 100, 6)
    return v


_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def parse_code(s: str) -> str:
    t = s.upper()
    if re.match(r"^\d+(\.\d+)?E\+?\d+$", t):
        raise ParseError("parse.credit_code", f"“{s}”是被 Excel 按数字保存的信用代码，已丢失位数",
                         "请把该列设为“文本”格式后重新输入完整的 18 位统一社会信用代码。")
    if not _CREDIT_RE.match(t):
        raise ParseError("parse.credit_code", f"“{s}”不是 18 位统一社会信用代码",
                         "统一社会信用代码为 18 位数字或大写字母（不含 I、O、Z、S、V），请核对营业执照。")
    return t


_LEVEL_WORD = {"市级": "吉林市级", "吉林市级": "吉林市级", "吉林市": "吉林市级",
               "省级": "吉林省级", "吉林省级": "吉林省级", "吉林省": "吉林省级",
               "国家级": "国家级", "国家": "国家级", "小巨人": "国家级", "国家级小巨人": "国家级"}
_LV = r"(吉林市级|吉林省级|吉林市|吉林省|市级|省级|国家级小巨人|国家级|小巨人)"
_RANK = {"种子": 0, "吉林市级": 1, "吉林省级": 2, "国家级": 3}
_FILLER = re.compile(r"[，,。.;；、/\s()（）]|专精特新|中小企业|企业|认定|级别|已")


def parse_level(s: str) -> dict:
    """Free text of the 认定级别 column -> current level, year recognised, level under cultivation, pool.

    '2021年已认定省级国家级拟培育' -> 吉林省级 (2021), cultivating 国家级
    '已纳入吉林市培育库'           -> 种子, cultivating 吉林市级, in the pool
    """
    t = s
    level, year, cult, pool = None, None, None, False
    rest = t
    for m in re.finditer(r"(?:(\d{4})年?(?:度)?)?(?:已|被)?认定(?:为)?" + _LV + r"(?:专精特新)?(?:中小企业)?", t):
        lv = _LEVEL_WORD[m.group(2)]
        if level is None or _RANK[lv] >= _RANK[level]:
            level, year = lv, int(m.group(1)) if m.group(1) else year
        rest = rest.replace(m.group(0), " ")
    for m in re.finditer(_LV + r"(?:专精特新)?拟培育|拟培育" + _LV, rest):
        cult = _LEVEL_WORD[m.group(1) or m.group(2)]
        rest = rest.replace(m.group(0), " ")
    for m in re.finditer(r"(?:已)?纳入(吉林市|吉林省|市级|省级|蛟河市)?(?:级)?(?:种子)?(?:企业)?培育库", rest):
        pool = True
        where = m.group(1)
        if cult is None:
            cult = "吉林省级" if where in ("吉林省", "省级") else "吉林市级"
        rest = rest.replace(m.group(0), " ")
    if level is None:
        m = re.fullmatch(r"(?:(\d{4})年?)?" + _LV + r"(?:专精特新)?(?:中小企业|企业)?", _FILLER.sub("", rest) or "-")
        if m:
            level, year = _LEVEL_WORD[m.group(2)], int(m.group(1)) if m.group(1) else None
            rest = ""
        elif re.fullmatch(r"种子企业?|种子|培育库", _FILLER.sub("", rest) or "-"):
            pool, rest = True, ""
    if _FILLER.sub("", rest):
        raise ParseError("parse.srdi_level", f"无法识别认定级别“{s}”",
                         "请填写如“2021年已认定省级”“已纳入吉林市培育库”“国家级拟培育”，或使用模板下拉选项。")
    return {"srdi_level": level or "种子", "srdi_level_year": year, "cultivating_level": cult, "in_seed_pool": pool}


ENUM_SYNONYMS = {
    "operating_status": {"正常生产": "生产", "在产": "生产", "正常": "生产", "半停产": "半生产",
                         "部分生产": "半生产", "停业": "停产", "已停产": "停产", "已注销": "注销"},
    "tech_center_level": {"市级": "吉林市级", "吉林市": "吉林市级", "省级": "吉林省级", "吉林省": "吉林省级",
                          "国家": "国家级"},
    "status": {"进行中": "推进中", "正在推进": "推进中", "正在进行": "推进中", "完成": "已完成",
               "已经完成": "已完成", "未开始": "未启动", "尚未启动": "未启动", "常态化推进": "持续推进",
               "长期推进": "持续推进", "持续": "持续推进", "落后": "滞后", "进度滞后": "滞后"},
    "listing_status": {"无": "未上市", "否": "未上市", "新三板": "新三板挂牌", "北交所": "北交所上市",
                       "上交所": "上交所上市", "深交所": "深交所上市", "主板": "主板上市"},
}


def parse_enum(name: str, s: str) -> str:
    t = re.sub(r"(企业)?技术中心$", "", s) if name == "tech_center_level" else s
    return ENUM_SYNONYMS.get(name, {}).get(t, t)


PARSERS = {"int": (parse_int, pl.Int64), "float": (parse_float, pl.Float64), "year": (parse_year, pl.Int64),
           "pct": (parse_pct, pl.Float64), "code": (parse_code, pl.Utf8)}


# ---------------------------------------------------------------- text clean-up (vectorised)

def clean_text(expr: pl.Expr, kind: str) -> pl.Expr:
    """NFKC; line breaks are wrap artefacts; names and codes lose all inner spaces (王  威 -> 王威)."""
    e = expr.str.normalize("NFKC").str.replace_all(r"[\r\n]+", "")
    if kind in ("name", "code", "int", "float", "year", "pct", "enum", "level"):
        e = e.str.replace_all(r"\s+", "")
    else:
        e = e.str.replace_all(r"[ \t\u3000]+", " ").str.strip_chars()
        # a space between two CJK characters is padding, not meaning
        e = e.str.replace_all(r"([\p{Han}])\s+([\p{Han}])", "${1}${2}")
    return pl.when(e.str.len_chars() == 0).then(None).otherwise(e)


# ---------------------------------------------------------------- sheet -> typed rows

def _data_rows(grid: SheetGrid, hm: HeaderMatch) -> pl.DataFrame:
    start = hm.header_rows[-1] + 1
    fields = hm.form.fields
    cols = {f.name: hm.columns[f.name] for f in fields if f.name in hm.columns}
    frame = grid.frame.slice(start)
    raw = frame.select(
        [pl.col(f"c{c}").alias(name) for name, c in cols.items()]
    ).with_columns(_row=pl.int_range(start + 1, start + 1 + frame.height, dtype=pl.Int64))
    kinds = {f.name: f.kind for f in fields}
    raw = raw.with_columns([clean_text(pl.col(n), kinds[n]).alias(n) for n in cols])
    # the first non-empty cell of the row, over every column, tells footer rows (备注：…) apart
    first = pl.coalesce([clean_text(pl.col(c), "text") for c in frame.columns]) if frame.width else pl.lit(None)
    raw = raw.with_columns(_first=frame.select(first.alias("f")).to_series() if frame.height else pl.Series([], dtype=pl.Utf8))
    names = list(cols)
    nonempty = pl.any_horizontal([pl.col(n).is_not_null() for n in names]) if names else pl.lit(False)
    footer = pl.col("_first").str.starts_with(FOOTER_PREFIXES[0])
    for p in FOOTER_PREFIXES[1:]:
        footer = footer | pl.col("_first").str.starts_with(p)
    raw = raw.filter(nonempty & ~footer.fill_null(False))
    if names:
        # a header repeated further down (printed page breaks) is not data
        repeated = pl.all_horizontal([pl.col(n).fill_null("").map_elements(header_key, return_dtype=pl.Utf8)
                                      == header_key(hm.labels[n]) for n in names[:2]])
        raw = raw.filter(~repeated)
    for f in fields:
        if f.fill_down and f.name in raw.columns:
            raw = raw.with_columns(pl.col(f.name).forward_fill())
    return raw.drop("_first")


def _typed(raw: pl.DataFrame, form: Form, sheet: str, letters: dict[str, str],
           labels: dict[str, str], findings: list[Finding]) -> pl.DataFrame:
    out = raw
    for f in form.fields:
        if f.name not in out.columns:
            continue
        if f.kind == "enum":
            out = out.with_columns(pl.col(f.name).replace_strict(
                {v: parse_enum(f.name, v) for v in out[f.name].drop_nulls().unique().to_list()},
                default=None, return_dtype=pl.Utf8))
            continue
        if f.kind == "level":
            parsed, bad = {}, {}
            for v in out[f.name].drop_nulls().unique().to_list():
                try:
                    parsed[v] = parse_level(v)
                except ParseError as e:
                    bad[v] = e
            _report(out, f, sheet, letters, labels, bad, findings)
            src = out[f.name]
            out = out.with_columns(
                srdi_level=src.replace_strict({k: v["srdi_level"] for k, v in parsed.items()}, default="种子", return_dtype=pl.Utf8),
                srdi_level_year=src.replace_strict({k: v["srdi_level_year"] for k, v in parsed.items()}, default=None, return_dtype=pl.Int64),
                cultivating_level=src.replace_strict({k: v["cultivating_level"] for k, v in parsed.items()}, default=None, return_dtype=pl.Utf8),
                in_seed_pool=src.replace_strict({k: v["in_seed_pool"] for k, v in parsed.items()}, default=False, return_dtype=pl.Boolean),
            )
            continue
        if f.kind not in PARSERS:
            continue
        fn, dtype = PARSERS[f.kind]
        good, bad = {}, {}
        for v in out[f.name].drop_nulls().unique().to_list():
            try:
                good[v] = fn(v)
            except ParseError as e:
                bad[v] = e
        _report(out, f, sheet, letters, labels, bad, findings)
        out = out.with_columns(pl.col(f.name).replace_strict(good, default=None, return_dtype=dtype))
    # every field exists in the typed frame, empty when the sheet had no such column
    for f in form.fields:
        if f.name not in out.columns:
            dtype = PARSERS[f.kind][1] if f.kind in PARSERS else pl.Utf8
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(f.name))
    if form.name == "enterprise" and "srdi_level" not in out.columns:
        out = out.with_columns(srdi_level=pl.lit("种子"), srdi_level_year=pl.lit(None, pl.Int64),
                               cultivating_level=pl.lit(None, pl.Utf8), in_seed_pool=pl.lit(False))
    return out.with_columns(_sheet=pl.lit(sheet))


def _report(frame, f: Field, sheet, letters, labels, bad: dict, findings: list[Finding]) -> None:
    if not bad:
        return
    hits = frame.filter(pl.col(f.name).is_in(list(bad))).select(f.name, "_row")
    for value, row in hits.iter_rows():
        e = bad[value]
        findings.append(Finding(ERROR, e.rule, e.message, e.fix, sheet, row, letters.get(f.name),
                                labels.get(f.name, f.label), value))


def _report_cell_errors(grid: SheetGrid, hm: HeaderMatch, raw: pl.DataFrame, findings: list[Finding]) -> None:
    """Formula error cells (#DIV/0!, #NAME?) read as empty: say so at the cell instead of a silent null."""
    if not grid.errors:
        return
    rows = set(raw["_row"].to_list())
    fields = {c: name for name, c in hm.columns.items()}
    for (row0, col), text in sorted(grid.errors.items()):
        if row0 + 1 in rows and col in fields:
            name = fields[col]
            findings.append(Finding(ERROR, "cell.formula_error", f"单元格是公式错误值 {text}",
                                    "请修正公式，或直接填写数值/文字（可复制后“选择性粘贴→数值”）。",
                                    grid.name, row0 + 1, grid.columns[col], hm.labels.get(name), text))


def normalise_workbook(wb: RawWorkbook) -> NormalisedWorkbook:
    findings: list[Finding] = []
    frames: dict[str, list[pl.DataFrame]] = {}
    letters: dict[str, dict[str, dict[str, str]]] = {}
    labels: dict[str, dict[str, dict[str, str]]] = {}
    sheets: dict[str, list[str]] = {}
    for name in wb.hidden_sheets:
        findings.append(Finding(WARNING, "sheet.hidden", f"工作表“{name}”是隐藏的，未读取", "如需报送，请取消隐藏后重新上传。", name))
    for grid in wb.sheets:
        if grid.frame.height == 0 or grid.frame.width == 0:
            continue
        hm = find_header(grid)
        if hm is None:
            findings.append(Finding(WARNING, "sheet.unrecognised", f"工作表“{grid.name}”中未找到可识别的表头，未读取",
                                    "如该表需要报送，请使用模板表头（如“企业名称”或“任务编号”“推进状态”）。", grid.name))
            continue
        let = {n: grid.columns[c] for n, c in hm.columns.items()}
        hdr_row = hm.header_rows[-1] + 1
        for c, text in hm.unmatched:
            findings.append(Finding(WARNING, "header.unknown", f"未识别的列“{text}”，该列已忽略", "如为必报内容，请使用模板中的表头名称。",
                                    grid.name, hm.header_rows[0] + 1, grid.columns[c], text, None))
        for c, text in hm.duplicates:
            findings.append(Finding(WARNING, "header.duplicate", f"表头“{text}”重复出现，只读取第一列", "请删除重复的列。",
                                    grid.name, hdr_row, grid.columns[c], text, None))
        raw = _data_rows(grid, hm)
        _report_cell_errors(grid, hm, raw, findings)
        typed = _typed(raw, hm.form, grid.name, let, hm.labels, findings)
        frames.setdefault(hm.form.name, []).append(typed)
        letters.setdefault(hm.form.name, {})[grid.name] = let
        labels.setdefault(hm.form.name, {})[grid.name] = hm.labels
        sheets.setdefault(hm.form.name, []).append(grid.name)
    forms = {}
    for name, fs in frames.items():
        form = next(f for f in FORMS if f.name == name)
        forms[name] = ParsedForm(form, pl.concat(fs, how="diagonal_relaxed"), letters[name], labels[name], sheets[name])
    return NormalisedWorkbook(forms, findings)


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)
