"""Reporting periods: quarters (2022Q2), halves (2022H1), years (2022); the one place that reads, checks and
names them (file names, templates, rollups, dashboards).

`period_from_name` finds the quarter inside a file name; `parse_period` reads a period a person typed (every
command's --period, --from, --to) in the same forms, and in those of halves and years."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from schemas import clock

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PATTERNS = (
    re.compile(r"(20\d{2})\s*[-_.年 ]?\s*[Qq]\s*([1-4])(?!\d)"),
    re.compile(r"(20\d{2})\s*年?\s*(?:度)?\s*第?\s*([一二三四1-4])\s*季(?:度)?"),
)


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


# ---------------------------------------------------------------- rollup periods

TIMEZONE = clock.zone()   # the default programme zone (rollup_config.toml `time_zone`); see schemas/clock.py
KINDS = ("quarterly", "midyear", "annual")
PERIOD_FORMS = {"quarterly": re.compile(r"\d{4}Q[1-4]"), "midyear": re.compile(r"\d{4}H[12]"),
                "annual": re.compile(r"\d{4}")}


def today_in_china(tz: str | None = None) -> date:
    """Today in the programme's zone (`tz`: rollup_config.toml `time_zone`; None: Asia/Shanghai)."""
    return clock.today(tz)


# ---------------------------------------------------------------- one parser for every command

# The forms a period is written in, each as a whole (what a file name says, and the rollup's own codes):
# quarters 2022Q3, 2022-Q3, 2022 Q3, 2022q3, 2022年第三季度, 2022年三季度, 2022年3季度, 2022年度第三季度;
# halves 2022H1, 2022-H1, 2022年上半年, 2022上半年; years 2022, 2022年, 2022年度. Full-width digits and letters
# (２０２２Ｑ３) read as their ASCII selves.
_WHOLE = (
    ("quarter", re.compile(r"(20\d{2})\s*[-_./年 ]?\s*[Qq]\s*([1-4])")),
    ("quarter", re.compile(r"(20\d{2})\s*年?\s*度?\s*第?\s*([一二三四1-4])\s*季度?")),
    ("half", re.compile(r"(20\d{2})\s*[-_./年 ]?\s*[Hh]\s*([12])")),
    ("half", re.compile(r"(20\d{2})\s*年?\s*度?\s*([上下])\s*半年度?")),
    ("year", re.compile(r"(20\d{2})\s*(?:年度?)?")),
)
# which form each rollup kind (and `srdi templates`) takes
FORM_OF_KIND = {"quarterly": "quarter", "midyear": "half", "annual": "year",
                "quarter": "quarter", "half": "half", "year": "year"}
FORM_NAME = {"quarter": "季度", "half": "半年", "year": "年度"}
FORM_EXAMPLES = {"quarter": "2022Q2、2022-Q2、2022年第二季度、2022年二季度或2022年2季度",
                 "half": "2022H1、2022-H1、2022年上半年或2022年下半年",
                 "year": "2022、2022年或2022年度"}
FORM_EXAMPLES_EN = {"quarter": "2022Q2, 2022-Q2 or 2022年第二季度", "half": "2022H1 or 2022年上半年",
                    "year": "2022 or 2022年"}


def _canonical(form: str, year: str, part: str | None) -> str:
    if form not in ("quarter", "half"):
        return year
    assert part is not None, form   # a quarter's and a half's patterns always capture the part
    if form == "quarter":
        return f"{year}Q{_CN[part]}"
    return f"{year}H{ {'上': 1, '下': 2, '1': 1, '2': 2}[part] }"


