"""Offline HTML dashboards, rendered from the rollup tables only (the same rows the pack shows).

    write_period_dashboard(con, reports_dir, "2022Q2")  ->  <reports_dir>/2022Q2/dashboard_2022Q2.html
    write_index(reports_dir)                             ->  <reports_dir>/index.html

Imports warehouse and schemas only.
"""
from dashboards.render import write_index, write_period_dashboard

__all__ = ["write_index", "write_period_dashboard"]
