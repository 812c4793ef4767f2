"""The analysts' HTML dashboard for the period, rendered from the analyst copy's rollup tables."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from dashboards import write_period_dashboard
from warehouse.connection import connect
from warehouse.home import Home


@task(name="render-dashboard", cache_policy=NO_CACHE)
def render_dashboard(home: Home, period: str) -> str:
    with connect(home.warehouse, read_only=True) as con:
        return str(write_period_dashboard(con, home.reports, period))
