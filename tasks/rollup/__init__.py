"""Rollups: which period and rules, every section computed in one step (schemas/sections.py), one store, the meeting
pack, the dashboard and the Prefect artifacts."""
