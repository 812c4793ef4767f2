"""The rollup sections: one entry each, the single list every part of a rollup reads.

A section is one table the rollup writes (`compliance`, `task_status`, …). Its entry says

* `sql`       the SELECT that computes it: warehouse/sql/rollups/<sql>.sql (its first line states the grain);
* `key`       its grain as columns: one row per distinct key (checked by tests, and the table's primary key);
* `inputs`    frames built from the rules (rollup_config.toml) that the SQL reads as `rollup_<name>`;
* `needs`     sections computed earlier in the same run that the SQL reads as `rollup_<name>`;
* `sheets`    how the meeting packs show it: sheet name, title, columns (with their Chinese labels), and at which
              position in which pack (quarterly | midyear | annual); a section is computed for every kind of
              rollup whose pack shows it;
* `dashboard` whether the HTML dashboard shows it;
* `artifact`  whether the Prefect UI gets it as a table artifact;
* `always`    computed for every kind of rollup even without a sheet of its own (rollup_notices: the pack's 概要,
              the dashboard and the flow's result read it; former_names: the packs' "原名 …" after a renamed
              enterprise's current name).

Every table declares `key` as its PRIMARY KEY (warehouse/sql/rollups/create_rollup_tables.sql; a test compares them).

flows/rollups.py computes the sections in this order (a section's `needs` come before it), store_rollup replaces
the period's rows of exactly these tables, the pack lays out their sheets, the dashboard reads the ones it shows.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas import labels as L

KINDS = ("quarterly", "midyear", "annual")


@dataclass(frozen=True)
class Col:
    name: str
    header: str
    kind: str = "text"            # text | int | num | pct | yuan | date | datetime | bool
    labels: object = None          # code -> Chinese: a catalogue of schemas.labels, or a callable
    blank: str | None = None       # what an empty cell says
    wide: bool = False            # long text: wraps within a wider column
    flag: bool = False            # highlight bad values


@dataclass(frozen=True)
class Sheet:
    name: str                      # the sheet's tab
    title: str
    grain: str                     # "每行：…", printed under the title
    cols: tuple[Col, ...]
    packs: dict                    # kind -> position of this sheet in that kind's pack (1 = first after 概要)
    where: object = None           # polars expression selecting rows
    sort: tuple = ()
    empty: str = "（无）"
    total: tuple[str, ...] = ()    # numeric columns summed in a 合计 row
    appendix: str | None = None    # extra rows the pack adds ("ratio_totals": sum over sum from target_progress)


@dataclass(frozen=True)
class Section:
    table: str
    sql: str
    key: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    inputs: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    dashboard: bool = False
    artifact: bool = False
    always: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in KINDS if self.always or any(k in s.packs for s in self.sheets))

    @property
    def task_name(self) -> str:
        """The Prefect task name this section's step shows under (compute-compliance, …)."""
        return self.sql.replace("_", "-")


C = Col
ALL = {"quarterly", "midyear", "annual"}


def _at(quarterly: int | None, midyear: int | None, annual: int | None) -> dict:
    return {k: v for k, v in (("quarterly", quarterly), ("midyear", midyear), ("annual", annual)) if v is not None}


_BY_STATUS = {"accrued": 0, "provisional": 0, "no_repeat": 1, "withdrawn": 2, "predates": 3, "pending": 4}


