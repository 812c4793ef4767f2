"""Rollup steps: which period, which rules, then every section of the registry computed in one step
(schemas/sections.py, read from the models: the SQL is warehouse/sql/models/<table>.sql), then the data tests
(tasks/rollup/audit.py), then one store.

Each step opens its own connection to the writer database (the run holds the writer lock): a task's parameters are
plain data, and a retry starts from a fresh connection. `compute_sections` computes the sections in one transaction, the relations several of them read staged once
(warehouse.rollups.staged), each section a polars frame; `store_rollup` writes all of them in one transaction,
replacing the period's rows.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import KIND
from schemas import clock
from schemas.periods import RollupPeriod, default_period, today_in_china
from schemas.rollup_config import RollupConfig, load as load_config
from schemas.sections import Section, sections_for
from tasks.rollup.inputs import CONFIG_NAME, INPUTS, sql_params
from tasks.run_log import run_logger
from warehouse import rollups as wr
from warehouse.connection import connect, transaction
from warehouse.home import Home



# ---------------------------------------------------------------- set up (plain steps: pure, and instant)

def resolve_period(kind: str, period: str | None = None, time_zone: str | None = None) -> RollupPeriod:
    """The period (default: the one that ended most recently) and today, both in the programme's zone."""
    return RollupPeriod.of(kind, period or default_period(kind, today_in_china(time_zone)), tz=time_zone)


def load_rollup_config(home: Home) -> RollupConfig:
    own = home.root / CONFIG_NAME
    return load_config(own if own.exists() else None)


def prepare_rollup_tables(con) -> wr.SchemaChange:
    """The rollup tables at the current layout version (one read when they are); an older layout is recreated once
    and its periods are listed for recomputing (every rollup's notices say which, until each has been computed
    again)."""
    change = wr.apply_rollup_schema(con)
    if change.dropped:
        run_logger().warning("rollup tables recreated at layout version %d (was %s); periods to recompute: %s",
                             change.to_version, change.from_version or "unversioned", ", ".join(change.recompute) or "none")
    return change


# ---------------------------------------------------------------- computing the sections

def compute(con, rp: RollupPeriod, cfg: RollupConfig, section: Section,
            upstream: dict[str, pl.DataFrame] | None = None, *, staged: bool = False) -> pl.DataFrame:
    """One section's rows: its SQL, with the frames it reads registered as rollup_<name>. `staged`: the caller has
    staged the shared relations (warehouse.rollups.staged) for this period; otherwise the ones this SQL reads are
    staged for this call alone."""
    frames = {f"rollup_{name}": INPUTS[name](rp, cfg) for name in section.inputs}
    frames |= {f"rollup_{name}": (upstream or {})[name] for name in section.needs}
    params = sql_params(rp, cfg)
    if staged:
        return wr.select(con, section.sql, params, frames)
    with wr.staged(con, params, wr.staged_names(section.sql)):
        return wr.select(con, section.sql, params, frames)


def compute_all(con, rp: RollupPeriod, cfg: RollupConfig) -> dict[str, pl.DataFrame]:
    """Every section of this kind of rollup (schemas/sections.py, in its order: a section's `needs` first), in one
    transaction, the identity views snapshotted and the shared relations staged once for all of them."""
    log = run_logger()
    sections: dict[str, pl.DataFrame] = {}
    params = sql_params(rp, cfg)
    with transaction(con), wr.staged(con, params, wr.RUN_STAGED):
        for section in sections_for(rp.kind):
            sections[section.table] = out = compute(con, rp, cfg, section, sections, staged=True)
            log.info("%s %s: %d row(s) — %s", section.table, rp.period, out.height, wr.grain(section.sql, params))
    return sections


@task(name="compute-sections", cache_policy=NO_CACHE)
def compute_sections(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> dict[str, pl.DataFrame]:
    """The rollup tables' rows for the period, computed from the writer database."""
    with connect(home.writer_db) as con:
        prepare_rollup_tables(con)
        return compute_all(con, rp, cfg)


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
        "as_of": rp.as_of, "computed_at": clock.now(), "flow_run_id": _flow_run_id(),
        "pack_path": str(pack_path(home, rp)), "config_source": cfg.source,
        "repeat_recognition": cfg.repeat_recognition, "deadline_days": cfg.deadline_days,
    }])
    with connect(home.writer_db) as con:
        counts = wr.replace_period(con, rp.period, {**sections, "rollup_runs": run})
    run_logger().info("stored %s %s: %s", rp.kind, rp.period, counts)
    return counts
