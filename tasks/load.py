"""Warehouse steps of the ingest: prepare, skip duplicates, load each file in one transaction, publish."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import reference
from schemas.findings import ERROR
from tasks.discover import _logger
from tasks.faults import crash_point
from tasks.home import Home
from tasks.normalise import ParseError, parse_level
from tasks.submission import Submission
from warehouse import load as wl
from warehouse.db import apply_schema, connect


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
        try:
            level = parse_level(e["srdi_level_text"]) if e["srdi_level_text"] else parse_level("种子")
        except ParseError:  # pragma: no cover - the shipped CSV is parsed in tests
            raise
        rows.append({
            "enterprise_name": e["enterprise_name"], "industry": e["industry"] or None,
            "tech_center_level": e["tech_center_level"] or None,
            "patents": int(e["patents"]) if e["patents"] else None, "operating_status": e["operating_status"],
            "srdi_level_text": e["srdi_level_text"] or None, **level,
            "planned_city_year": int(e["planned_city_year"]) if e["planned_city_year"] else None,
            "planned_province_year": int(e["planned_province_year"]) if e["planned_province_year"] else None,
            "responsible_leader": e["responsible_leader"], "service_team": e["service_team"],
        })
    return pl.DataFrame(rows, infer_schema_length=None)


@task(name="prepare-warehouse", retries=2, retry_delay_seconds=1)
def prepare_warehouse(home: Home) -> None:
    home.ensure()
    with connect(home.writer_db) as con:
        apply_schema(con)
        wl.refresh_reference(con, reference_frames())
        wl.seed_registry(con, baseline_frame())


@task(name="skip-duplicates", cache_policy=NO_CACHE)
def skip_duplicates(home: Home, batch: list[Submission]) -> list[Submission]:
    """The same bytes dropped again change nothing: no reading, one 'duplicate' row, filed away."""
    seen: set[str] = set()
    with connect(home.writer_db) as con:
        for sub in batch:
            if sub.rejected:
                continue
            original = wl.find_loaded_sha(con, sub.sha256)
            if original is not None or sub.sha256 in seen:
                sub.outcome = "duplicate"   # an in-batch twin learns its original's id at load time
                sub.data = None
                sub.duplicate_of = original
            seen.add(sub.sha256)
    return batch


def _stored_path(home: Home, sub: Submission, taken: set[str]) -> Path:
    if sub.outcome == "rejected":
        base = home.rejected / sub.bureau
    elif sub.outcome == "duplicate":
        base = home.archive / sub.bureau / (sub.period or "未识别报送期") / "重复报送"
    else:
        base = home.archive / sub.bureau / sub.period
    name = Path(sub.safe_name)
    cand = base / name
    n = 0
    while cand.exists() or str(cand) in taken:
        n += 1
        suffix = f"__{sub.sha256[:8]}" + (f"_{n}" if n > 1 else "")
        cand = base / f"{name.stem}{suffix}{name.suffix}"
    return cand


def _records(sub: Submission) -> list[wl.SubmissionRecord]:
    common = dict(bureau=sub.bureau, period=sub.period, file_name=sub.file_name, source_path=sub.rel,
                  sha256=sub.sha256, size_bytes=sub.size_bytes, file_format=sub.file_format,
                  received_at=sub.received_at, status=sub.outcome)
    if sub.outcome == "duplicate":
        return [wl.SubmissionRecord(form=None, duplicate_of=sub.duplicate_of,
                                    message=f"与第 {sub.duplicate_of} 号报送内容完全相同，未重复入库", **common)]
    forms = sub.norm.forms if sub.norm else {}
    findings = [f.as_row() for f in sub.findings]
    if not forms:
        first = next((f for f in sub.findings if f.severity == ERROR), None)
        return [wl.SubmissionRecord(form=None, findings=findings, message=first.message if first else None, **common)]
    recs = []
    for i, (name, parsed) in enumerate(forms.items()):
        mine = [f for f in findings if f["sheet"] in parsed.sheets or (i == 0 and f["sheet"] not in
                {s for p in forms.values() for s in p.sheets})]
        rows = parsed.frame if sub.outcome == "loaded" else None
        columns = [{"sheet": sheet, "field": f, "excel_col": col, "header": parsed.labels.get(sheet, {}).get(f)}
                   for sheet, letters in parsed.letters.items() for f, col in letters.items()]
        recs.append(wl.SubmissionRecord(form=name, findings=mine, rows=rows, columns=columns, **common))
    return recs


STORAGE_HELP = "磁盘空间不足或没有写入权限：{where}（{error}）。本批未入库的文件保留在收件箱，问题解决后下次运行会自动重试。"


def storage_problem(where: str, exc: BaseException) -> str:
    return STORAGE_HELP.format(where=where, error=getattr(exc, "strerror", None) or str(exc).splitlines()[0])


@task(name="load-submissions", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def load_submissions(home: Home, batch: list[Submission]) -> list[Submission]:
    log = _logger()
    with connect(home.writer_db) as con:
        taken = {r[0] for r in con.execute("SELECT stored_path FROM submissions WHERE NOT moved").fetchall()}
        next_id = wl.next_submission_id(con)
        problem = None
        for sub in batch:
            if problem:
                sub.deferred = problem
                continue
            if sub.outcome == "duplicate" and sub.duplicate_of is None:
                sub.duplicate_of = wl.find_original(con, sub.sha256)
            if sub.outcome != "duplicate":
                sub.outcome = "rejected" if sub.rejected else "loaded"
            stored = _stored_path(home, sub, taken)
            taken.add(str(stored))
            recs = _records(sub)
            try:
                next_id = wl.write_file_submissions(con, recs, str(stored), next_id,
                                                    before_commit=lambda: crash_point("before-commit"))
            except (OSError, duckdb.IOException) as exc:   # disk full, read-only or permission denied
                problem = sub.deferred = storage_problem(str(home.writer_db), exc)
                log.error(problem)
                continue
            crash_point("after-commit")
            sub.submission_ids = [r.submission_id for r in recs]
            sub.stored_path = stored
            log.info("%s: %s (%s)", sub.rel, sub.outcome, ", ".join(map(str, sub.submission_ids)))
    return batch


def publish(home: Home) -> Path:
    """Checkpoint the writer's database and swap an analyst copy in atomically."""
    with connect(home.writer_db) as con:
        con.execute("CHECKPOINT")
    for stale in home.warehouse.parent.glob(f".{home.warehouse.name}.*.tmp"):
        stale.unlink(missing_ok=True)   # debris of a publish that was killed mid-copy
    tmp = home.warehouse.with_name(f".{home.warehouse.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(home.writer_db, tmp)
        with open(tmp, "rb+") as f:   # on disk before the rename, so a crash cannot publish a torn file
            os.fsync(f.fileno())
        crash_point("before-publish-swap")
        os.replace(tmp, home.warehouse)
    except BaseException:
        tmp.unlink(missing_ok=True)   # a failed copy leaves the previous analyst copy and no debris
        raise
    return home.warehouse


@task(name="publish-warehouse", retries=2, retry_delay_seconds=1)
def publish_warehouse(home: Home) -> str:
    return str(publish(home))
