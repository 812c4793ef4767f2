"""#20 item 5: DuckDB's threads follow the cores this process may run on, not a fixed 2."""
from __future__ import annotations

import os

from warehouse import connection


def test_duckdb_uses_the_cores_this_process_may_run_on(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4}, raising=False)
    connection.threads.cache_clear()
    try:
        con = connection.connect_memory()
        assert con.execute("SELECT current_setting('threads')").fetchone() == (5,)
        con.close()
    finally:
        connection.threads.cache_clear()


def test_a_big_server_gives_duckdb_eight_threads_not_every_core(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    connection.threads.cache_clear()
    try:
        con = connection.connect_memory()
        assert con.execute("SELECT current_setting('threads')").fetchone() == (8,)
        con.close()
    finally:
        connection.threads.cache_clear()
