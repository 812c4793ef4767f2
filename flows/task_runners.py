"""Which Prefect task runner the flows use: threads on one machine (default) or a Dask cluster."""
from __future__ import annotations

import os


def make_task_runner(kind: str | None = None, address: str | None = None):
    kind = (kind or os.environ.get("SRDI_TASK_RUNNER") or "thread").lower()
    if kind == "dask":
        import dask
        from prefect_dask import DaskTaskRunner

        # our reading step starts child processes; Dask's default daemonic workers may not have children
        dask.config.set({"distributed.worker.daemon": False})
        address = address or os.environ.get("SRDI_DASK_ADDRESS")
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if kind != "thread":
        raise ValueError(f"unknown task runner {kind!r}: use thread or dask")
    from prefect.task_runners import ThreadPoolTaskRunner
    return ThreadPoolTaskRunner(max_workers=1)
