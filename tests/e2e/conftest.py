"""The e2e tier's own fixtures.

* `shared_api`: one Prefect server per test session (a worker's, under xdist: tests/conftest.py `prefect_server`),
  for the `srdi` commands of tests that are not about how a command finds or starts its server. Given as
  PREFECT_API_URL (tests/helpers.py SHARED_API), a command reports its runs there and its home starts no embedded
  server: a new home's server costs 8–13 s of CPU (Prefect migrates its database), and most tests make a new home.
  The tests of the runtime itself (test_embedded_server, test_interrupt, test_dead_runs, test_api_auth, the
  newcomer's walk through the README) leave it out.
* `new_home`: a new home whose Prefect database is already migrated, for the tests that start the home's own server
  (embedded or `srdi serve`) but are not about its first start: a copy of one database migrated once per session by
  Prefect's own `prefect server database upgrade` (a new home's first server spends 6–13 s of CPU migrating it).
  The first start itself is test_embedded_server's first test and the newcomer's walk through the README.
* the embedded Prefect servers the other commands start (srdi/runtime.py: Prefect's `prefect server start
  --background`, which runs until `srdi stop`, by design) are stopped after each test module, so that a test session
  leaves nothing running."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import HANG, SHARED_API, command_env, stop_embedded_servers
from warehouse.home import Home


@pytest.fixture(scope="session")
def shared_api(prefect_server) -> str:
    from prefect.settings import PREFECT_API_URL
    url = PREFECT_API_URL.value()
    SHARED_API["PREFECT_API_URL"] = url
    yield url
    SHARED_API.clear()


@pytest.fixture(scope="module", autouse=True)
def _stop_embedded_servers(tmp_path_factory):
    yield
    stop_embedded_servers(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def migrated_prefect_db(tmp_path_factory) -> Path:
    """A Prefect database at this Prefect's schema, migrated by `prefect server database upgrade` (no -wal beside it:
    the command has closed it)."""
    prefect_home = tmp_path_factory.mktemp("prefect-db")
    env = command_env(shared=False, PREFECT_HOME=str(prefect_home))
    r = subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"], env=env,
                       capture_output=True, text=True, timeout=HANG)
    assert r.returncode == 0, r.stdout + r.stderr
    db = prefect_home / "prefect.db"
    assert db.is_file() and not db.with_name("prefect.db-wal").exists()
    return db


@pytest.fixture(scope="session")
def new_home(migrated_prefect_db):
    """`new_home(path)`: Home.resolve(path).ensure(), with a copy of the migrated Prefect database where the home's
    server keeps it (<home>/.prefect, srdi/runtime.py and srdi serve)."""
    def make(path: Path) -> Home:
        home = Home.resolve(path).ensure()
        (home.root / ".prefect").mkdir(mode=0o700, exist_ok=True)    # as Prefect makes its home
        shutil.copyfile(migrated_prefect_db, home.root / ".prefect" / "prefect.db")
        return home
    return make
