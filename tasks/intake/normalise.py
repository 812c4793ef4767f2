"""Find the header in each sheet, recognise the form, and turn cell text into typed values.

Everything here is parse-first: a value that cannot be parsed becomes a Finding at its cell,
never a silent null. pandera then validates the typed frame (tasks/intake/validate.py).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field

import polars as pl

from schemas.findings import ERROR, WARNING, Finding
from schemas.forms import FORMS, FORMS_BY_NAME, SEQ_KEYS, Field, Form, header_key
from schemas.values import PARSERS, ParseError, clean_value, parse_enum, parse_level
from tasks.intake.read import RawWorkbook, SheetGrid

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
    cells: pl.DataFrame | None = None        # the raw text of each fact cell (warehouse/cell_texts.py)


@dataclass
class NormalisedWorkbook:
    forms: dict[str, ParsedForm]
    findings: list[Finding]


# ---------------------------------------------------------------- header detection

def _row_texts(grid: SheetGrid, r: int) -> list[str | None]:
    if r >= grid.frame.height:
        return [None] * grid.frame.width
    return [v if v is None else v.strip() or None for v in grid.frame.row(r)]


@lru_cache(maxsize=65536)
def _match(form_name: str, text: str) -> Field | None:
    return FORMS_BY_NAME[form_name].match(text)


@lru_cache(maxsize=65536)
def _known(text: str) -> bool:
    return header_key(text) in SEQ_KEYS or any(f.match(text) for f in FORMS)


def _match_labels(form: Form, labels: list[str | None]) -> HeaderMatch:
    cols: dict[str, int] = {}
    written: dict[str, str] = {}
    unmatched, dups = [], []
    for c, label in enumerate(labels):
        if not label:
            continue
        f = _match(form.name, label)
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
        if parent and _match(form.name, combined):
            out.append(combined)
        elif _match(form.name, s) or parent is None:
            out.append(s)
        else:
            out.append(parent)
    return out


def find_header(grid: SheetGrid) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    rows = min(HEADER_SCAN_ROWS, grid.frame.height)
    texts = [_row_texts(grid, r) for r in range(min(rows + 1, grid.frame.height))]
    known = [sum(1 for v in t if v and _known(v)) for t in texts] + [0]
    blank = [None] * grid.frame.width
    for r in range(rows):
        top = texts[r]
        if known[r] + known[r + 1] < 2 or sum(v is not None for v in top) < 2:
            continue   # a title row, or rows without two known headers: no header starts here
        nxt = texts[r + 1] if r + 1 < len(texts) else blank
        for form in FORMS:
            cands = [(_match_labels(form, top), (r,))]
            if r + 1 < grid.frame.height and any(nxt):
                cands.append((_match_labels(form, _two_row_labels(top, nxt, form)), (r, r + 1)))
            for m, hdr in cands:
                if m.score < 2:
                    continue
                m.header_rows = hdr
                if best is None or m.score > best.score:
                    best = m
    return best


# ---------------------------------------------------------------- sheets -> typed rows, batched
#
# Per sheet only the header is found and one select takes its rows; cleaning, filtering, parsing and
# (in tasks/validate.py) validation then run once over the rows of every sheet of a batch of files:
# polars and pandera cost a fixed amount per call, which per file would dwarf the reading itself.

@dataclass
class RawSheet:
    """One sheet's data rows of one form, still text: what the batched steps work on."""
    form: Form
    sheet: str
    frame: pl.DataFrame                 # field columns (text) + _row (Excel row) + _first (first non-empty cell)
    letters: dict[str, str]             # field -> Excel column letter
    labels: dict[str, str]              # field -> header as written
    errors: dict[tuple[int, str], str]  # (Excel row, field) -> formula error such as #DIV/0!


