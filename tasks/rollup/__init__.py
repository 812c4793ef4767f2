"""Rollups: one step computing every section of the registry (schemas/sections.py, read from the models), their data
tests (audit.py), the store, the meeting pack, the dashboard and the Prefect artifacts."""
