"""Rollup steps: which period, which rules, then one compute step per section of the registry
(schemas/sections.py; the SQL is warehouse/sql/rollups/<section.sql>.sql), then one store.

Every compute step reads the writer database (the flow holds the writer lock) and returns a polars frame;
`store_rollup` writes all of them in one transaction, replacing the period's rows.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import KIND
from schemas.periods import RollupPeriod, default_period
from schemas.rollup_config import RollupConfig, load as load_config
from schemas.sections import Section
from tasks.rollup.inputs import CONFIG_NAME, INPUTS, sql_params
from tasks.run_log import run_logger
from warehouse import rollups as wr
from warehouse.connection import connect
from warehouse.home import Home



# ---------------------------------------------------------------- tasks: set up

@task(name="resolve-period", cache_policy=NO_CACHE)
def resolve_period(kind: str, period: str | None = None) -> RollupPeriod:
    return RollupPeriod.of(kind, period or default_period(kind))


@task(name="load-rollup-config", cache_policy=NO_CACHE)
def load_rollup_config(home: Home) -> RollupConfig:
    own = home.root / CONFIG_NAME
    return load_config(own if own.exists() else None)


@task(name="prepare-rollup-tables", cache_policy=NO_CACHE)
def prepare_rollup_tables(home: Home) -> wr.SchemaChange:
    """The rollup tables at the current layout version; an older layout is recreated once and its periods are
    listed for recomputing (every rollup's notices say which, until each has been computed again)."""
    with connect(home.writer_db) as con:
        change = wr.apply_rollup_schema(con)
    if change.dropped:
        run_logger().warning("rollup tables recreated at layout version %d (was %s); periods to recompute: %s",
                             change.to_version, change.from_version or "unversioned", ", ".join(change.recompute) or "none")
    return change


# ---------------------------------------------------------------- the compute step (one task run per section)

def compute(con, rp: RollupPeriod, cfg: RollupConfig, section: Section,
            upstream: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """One section's rows: its SQL, with the frames it reads registered as rollup_<name>."""
    frames = {f"rollup_{name}": INPUTS[name](rp, cfg) for name in section.inputs}
    frames |= {f"rollup_{name}": (upstream or {})[name] for name in section.needs}
    return wr.select(con, section.sql, sql_params(rp, cfg), frames)


@task(name="compute-section", cache_policy=NO_CACHE)
def compute_section(home: Home, rp: RollupPeriod, cfg: RollupConfig, section: Section,
                    upstream: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Runs under the section's own task name (flows/rollups.py: compute-compliance, count-ladder, …)."""
    with connect(home.writer_db) as con:
        out = compute(con, rp, cfg, section, upstream)
    run_logger().info("%s %s: %d row(s) — %s", section.table, rp.period, out.height, wr.grain(section.sql))
    return out


# ---------------------------------------------------------------- tasks: store

def pack_path(home: Home, rp: RollupPeriod) -> Path:
    return home.reports / rp.period / f"{KIND[rp.kind]}_{rp.period}.xlsx"


def _flow_run_id() -> str | None:
    try:
        from prefect.runtime import flow_run
        return str(flow_run.id) if flow_run.id else None
    except Exception:
        return None


@task(name="store-rollup", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def store_rollup(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the period's rows in every rollup table, and record the run, in one transaction."""
    run = pl.DataFrame([{
        "period": rp.period, "kind": rp.kind, "first_quarter": rp.first_quarter, "last_quarter": rp.last_quarter,
        "as_of": rp.as_of, "computed_at": datetime.now(), "flow_run_id": _flow_run_id(),
        "pack_path": str(pack_path(home, rp)), "config_source": cfg.source,
        "repeat_recognition": cfg.repeat_recognition, "deadline_days": cfg.deadline_days,
    }])
    with connect(home.writer_db) as con:
        counts = wr.replace_period(con, rp.period, {**sections, "rollup_runs": run})
    run_logger().info("stored %s %s: %s", rp.kind, rp.period, counts)
    return counts
