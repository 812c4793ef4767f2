"""Offline HTML dashboards, rendered from the rollup tables only (the same rows the pack shows).

    write_period_dashboard(con, reports_dir, "2022Q2")  ->  <reports_dir>/2022Q2/dashboard_2022Q2.html
    write_index(reports_dir)                             ->  <reports_dir>/index.html

data.py reads the sections the registry marks `dashboard=True` (warehouse.rollups.read_period), charts.py draws
the SVG charts, page.py assembles the page with style.css and search.js (package data) inlined.
Imports warehouse and schemas only.
"""
from dashboards.page import render_period, write_index, write_period_dashboard

__all__ = ["render_period", "write_index", "write_period_dashboard"]
