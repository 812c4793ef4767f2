"""`srdi demo`: a sample share built from the policy, the pipeline on it, next quarter's templates, then the
2022 meeting packs. The flow wires the product's flows; only building the share is demo code."""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.ingest import ingest
from flows.rollups import annual_summary, midyear_meeting, quarterly_dispatch
from flows.templates import write_templates
from samples.share import build_sample_share
from schemas.periods import period_from_name, period_label
from schemas.text_width import terminal_width
from warehouse.home import Home

# The demo share is written today; each file gets the arrival date of its quarter (the stamp in its properties),
# so the compliance section reads as it would have in 2022, not as four years late.
# Beijing time (the programme's zone), whatever the machine's zone is.
DEMO_ARRIVALS = {"2022Q2": datetime(2022, 7, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
                 "2022Q3": datetime(2022, 10, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))}


@task(name="build-demo-share", cache_policy=NO_CACHE)
def build_demo_share(home: Home) -> list[str]:
    """Writes the sample workbooks once, dated as they arrived in 2022; a second demo run adds nothing."""
    marker = home.state / "demo-share-built"
    if marker.exists():
        return []
    paths = build_sample_share(home.inbox)
    for p in paths:
        period = period_from_name(p.stem)
        when = DEMO_ARRIVALS.get(period if isinstance(period, str) else "", DEMO_ARRIVALS["2022Q2"])
        os.utime(p, (when.timestamp(), when.timestamp()))
    marker.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
    return [str(p) for p in paths]


def _aligned(label: str, width: int = 26) -> str:
    return label + " " * max(width - terminal_width(label), 1)


@flow(name="demo")
def demo(home: str | None = None) -> dict:
    where = Home.resolve(home).ensure()
    build_demo_share(where)
    summary = ingest(home=str(where.root), settle_seconds=0, trust_mtime=True)   # the share replays 2022 arrivals
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
            "notes": [_aligned(p["title"]) + p["pack"] + (f"  看板 {p['dashboard']}" if p.get("dashboard") else "")
                      for p in packs]
            + [_aligned(f"模板 {period_label('2022Q4')}（{len(templates['written'])} 个）")
               + f"{where.outbox}/<单位>/<单位>_任务进展_2022Q4_模板.xlsx"]}
