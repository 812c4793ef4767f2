"""Offline HTML dashboards, rendered from the rollup tables only (the same rows the pack shows).

    write_period_dashboard(con, reports_dir, "2022Q2")  ->  <reports_dir>/2022Q2/dashboard_2022Q2.html
    write_index(reports_dir)                             ->  <reports_dir>/index.html
    write_history_dashboard(con, reports_dir)            ->  <reports_dir>/dashboard_history.html (all periods)

data.py reads the sections the registry marks `dashboard=True` (warehouse.rollups.read_period), charts.py draws
the SVG charts, page.py assembles the page with style.css and search.js (package data) inlined; history.py is the
page across all periods (warehouse.history.read_history: the rollup tables of every rolled-up period).
Imports warehouse and schemas only.
"""
from dashboards.history import write_history_dashboard
from dashboards.page import render_period, write_index, write_period_dashboard

__all__ = ["render_period", "write_history_dashboard", "write_index", "write_period_dashboard"]
