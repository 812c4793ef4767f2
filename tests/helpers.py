"""Run the pure ingest steps (no Prefect) on one file, for fast rule tests."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from schemas.findings import col_letter
from schemas.forms import ENTERPRISE, TASK
from tasks.intake.check_batch import check_many
from tasks.intake.submission import Submission
from warehouse.connection import connect


def check_file(path: Path, bureau: str) -> Submission:
    data = Path(path).read_bytes()
    sub = Submission(path=Path(path), rel=Path(path).name, bureau=bureau, period="2022Q2",
                     sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                     received_at=datetime(2022, 7, 5), data=data)
    return check_many([sub])[0]


def column_of(form, field: str) -> str:
    """Excel letter of a field when a sheet is written with the template header from column A."""
    return col_letter([f.name for f in form.fields].index(field))


ENT, TSK = ENTERPRISE, TASK


def q(home, sql, params=None):
    """Rows of a read-only query on the published analyst copy."""
    con = connect(home.warehouse, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def after_home_line(err: str, command: str) -> str:
    """A command's stderr without its first line, which names the home (`srdi query · 主目录 home: …`): that line must
    be there, first; what a test checks is what follows it."""
    first, _, rest = err.partition("\n")
    assert first.startswith(f"srdi {command} · 主目录 home: "), err
    return rest
