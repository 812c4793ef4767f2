"""The task runner is configurable: on a local Dask cluster (prefect-dask) the ingest gives the same warehouse."""
from __future__ import annotations

import shutil

import pytest

from warehouse.home import Home
from samples.share import build_sample_share
from tests.e2e.test_crash import placement, snapshot

pytest.importorskip("prefect_dask")


def test_dask_runner_gives_the_same_warehouse(tmp_path, prefect_server):
    from flows.ingest import ingest
    from flows.task_runners import make_task_runner

    src = Home.resolve(tmp_path / "src").ensure()
    build_sample_share(src.inbox)
    homes = {}
    for name in ("thread", "dask"):
        homes[name] = Home.resolve(tmp_path / name)
        shutil.copytree(src.root, homes[name].root, copy_function=shutil.copy2)
    ingest(home=str(homes["thread"].root), settle_seconds=0, chunk_size=3)
    runner = make_task_runner("dask")
    ingest.with_options(task_runner=runner)(home=str(homes["dask"].root), settle_seconds=0, chunk_size=3)
    assert snapshot(homes["dask"]) == snapshot(homes["thread"])
    assert placement(homes["dask"]) == placement(homes["thread"])
    assert snapshot(homes["dask"])["submissions"]  # not two empty warehouses
