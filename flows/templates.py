"""Templates: each bureau's workbook for a period, prefilled from the warehouse, into its outbox folder."""
from __future__ import annotations

from prefect import flow

from warehouse.home import Home
from warehouse.lock import writer_lock
from tasks.bureau.templates import current_quarter, read_template_prefill, write_bureau_templates


@flow(name="templates", log_prints=True)
def write_templates(home: str | None = None, period: str | None = None) -> dict:
    """Write <bureau>_企业库/任务进展_<period>_模板.xlsx into share/outbox/<bureau>/ for every bureau."""
    where = Home.resolve(home).ensure()
    period = period or current_quarter(tz=where.time_zone)
    with writer_lock(where):   # a consistent read of the writer database, and one writer of the outbox state
        data = read_template_prefill(where, period)
        result = write_bureau_templates(where, data)
    return {"period": period, "source": data.source, "outbox": str(where.outbox), **result}
