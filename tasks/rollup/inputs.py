"""Frames built from the rules (rollup_config.toml) and the policy's reference data, which a section's SQL reads
as `rollup_<name>` (schemas/sections.py names them in `inputs`). Pure: no storage."""
from __future__ import annotations

from datetime import timedelta

import polars as pl

from schemas import reference
from schemas.labels import REPEAT
from schemas.periods import RollupPeriod, period_label, previous_quarter, quarter_end
from schemas.rollup_config import RollupConfig

CONFIG_NAME = "rollup_config.toml"   # <home>/rollup_config.toml overrides the packaged rules


def obligations_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    """Who owes which form for which quarter of the period, by when, and their responsible leader."""
    rows = [{"report_period": q, "bureau": b, "form": form,
             "due_date": quarter_end(q) + timedelta(days=cfg.deadline_days), "responsible_leader": cfg.leader(b)}
            for q in rp.quarters for b, form in cfg.obligations_for(q)]
    schema = {"report_period": pl.Utf8, "bureau": pl.Utf8, "form": pl.Utf8, "due_date": pl.Date,
              "responsible_leader": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def target_windows_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    """Each target's window start year, its place in the policy's order (一、（三）), and whether it counts an
    enterprise that skipped its level (counts_higher_levels: total_/year_counts_higher_levels, per target)."""
    rows = []
    for i, t in enumerate(reference.targets()):
        scope = t["scope"]
        start = int(scope[5:]) if scope.startswith("year:") else cfg.window_start_of(t["target_id"])
        rows.append({"target_id": t["target_id"], "window_start": start, "policy_order": i,
                     "counts_higher_levels": cfg.counts_higher_of(t["target_id"], scope)})
    return pl.DataFrame(rows, schema={"target_id": pl.Utf8, "window_start": pl.Int32, "policy_order": pl.Int32,
                                      "counts_higher_levels": pl.Boolean})


def reward_rules_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    rows = [{"kind": r.kind, "level": r.level, "rule_id": r.id, "amount_yuan": r.amount_yuan, "rule_text": r.text,
             "repeat_mode": cfg.repeat_mode(r.kind)} for r in cfg.reward_rules]
    return pl.DataFrame(rows, schema={"kind": pl.Utf8, "level": pl.Utf8, "rule_id": pl.Utf8, "amount_yuan": pl.Int64,
                                      "rule_text": pl.Utf8, "repeat_mode": pl.Utf8})


def reward_catalogue_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    """Every reward category of the plan: those the rules compute (with their amounts and repeat option), then
    those srdi does not compute, each with its clause and why ([[rewards.not_computed]])."""
    rows = []
    for c in cfg.reward_categories:
        rules = [r for r in cfg.reward_rules if r.kind == c.kind]
        if not rules:
            continue
        rows.append({"category": c.kind, "name": c.name, "clause": c.clause,
                     "amount": "；".join(f"{r.level} {r.amount_yuan:,}元" for r in rules), "policy_text": c.text,
                     "computed": True, "note": f"重复认定：{REPEAT.get(cfg.repeat_mode(c.kind), cfg.repeat_mode(c.kind))}"})
    for nc in cfg.not_computed:
        rows.append({"category": nc.id, "name": nc.name, "clause": nc.clause, "amount": nc.amount or None,
                     "policy_text": nc.text or None, "computed": False, "note": nc.why})
    for i, r in enumerate(rows):
        r["sort_order"] = i
    return pl.DataFrame(rows, schema={"category": pl.Utf8, "name": pl.Utf8, "clause": pl.Utf8, "amount": pl.Utf8,
                                      "policy_text": pl.Utf8, "computed": pl.Boolean, "note": pl.Utf8,
                                      "sort_order": pl.Int32})


def config_notices_frame(rp: RollupPeriod, cfg: RollupConfig) -> pl.DataFrame:
    """What the rules file should change (schemas.rollup_config: e.g. a key no longer used)."""
    return pl.DataFrame({"notice": list(cfg.notices)}, schema={"notice": pl.Utf8})


INPUTS = {"obligations": obligations_frame, "target_windows": target_windows_frame, "reward_rules": reward_rules_frame,
          "reward_catalogue": reward_catalogue_frame, "config_notices": config_notices_frame}


def leaders_file(cfg: RollupConfig) -> str:
    """Where a deployment sets its responsible leaders: its own rules file when it has one."""
    return cfg.source if cfg.source.endswith(CONFIG_NAME) and not cfg.source.startswith("schemas/") \
        else f"<home>/{CONFIG_NAME}"


def ledger_compare_quarter(rp: RollupPeriod, cfg: RollupConfig) -> str:
    """The quarter whose ledger a rewards ledger is compared with (issue 19): what the previous 季调度 showed, the
    quarter before the period's last one, in the same year and not before the plan's first quarter; '' if none.
    2022Q4, 2022H2 and 2022 compare with 2022Q3; 2022H1 with 2022Q1 (before the plan: none); 2023Q1 with none."""
    q = previous_quarter(rp.last_quarter)
    return q if q[:4] == str(rp.year) and q >= cfg.first_period else ""


def ledger_compare_label(rp: RollupPeriod, cfg: RollupConfig) -> str:
    q = ledger_compare_quarter(rp, cfg)
    return f"{period_label(q)}季调度预计" if q else ""


def sql_params(rp: RollupPeriod, cfg: RollupConfig) -> dict:
    """Every named parameter the rollup SQL may use (warehouse.rollups.bind picks what each file names)."""
    plan_first = cfg.first_period
    year_quarters = [f"{rp.year}Q{i}" for i in range(1, 5)]
    return {
        "period": rp.period, "kind": rp.kind, "first_quarter": rp.first_quarter,
        "last_quarter": rp.last_quarter, "prev_quarter": rp.prev_quarter,
        "period_start": rp.start, "period_end": rp.end, "year": rp.year, "as_of": rp.as_of,
        "plan_first_quarter": plan_first,
        "due_quarters": [q for q in rp.quarters if q >= plan_first],
        "year_due_quarters": [q for q in year_quarters if plan_first <= q <= rp.last_quarter],
        "count_first_accepted": cfg.count_first_accepted, "deadline_days": cfg.deadline_days,
        "lagging_statuses": list(cfg.lagging_statuses), "stalled_statuses": list(cfg.stalled_statuses),
        "min_gain_pct": cfg.min_gain_pct, "grace_quarters": cfg.not_started_grace_quarters,
        "count_unreported": cfg.count_unreported, "list_due_this_year": cfg.list_due_this_year,
        "ratio_levels": list(cfg.ratio_levels), "listed_levels": list(cfg.listed_levels),
        "year_counts_higher_levels": cfg.year_counts_higher_levels,
        "seed_excluded_statuses": list(cfg.seed_excluded_statuses),
        "cultivated_excluded_statuses": list(cfg.cultivated_excluded_statuses),
        "training_tasks": list(cfg.training_tasks), "recruitment_tasks": list(cfg.recruitment_tasks),
        "plan_issued": cfg.plan_issued, "time_zone": cfg.time_zone,
        "ledger_compare_quarter": ledger_compare_quarter(rp, cfg), "ledger_compare_label": ledger_compare_label(rp, cfg),
        "leaders_file": leaders_file(cfg),
    }
