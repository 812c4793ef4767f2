"""Reporting periods: quarters (2022Q2), halves (2022H1), years (2022)."""
from __future__ import annotations

import re
from datetime import date, timedelta

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PATTERNS = (
    re.compile(r"(20\d{2})\s*[-_.年 ]?\s*[Qq]\s*([1-4])(?!\d)"),
    re.compile(r"(20\d{2})\s*年?\s*(?:度)?\s*第?\s*([一二三四1-4])\s*季(?:度)?"),
)
NAMING_HELP = ("文件名中未找到报送期。请在文件名中写明季度，例如“2022Q2”“2022-Q2”“2022年第二季度”"
               "“2022年二季度”或“2022年2季度”（如：工信局任务进展2022年第二季度.xlsx），或使用系统下发的模板。")


def period_from_name(name: str) -> str | None | list[str]:
    """The quarter a file name states; a list when it states several different ones."""
    found = []
    for pat in _PATTERNS:
        for m in pat.finditer(name):
            found.append(f"{m.group(1)}Q{_CN[m.group(2)]}")
    found = sorted(set(found))
    if not found:
        return None
    return found[0] if len(found) == 1 else found


def quarter_end(period: str) -> date:
    y, q = int(period[:4]), int(period[-1])
    return date(y + (q == 4), (q * 3) % 12 + 1, 1) - timedelta(days=1)


def quarters_of(period: str) -> list[str]:
    """2022 -> the four quarters; 2022H1 -> Q1, Q2; 2022Q3 -> itself."""
    if re.fullmatch(r"\d{4}", period):
        return [f"{period}Q{q}" for q in range(1, 5)]
    if re.fullmatch(r"\d{4}H[12]", period):
        h = int(period[-1])
        return [f"{period[:4]}Q{q}" for q in ((1, 2) if h == 1 else (3, 4))]
    if re.fullmatch(r"\d{4}Q[1-4]", period):
        return [period]
    raise ValueError(f"not a period: {period}")


def previous_quarter(period: str) -> str:
    y, q = int(period[:4]), int(period[-1])
    return f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}"