SECTIONS: tuple[Section, ...] = (
    Section("compliance", "compute_compliance", ("period", "report_period", "bureau", "form"), inputs=("obligations",),
            dashboard=True, artifact=True, sheets=(Sheet(
                "催报清单", "各单位报送情况（催报清单）",
                "每行：一个单位应报的一张表（每季度）；截止日期未到的显示“未到截止”，逾期已报与未报送分开",
                (C("report_period", "应报季度", labels=L.period), C("bureau", "单位"), C("form", "表种", labels=L.FORM),
                 C("due_date", "截止日期", "date"), C("status", "报送情况", labels=L.COMPLIANCE, flag=True),
                 C("received_at", "报送时间", "datetime"), C("days_late", "逾期天数", "int"),
                 C("submission_id", "报送编号", "int"), C("responsible_leader", "责任领导", blank="（未配置）"),
                 C("note", "说明", wide=True)),
                _at(1, 15, 16),
                sort=(pl.col("status").replace_strict({"rejected": 0, "missing": 1, "late": 2, "not_due": 3, "on_time": 4},
                                                      default=5),
                      "report_period", "form", "bureau")),)),
    Section("ladder_enterprises", "compute_ladder_enterprises", ("period", "enterprise_name"), dashboard=True,
            sheets=(Sheet(
                "企业名单", "种子企业库（期末状态）", "每行：一个企业，期末最近一次已入库报送（无报送时为附件1）",
                (C("enterprise_name", "企业名称"), C("srdi_level", "级别"), C("srdi_level_year", "认定年份", "int"),
                 C("operating_status", "经营状态", flag=True), C("service_team", "服务专班"), C("industry", "行业"),
                 C("tech_center_level", "技术中心"), C("planned_city_year", "拟培育市级", "int"),
                 C("planned_province_year", "拟培育省级", "int"), C("responsible_leader", "包保领导"),
                 C("source", "来源"), C("report_period", "依据季度", labels=L.period), C("bureau", "报送单位"),
                 C("submission_id", "报送编号", "int")),
                _at(16, 16, 17)),)),
    Section("ladder_counts", "count_ladder", ("period", "breakdown", "group_value"), dashboard=True, artifact=True,
            sheets=(Sheet(
                "企业梯队", "企业梯队分布", "每行：一个分组（合计、服务专班、行业）",
                (C("breakdown", "分组", labels=L.BREAKDOWN), C("group_value", "名称"), C("seed_count", "种子企业", "int"),
                 C("city_count", "吉林市级", "int"), C("province_count", "吉林省级", "int"),
                 C("national_count", "国家级小巨人", "int"), C("total_count", "合计", "int"),
                 C("stopped_count", "其中停产/注销", "int")),
                _at(2, 7, 8)),)),
    Section("ladder_changes", "compute_ladder_changes", ("period", "enterprise_name", "change"), sheets=(Sheet(
        "企业变动", "企业变动情况（与上期末相比）", "每行：一个企业的一项变化",
        (C("enterprise_name", "企业名称"), C("change", "变动", labels=L.CHANGE, flag=True),
         C("from_value", "上期末"), C("to_value", "本期末"), C("flag", "提示", flag=True),
         C("service_team", "服务专班"), C("report_period", "依据季度", labels=L.period), C("bureau", "报送单位"),
         C("submission_id", "报送编号", "int")),
        _at(3, 8, 9)),)),
    Section("ladder_lagging", "find_lagging_enterprises", ("period", "enterprise_name", "planned_level"), dashboard=True,
            sheets=(Sheet(
        "滞后企业", "拟培育年份已过（或本年到期）仍未认定的企业", "每行：一个企业未达成的一个拟培育级别",
        (C("enterprise_name", "企业名称"), C("planned_level", "拟培育级别"), C("planned_year", "拟培育年份", "int"),
         C("current_level", "当前级别"), C("status", "情况", labels=L.LAGGING, flag=True),
         C("years_overdue", "已过年数", "int"), C("operating_status", "经营状态", flag=True),
         C("service_team", "服务专班"), C("responsible_leader", "包保领导")),
        _at(4, 9, 10)),)),
    Section("ladder_conflicts", "find_conflicts",
            ("period", "report_period", "enterprise_name", "field", "bureau_a", "bureau_b"), sheets=(Sheet(
                "数据冲突", "不同单位对同一企业报送不一致", "每行：同一季度两个单位对同一企业同一项的不同填报",
                (C("report_period", "季度", labels=L.period), C("enterprise_name", "企业名称"), C("field_name", "项目"),
                 C("bureau_a", "单位甲"), C("value_a", "甲填报"), C("bureau_b", "单位乙"), C("value_b", "乙填报"),
                 C("adopted_bureau", "采用")),
                _at(5, 10, 11)),)),
    Section("task_status", "compute_task_status", ("period", "task_id", "responsible_unit"), dashboard=True, sheets=(
        Sheet("任务进展", "附件2工作任务推进情况", "每行：一项工作任务的一个责任单位",
              (C("task_id", "编号"), C("group_name", "工作任务"), C("responsible_unit", "责任单位"),
               C("status", "推进状态", flag=True), C("completion_pct", "完成进度（%）", "pct"),
               C("previous_pct", "上次进度（%）", "pct"), C("progress", "本期进展", wide=True),
               C("next_steps", "下步计划", wide=True), C("bank_events", "银企对接（次）", "int"),
               C("trained_persons", "培训（人次）", "int"), C("enterprises_served", "服务企业（户）", "int"),
               C("lagging", "滞后", "bool", flag=True), C("lagging_reason", "滞后原因")),
              _at(6, 11, 12)),
        Sheet("滞后任务", "滞后的工作任务", "每行：一项滞后的工作任务的一个责任单位",
              (C("task_id", "编号"), C("group_name", "工作任务"), C("responsible_unit", "责任单位"),
               C("status", "推进状态"), C("completion_pct", "完成进度（%）", "pct"),
               C("previous_pct", "上次进度（%）", "pct"), C("lagging_reason", "滞后原因", flag=True),
               C("progress", "本期进展", wide=True)),
              _at(7, 12, 13), where=pl.col("lagging")))),
    Section("task_problems", "list_task_problems", ("period", "report_period", "task_id", "bureau"), sheets=(Sheet(
        "报市政府问题", "需报市政府研究解决的问题", "每行：一个单位就一项任务提出的问题（单位原文）",
        (C("report_period", "季度", labels=L.period), C("task_id", "编号"), C("group_name", "工作任务"), C("bureau", "提出单位"),
         C("problem", "问题", wide=True)),
        _at(8, 13, 14)),)),
    Section("bank_events", "check_bank_events", ("period", "report_period"), sheets=(Sheet(
        "银企对接", "每季度银企对接活动开展情况（本年截至期末）",
        "每行：本年截至期末的一个季度（目标“每季度开展一次”按这些季度判断）；只计任务T3-1的报送",
        (C("report_period", "季度", labels=L.period), C("in_period", "属本期", "bool"), C("held", "是否开展", "bool"),
         C("events_reported", "各单位报告合计（次）", "int"),
         C("max_by_one_unit", "单个单位最多（次）", "int"), C("units_owing", "应报单位数", "int"),
         C("units_reported", "已报单位数", "int"), C("detail", "各单位情况", wide=True)),
        _at(9, 14, 15)),)),
    Section("target_enterprises", "list_target_enterprises", ("period", "target_id", "enterprise_name"),
            inputs=("target_windows",), sheets=(Sheet(
                "目标明细", "发展目标计入企业明细", "每行：一项目标的一个企业——计入，或另列并说明原因（考核期前已认定、认定年份待核实、已注销）",
                (C("target", "目标", wide=True), C("enterprise_name", "企业名称"),
                 C("status", "计入情况", labels=L.TARGET_ENTERPRISE, flag=True), C("current_level", "当前级别"),
                 C("reached_level", "达到级别"), C("recognised_year", "认定年份", "int"),
                 C("evidence", "依据", wide=True, labels=L.periods_in_text), C("operating_status", "经营状态", flag=True),
                 C("service_team", "服务专班"), C("trigger_period", "依据季度", labels=L.period), C("submission_id", "报送编号", "int")),
                _at(11, 2, 2)),)),
    Section("ratio_enterprises", "compute_ratio_enterprises", ("period", "target_id", "enterprise_name"), sheets=(Sheet(
        "比例指标", "省级“专精特新”企业研发投入、科技人员占比（逐户判断）",
        "每行：一个省级及以上企业的一项比例，逐户判断是否达标；合计行 = 分子合计 ÷ 分母合计（仅供参考，不是比例的平均）",
        (C("target_id", "指标", labels=L.RATIO), C("enterprise_name", "企业名称"), C("srdi_level", "级别"),
         C("numerator", "分子", "num"), C("denominator", "分母", "num"), C("ratio_pct", "比例（%）", "pct"),
         C("threshold_pct", "目标（%）", "pct"), C("status", "判断", labels=L.RATIO_STATUS, flag=True),
         C("report_period", "依据季度", labels=L.period), C("submission_id", "报送编号", "int")),
        _at(12, 3, 3), appendix="ratio_totals"),)),
    Section("target_progress", "compute_target_progress", ("period", "target_id"), inputs=("target_windows",),
            needs=("bank_events", "target_enterprises", "ratio_enterprises"), dashboard=True, artifact=True,
            sheets=(Sheet(
                "目标进度", "发展目标完成情况",
                "每行：实施方案一、（三）中的一项目标；比例目标逐户判断，实际为达标户数/应达标户数，合计比例只作参考",
                (C("target", "目标", wide=True), C("scope", "口径", labels=L.scope_label),
                 C("target_value", "目标值", "num"), C("unit", "单位"),
                 C("actual_text", "实际"), C("pooled_pct", "合计比例（参考，%）", "pct"),
                 C("year_value", "本年新增", "num"),
                 C("expected_value", "按进度应达", "num"), C("gap", "差距", "num"),
                 C("enterprises_counted", "计入/达标（户）", "int"), C("enterprises_apart", "另列/未达标（户）", "int"),
                 C("status", "判断", labels=L.TARGET_STATUS, flag=True), C("deadline_year", "目标年份", "int"),
                 C("note", "说明", wide=True)),
                _at(10, 1, 1)),)),
    Section("service_team_comparison", "compare_service_teams", ("period", "service_team"), artifact=True,
            needs=("compliance", "ladder_enterprises", "ladder_changes", "ladder_lagging", "ladder_conflicts",
                   "task_status"),
            sheets=(Sheet(
                "专班比较", "六个服务专班比较（季调度、半年例会、年度总结）", "每行：一个服务专班",
                (C("service_team", "服务专班"), C("bureau", "牵头单位"), C("enterprises", "企业数", "int"),
                 C("seed_count", "种子", "int"), C("city_count", "吉林市级", "int"),
                 C("province_count", "吉林省级", "int"), C("national_count", "国家级", "int"),
                 C("new_recognitions", "新认定", "int"), C("new_entries", "新入库", "int"),
                 C("stopped_count", "停产/注销", "int"), C("lagging_enterprises", "滞后企业", "int"),
                 C("conflicts", "数据冲突", "int"), C("reports_due", "应报表数", "int"),
                 C("reports_on_time", "按时", "int"), C("reports_late", "逾期", "int"),
                 C("reports_missing", "未报送", "int"), C("reports_rejected", "退回未重报", "int"),
                 C("reports_not_due", "未到截止", "int"),
                 C("task_items", "负责任务", "int"), C("tasks_reported", "已报进展", "int"),
                 C("tasks_completed", "已完成", "int"), C("tasks_lagging", "滞后任务", "int")),
                _at(13, 4, 7)),)),
    Section("rewards", "compute_rewards", ("period", "enterprise_name", "category", "level"), inputs=("reward_rules",),
            dashboard=True, artifact=True, sheets=(Sheet(
                "奖励台账", "一次性奖励台账（蛟河市本级）：本年截至期末的首次认定奖励，及待核实",
                "每行：一个企业一个类别的一个级别——本年首次认定（年度总结为应兑现；季调度、半年例会为预计，以年度总结为准；"
                "或按“只享受一次”不重复奖励；或方案印发前认定，不予奖励），较上次季调度预计撤销的，"
                "或缺少首次认定依据（待核实，金额为0，列明需补充的依据）；金额均可追溯到触发的报送",
                (C("enterprise_name", "企业名称"), C("category", "类别", labels=L.REWARD_CATEGORY), C("level", "级别"),
                 C("status", "状态", labels=L.REWARD_STATUS, flag=True), C("amount_yuan", "金额（元）", "yuan"),
                 C("full_amount_yuan", "标准（元）", "yuan"), C("reason", "奖励事由", wide=True, labels=L.periods_in_text),
                 C("change_note", "较上次预计的变化", wide=True, flag=True),
                 C("evidence", "首次认定依据", labels=L.periods_in_text),
                 C("evidence_needed", "需补充的依据（待核实）", wide=True, labels=L.periods_in_text),
                 C("source", "触发报送", labels=L.periods_in_text)),
                _at(14, 5, 4), total=("amount_yuan",),
                sort=(pl.col("status").replace_strict(_BY_STATUS, default=5), "category", "enterprise_name", "level")),)),
    Section("reward_categories", "list_reward_categories", ("period", "category"), inputs=("reward_catalogue",),
            dashboard=True, sheets=(Sheet(
                "奖励类别", "实施方案规定的一次性奖励和补助：已计算与未计算",
                "每行：实施方案规定的一类奖励或补助；未计算的需人工核定，不在奖励台账中",
                (C("name", "类别"), C("clause", "条款"), C("amount", "标准", wide=True),
                 C("computed", "计算情况", labels=L.REWARD_COMPUTED), C("note", "说明", wide=True),
                 C("policy_text", "方案原文", wide=True)),
                _at(15, 6, 5)),)),
    Section("cultivation_list", "list_cultivation", ("period", "enterprise_name", "target_level"), sheets=(Sheet(
        "明年培育名单", "下一年度重点培育名单", "每行：一个企业的一个培育目标级别",
        (C("enterprise_name", "企业名称"), C("current_level", "当前级别"), C("target_level", "培育目标"),
         C("planned_year", "原拟培育年份", "int"), C("reason", "列入原因", labels=L.CULTIVATION),
         C("service_team", "服务专班"), C("industry", "行业"), C("responsible_leader", "包保领导"),
         C("operating_status", "经营状态", flag=True), C("flag", "提示")),
        _at(None, None, 6)),)),
    Section("former_names", "list_former_names", ("period", "enterprise_name"), always=True, sheets=()),
    Section("rollup_notices", "list_rollup_notices", ("period", "notice_id"), inputs=("config_notices",),
            needs=("compliance",), dashboard=True, always=True, sheets=()),
)