def parse_period(text: str, kind: str | None = None) -> str:
    """The period `text` names, as its code (2022Q3, 2022H1, 2022), in any form a file name may use (see _WHOLE).
    `kind`: a rollup kind (quarterly, midyear, annual) or a form (quarter, half, year) the period must be.
    A ValueError says, in Chinese and English, what was expected."""
    raw = str(text)
    s = unicodedata.normalize("NFKC", raw).strip()
    want = FORM_OF_KIND.get(kind) if kind else None
    if kind and want is None:
        raise ValueError(f"unknown rollup kind {kind!r}; one of {KINDS}")
    for form, pat in _WHOLE:
        m = pat.fullmatch(s)
        if m:
            found = _canonical(form, m.group(1), m.group(2) if m.lastindex and m.lastindex > 1 else None)
            if want and form != want:
                raise ValueError(
                    f"“{raw}”是{FORM_NAME[form]}（{found}），这里需要{FORM_NAME[want]}，如 {FORM_EXAMPLES[want]} / "
                    f"{found} is a {form}; a {want} is needed here, e.g. {FORM_EXAMPLES_EN[want]}")
            return found
    forms = [want] if want else ["quarter", "half", "year"]
    raise ValueError(f"“{raw}”不是报告期，请写成 {'；'.join(FORM_EXAMPLES[f] for f in forms)} / "
                     f"not a period: write {'; '.join(FORM_EXAMPLES_EN[f] for f in forms)}")


def check_period(kind: str, period: str) -> str:
    """A rollup kind's period in any accepted form → its code (2022年第三季度 → 2022Q3)."""
    if kind not in KINDS:
        raise ValueError(f"unknown rollup kind {kind!r}; one of {KINDS}")
    return parse_period(period, kind)


def period_end(period: str) -> date:
    """The last day of a quarter, half or year (2022H1 → 2022-06-30)."""
    return quarter_end(quarters_of(period)[-1])


def period_has_ended(period: str, today: date | None = None) -> bool:
    """Whether the period is over on `today` (Asia/Shanghai): its last day is past."""
    return (today or today_in_china()) > period_end(period)


def default_period(kind: str, today: date | None = None) -> str:
    """The period that ended most recently before `today` (Asia/Shanghai)."""
    today = today or today_in_china()
    if kind == "quarterly":
        return previous_quarter(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    if kind == "midyear":
        return f"{today.year}H1" if today.month >= 7 else f"{today.year - 1}H2"
    if kind == "annual":
        return str(today.year - 1)
    raise ValueError(f"unknown rollup kind {kind!r}")


def next_period(kind: str, period: str) -> str:
    y = int(period[:4])
    if kind == "quarterly":
        q = int(period[-1])
        return f"{y + 1}Q1" if q == 4 else f"{y}Q{q + 1}"
    if kind == "midyear":
        return f"{y + 1}H1" if period.endswith("2") else f"{y}H2"
    return str(y + 1)


def periods_between(kind: str, start: str, end: str) -> list[str]:
    """Every period of `kind` from start to end, inclusive."""
    start, end = check_period(kind, start), check_period(kind, end)
    if end < start:
        raise ValueError(f"--from {start} 晚于 --to {end} / start is after end")
    out = [start]
    while out[-1] != end:
        out.append(next_period(kind, out[-1]))
    return out


def period_label(period: str) -> str:
    """2022Q3 -> 2022年第三季度, 2022H1 -> 2022年上半年, 2022 -> 2022年."""
    if "Q" in period:
        return f"{period[:4]}年第{'一二三四'[int(period[-1]) - 1]}季度"
    if "H" in period:
        return f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"
    return f"{period}年"


@dataclass(frozen=True)
class RollupPeriod:
    kind: str
    period: str
    quarters: tuple[str, ...]
    as_of: date

    @classmethod
    def of(cls, kind: str, period: str, as_of: date | None = None, tz: str | None = None) -> "RollupPeriod":
        period = check_period(kind, period)
        return cls(kind, period, tuple(quarters_of(period)), as_of or today_in_china(tz))

    @property
    def first_quarter(self) -> str: return self.quarters[0]
    @property
    def last_quarter(self) -> str: return self.quarters[-1]
    @property
    def prev_quarter(self) -> str: return previous_quarter(self.first_quarter)
    @property
    def year(self) -> int: return int(self.period[:4])
    @property
    def start(self) -> date: return quarter_end(self.prev_quarter) + timedelta(days=1)
    @property
    def end(self) -> date: return quarter_end(self.last_quarter)
    @property
    def label(self) -> str: return period_label(self.period)
