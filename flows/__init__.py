"""Prefect flows: each only wires tasks together."""