def extract_sheets(wb: RawWorkbook) -> tuple[list[RawSheet], list[Finding]]:
    findings: list[Finding] = []
    out: list[RawSheet] = []
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
        for c, text in hm.unmatched:
            findings.append(Finding(WARNING, "header.unknown", f"未识别的列“{text}”，该列已忽略", "如为必报内容，请使用模板中的表头名称。",
                                    grid.name, hm.header_rows[0] + 1, grid.columns[c], text, None))
        for c, text in hm.duplicates:
            findings.append(Finding(WARNING, "header.duplicate", f"表头“{text}”重复出现，只读取第一列", "请删除重复的列。",
                                    grid.name, hm.header_rows[-1] + 1, grid.columns[c], text, None))
        start = hm.header_rows[-1] + 1
        body = grid.frame.slice(start)
        frame = body.select(
            *[pl.col(f"c{c}").alias(n) for n, c in hm.columns.items()],
            pl.int_range(start + 1, start + 1 + body.height, dtype=pl.Int64).alias("_row"),
            pl.coalesce(pl.all()).str.strip_chars().alias("_first"),
        )
        fields = {c: n for n, c in hm.columns.items()}
        errors = {(r0 + 1, fields[c]): text for (r0, c), text in grid.errors.items() if c in fields and r0 >= start}
        out.append(RawSheet(hm.form, grid.name, frame, {n: grid.columns[c] for n, c in hm.columns.items()},
                            hm.labels, errors))
    return out, findings


_FOOTER = "^(" + "|".join(re.escape(p) for p in FOOTER_PREFIXES) + ")"


def _header_like(expr: pl.Expr) -> pl.Expr:
    """header_key() as a polars expression, on text that clean_text already normalised."""
    return expr.str.replace_all(r"[\s\"'“”‘’「」『』:：*＊]", "").str.replace_all(r"[(\[【<《].*?[)\]】>》]", "")


def _lookup(frame: pl.DataFrame, col: str, keys: pl.Series, outputs: dict[str, pl.Series]) -> pl.DataFrame:
    """Map `col` through a lookup table built from its distinct values: one join instead of a Python dict
    per value (polars' replace with a dict costs about a microsecond per entry)."""
    lut = pl.DataFrame({"_key": keys, **outputs})
    return frame.join(lut, left_on=col, right_on="_key", how="left", coalesce=True)


def _clean_columns(raw: pl.DataFrame, names: list[str], kinds: dict[str, str]) -> pl.DataFrame:
    for n in names:
        keys = raw[n].drop_nulls().unique()
        cleaned = pl.Series([clean_value(v, kinds[n]) for v in keys.to_list()], dtype=pl.Utf8)
        raw = _lookup(raw.rename({n: "_raw"}), "_raw", keys, {n: cleaned}).drop("_raw")
    return raw


def type_sheets(sheets: list[RawSheet]) -> tuple[dict[str, pl.DataFrame], list[tuple[int, Finding]]]:
    """Clean, filter and parse the rows of many sheets at once. Typed frames carry _src (the sheet's index
    in `sheets`), _sheet and _row; each finding comes with the index of its sheet."""
    findings: list[tuple[int, Finding]] = []
    typed: dict[str, pl.DataFrame] = {}
    for form in FORMS:
        idxs = [i for i, s in enumerate(sheets) if s.form.name == form.name]
        if not idxs:
            continue
        raw = pl.concat([sheets[i].frame.with_columns(_src=pl.lit(i, pl.Int32)) for i in idxs], how="diagonal_relaxed")
        names = [f.name for f in form.fields if f.name in raw.columns]
        kinds = {f.name: f.kind for f in form.fields}
        raw = _clean_columns(raw, names, kinds).sort("_src", "_row")
        keep = pl.any_horizontal([pl.col(n).is_not_null() for n in names]) if names else pl.lit(False)
        keep = keep & ~pl.col("_first").str.contains(_FOOTER).fill_null(False)   # 备注：… rows
        key = next((n for n in (form.row_key, *form.identifying) if n in names), None)
        if key:   # a header repeated further down (printed page breaks) is not data
            keep = keep & ~_header_like(pl.col(key)).is_in(list(form.field(key).keys)).fill_null(False)
        raw = raw.filter(keep).drop("_first")
        fill = [f.name for f in form.fields if f.fill_down and f.name in names]
        if fill:   # a merged cell spanning rows holds its value only in its top-left cell
            raw = raw.with_columns([pl.col(n).forward_fill().over("_src") for n in fill])
        for i in idxs:
            if sheets[i].errors:
                rows = set(raw.filter(pl.col("_src") == i)["_row"].to_list())
                sh = sheets[i]
                for (row, name), text in sorted(sh.errors.items()):
                    if row in rows:
                        findings.append((i, Finding(ERROR, "cell.formula_error", f"单元格是公式错误值 {text}",
                                                    "请修正公式，或直接填写数值/文字（可复制后“选择性粘贴→数值”）。",
                                                    sh.sheet, row, sh.letters.get(name), sh.labels.get(name), text)))
        out = _typed(raw, form, sheets, findings)
        sheet_names = pl.DataFrame({"_src": pl.Series(idxs, dtype=pl.Int32), "_sheet": [sheets[i].sheet for i in idxs]})
        typed[form.name] = out.join(sheet_names, on="_src", how="left").sort("_src", "_row")
    return typed, findings


