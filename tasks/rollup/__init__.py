"""Rollups: one compute step per section of the registry (schemas/sections.py), the meeting pack, the dashboard
and the Prefect artifacts."""
