"""Intake: what happens to a workbook a bureau drops in the inbox, one step per module.

discover → (isolate: read → normalise → validate, in child processes) → load → file away; publish is shared
with the rollups (tasks/storage.py).
"""
