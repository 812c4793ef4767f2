"""The Chinese label catalogue: every code srdi stores in English (forms, statuses, judgements, kinds) and the one
Chinese wording the packs, the dashboard, receipts, error lists and templates show for it. An output never keeps a
label table of its own; `label(CATALOGUE, code)` falls back to the code itself, so a new code shows, never hides.
"""
from __future__ import annotations

# meeting kinds (三、（三）：季调度、半年例会、年度总结)
KIND = {"quarterly": "季调度", "midyear": "半年例会", "annual": "年度总结"}

# the two forms a bureau fills
FORM = {"enterprise": "种子企业库", "task": "任务进展"}
# the short word for a form inside file names (工信局_企业库_2022Q3_模板.xlsx): a naming convention, not a label
FORM_FILE_WORD = {"enterprise": "企业库", "task": "任务进展"}

# a finding
SEVERITY = {"error": "错误", "warning": "警告"}

# what became of a dropped file
OUTCOME = {"loaded": "已入库", "rejected": "退回", "duplicate": "重复", "superseded": "被替代"}

# the 催报 list (compliance.status)
COMPLIANCE = {"on_time": "按时", "late": "逾期", "missing": "未报送", "rejected": "退回未重报",
              "not_due": "未到截止"}

# ladder changes (ladder_changes.change)
CHANGE = {"new_recognition": "新认定", "status_change": "经营状态变化", "new_entry": "新入库",
          "tech_center": "技术中心升级", "level_down": "级别下降"}

# lagging enterprises (ladder_lagging.status)
LAGGING = {"lagging": "滞后", "due_this_year": "临期（本年到期）"}

# a target's judgement (target_progress.status)
TARGET_STATUS = {"achieved": "已完成", "on_track": "进度正常", "at_risk": "有风险", "not_achieved": "未完成",
                 "no_data": "无数据", "in_progress": "进行中"}

# ladder_counts.breakdown
BREAKDOWN = {"all": "合计", "service_team": "服务专班", "industry": "行业"}

# rewards.category
REWARD_CATEGORY = {"srdi": "专精特新认定", "tech_center": "企业技术中心"}

# cultivation_list.reason
CULTIVATION = {"planned": "按计划培育", "carried_over": "滞后结转", "cultivating": "拟培育（未定年份）"}

# ratio targets (ratio_enterprises.target_id)
RATIO = {"rd_ratio": "研发投入占销售收入", "tech_staff_ratio": "科技人员占职工总数"}

# rewards.repeat_recognition (rollup_config.toml)
REPEAT = {"top_up": "补差（高级别奖励只享受一次，差额补足）", "full": "每个级别首次认定全额奖励",
          "highest_only": "只奖励一次（首次获奖年度的最高级别）"}

# target scopes (ref_targets.scope; year:YYYY is written out)
SCOPE = {"cumulative": "累计", "ratio": "比例", "quarterly": "每季度"}

# booleans in tables
YES_NO = {True: "是", False: "否"}


def label(catalogue: dict, code):
    """The Chinese for `code`, or the code itself when the catalogue has none."""
    return catalogue.get(code, code)


def scope_label(scope: str | None) -> str | None:
    if scope is None:
        return None
    if scope.startswith("year:"):
        return f"{scope[5:]}年当年"
    return SCOPE.get(scope, scope)

# task_status.reported: a unit owed a report on a work item and sent none in the period
TASK_REPORTED = {True: "已报送", False: "未报送"}

# rewards.status: accrued this year, not paid again (the repeat rule), or waiting for evidence of a first recognition
# (issue 19: a 季调度 or 半年例会 amount is provisional; only the 年度总结 says 应兑现)
REWARD_STATUS = {"accrued": "应兑现", "provisional": "预计（以年度总结为准）", "no_repeat": "不重复奖励",
                 "predates": "方案印发前认定，不予奖励", "withdrawn": "较上次预计撤销", "pending": "待核实"}
# the statuses whose amount is due this year (final or provisional), and how a total of them is named
REWARD_DUE = ("accrued", "provisional")
REWARD_DUE_WORD = {"accrued": "应兑现", "provisional": "预计"}
REWARD_PROVISO = "以年度总结为准"

# target_enterprises.status: whether an enterprise counts towards a target (一、（三）), or why it is shown apart
TARGET_ENTERPRISE = {"counted": "计入", "before_window": "考核期前已认定（不计入）", "unverified": "认定年份待核实（不计入）",
                     "excluded": "已注销（不计入）"}

# ratio_enterprises.status: one provincial enterprise against a ratio target
RATIO_STATUS = {"meets": "达标", "below": "未达标", "not_reported": "未报送数据"}

# reward_categories.computed: whether srdi computes a reward category of the plan
REWARD_COMPUTED = {True: "已计算（见奖励台账）", False: "未计算（需人工核定）"}


def period(code: str) -> str:
    """A period as people read it (2022Q3 → 2022年第三季度, 2022H1 → 2022年上半年, 2022 → 2022年): what packs,
    dashboards, receipts and error lists show; the code as stored when it is not one (it never is, but a label
    must not fail a pack)."""
    from schemas.periods import period_label
    try:
        return period_label(str(code))
    except (ValueError, IndexError):
        return str(code)


def periods_in_text(text: str) -> str:
    """A sentence srdi wrote (a reward's or a target's 依据: "2022Q2报送为种子") with every period code in it as people
    read it ("2022年第二季度报送为种子"). Only for srdi's own sentences: what a bureau typed is shown as typed."""
    import re
    return re.sub(r"(?<![0-9A-Za-z])(\d{4})Q([1-4])(?![0-9])", lambda m: period(m.group(0)), str(text))
