"""Process environment the project sets before Prefect is imported: no telemetry, a local home."""
from __future__ import annotations

import os
from pathlib import Path

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true"),
}


def quiet_prefect(home: Path) -> None:
    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    os.environ.setdefault("PREFECT_HOME", str(home / ".prefect"))
