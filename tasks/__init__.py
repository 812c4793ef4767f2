"""Steps, one per Prefect task, grouped by capability: intake/ (a dropped workbook to the warehouse), bureau/ (what
a bureau gets back), rollup/ (the meeting packs). Imports go down only: to schemas, warehouse and dashboards."""
