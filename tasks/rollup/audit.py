"""The rollup's data tests, as one step of the rollup flow: after the sections are computed, before anything is
stored, published or written (warehouse/audit.py runs them; each table's model declares its own). A failure raises
RollupAuditFailed: the flow run fails (Prefect shows it Failed with the one-line message), `srdi rollup` exits 6
with that line, and since nothing was stored the writer database, the analyst copy, the previous pack and the
dashboard stay as they were."""
from __future__ import annotations

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.periods import RollupPeriod
from schemas.rollup_config import RollupConfig
from schemas.sections import sections_for
from tasks.rollup.inputs import INPUTS
from tasks.run_log import run_logger
from warehouse.audit import RollupAuditFailed, audit
from warehouse.connection import connect_memory


@task(name="audit-rollup", cache_policy=NO_CACHE)
def audit_rollup(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> int:
    """Every data test of the computed sections (unique, not_null, accepted_values, relationships, invariants), on an
    in-memory database of their own (the frames are registered; the writer database is not touched). Returns how
    many tables passed."""
    models = sections_for(rp.kind)
    with connect_memory() as con:
        failures = audit(con, models, sections, INPUTS["obligations"](rp, cfg))
    log = run_logger()
    for f in failures:
        log.error("data test failed: %s %s: %s", f.table, f.test, "; ".join(f.offending))
    if failures:
        raise RollupAuditFailed(rp.period, failures)
    log.info("data tests passed: %d table(s) of %s %s", len(models), rp.kind, rp.period)
    return len(models)
