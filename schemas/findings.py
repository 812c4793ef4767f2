"""A finding is one problem found in a submission, tied to where a bureau can see it.

Findings are raised by code only: `finding("header.merged", ref=…, …).at(sheet, row, letter, header, value)`. The
code's severity, message and fix come from the catalogue (schemas/finding_catalogue.py); a code that is not there,
or a template blank left unfilled, is an error at the call (UnknownFinding, KeyError)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from schemas.finding_catalogue import CATALOGUE, CELLS_MORE, ERROR, WARNING  # noqa: F401 (ERROR, WARNING: re-exported)


class UnknownFinding(KeyError):
    """A finding code, or a variant or phrase of one, that the catalogue does not have."""


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str                  # stable rule code, e.g. enum.operating_status (schemas/finding_catalogue.py)
    message: str               # Chinese: what is wrong
    fix: str = ""              # Chinese: how to fix it
    sheet: str | None = None
    excel_row: int | None = None
    excel_col: str | None = None   # column letter, e.g. F
    field: str | None = None       # the header as the bureau wrote it (or our label)
    value: str | None = None

    def __post_init__(self) -> None:
        entry = CATALOGUE.get(self.rule)
        if entry is None:
            raise UnknownFinding(f"finding code {self.rule!r} is not in schemas/finding_catalogue.py")
        if entry.severity != self.severity:
            raise ValueError(f"finding {self.rule} is a {entry.severity} in the catalogue, not a {self.severity}")

    @property
    def cell(self) -> str:
        if self.excel_col and self.excel_row:
            return f"{self.excel_col}{self.excel_row}"
        return self.excel_col or (str(self.excel_row) if self.excel_row else "")

    def at(self, sheet: str | None = None, excel_row: int | None = None, excel_col: str | None = None,
           field: str | None = None, value: str | None = None) -> Finding:
        """The same finding, at a cell (or a sheet, a row, a column)."""
        return replace(self, sheet=sheet, excel_row=excel_row, excel_col=excel_col, field=field, value=value)

    def as_row(self) -> dict:
        return asdict(self)


def _entry(code: str):
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownFinding(f"finding code {code!r} is not in schemas/finding_catalogue.py") from None


def finding(code: str, variant: str = "", /, **blanks: object) -> Finding:
    """The finding `code` (in its `variant`), its message and fix filled with `blanks`; at no cell yet (.at)."""
    entry = _entry(code)
    try:
        message, fix = entry.wording(variant)
    except KeyError:
        raise UnknownFinding(f"finding {code} has no variant {variant!r}") from None
    return Finding(entry.severity, code, message.format(**blanks), fix.format(**blanks))


def phrase(code: str, name: str, /, **blanks: object) -> str:
    """A part of `code`'s message that the caller assembles (a merge's "used for rows 5–6"), filled with `blanks`."""
    entry = _entry(code)
    if name not in entry.phrases:
        raise UnknownFinding(f"finding {code} has no phrase {name!r}")
    return entry.phrases[name].format(**blanks)


def cells_text(cells: list[str], shown: int = 5) -> str:
    """Several cells in one message: the first `shown` (H5、H6、H7), then how many in all."""
    text = "、".join(cells[:shown])
    return CELLS_MORE.format(cells=text, count=len(cells)) if len(cells) > shown else text


def severity_of(code: str) -> str:
    return _entry(code).severity


def col_letter(index0: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    s, n = "", index0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