BY_TABLE: dict[str, Section] = {s.table: s for s in SECTIONS}
RUNS_TABLE = "rollup_runs"      # one row per rollup run and period: written with the sections, not one of them
TABLES: tuple[str, ...] = tuple(s.table for s in SECTIONS) + (RUNS_TABLE,)


def with_former_names(frame: pl.DataFrame | None, former: pl.DataFrame | None) -> pl.DataFrame | None:
    """`frame` with each renamed enterprise's name as people read it: one row under its current name, its former
    names after it (#19: an enterprise is its 统一社会信用代码; 吉林长白山酒业集团股份有限公司（原名 长白山酒业集团有限公司）).
    `former`: the period's former_names rows. The pack and the dashboard both list enterprises through this."""
    if frame is None or not frame.height or "enterprise_name" not in frame.columns or former is None or not former.height:
        return frame
    shown = {r["enterprise_name"]: f"{r['enterprise_name']}（原名 {r['former_names']}）" for r in former.iter_rows(named=True)}
    return frame.with_columns(pl.col("enterprise_name").replace(shown))


def sections_for(kind: str) -> list[Section]:
    """The sections a rollup of `kind` computes, in computing order."""
    if kind not in KINDS:
        raise ValueError(f"unknown rollup kind {kind!r}; one of {KINDS}")
    return [s for s in SECTIONS if kind in s.kinds]


def pack_sheets(kind: str) -> list[tuple[Section, Sheet]]:
    """The sheets of a kind's pack, in order."""
    found = [(s, sh) for s in SECTIONS for sh in s.sheets if kind in sh.packs]
    return sorted(found, key=lambda pair: pair[1].packs[kind])


def _check() -> None:
    """The registry's own consistency, at import: a broken entry fails every command at once."""
    seen: set[str] = set()
    for s in SECTIONS:
        missing = [n for n in s.needs if n not in seen]
        if missing:
            raise ValueError(f"section {s.table} needs {missing}, which come later in SECTIONS")
        for n in s.needs:
            if not set(s.kinds) <= set(BY_TABLE[n].kinds):
                raise ValueError(f"section {s.table} is computed where {n}, which it needs, is not")
        seen.add(s.table)
    for kind in KINDS:
        positions = [sh.packs[kind] for _, sh in pack_sheets(kind)]
        if positions != list(range(1, len(positions) + 1)):
            raise ValueError(f"the {kind} pack's sheet positions are not 1..n: {positions}")


_check()
