"""`srdi demo`: a sample share built from the policy, the pipeline on it, next quarter's templates, then the
2022 meeting packs. `run_demo` is the story, once: in this process with the library (tests), or with the product's
flows as subflow runs (the `demo` flow, `srdi demo`); only building the share is demo code."""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.ingest import ingest
from flows.pipeline import compute_rollup, ingest_inbox, make_templates
from flows.rollups import ROLLUPS
from flows.templates import write_templates
from samples.share import build_sample_share
from schemas.periods import period_from_name, period_label
from schemas.text_width import terminal_width
from warehouse.home import Home
from warehouse.lock import WriterLock

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


def run_demo(where: Home, *, ingest=ingest_inbox, templates=make_templates, rollup=compute_rollup,
             build=build_demo_share.fn) -> dict:
    """The demo's story: the share built, the ingest, next quarter's templates, the four 2022 packs. By default each
    is the library's (flows/pipeline.py), in this process; the `demo` flow passes the product's flows, as subflow
    runs."""
    build(where)
    summary = ingest(where, settle_seconds=0, trust_mtime=True)   # the share replays 2022 arrivals
    made = templates(where, "2022Q4")                              # what each bureau fills next quarter
    packs = [rollup("quarterly", where, "2022Q2"), rollup("quarterly", where, "2022Q3"),
             rollup("midyear", where, "2022H1"), rollup("annual", where, "2022")]
    return {"ingest": summary, "templates": made, "packs": packs}


@flow(name="demo")
def demo(home: str | None = None, lock: WriterLock | None = None) -> dict:
    """`lock`: the writer lock a caller in this process holds (the CLI), handed to each subflow run; else each
    takes it."""
    where = Home.resolve(home).ensure()
    root = str(where.root)
    ran = run_demo(where, build=build_demo_share,
                   ingest=lambda w, **kw: ingest(home=root, lock=lock, **kw),
                   templates=lambda w, period: write_templates(home=root, period=period, lock=lock),
                   rollup=lambda kind, w, period: ROLLUPS[kind](home=root, period=period, lock=lock))
    templates, packs = ran["templates"], ran["packs"]
    return {"ingest": ran["ingest"], "warehouse": str(where.warehouse), "inbox": str(where.inbox),
            "archive": str(where.archive), "rejected": str(where.rejected), "outbox": str(where.outbox),
            "reports": str(where.reports), "packs": [p["pack"] for p in packs],
            "templates": templates["written"],
            "notes": [_aligned(p["title"]) + p["pack"] + (f"  看板 {p['dashboard']}" if p.get("dashboard") else "")
                      for p in packs]
            + [_aligned(f"模板 {period_label('2022Q4')}（{len(templates['written'])} 个）")
               + f"{where.outbox}/<单位>/<单位>_任务进展_2022Q4_模板.xlsx"]}
