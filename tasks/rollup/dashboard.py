"""The analysts' HTML dashboard for the period, rendered from the rollup tables' rows the run just stored and
published (read on the flow's connection to the writer database: the analyst copy is a copy of it)."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from dashboards import write_period_dashboard
from warehouse.connection import connect
from warehouse.home import Home


@task(name="render-dashboard", cache_policy=NO_CACHE)
def render_dashboard(home: Home, period: str, con=None) -> str:
    """`con`: a connection to the published data (the flow's writer connection after publishing); without one, a
    read-only connection to the analyst copy."""
    if con is not None:
        return str(write_period_dashboard(con, home.reports, period, home.time_zone))
    with connect(home.warehouse, read_only=True) as own:
        return str(write_period_dashboard(own, home.reports, period, home.time_zone))
