"""The programme's history, read from the rollup tables only (warehouse/sql/history/*.sql): what every rolled-up
period stored, for the dashboard across all periods (dashboards/history.py).

    frames = read_history(con)     None when no rollup has created the rollup tables yet
    frames["runs"]                 rollup_runs, one row per rolled-up period
    frames["reports"]              compliance counted per quarter × bureau (and per quarter), the latest verdicts
    frames["ladder"]               each period's ladder_counts 合计 row
    frames["targets"]              each period's target_progress rows, with their place in the policy's order
    frames["rewards"]              each period's ledger counted by status, the amounts due summed

Every figure here is a row a rollup stored or a count of such rows; nothing is computed from the reports again.
"""
from __future__ import annotations

import duckdb
import polars as pl

from warehouse.rollups import relations
from warehouse.sql import load as sql

# the rollup tables the history reads (created together by warehouse.rollups.apply_rollup_schema)
TABLES = ("rollup_runs", "compliance", "ladder_counts", "target_progress", "rewards")
QUERIES = {"runs": "history/list_rollup_runs", "reports": "history/count_reports_by_quarter",
           "ladder": "history/select_ladder_totals", "targets": "history/select_target_progress",
           "rewards": "history/summarise_rewards"}


def read_history(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame] | None:
    """Each of QUERIES' results as a frame; None when a table of TABLES is missing (no rollup has run)."""
    if not set(TABLES) <= relations(con):
        return None
    return {key: pl.DataFrame(con.sql(sql(name)).to_arrow_table()) for key, name in QUERIES.items()}
