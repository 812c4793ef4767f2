"""The analysts' HTML dashboards: the period's, and the history across all periods (render_history). Each is
rendered from the rollup tables' rows the run just stored (read from the writer database, read-only: the analyst
copy is a copy of it, and a publish that a full disk refused must not leave the dashboard on the previous rows)."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from dashboards import write_history_dashboard, write_period_dashboard
from warehouse.connection import connect
from warehouse.home import Home


@task(name="render-dashboard", cache_policy=NO_CACHE)
def render_dashboard(home: Home, period: str) -> str:
    with connect(home.writer_db, read_only=True) as own:
        return str(write_period_dashboard(own, home.reports, period, home.time_zone))


@task(name="render-history", cache_policy=NO_CACHE)
def render_history(home: Home) -> str:
    """reports/dashboard_history.html: the programme across every rolled-up period (reporting rate per bureau and
    quarter, the ladder and the targets per half-year, rewards per year), rewritten by every rollup."""
    with connect(home.writer_db, read_only=True) as own:
        return str(write_history_dashboard(own, home.reports))
