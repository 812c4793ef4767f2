"""The logger every step writes to: Prefect's run logger inside a flow run, the `srdi` logger outside one."""
from __future__ import annotations

import logging


def run_logger():
    try:
        from prefect import get_run_logger
        return get_run_logger()
    except Exception:  # called outside a run (tests, CLI helpers)
        return logging.getLogger("srdi")
