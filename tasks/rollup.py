"""Rollup steps: which period, which rules, then one compute step per section (SQL in warehouse/rollups/).

Every compute step reads the writer database (the flow holds the writer lock) and returns a polars frame;
`store_rollup` writes all of them in one transaction, replacing the period's rows.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import reference
from schemas.rollup_config import RollupConfig, load as load_config
from tasks.discover import _logger
from tasks.home import Home
from tasks.periods import previous_quarter, quarter_end, quarters_of
from warehouse import rollup as wr
from warehouse.db import connect

TIMEZONE = ZoneInfo("Asia/Shanghai")
KINDS = ("quarterly", "midyear", "annual")
PERIOD_FORMS = {"quarterly": re.compile(r"\d{4}Q[1-4]"), "midyear": re.compile(r"\d{4}H[12]"),
                "annual": re.compile(r"\d{4}")}
PERIOD_HELP = {"quarterly": "季度，如 2022Q2", "midyear": "半年，如 2022H1", "annual": "年度，如 2022"}
CONFIG_NAME = "rollup_config.toml"   # <home>/rollup_config.toml overrides the packaged rules


# ---------------------------------------------------------------- periods (pure)

def today_in_china() -> date:
    return datetime.now(TIMEZONE).date()


def check_period(kind: str, period: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown rollup kind {kind!r}; one of {KINDS}")
    period = str(period).strip().upper()
    if not PERIOD_FORMS[kind].fullmatch(period):
        raise ValueError(f"{kind} 的汇总期应为{PERIOD_HELP[kind]} / {kind} period must look like "
                         f"{PERIOD_HELP[kind].split('如 ')[1]}: {period!r}")
    return period


def default_period(kind: str, today: date | None = None) -> str:
    """The period that ended most recently before `today` (Asia/Shanghai)."""
    today = today or today_in_china()
    if kind == "quarterly":
        return previous_quarter(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    if kind == "midyear":
        return f"{today.year}H1" if today.month >= 7 else f"{today.year - 1}H2"
    if kind == "annual":
        return str(today.year - 1)
    raise ValueError(f"unknown rollup kind {kind!r}")


def next_period(kind: str, period: str) -> str:
    y = int(period[:4])
    if kind == "quarterly":
        q = int(period[-1])
        return f"{y + 1}Q1" if q == 4 else f"{y}Q{q + 1}"
    if kind == "midyear":
        return f"{y + 1}H1" if period.endswith("2") else f"{y}H2"
    return str(y + 1)


def periods_between(kind: str, start: str, end: str) -> list[str]:
    """Every period of `kind` from start to end, inclusive."""
    start, end = check_period(kind, start), check_period(kind, end)
    if end < start:
        raise ValueError(f"--from {start} 晚于 --to {end} / start is after end")
    out = [start]
    while out[-1] != end:
        out.append(next_period(kind, out[-1]))
    return out


def period_label(period: str) -> str:
    """2022Q3 -> 2022年第三季度, 2022H1 -> 2022年上半年, 2022 -> 2022年."""
    if "Q" in period:
        return f"{period[:4]}年第{'一二三四'[int(period[-1]) - 1]}季度"
    if "H" in period:
        return f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"
    return f"{period}年"


@dataclass(frozen=True)
class RollupPeriod:
    kind: str
    period: str
    quarters: tuple[str, ...]
    as_of: date

    @classmethod
    def of(cls, kind: str, period: str, as_of: date | None = None) -> "RollupPeriod":
        period = check_period(kind, period)
        return cls(kind, period, tuple(quarters_of(period)), as_of or today_in_china())

    @property
    def first_quarter(self) -> str: return self.quarters[0]
    @property
    def last_quarter(self) -> str: return self.quarters[-1]
    @property
    def prev_quarter(self) -> str: return previous_quarter(self.first_quarter)
    @property
    def year(self) -> int: return int(self.period[:4])
    @property
    def start(self) -> date: return quarter_end(self.prev_quarter) + timedelta(days=1)
    @property
    def end(self) -> date: return quarter_end(self.last_quarter)
    @property
    def label(self) -> str: return period_label(self.period)

    def params(self, cfg: RollupConfig) -> dict:
        """Every named parameter the rollup SQL may use (warehouse.rollup.bind picks what each file names)."""
        plan_first = cfg.first_period
        year_quarters = [f"{self.year}Q{i}" for i in range(1, 5)]
        return {
            "period": self.period, "kind": self.kind, "first_quarter": self.first_quarter,
            "last_quarter": self.last_quarter, "prev_quarter": self.prev_quarter,
            "period_start": self.start, "period_end": self.end, "year": self.year, "as_of": self.as_of,
            "plan_first_quarter": plan_first,
            "due_quarters": [q for q in self.quarters if q >= plan_first],
            "year_due_quarters": [q for q in year_quarters if plan_first <= q <= self.last_quarter],
            "count_first_accepted": cfg.count_first_accepted,
            "lagging_statuses": list(cfg.lagging_statuses), "stalled_statuses": list(cfg.stalled_statuses),
            "min_gain_pct": cfg.min_gain_pct, "grace_quarters": cfg.not_started_grace_quarters,
            "count_unreported": cfg.count_unreported, "list_due_this_year": cfg.list_due_this_year,
            "ratio_levels": list(cfg.ratio_levels), "listed_levels": list(cfg.listed_levels),
            "year_counts_higher_levels": cfg.year_counts_higher_levels,
            "seed_excluded_statuses": list(cfg.seed_excluded_statuses),
            "first_year": cfg.rewards_first_year,
        }


# ---------------------------------------------------------------- frames built from the rules (pure)

def obligations_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    rows = [{"report_period": q, "bureau": b, "form": form,
             "due_date": quarter_end(q) + timedelta(days=cfg.deadline_days), "responsible_leader": cfg.leader(b)}
            for q in rp.quarters for b, form in cfg.obligations_for(q)]
    schema = {"report_period": pl.Utf8, "bureau": pl.Utf8, "form": pl.Utf8, "due_date": pl.Date,
              "responsible_leader": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def target_windows_frame(cfg: RollupConfig) -> pl.DataFrame:
    rows = []
    for t in reference.targets():
        scope = t["scope"]
        start = int(scope[5:]) if scope.startswith("year:") else cfg.window_start_of(t["target_id"])
        rows.append({"target_id": t["target_id"], "window_start": start})
    return pl.DataFrame(rows, schema={"target_id": pl.Utf8, "window_start": pl.Int32})


def reward_rules_frame(cfg: RollupConfig) -> pl.DataFrame:
    rows = [{"kind": r.kind, "level": r.level, "rule_id": r.id, "amount_yuan": r.amount_yuan, "rule_text": r.text,
             "repeat_mode": cfg.repeat_mode(r.kind)} for r in cfg.reward_rules]
    return pl.DataFrame(rows, schema={"kind": pl.Utf8, "level": pl.Utf8, "rule_id": pl.Utf8, "amount_yuan": pl.Int64,
                                      "rule_text": pl.Utf8, "repeat_mode": pl.Utf8})


def _run(home: Home, rp: RollupPeriod, cfg: RollupConfig, name: str, frames: dict | None = None) -> pl.DataFrame:
    with connect(home.writer_db) as con:
        out = wr.select(con, name, rp.params(cfg), frames)
    _logger().info("%s %s: %d row(s) — %s", name, rp.period, out.height, wr.grain(name))
    return out


# ---------------------------------------------------------------- tasks: set up

@task(name="resolve-period", cache_policy=NO_CACHE)
def resolve_period(kind: str, period: str | None = None) -> RollupPeriod:
    return RollupPeriod.of(kind, period or default_period(kind))


@task(name="load-rollup-config", cache_policy=NO_CACHE)
def load_rollup_config(home: Home) -> RollupConfig:
    own = home.root / CONFIG_NAME
    return load_config(own if own.exists() else None)


@task(name="prepare-rollup-tables", cache_policy=NO_CACHE)
def prepare_rollup_tables(home: Home) -> None:
    with connect(home.writer_db) as con:
        wr.apply_rollup_schema(con)


# ---------------------------------------------------------------- tasks: compute, one section each

@task(name="compute-compliance", cache_policy=NO_CACHE)
def compute_compliance(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_compliance", {"rollup_obligations": obligations_frame(rp, cfg)})


@task(name="list-ladder-enterprises", cache_policy=NO_CACHE)
def list_ladder_enterprises(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_ladder_enterprises")


@task(name="count-ladder", cache_policy=NO_CACHE)
def count_ladder(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "count_ladder")


@task(name="compute-ladder-changes", cache_policy=NO_CACHE)
def compute_ladder_changes(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_ladder_changes")


@task(name="find-lagging-enterprises", cache_policy=NO_CACHE)
def find_lagging_enterprises(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "find_lagging_enterprises")


@task(name="find-conflicts", cache_policy=NO_CACHE)
def find_conflicts(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "find_conflicts")


@task(name="compute-task-status", cache_policy=NO_CACHE)
def compute_task_status(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_task_status")


@task(name="list-task-problems", cache_policy=NO_CACHE)
def list_task_problems(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "list_task_problems")


@task(name="check-bank-events", cache_policy=NO_CACHE)
def check_bank_events(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "check_bank_events")


@task(name="compute-ratios", cache_policy=NO_CACHE)
def compute_ratios(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_ratio_enterprises")


@task(name="compute-target-progress", cache_policy=NO_CACHE)
def compute_target_progress(home: Home, rp: RollupPeriod, cfg: RollupConfig, ratios: pl.DataFrame) -> pl.DataFrame:
    out = _run(home, rp, cfg, "compute_target_progress",
               {"rollup_target_windows": target_windows_frame(cfg), "rollup_ratio_enterprises": ratios})
    order = {t["target_id"]: i for i, t in enumerate(reference.targets())}   # the policy's order
    return out.sort(pl.col("target_id").replace_strict(order, default=len(order)))


@task(name="compare-service-teams", cache_policy=NO_CACHE)
def compare_service_teams(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> pl.DataFrame:
    needed = ("compliance", "ladder_enterprises", "ladder_changes", "ladder_lagging", "ladder_conflicts", "task_status")
    return _run(home, rp, cfg, "compare_service_teams", {f"rollup_{k}": sections[k] for k in needed})


@task(name="compute-rewards", cache_policy=NO_CACHE)
def compute_rewards(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "compute_rewards", {"rollup_reward_rules": reward_rules_frame(cfg)})


@task(name="list-cultivation", cache_policy=NO_CACHE)
def list_cultivation(home: Home, rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    return _run(home, rp, cfg, "list_cultivation")


# ---------------------------------------------------------------- tasks: store

def pack_path(home: Home, rp: RollupPeriod) -> Path:
    prefix = {"quarterly": "季调度", "midyear": "半年例会", "annual": "年度总结"}[rp.kind]
    return home.reports / rp.period / f"{prefix}_{rp.period}.xlsx"


def _flow_run_id() -> str | None:
    try:
        from prefect.runtime import flow_run
        return str(flow_run.id) if flow_run.id else None
    except Exception:
        return None


@task(name="store-rollup", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def store_rollup(home: Home, rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the period's rows in every rollup table, and record the run, in one transaction."""
    run = pl.DataFrame([{
        "period": rp.period, "kind": rp.kind, "first_quarter": rp.first_quarter, "last_quarter": rp.last_quarter,
        "as_of": rp.as_of, "computed_at": datetime.now(), "flow_run_id": _flow_run_id(),
        "pack_path": str(pack_path(home, rp)), "config_source": cfg.source,
        "repeat_recognition": cfg.repeat_recognition, "deadline_days": cfg.deadline_days,
    }])
    with connect(home.writer_db) as con:
        counts = wr.replace_period(con, rp.period, {**sections, "rollup_runs": run})
    _logger().info("stored %s %s: %s", rp.kind, rp.period, counts)
    return counts


# ---------------------------------------------------------------- demo support

DEMO_ARRIVALS = {"2022Q2": datetime(2022, 7, 5, 9, 0), "2022Q3": datetime(2022, 10, 10, 9, 0)}


@task(name="date-demo-arrivals", cache_policy=NO_CACHE)
def date_demo_arrivals(paths: list[str]) -> int:
    """The demo share is written today; give each file the arrival date of its quarter (the stamp in its
    properties), so the compliance section reads as it would have in 2022, not as four years late."""
    from tasks.periods import period_from_name
    n = 0
    for p in map(Path, paths):
        if not p.exists():
            continue
        period = period_from_name(p.stem)
        when = DEMO_ARRIVALS.get(period if isinstance(period, str) else "", DEMO_ARRIVALS["2022Q2"])
        os.utime(p, (when.timestamp(), when.timestamp()))
        n += 1
    return n
