"""Publishing the analyst copy: checkpoint the writer's database, then swap a copy in atomically, so an analyst
never sees a half-written file and an open analyst connection never blocks a load."""
from __future__ import annotations

from pathlib import Path

from warehouse.atomic_write import copy_file
from warehouse.connection import connect
from warehouse.crash_points import crash_point
from warehouse.home import Home
from warehouse.sql import load as sql


def publish(home: Home) -> Path:
    """Checkpoint the writer's database and swap an analyst copy in atomically."""
    with connect(home.writer_db) as con:
        con.execute(sql("publish/checkpoint_writer"))
    return copy_file(home.writer_db, home.warehouse, before_swap=lambda: crash_point("before-publish-swap"))
