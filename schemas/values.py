"""How a clerk's cell text becomes a value: cleaning, numbers, years, percentages, credit codes, enumeration
aliases and the free text of the 认定级别 column. Pure functions of one text; the intake applies each once per
distinct value of a column (tasks/intake/normalise.py) and reports a ParseError at its cell."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from schemas.findings import Finding, finding, phrase

_WS = re.compile(r"[ \t\u3000\xa0]+")
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_COMPACT = {"name", "code", "int", "float", "year", "pct", "enum", "level"}


def clean_value(text: str, kind: str) -> str | None:
    """Line breaks are wrap artefacts (冶金\n建材 is 冶金建材); names, codes and numbers lose every space
    (王  威 is 王威); in short texts runs of spaces become one, and a space between two CJK characters goes.
    Free text (kind "free": progress, problems, plans, notes) is only trimmed: it is stored as typed.
    Names (kind "name": 企业名称, 包保领导) keep the characters typed, full-width brackets included (吉林某某有限公司
    （新）): they are shown as typed and matched by their key (schemas.reference.squash, NFKC; docs/rollups.md rule
    7a). Every other kind is read through NFKC (full-width digits, letters and brackets as ASCII): codes, numbers,
    years, percentages, list choices, the 认定级别 text and the short texts that are keys or categories (任务编号,
    服务专班, 行业类别, 责任单位)."""
    if kind == "free":
        return text.strip() or None
    s = text if kind == "name" else unicodedata.normalize("NFKC", text)
    s = s.replace("\r", "").replace("\n", "")
    if kind in _COMPACT:
        s = "".join(s.split())
    else:
        s = _HAN_GAP.sub("", _WS.sub(" ", s).strip())
    return s or None




_NUM_SUFFIX = re.compile(r"(万元|元|人次|人|次|户|项|件|个|家|场)$")
_INT_RE = re.compile(r"^[+-]?\d+(\.0+)?$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_YEAR_RE = re.compile(r"^(\d{4})(?:年(?:度)?)?(?:\.0+)?(?:-\d{2}-\d{2}(?: 00:00:00)?)?$")


class ParseError(ValueError):
    """A cell that cannot be read: the finding, by its code (schemas/finding_catalogue.py), still at no cell."""

    def __init__(self, code: str, variant: str = "", /, **blanks: object):
        self.finding: Finding = finding(code, variant, **blanks)
        super().__init__(self.finding.message)

    @property
    def rule(self) -> str:
        return self.finding.rule

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def fix(self) -> str:
        return self.finding.fix


def _num_text(s: str) -> str:
    s = s.replace(",", "").replace("，", "")
    return _NUM_SUFFIX.sub("", s).strip()


def parse_int(s: str) -> int:
    t = _num_text(s)
    if _INT_RE.match(t):
        return int(float(t))
    raise ParseError("parse.int", value=s)


def parse_float(s: str) -> float:
    t = _num_text(s)
    if _FLOAT_RE.match(t):
        return float(t)
    raise ParseError("parse.number", value=s)


def parse_year(s: str) -> int:
    m = _YEAR_RE.match(s)
    if m:
        return int(m.group(1))
    raise ParseError("parse.year", value=s)


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
        raise ParseError("parse.credit_code", "as_number", value=s)
    if not _CREDIT_RE.match(t):
        raise ParseError("parse.credit_code", value=s)
    return t


@dataclass(frozen=True, slots=True)
class RecognitionDate:
    """When a level was recognised, as precisely as the clerk wrote it: a year, a year and month, or a day."""
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def text(self) -> str:
        """As a person writes it: 2022年, 2022年3月, 2022年3月15日."""
        return f"{self.year}年" + (f"{self.month}月" if self.month else "") + (f"{self.day}日" if self.day else "")


# A recognition date as clerks write it, the parts apart: 2022, 2022年, 2022年度, 2022年3月, 2022.3, 2022-03, 2022/3,
# 2022年3月15日, 2022-03-15, 2022/3/15, 2022.3.15 (an Excel date cell reaches here as the reader renders it, see
# shown_text); a time after a day is ignored.
_RECOGNITION_DATE = re.compile(r"^(\d{4})(?:\.0+|年度?)?(?:(?<=年)|(?<=\d)[-/.])?(?:(\d{1,2})(?:月|(?=[-/.])|$)"
                               r"(?:(?:(?<=月)|[-/.])(\d{1,2})日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)?)?$")
# the same inside a 认定级别 text, before 认定 or the level ("2022年3月认定吉林市级", "2022.3已认定省级")
_TEXT_DATE = r"(\d{4}(?:年度?|[-/.](?=\d))?(?:\d{1,2}(?:月|[-/.](?=\d))?(?:\d{1,2}日?)?)?)"


def recognition_date(text: str, cell: str | None = None) -> RecognitionDate:
    """A recognition date from what a clerk wrote (see _RECOGNITION_DATE); a month or day that does not exist
    (2022年13月, 2022-02-30) is an error naming what was written. `cell` is the whole cell, for the message."""
    t = "".join(unicodedata.normalize("NFKC", text).split()) if text else ""
    m = _RECOGNITION_DATE.match(t)
    where = phrase("parse.recognition_date", "where", cell=cell) if cell and cell != text else ""
    if not m:
        raise ParseError("parse.recognition_date", where=where, value=text)
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        date(y, int(mo or 1), int(d or 1))
    except ValueError:
        missing = (phrase("parse.recognition_date", "day", year=y, month=int(mo), day=int(d))
                   if d and 1 <= int(mo) <= 12 else phrase("parse.recognition_date", "month", year=y, month=int(mo)))
        raise ParseError("parse.recognition_date", "no_such_date", where=where, value=text, date=missing) from None
    return RecognitionDate(y, int(mo) if mo else None, int(d) if d else None)


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
    level, cult, pool = None, None, False
    when: RecognitionDate | None = None
    rest = t
    for m in re.finditer(_TEXT_DATE + r"?(?:已|被)?认定(?:为)?" + _LV + r"(?:专精特新)?(?:中小企业)?", t):
        lv = _LEVEL_WORD[m.group(2)]
        if level is None or _RANK[lv] >= _RANK[level]:
            level, when = lv, (recognition_date(m.group(1), s) if m.group(1) else when)
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
        whole = re.fullmatch(_TEXT_DATE + "?" + _LV + r"(?:专精特新)?(?:中小企业|企业)?", _FILLER.sub("", rest) or "-")
        if whole:
            level, when = _LEVEL_WORD[whole.group(2)], (recognition_date(whole.group(1), s) if whole.group(1) else None)
            rest = ""
        elif re.fullmatch(r"种子企业?|种子|培育库", _FILLER.sub("", rest) or "-"):
            pool, rest = True, ""
    if _FILLER.sub("", rest):
        raise ParseError("parse.srdi_level", value=s)
    return {"srdi_level": level or "种子", "srdi_level_year": when.year if when else None,
            "srdi_level_month": when.month if when else None, "srdi_level_day": when.day if when else None,
            "cultivating_level": cult, "in_seed_pool": pool}


_TEXT_YEAR = re.compile(r"\d{4}\s*年?\s*度?\s*(?=(?:已|被)?\s*认定|" + _LV + ")")


def level_text_without_year(text: str) -> str:
    """A 认定级别 text with the recognition year taken out, when the rest still reads as the same level, cultivation
    and pool ("2021年已认定省级，国家级拟培育" → "已认定省级，国家级拟培育"); else the text itself. Templates write the
    year in the 认定年份 column instead, so that the two never hold different years unless the clerk writes one."""
    stripped = _TEXT_YEAR.sub("", text).strip(" ，,、;；")
    try:
        before, after = parse_level(clean_value(text, "level") or ""), parse_level(clean_value(stripped, "level") or "")
    except ParseError:
        return text
    if not stripped or after["srdi_level_year"] is not None or \
            {**before, "srdi_level_year": None} != after:
        return text
    return stripped


# Another word for an allowed value: read as that value, and said so at the cell (已按“已完成”理解), because the
# clerk's word is not the list's and may not mean quite the same.
ENUM_SYNONYMS = {
    "operating_status": {"正常生产": "生产", "在产": "生产", "正常": "生产", "半停产": "半生产",
                         "部分生产": "半生产", "停业": "停产", "已停产": "停产", "已注销": "注销"},
    "status": {"进行中": "推进中", "正在推进": "推进中", "正在进行": "推进中", "完成": "已完成",
               "已经完成": "已完成", "未开始": "未启动", "尚未启动": "未启动", "常态化推进": "持续推进",
               "长期推进": "持续推进", "持续": "持续推进", "落后": "滞后", "进度滞后": "滞后"},
    "listing_status": {"无": "未上市", "否": "未上市"},
}
# The same value written short (省级 for 吉林省级 in a Jilin list, 新三板 for 新三板挂牌): read silently, as the
# 认定级别 column reads 省级.
ENUM_SHORT_FORMS = {
    "tech_center_level": {"市级": "吉林市级", "吉林市": "吉林市级", "省级": "吉林省级", "吉林省": "吉林省级",
                          "国家": "国家级"},
    "listing_status": {"新三板": "新三板挂牌", "北交所": "北交所上市", "上交所": "上交所上市", "深交所": "深交所上市",
                       "主板": "主板上市"},
}


def parse_enum(name: str, s: str) -> str:
    t = re.sub(r"(企业)?技术中心$", "", s) if name == "tech_center_level" else s
    t = ENUM_SHORT_FORMS.get(name, {}).get(t, t)
    return ENUM_SYNONYMS.get(name, {}).get(t, t)


PARSERS = {"int": (parse_int, pl.Int64), "float": (parse_float, pl.Float64), "year": (parse_year, pl.Int64),
           "pct": (parse_pct, pl.Float64), "code": (parse_code, pl.Utf8)}




# ---------------------------------------------------------------- one cell, as the intake reads it
#
# read_cell(raw, field) is the one reading of a clerk's cell: what the clerk sees (a date cell shown as a date),
# invisible control and bidi characters removed (#10 item 8), too long refused, placeholders (无, /, —) empty,
# then the field's kind: free text kept as typed (only trimmed), keys NFKC-cleaned, numbers read with the
# column's unit, years also from dates, percentages, enumeration aliases. A reading that changes what the text
# literally says (完成 → 已完成, 45万 → 45万元, a date → its year, 0.85 → 85%) comes back as a note, which the
# intake reports at the cell as 已按“…”理解.

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CALAMINE_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$")
_PLACEHOLDER = re.compile(
    r"^(?:无|暂无|没有|无问题|暂无问题|没有问题|无需协调|无需协调解决|无需市政府协调|不涉及|不适用|空|空白|"
    r"n/?a|none|null|[-—–―─~/\\、.…_]+)[。.!！;；]*$", re.IGNORECASE)


_PLACEHOLDER_FIRST = set("无暂没不空nN/／-－—–―─~～\\、.。…_")


def strip_controls(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without C0/C1 control characters (tab and line breaks stay), bidi overrides and isolates
    (U+202A–202E, U+2066–2069), marks and zero-width characters; and the code points removed."""
    if _CONTROLS.search(text) is None:
        return text, ()
    found = _CONTROLS.findall(text)
    if not found:
        return text, ()
    return _CONTROLS.sub("", text), tuple(dict.fromkeys(f"U+{ord(c):04X}" for c in found))


