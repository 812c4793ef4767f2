"""The pipeline as a plain library (pipeline.py: each story once, callable without Prefect) and the Prefect flows
around it (ingest.py, rollups.py, templates.py: parameters in, one library call out)."""
