"""A finding is one problem found in a submission, tied to where a bureau can see it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"      # the file is rejected; nothing of it is loaded
WARNING = "warning"  # the file is loaded; the bureau is told


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str                  # stable rule code, e.g. enum.operating_status
    message: str               # Chinese: what is wrong
    fix: str = ""              # Chinese: how to fix it
    sheet: str | None = None
    excel_row: int | None = None
    excel_col: str | None = None   # column letter, e.g. F
    field: str | None = None       # the header as the bureau wrote it (or our label)
    value: str | None = None

    @property
    def cell(self) -> str:
        if self.excel_col and self.excel_row:
            return f"{self.excel_col}{self.excel_row}"
        return self.excel_col or (str(self.excel_row) if self.excel_row else "")

    def as_row(self) -> dict:
        return asdict(self)


def col_letter(index0: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    s, n = "", index0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
