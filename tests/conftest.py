"""Shared fixtures: a temporary project home, one Prefect test server for the whole session, and databases built
once per session that each test copies.

Under pytest-xdist (`make check`, `make test`: `-n auto`) every worker is its own pytest session: session fixtures
are built once per worker, in that worker's own temporary directory (tmp_path_factory gives each worker its own
basetemp), and each worker's Prefect test server has its own database and a free port of its own.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

import pytest

from warehouse.home import Home


@pytest.fixture(scope="session", autouse=True)
def _no_embedded_server_left(tmp_path_factory):
    """A command run in this process by an integration test (`main(["rollup", …])`) may start its home's embedded
    Prefect server like any command; none outlives the session (tests/e2e/conftest.py stops them per module)."""
    yield
    from tests.helpers import stop_embedded_servers
    stop_embedded_servers(tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def _environment_restored():
    """A command run in this process (`main([...])`) points the process at its home's Prefect server and credential
    (srdi/runtime.py use_prefect sets PREFECT_API_URL, PREFECT_HOME, the auth strings): each test's changes to the
    environment end with it, so a later test in the same worker never talks to a server a module cleanup stopped."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from tests.helpers import HANG
    with prefect_test_harness(server_startup_timeout=HANG):   # a ceiling only a hang reaches (#21): a busy machine is slow
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


# ---------------------------------------------------------------- databases built once per session
# apply_schema lays out some thirty tables, the staged views, macros and some 250 comments: 0.2–0.5 s each time on
# this machine, and prepare_warehouse adds the reference data and the Annex 1 registry (about 1 s in all). Tests
# that only need such a database start from a byte copy of one that the same code built once per session, so a
# test still has a database of its own to change, and never sees another test's rows.

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def _template(path: Path):
    """Yields `path` (a closed database: no .wal beside it) and checks at the session's end that no test wrote to it:
    a template is copied, never opened."""
    assert not path.with_name(path.name + ".wal").exists(), f"{path}: not checkpointed"
    digest = _sha256(path)
    yield path
    assert _sha256(path) == digest, f"a test wrote to the template database {path}: copy it (copy_db) instead"


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory) -> Path:
    """A DuckDB file with the whole warehouse schema applied (warehouse.connection.apply_schema) and nothing else."""
    from warehouse.connection import apply_schema, connect
    path = tmp_path_factory.mktemp("template-schema") / "schema.duckdb"
    with connect(path) as con:
        apply_schema(con)
    with _template(path):
        yield path


@pytest.fixture(scope="session")
def warehouse_template(tmp_path_factory) -> Path:
    """A writer database as prepare_warehouse leaves a new home's: the schema, the reference data and the Annex 1
    registry, no submission."""
    from tasks.storage import prepare_warehouse
    home = Home.resolve(tmp_path_factory.mktemp("template-warehouse") / "home").ensure()
    prepare_warehouse.fn(home)
    with _template(home.writer_db):
        yield home.writer_db


def copy_db(template: Path, dest: Path) -> Path:
    """`dest`: a test's own, writable copy of a template database."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, dest)
    return dest


def memory_copy(template: Path):
    """A new in-memory database holding what `template` holds (tables and rows, views, macros, comments)."""
    from warehouse.connection import connect_memory
    con = connect_memory()
    con.execute(f"ATTACH '{template}' AS template (READ_ONLY)")
    con.execute("COPY FROM DATABASE template TO memory")
    con.execute("DETACH template")
    return con


@pytest.fixture(scope="session")
def rules_template(tmp_path_factory) -> Path:
    """What the rules' SQL runs on in tests/unit/test_rule_sql.py and tests/unit/test_rules_policy.py: the schema, the
    reference data, the Annex 1 registry and the rollup tables."""
    from tasks.storage import baseline_frame, reference_frames
    from warehouse import rollups as wr
    from warehouse import submissions as ws
    from warehouse.connection import apply_schema, connect
    path = tmp_path_factory.mktemp("template-rules") / "rules.duckdb"
    with connect(path) as con:
        apply_schema(con)
        ws.refresh_reference(con, reference_frames())
        ws.seed_registry(con, baseline_frame())
        wr.apply_rollup_schema(con)
    with _template(path):
        yield path


@pytest.fixture(scope="session")
def enterprise_workbook_40k(tmp_path_factory) -> Path:
    """A valid 40,000-row 企业库 (tests/integration/test_reader_limits.py, big_enterprise_workbook), written once per session:
    writing it takes 7–15 s, and tests/integration/test_reader_limits.py needs it in several tests. A test copies it
    and never changes it: checked at the session's end."""
    from tests.integration.test_reader_limits import big_enterprise_workbook
    path = big_enterprise_workbook(tmp_path_factory.mktemp("template-workbook") / "企业库2022Q2.xlsx", 40_000)
    digest = _sha256(path)
    yield path
    assert _sha256(path) == digest, f"a test wrote to the template workbook {path}: copy it instead"


@pytest.fixture
def empty_home(tmp_path) -> Home:
    """A new home, as `srdi init` lays it out: no writer database yet."""
    return Home.resolve(tmp_path / "home").ensure()


@pytest.fixture
def home(empty_home, warehouse_template) -> Home:
    """A home as its first ingest leaves the writer database before it reads a file (prepare_warehouse: the schema,
    the reference data, the Annex 1 registry), copied from the session's template rather than laid out again (0.2 s
    of DDL a home). What a new home's first run does to an empty folder is the e2e tests' (the newcomer's README,
    test_crash's fresh homes)."""
    copy_db(warehouse_template, empty_home.writer_db)
    return empty_home


@pytest.fixture
def run_ingest():
    """The ingest's steps in this process, without Prefect (tests/helpers.py ingest_in_process): run(home) -> the
    flow's summary. A test about the flow itself runs flows.ingest.ingest under the `prefect_server` fixture."""
    from tests.helpers import ingest_in_process
    return ingest_in_process


def drop(home: Home, bureau: str, name: str) -> "os.PathLike":
    """Path in the inbox for a bureau's file (folder created)."""
    folder = home.inbox / bureau
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