_LEVEL_OUT = (("srdi_level", pl.Utf8), ("srdi_level_year", pl.Int64), ("cultivating_level", pl.Utf8),
              ("in_seed_pool", pl.Boolean))


def _typed(out: pl.DataFrame, form: Form, sheets: list[RawSheet], findings: list) -> pl.DataFrame:
    for f in form.fields:
        if f.name not in out.columns or f.kind not in ("enum", "level", *PARSERS):
            continue
        keys = out[f.name].drop_nulls().unique()
        values = keys.to_list()
        if f.kind == "enum":
            mapped = pl.Series([parse_enum(f.name, v) for v in values], dtype=pl.Utf8)
            out = _lookup(out.rename({f.name: "_text"}), "_text", keys, {f.name: mapped}).drop("_text")
            continue
        parsed, bad = [], {}
        fn, dtype = (parse_level, None) if f.kind == "level" else PARSERS[f.kind]
        for v in values:
            try:
                parsed.append(fn(v))
            except ParseError as e:
                parsed.append(None)
                bad[v] = e
        _report(out, f, sheets, bad, findings)
        if f.kind == "level":
            cols = {name: pl.Series([p[name] if p else None for p in parsed], dtype=t) for name, t in _LEVEL_OUT}
            out = _lookup(out, f.name, keys, cols).with_columns(
                pl.col("srdi_level").fill_null("种子"), pl.col("in_seed_pool").fill_null(False))
        else:
            out = _lookup(out.rename({f.name: "_text"}), "_text", keys, {f.name: pl.Series(parsed, dtype=dtype)}).drop("_text")
    # every field exists in the typed frame, empty when no sheet had such a column
    missing = [f for f in form.fields if f.name not in out.columns]
    out = out.with_columns([pl.lit(None, dtype=PARSERS[f.kind][1] if f.kind in PARSERS else pl.Utf8).alias(f.name)
                            for f in missing])
    if form.name == "enterprise" and "srdi_level" not in out.columns:
        out = out.with_columns(srdi_level=pl.lit("种子"), srdi_level_year=pl.lit(None, pl.Int64),
                               cultivating_level=pl.lit(None, pl.Utf8), in_seed_pool=pl.lit(False))
    return out


def _report(frame: pl.DataFrame, f: Field, sheets: list[RawSheet], bad: dict, findings: list) -> None:
    if not bad:
        return
    hits = frame.filter(pl.col(f.name).is_in(list(bad))).select(f.name, "_row", "_src")
    for value, row, src in hits.iter_rows():
        e, sh = bad[value], sheets[src]
        findings.append((src, Finding(ERROR, e.rule, e.message, e.fix, sh.sheet, row, sh.letters.get(f.name),
                                      sh.labels.get(f.name, f.label), value)))


def normalise_many(wbs: list[RawWorkbook]) -> list[NormalisedWorkbook]:
    """Normalise several workbooks with one pass of the batched steps."""
    sheets: list[RawSheet] = []
    owner: list[int] = []
    results = []
    for k, wb in enumerate(wbs):
        found, fnd = extract_sheets(wb)
        sheets += found
        owner += [k] * len(found)
        results.append(NormalisedWorkbook({}, fnd))
    typed, findings = type_sheets(sheets)
    for src, f in findings:
        results[owner[src]].findings.append(f)
    for name, frame in typed.items():
        frame = frame.with_columns(_wb=pl.col("_src").replace_strict(dict(enumerate(owner)), return_dtype=pl.Int32))
        parts = {k[0]: v for k, v in frame.partition_by("_wb", as_dict=True, include_key=False).items()}
        for k in sorted({owner[i] for i, s in enumerate(sheets) if s.form.name == name}):
            mine = [s for i, s in enumerate(sheets) if owner[i] == k and s.form.name == name]
            part = parts.get(k, frame.drop("_wb").clear()).drop("_src")
            results[k].forms[name] = ParsedForm(FORMS_BY_NAME[name], part, {s.sheet: s.letters for s in mine},
                                                {s.sheet: s.labels for s in mine}, [s.sheet for s in mine])
    return results
