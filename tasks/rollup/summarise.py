"""What a rollup run did, for the CLI and the flow's result."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import KIND
from schemas.periods import RollupPeriod
from warehouse.home import Home


@task(name="summarise-rollup", cache_policy=NO_CACHE)
def summarise_rollup(home: Home, rp: RollupPeriod, counts: dict[str, int], pack: str, dashboard: str | None) -> dict:
    return {"kind": rp.kind, "period": rp.period, "label": rp.label, "title": f"{KIND[rp.kind]}（{rp.label}）",
            "pack": pack, "dashboard": dashboard,
            "reports": str(home.reports / rp.period), "warehouse": str(home.warehouse), "tables": counts}
