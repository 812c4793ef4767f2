"""Demo: a sample share built from the policy, the pipeline on it, then the 2022 meeting packs."""
from __future__ import annotations

from prefect import flow

from flows.ingest import ingest
from flows.rollups import annual_summary, midyear_meeting, quarterly_dispatch
from flows.templates import write_templates
from tasks.home import Home
from tasks.pack import display_width
from tasks.rollup import date_demo_arrivals
from tasks.sample import build_demo_share


@flow(name="demo")
def demo(home: str | None = None) -> dict:
    where = Home.resolve(home).ensure()
    date_demo_arrivals(build_demo_share(where))
    summary = ingest(home=str(where.root), settle_seconds=0)
    root = str(where.root)
    templates = write_templates(home=root, period="2022Q4")   # what each bureau fills next quarter
    packs = [
        quarterly_dispatch(home=root, period="2022Q2"),
        quarterly_dispatch(home=root, period="2022Q3"),
        midyear_meeting(home=root, period="2022H1"),
        annual_summary(home=root, period="2022"),
    ]
    return {"ingest": summary, "warehouse": str(where.warehouse), "inbox": str(where.inbox),
            "archive": str(where.archive), "rejected": str(where.rejected), "outbox": str(where.outbox),
            "reports": str(where.reports), "packs": [p["pack"] for p in packs],
            "templates": templates["written"],
            "notes": [p["title"] + " " * (26 - display_width(p["title"])) + p["pack"]
                      + (f"  看板 {p['dashboard']}" if p.get("dashboard") else "")
                      for p in packs]
            + [f"模板 2022Q4（{len(templates['written'])} 个）" + " " * 8 + f"{where.outbox}/<单位>/<单位>_任务进展_2022Q4_模板.xlsx"]}
