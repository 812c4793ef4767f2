"""The rollups' rules (schemas/refdata/rollup_config.toml), read with tomllib. Pure: no I/O but the file.

    cfg = load()                       # the packaged defaults
    cfg = load(Path("my_rules.toml"))  # a deployment's own copy
    cfg.obligations_for("2022Q3")      # [(bureau, form)] owed that quarter
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from schemas import clock, reference
from schemas.forms import SRDI_LEVELS, TASK_STATUSES
from schemas.query_config import DEFAULT_QUERY_MEMORY, QueryConfigError, query_memory, read_rules_file

REPEAT_OPTIONS = ("top_up", "full", "highest_only")
FORMS = ("enterprise", "task")
REWARD_KINDS = ("srdi", "tech_center", "innovation_demo")
_QUARTER = re.compile(r"\d{4}Q[1-4]")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Obligation:
    form: str
    bureaus: tuple[str, ...]


@dataclass(frozen=True)
class RewardRule:
    id: str
    kind: str
    level: str
    amount_yuan: int
    text: str


@dataclass(frozen=True)
class NotComputed:
    """A reward of the plan srdi does not compute: named in every pack and dashboard with its clause and why."""
    id: str
    name: str
    clause: str
    amount: str
    text: str
    why: str


@dataclass(frozen=True)
class RewardCategory:
    """A reward category srdi computes (its rules are [[rewards.rule]] of the same kind), as packs name it."""
    kind: str
    name: str
    clause: str
    text: str


PLAN_ISSUED = date(2022, 4, 28)     # 蛟政发〔2022〕4号 was issued on 2022年4月28日


@dataclass(frozen=True)
class RollupConfig:
    first_period: str
    deadline_days: int
    count_first_accepted: bool
    obligations: tuple[Obligation, ...]
    leaders: dict[str, str]
    lagging_statuses: tuple[str, ...]
    not_started_grace_quarters: int
    stalled_statuses: tuple[str, ...]
    min_gain_pct: float
    count_unreported: bool
    list_due_this_year: bool
    default_window_start: int
    window_start: dict[str, int]
    ratio_levels: tuple[str, ...]
    listed_levels: tuple[str, ...]
    year_counts_higher_levels: bool
    seed_excluded_statuses: tuple[str, ...]
    plan_issued: date
    repeat_recognition: str
    tech_center_repeat_recognition: str
    reward_rules: tuple[RewardRule, ...]
    cultivated_excluded_statuses: tuple[str, ...] = ("注销",)
    # 十四五 level targets (cumulative): an enterprise that reached a higher level without being seen at this one counts
    total_counts_higher_levels: bool = True
    # per target id, overriding the two switches above (issue 19: one switch for every level target)
    counts_higher_levels: tuple[tuple[str, bool], ...] = ()
    training_tasks: tuple[str, ...] = ("T4-1",)
    recruitment_tasks: tuple[str, ...] = ("T4-2", "T4-3")
    not_computed: tuple[NotComputed, ...] = ()
    reward_categories: tuple[RewardCategory, ...] = ()
    time_zone: str = clock.DEFAULT_TIME_ZONE    # the programme's zone: every deadline and every time shown
    notices: tuple[str, ...] = field(default=(), compare=False)   # what the rules file should change (shown, not fatal)
    source: str = field(default="", compare=False)
    query_memory_limit: str = DEFAULT_QUERY_MEMORY

    def owes(self, form: str) -> tuple[str, ...]:
        return tuple(b for o in self.obligations if o.form == form for b in o.bureaus)

    def obligations_for(self, quarter: str) -> list[tuple[str, str]]:
        """(bureau, form) pairs owed for one quarter; nothing before first_period."""
        if quarter < self.first_period:
            return []
        return [(b, o.form) for o in self.obligations for b in o.bureaus]

    def leader(self, bureau: str) -> str | None:
        return self.leaders.get(bureau)

    def counts_higher_of(self, target_id: str, scope: str) -> bool:
        """Whether a level target counts an enterprise that reached a higher level (skipping this one)."""
        own = dict(self.counts_higher_levels)
        if target_id in own:
            return own[target_id]
        return self.year_counts_higher_levels if scope.startswith("year:") else self.total_counts_higher_levels

    def window_start_of(self, target_id: str) -> int:
        return self.window_start.get(target_id, self.default_window_start)

    def repeat_mode(self, kind: str) -> str:
        return self.repeat_recognition if kind == "srdi" else self.tech_center_repeat_recognition


def _expand(names: list[str], exclude: list[str], where: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        if name == "@service_team_bureaus":
            found = list(reference.service_teams().values())
        elif name == "@task_units":
            found = sorted({u for t in reference.task_items().values() for u in t.responsible_units})
        else:
            bureau = reference.resolve_bureau(name)
            if bureau is None:
                raise ConfigError(f"{where}: 未知单位“{name}” / unknown bureau {name!r}")
            found = [bureau]
        out += [b for b in found if b not in out]
    dropped = {reference.resolve_bureau(x) or x for x in exclude}
    return tuple(b for b in out if b not in dropped)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message)


def _query_memory(data: dict) -> str:
    try:
        return query_memory(data)
    except QueryConfigError as exc:
        raise ConfigError(str(exc)) from None


def _time_zone(data: dict) -> str:
    name = data.get("time_zone", clock.DEFAULT_TIME_ZONE)
    _check(isinstance(name, str) and bool(name), f"time_zone 应为时区名，如 Asia/Shanghai / must be a zone name: {name!r}")
    try:
        clock.zone(name)
    except ValueError as exc:
        raise ConfigError(f"time_zone: {exc}") from None
    return name


_LEVEL_METRICS = ("city_level_or_above", "province_level_or_above", "city_recognised_in_year",
                  "province_recognised_in_year")


def _counts_higher(table: dict) -> tuple[tuple[str, bool], ...]:
    level_targets = {t["target_id"] for t in reference.targets() if t["metric"] in _LEVEL_METRICS}
    for k, v in table.items():
        _check(k in level_targets, f"targets.counts_higher_levels: “{k}”不是级别目标 / not a level target, one of "
                                   f"{sorted(level_targets)}")
        _check(isinstance(v, bool), f"targets.counts_higher_levels.{k} 应为 true 或 false / must be true or false")
    return tuple(sorted(table.items()))


def parse(data: dict, source: str = "") -> RollupConfig:
    first = data.get("first_period", "2022Q2")
    _check(bool(_QUARTER.fullmatch(first)), f"first_period 应为季度，如 2022Q2 / must look like 2022Q2: {first!r}")
    deadline = data.get("deadline", {})
    obligations = []
    for i, ob in enumerate(data.get("obligations", [])):
        form = ob.get("form")
        _check(form in FORMS, f"obligations[{i}].form 应为 {FORMS} / must be one of {FORMS}: {form!r}")
        obligations.append(Obligation(form, _expand(ob.get("owed_by", []), ob.get("exclude", []), f"obligations[{i}]")))
    leaders: dict[str, str] = {}
    for name, who in data.get("leaders", {}).items():
        bureau = reference.resolve_bureau(name)
        if bureau is None:
            raise ConfigError(f"leaders: 未知单位“{name}” / unknown bureau {name!r}")
        leaders[bureau] = str(who)
    lag = data.get("lagging", {})
    for s in (*lag.get("self_reported_statuses", ()), *lag.get("stalled_statuses", ())):
        _check(s in TASK_STATUSES, f"lagging: 推进状态“{s}”不在 {TASK_STATUSES} / unknown task status")
    tg = data.get("targets", {})
    for lv in (*tg.get("ratio_levels", ()), *tg.get("listed_levels", ())):
        _check(lv in SRDI_LEVELS, f"targets: 级别“{lv}”不在 {SRDI_LEVELS} / unknown level")
    rw = data.get("rewards", {})
    notices = []
    issued = rw.get("plan_issued", PLAN_ISSUED)
    _check(isinstance(issued, date), f"rewards.plan_issued 应为日期，如 2022-04-28 / must be a date: {issued!r}")
    if "first_year" in rw:
        # read by leaders in the pack's 概要: no key names (the CLI says which key: tasks/rollup/summarise.py)
        notices.append(f"汇总规则中的“奖励起算年份”设置已停用：奖励以方案印发日（{issued.isoformat()}）为界，"
                       "此前的认定不奖励；请系统管理员从规则中删除该设置。")
    tasks = reference.task_items()
    for key in ("training_tasks", "recruitment_tasks"):
        for task_id in tg.get(key, ()):
            _check(task_id in tasks, f"targets.{key}: 未知任务编号“{task_id}” / unknown task id, one of {sorted(tasks)}")
    categories = []
    for kind, c in rw.get("categories", {}).items():
        _check(kind in REWARD_KINDS, f"rewards.categories.{kind}: kind 应为 {REWARD_KINDS}")
        _check(bool(c.get("name")) and bool(c.get("clause")), f"rewards.categories.{kind}: 需要 name 和 clause")
        categories.append(RewardCategory(kind, str(c["name"]), str(c["clause"]), str(c.get("text", ""))))
    not_computed = []
    for i, nc in enumerate(rw.get("not_computed", [])):
        missing = [k for k in ("id", "name", "clause", "why") if not nc.get(k)]
        _check(not missing, f"rewards.not_computed[{i}] 缺少 {missing} / missing keys")
        not_computed.append(NotComputed(str(nc["id"]), str(nc["name"]), str(nc["clause"]), str(nc.get("amount", "")),
                                        str(nc.get("text", "")), str(nc["why"])))
    repeat = rw.get("repeat_recognition", "top_up")
    tc_repeat = rw.get("tech_center_repeat_recognition", "full")
    for opt in (repeat, tc_repeat):
        _check(opt in REPEAT_OPTIONS, f"rewards: repeat_recognition 应为 {REPEAT_OPTIONS} / must be one of {REPEAT_OPTIONS}: {opt!r}")
    rules = []
    for r in rw.get("rule", []):
        _check(r.get("kind") in REWARD_KINDS, f"rewards.rule {r.get('id')}: kind 应为 {REWARD_KINDS}")
        _check(r.get("level") in SRDI_LEVELS[1:], f"rewards.rule {r.get('id')}: level 应为 {SRDI_LEVELS[1:]}")
        _check(int(r.get("amount_yuan", -1)) >= 0, f"rewards.rule {r.get('id')}: amount_yuan 不能为负")
        rules.append(RewardRule(str(r["id"]), r["kind"], r["level"], int(r["amount_yuan"]), str(r.get("text", ""))))
    _check(len({(r.kind, r.level) for r in rules}) == len(rules), "rewards.rule: 同一类别同一级别只能有一条规则 / one rule per kind and level")
    return RollupConfig(
        first_period=first,
        deadline_days=int(deadline.get("days_after_quarter_end", 10)),
        count_first_accepted=bool(deadline.get("count_first_accepted", True)),
        obligations=tuple(obligations),
        leaders=leaders,
        lagging_statuses=tuple(lag.get("self_reported_statuses", ("滞后",))),
        not_started_grace_quarters=int(lag.get("not_started_grace_quarters", 1)),
        stalled_statuses=tuple(lag.get("stalled_statuses", ("推进中",))),
        min_gain_pct=float(lag.get("min_gain_pct", 5.0)),
        count_unreported=bool(lag.get("count_unreported", True)),
        list_due_this_year=bool(lag.get("list_due_this_year", True)),
        default_window_start=int(tg.get("default_window_start", 2022)),
        window_start={k: int(v) for k, v in tg.get("window_start", {}).items()},
        ratio_levels=tuple(tg.get("ratio_levels", ("吉林省级", "国家级"))),
        listed_levels=tuple(tg.get("listed_levels", SRDI_LEVELS[1:])),
        year_counts_higher_levels=bool(tg.get("year_counts_higher_levels", True)),
        total_counts_higher_levels=bool(tg.get("total_counts_higher_levels", True)),
        counts_higher_levels=_counts_higher(tg.get("counts_higher_levels", {})),
        seed_excluded_statuses=tuple(tg.get("seed_excluded_statuses", ("注销",))),
        cultivated_excluded_statuses=tuple(tg.get("cultivated_excluded_statuses", ("注销",))),
        training_tasks=tuple(tg.get("training_tasks", ("T4-1",))),
        recruitment_tasks=tuple(tg.get("recruitment_tasks", ("T4-2", "T4-3"))),
        plan_issued=issued,
        repeat_recognition=repeat,
        tech_center_repeat_recognition=tc_repeat,
        reward_rules=tuple(rules),
        not_computed=tuple(not_computed),
        reward_categories=tuple(categories),
        time_zone=_time_zone(data),
        query_memory_limit=_query_memory(data),
        notices=tuple(notices),
        source=source,
    )


def default_text() -> str:
    return resources.files("schemas.refdata").joinpath("rollup_config.toml").read_text(encoding="utf-8")


def load(path: Path | str | None = None, **overrides) -> RollupConfig:
    """The packaged rules, or the file at `path`; `overrides` replace top-level fields (tests, what-ifs)."""
    if path is None:
        text, source = default_text(), "schemas/refdata/rollup_config.toml"
    else:
        text, source = Path(path).read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: TOML 格式错误 / not valid TOML: {exc}") from None
    cfg = parse(data, source)
    if overrides:
        from dataclasses import replace
        cfg = replace(cfg, **overrides)
        _check_overrides(cfg)
    return cfg


def time_zone_name(path: Path | str | None = None) -> str:
    """Only the programme's time zone (`time_zone`) of the packaged rules or of the file at `path`, without reading
    the rest: what the intake, the outbox and `srdi status` need. ConfigError for an unreadable file or zone."""
    if path is None:
        return clock.DEFAULT_TIME_ZONE
    return _time_zone(read_rules_file(path, ConfigError))


def _check_overrides(cfg: RollupConfig) -> None:
    for opt in (cfg.repeat_recognition, cfg.tech_center_repeat_recognition):
        _check(opt in REPEAT_OPTIONS, f"repeat_recognition must be one of {REPEAT_OPTIONS}: {opt!r}")
