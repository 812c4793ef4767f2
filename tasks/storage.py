"""Steps on the writer database that every flow shares: prepare it (schema, reference data, Annex 1) and publish
the analyst copy (warehouse.duckdb) after a successful run."""
from __future__ import annotations

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import reference
from schemas.values import parse_level
from warehouse import submissions as wl
from tasks.run_log import run_logger
from warehouse.connection import apply_schema, connect
from warehouse.disk import disk_problem_line, is_disk_problem
from warehouse.home import Home
from warehouse.publish import publish


def reference_frames() -> dict[str, pl.DataFrame]:
    return {
        "ref_bureaus": pl.DataFrame([{"bureau": b.bureau, "full_name": b.full_name, "aliases": "|".join(b.aliases),
                                      "service_team": b.service_team} for b in reference.bureaus().values()]),
        "ref_service_teams": pl.DataFrame([{"service_team": t, "team_name": f"{t}服务专班", "bureau": b}
                                           for t, b in reference.service_teams().items()]),
        "ref_task_items": pl.DataFrame([{"task_id": t.task_id, "group_id": t.group_id, "group_name": t.group_name,
                                         "item_text": t.item_text, "responsible_units": "|".join(t.responsible_units),
                                         "metrics": "|".join(t.metrics)} for t in reference.task_items().values()]),
        "ref_targets": pl.DataFrame(reference.targets()).with_columns(
            pl.col("target_value").cast(pl.Float64), pl.col("deadline_year").replace("", None).cast(pl.Int32)),
    }


def baseline_frame() -> pl.DataFrame:
    rows = []
    for e in reference.registry_enterprises():
        level = parse_level(e["srdi_level_text"]) if e["srdi_level_text"] else parse_level("种子")
        rows.append({
            "enterprise_name": e["enterprise_name"], "industry": e["industry"] or None,
            "tech_center_level": e["tech_center_level"] or None,
            "patents": int(e["patents"]) if e["patents"] else None, "operating_status": e["operating_status"],
            "srdi_level_text": e["srdi_level_text"] or None, **level,
            "planned_city_year": int(e["planned_city_year"]) if e["planned_city_year"] else None,
            "planned_province_year": int(e["planned_province_year"]) if e["planned_province_year"] else None,
            "responsible_leader": e["responsible_leader"], "service_team": e["service_team"],
        })
    frame = pl.DataFrame(rows, infer_schema_length=None)   # names as printed, matched by their key (rule 7a)
    return frame.with_columns(reference.name_keys(frame["enterprise_name"]))


def prepare(con) -> None:
    """The schema (applied once per version: warehouse.connection.apply_schema), the reference data and Annex 1."""
    apply_schema(con)
    wl.refresh_reference(con, reference_frames())
    wl.seed_registry(con, baseline_frame())


@task(name="prepare-warehouse", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def prepare_warehouse(home: Home) -> None:
    """On a connection of its own to the writer database (a retry opens a fresh one)."""
    home.ensure()
    with connect(home.writer_db) as own:
        prepare(own)


@task(name="publish-warehouse", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def publish_warehouse(home: Home) -> dict:
    """Checkpoint the writer database (on a connection of its own) and swap the analyst copy in. A full disk or a
    read-only home is not an exception (no traceback, no retry that cannot help): {"problem": one line}, logged;
    what was committed stays committed, and the analyst copy stays the one published before."""
    try:
        return {"path": str(publish(home)), "problem": None}
    except Exception as exc:
        if not is_disk_problem(exc):
            raise
        problem = disk_problem_line(exc, "发布分析副本", ("本次已入库、汇总的数据已保存在写入库中，分析副本仍是上次发布的",
                                                    "what this run committed is saved; the analyst copy is the previous one"))
        run_logger().error(problem)
        return {"path": None, "problem": problem}
