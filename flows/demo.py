"""Demo: a sample share built from the policy, then the pipeline on it."""
from __future__ import annotations

from prefect import flow

from flows.ingest import ingest
from tasks.home import Home
from tasks.sample import build_demo_share


@flow(name="demo")
def demo(home: str | None = None) -> dict:
    where = Home.resolve(home).ensure()
    build_demo_share(where)
    summary = ingest(home=str(where.root), settle_seconds=0)
    return {"ingest": summary, "warehouse": str(where.warehouse), "inbox": str(where.inbox),
            "archive": str(where.archive), "rejected": str(where.rejected), "outbox": str(where.outbox),
            "reports": str(where.reports)}