def shown_text(raw: str) -> str:
    """A cell as the clerk sees it in Excel/WPS: the reader renders a date cell as '2023-05-01 00:00:00'; the
    clerk sees 2023/5/1 (with the time only when there is one)."""
    m = _CALAMINE_DATETIME.match(raw) if len(raw) >= 19 and raw[4:5] == "-" else None
    if not m:
        return raw
    y, mo, d, hh, mm, ss = m.groups()
    out = f"{int(y)}/{int(mo)}/{int(d)}"
    return out if (hh, mm, ss) == ("00", "00", "00") else f"{out} {int(hh)}:{mm}"


def is_placeholder(text: str | None) -> bool:
    """无, 暂无, 没有, 无问题, —, -, / and the like: the clerk's way of leaving a cell empty."""
    if not text or len(text) > 16 or text.lstrip()[:1] not in _PLACEHOLDER_FIRST:
        return False
    return bool(_PLACEHOLDER.match("".join(unicodedata.normalize("NFKC", text).split())))


# column unit -> {unit written after a number: None when it is the column's unit, else the unit it is read as}
UNIT_EQUIVALENTS: dict[str, dict[str, str | None]] = {   # column unit -> unit typed -> read as (None: as is)
    "万元": {"万元": None, "万": "万元"},
    "人": {"人": None, "名": None, "位": None},
    "人次": {"人次": None, "人": "人次"},
    "次": {"次": None, "场": None, "期": None, "回": None},
    "户": {"户": None, "家": None},
    "项": {"项": None, "件": None, "个": None},
    "年": {"年": None, "年度": None},
    "%": {"%": None},
}
KNOWN_UNITS = ("万元", "亿元", "千元", "元", "万", "亿", "千", "人次", "人", "名", "位", "次", "场", "期", "回", "户",
               "家", "个", "项", "件", "年度", "年", "%", "‰", "天", "月", "小时", "吨", "台", "套", "平方米", "亩")
