"""The templates flow: flows/pipeline.py's `make_templates` (each bureau's workbook for a period, prefilled from the
warehouse, into its outbox folder), its steps as Prefect task runs."""
from __future__ import annotations

from prefect import flow

from flows.pipeline import AS_TASKS, make_templates
from warehouse.home import Home
from warehouse.lock import WriterLock


@flow(name="templates", log_prints=True)
def write_templates(home: str | None = None, period: str | None = None, lock: WriterLock | None = None) -> dict:
    """Write <bureau>_企业库/任务进展_<period>_模板.xlsx into share/outbox/<bureau>/ for every bureau. `lock`: the
    writer lock a caller in this process holds (the CLI), else the run takes it."""
    return make_templates(Home.resolve(home).ensure(), period, step=AS_TASKS, lock=lock)
