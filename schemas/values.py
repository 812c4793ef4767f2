"""How a clerk's cell text becomes a value: cleaning, numbers, years, percentages, credit codes, enumeration
aliases and the free text of the 认定级别 column. Pure functions of one text; the intake applies each once per
distinct value of a column (tasks/intake/normalise.py) and reports a ParseError at its cell."""
from __future__ import annotations

import re
import unicodedata

import polars as pl

_WS = re.compile(r"[ \t\u3000\xa0]+")
_HAN_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_COMPACT = {"name", "code", "int", "float", "year", "pct", "enum", "level"}


def clean_value(text: str, kind: str) -> str | None:
    """NFKC; line breaks are wrap artefacts (冶金\n建材 is 冶金建材); names, codes and numbers lose every
    space (王  威 is 王威); in free text runs of spaces become one, and a space between two CJK characters goes."""
    s = unicodedata.normalize("NFKC", text).replace("\r", "").replace("\n", "")
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