_MONEY_FACTORS = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "亿元": Decimal(10000), "亿": Decimal(10000)}
_NUMBER_UNIT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$")
_PLAIN_YEAR = re.compile(r"^(\d{4})(?:年度?)?(?:\.0+)?$")
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _fmt(d: Decimal) -> str:
    """A decimal as a clerk would write it: 85, 0.5, 1200 (never 1.2E+3)."""
    s = format(d.normalize(), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


@dataclass(slots=True)
class CellReading:
    text: str | None                 # cleaned text: what filters, keys and enumerations see; None when empty
    value: object = None             # the typed value (text kinds: the text; the 认定级别 column: a dict)
    shown: str = ""                  # the cell as the clerk sees it, control characters removed
    error: ParseError | None = None
    note: Finding | None = None      # a meaning-changing reading (normalised.*): “完成”已按“已完成”理解
    understood: str | None = None    # what it was understood as: 已完成, 45万元, 2023年, 85%
    removed: tuple[str, ...] = ()    # control / bidi characters removed (U+202E …)


def _number(t: str, shown: str, f) -> tuple[Decimal, str | None]:
    """A number with an optional unit after it, read against the column's unit: (number, note's reading)."""
    m = _NUMBER_UNIT.match(t.replace(",", ""))
    if not m:
        if f.kind == "int":
            raise ParseError("parse.int", "cell", value=shown)
        raise ParseError("parse.number", "percent" if f.kind == "pct" else "cell", value=shown)
    number, unit = Decimal(m.group(1)), m.group(2).strip()
    if not unit:
        return number, None
    accepted = UNIT_EQUIVALENTS.get(f.unit or "", {})
    if unit in accepted:
        read_as = accepted[unit]
        return number, (f"{_fmt(number)}{read_as}" if read_as else None)
    if unit in KNOWN_UNITS:
        column = f.unit or phrase("parse.unit", "none")
        if f.unit == "万元" and unit in _MONEY_FACTORS:
            raise ParseError("parse.unit", "money", value=shown, unit=unit, column=column, number=_fmt(number),
                             converted=_fmt(number * _MONEY_FACTORS[unit]))
        raise ParseError("parse.unit", value=shown, unit=unit, column=column)
    raise ParseError("parse.int" if f.kind == "int" else "parse.number", "unit", value=shown)


def _read_int(t: str, shown: str, f) -> tuple[int, str | None]:
    number, understood = _number(t, shown, f)
    if number != number.to_integral_value():
        raise ParseError("parse.int", "fraction", value=shown)
    return int(number), understood


def _read_year(t: str, shown: str) -> tuple[int, Finding | None, str | None]:
    """(year, note, understood): 2023, 2023年, 2023年度; a date gives its year, with a note; a year typed into
    a date-formatted cell shows as a date around 1905 (serial number 2023 = 1905/7/15): the year typed."""
    m = _PLAIN_YEAR.match(t)
    if m:
        return int(m.group(1)), None, None
    m = _DATE_TEXT.match(t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        try:
            day = date(y, mo, d)
        except ValueError:
            day = None
        if day is not None and y < 1910 and m.group(3):
            serial = (day - _EXCEL_EPOCH).days
            if 1900 <= serial <= 2100:
                return serial, finding("normalised.year", "serial", shown=shown, year=serial), f"{serial}年"
        if day is not None:
            return y, finding("normalised.year", "date", shown=shown, year=y), f"{y}年"
    raise ParseError("parse.year", "cell", value=shown)


def _read_recognition_year(t: str, shown: str) -> tuple[int, Finding | None, str | None]:
    """A recognition-year column (Field.dated): a year, a year and month, or a day (recognition_date); the value is
    the year, the month and day are read again from the cell's text (recognition_month_day). A date written another
    way than 2022年3月 / 2022年3月15日 is said as understood; a year typed into a date cell is the year typed."""
    m = _PLAIN_YEAR.match(t)
    if m:
        return int(m.group(1)), None, None
    when = recognition_month_day(shown)
    if when is None:   # 1905/7/15: a year typed into a date-formatted cell
        return _read_year(t, shown)
    understood = when.text
    if understood == shown:
        return when.year, None, None
    return when.year, finding("normalised.year", shown=shown, understood=understood), understood


def recognition_month_day(shown: str | None) -> RecognitionDate | None:
    """The recognition date a dated year cell holds, as the clerk saw it (None when empty, or a year typed into a
    date-formatted cell, which shows as a date around 1905: only its year counts). Raises ParseError."""
    if not shown or not shown.strip():
        return None
    when = recognition_date(shown.strip())
    return None if when.year < 1910 else when


def _read_pct(t: str, shown: str, f) -> tuple[float, Finding | None, str | None]:
    if t.endswith("%"):
        number, _ = _number(t[:-1], shown, f)
        return float(number), None, None
    number, _ = _number(t, shown, f)
    if 0 < number < 1:   # a share written as a fraction: 0.85 is 85 %
        pct = number * 100
        return float(pct), finding("normalised.percent", shown=shown, understood=f"{_fmt(pct)}%"), f"{_fmt(pct)}%"
    return float(number), None, None


def _enum(f, t: str) -> tuple[str | None, str | None]:
    base = re.sub(r"(企业)?技术中心$", "", t) if f.name == "tech_center_level" else t
    base = ENUM_SHORT_FORMS.get(f.name, {}).get(base, base)
    synonyms = ENUM_SYNONYMS.get(f.name, {})
    if base in synonyms:
        return synonyms[base], synonyms[base]
    if is_placeholder(base) or not base:
        return None, None
    return base, None


def read_cell(raw: str, f) -> CellReading:
    """One cell of field `f` (schemas.forms.Field), as the intake reads it."""
    shown, removed = strip_controls(shown_text(raw))
    trimmed = shown.strip()
    if not trimmed:
        return CellReading(None, None, trimmed, removed=removed)
    if len(trimmed) > f.max_length:   # kept as text, so the row is not taken for an empty one
        value = trimmed if f.kind in ("name", "text", "free", "code", "enum", "level") else None
        return CellReading(trimmed, value, trimmed, ParseError(
            "cell.too_long", length=len(trimmed), limit=f.max_length), removed=removed)
    kind = f.kind
    if kind == "free":   # progress, problems, plans, notes: as typed, only trimmed
        typed = trimmed.replace("\r\n", "\n").replace("\r", "\n")
        text = None if is_placeholder(typed) else typed
        return CellReading(text, text, trimmed, removed=removed)
    if kind == "enum":
        t = clean_value(shown, "enum")
        value, understood = _enum(f, t) if t else (None, None)
        note = finding("normalised.enum", shown=trimmed, understood=understood) if understood else None
        return CellReading(value, value, trimmed, note=note, understood=understood, removed=removed)
    t = clean_value(shown, kind)
    if t is None or is_placeholder(t):
        return CellReading(None, None, trimmed, removed=removed)
    try:
        if kind in ("text", "name"):
            return CellReading(t, t, trimmed, removed=removed)
        if kind == "code":
            return CellReading(t, parse_code(t), trimmed, removed=removed)
        if kind == "level":
            return CellReading(t, parse_level(t), trimmed, removed=removed)
        if kind == "int":
            v, understood = _read_int(t, trimmed, f)
            note = finding("normalised.unit", shown=trimmed, understood=understood) if understood else None
            return CellReading(t, v, trimmed, note=note, understood=understood, removed=removed)
        if kind == "float":
            number, understood = _number(t, trimmed, f)
            note = finding("normalised.unit", shown=trimmed, understood=understood) if understood else None
            return CellReading(t, float(number), trimmed, note=note, understood=understood, removed=removed)
        if kind == "year" and getattr(f, "dated", False):
            v, note, understood = _read_recognition_year(t, trimmed)
            return CellReading(t, v, trimmed, note=note, understood=understood, removed=removed)
        if kind == "year":
            v, note, understood = _read_year(t, trimmed)
            return CellReading(t, v, trimmed, note=note, understood=understood, removed=removed)
        if kind == "pct":
            pct, note, understood = _read_pct(t, trimmed, f)
            return CellReading(t, pct, trimmed, note=note, understood=understood, removed=removed)
    except ParseError as e:
        return CellReading(t, None, trimmed, e, removed=removed)
    return CellReading(t, t, trimmed, removed=removed)


# ---------------------------------------------------------------- the plain cells, all at once
#
# A 100k-row workbook has some 300,000 distinct cell texts, nearly all of them plain: a name without spaces, an
# 18-character code, a whole number. For those read_cell is the identity (the text is the value), so the intake
# selects them with one vectorised test and calls read_cell only for the rest. tests/integration/test_clerk.py checks that
# read_cell agrees on every text this test passes.

_PLAIN_COMMON = (f"[{_CONTROLS.pattern[1:-1]}]"            # control or bidi characters: read_cell removes them
                 r"|^[无暂没不空nN/／\-－—–―─~～\\、.。…_]"      # could be a placeholder
                 r"|^\d{4}-\d{2}-\d{2} \d{2}:")              # a date the reader rendered
_PLAIN_VALUE = {
    "name": r"^\S+$", "text": r"^\S+$", "code": r"^[0-9A-HJ-NPQRTUWXY]{18}$",
    "int": r"^-?[1-9]\d{0,17}$|^0$", "float": r"^-?(?:[1-9]\d{0,14}|0)(?:\.\d{1,12})?$", "year": r"^(?:19|20)\d\d$",
    "pct": r"^(?:[1-9]\d{0,2}|0)(?:\.\d{1,6})?$",
}


def plain_texts(texts: pl.Series, f) -> pl.Series:
    """For each distinct text of field `f`, whether read_cell(text, f) reads it as itself (text, value and shown
    all the text; for a number, the number it spells): no control characters, already NFKC, short enough, no
    placeholder, no unit, no date. Conservative: False only sends a text the slow way."""
    kind = f.kind
    ok = (~texts.str.contains(_PLAIN_COMMON) & (texts.str.normalize("NFKC") == texts)
          & (texts.str.len_chars() <= f.max_length) & (texts.str.len_chars() > 0))   # an empty text reads as no value
    if kind == "free":
        ok = ok & ~texts.str.contains(r"^\s|\s$|\r")
    elif kind == "enum":
        ok = ok & texts.is_in(list(f.choices))
    elif kind == "pct":
        ok = ok & texts.str.contains(_PLAIN_VALUE["pct"]) & ~texts.str.contains(r"^0\.")
    elif kind in _PLAIN_VALUE:
        ok = ok & texts.str.contains(_PLAIN_VALUE[kind])
    else:   # level: few distinct texts, always read one by one
        ok = ok & False
    return ok.fill_null(False)
