"""The two forms bureaus fill: their fields, the header texts people write for them, enumerations.

Header matching compares `header_key(text)`: NFKC, no whitespace or line breaks, no quotes, and
no bracketed notes — so "专利数量\n（含软著）", "专利数量(含软著)" and "专利数量" are the same header.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

OPERATING_STATUSES = ("生产", "半生产", "停产", "注销")
SRDI_LEVELS = ("种子", "吉林市级", "吉林省级", "国家级")          # the ladder, lowest first
TECH_CENTER_LEVELS = ("吉林市级", "吉林省级", "国家级")
TASK_STATUSES = ("未启动", "推进中", "已完成", "滞后", "持续推进")
LISTING_STATUSES = ("未上市", "新三板挂牌", "北交所上市", "上交所上市", "深交所上市", "主板上市")

_BRACKETS = re.compile(r"[(\[【<《].*?[)\]】>》]")
_NOISE = re.compile(r"[\s\"'“”‘’「」『』:：*＊]")


def header_key(text: object) -> str:
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _NOISE.sub("", s)
    s = _BRACKETS.sub("", s)
    return s


@dataclass(frozen=True)
class Field:
    name: str                 # column name in the warehouse
    label: str                # the header we print in templates and error lists
    kind: str                 # text | int | float | year | pct | enum | level | code | name
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    fill_down: bool = False   # merged cell spanning rows: the value continues from above

    @property
    def keys(self) -> set[str]:
        return {header_key(a) for a in (self.label, *self.aliases)}


@dataclass(frozen=True)
class Form:
    name: str                 # enterprise | task
    title: str                # Chinese name of the form
    fields: tuple[Field, ...]
    identifying: tuple[str, ...]  # fields whose headers say "this is that form"
    row_key: str              # the field that must be present on a data row
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def match(self, text: object) -> Field | None:
        key = header_key(text)
        if not key:
            return None
        if not self._index:
            for f in self.fields:
                for k in f.keys:
                    self._index[k] = f
        return self._index.get(key)


SEQ_KEYS = {header_key(x) for x in ("序号", "编号", "No", "No.", "序")}

ENTERPRISE = Form(
    name="enterprise",
    title="种子企业库",
    identifying=("enterprise_name",),
    row_key="enterprise_name",
    fields=(
        Field("enterprise_name", "企业名称", "name", ("企业全称", "单位名称", "企业(单位)名称", "公司名称"), required=True),
        Field("credit_code", "统一社会信用代码", "code", ("信用代码", "社会信用代码", "统一信用代码")),
        Field("industry", "行业类别", "text", ("行业", "所属行业", "行业分类", "产业类别")),
        Field("tech_center_level", "技术中心", "enum", ("技术中心级别", "企业技术中心", "技术中心认定级别"), choices=TECH_CENTER_LEVELS),
        Field("patents", "专利数量（含软著）", "int", ("专利数量", "专利数", "专利", "专利（含软著）", "知识产权数量")),
        Field("operating_status", "经营状态（生产、半生产、停产、注销）", "enum", ("经营状态", "生产经营状态", "经营情况"), choices=OPERATING_STATUSES),
        Field("srdi_level_text", "“专精特新”认定级别", "level", ("专精特新认定级别", "认定级别", "专精特新级别", "认定情况")),
        Field("planned_city_year", "拟培育吉林市级", "year", ("拟培育市级", "拟培育吉林市级年份", "计划培育吉林市级")),
        Field("planned_province_year", "拟培育吉林省级", "year", ("拟培育省级", "拟培育吉林省级年份", "计划培育吉林省级")),
        Field("responsible_leader", "包保领导", "name", ("包保责任领导", "包保责任人", "包保", "联系领导")),
        Field("service_team", "服务专班", "text", ("专班", "所属专班")),
        Field("rd_expense", "研发投入（万元）", "float", ("研发投入", "研发费用", "研发经费")),
        Field("sales_revenue", "销售收入（万元）", "float", ("销售收入", "营业收入", "主营业务收入")),
        Field("tech_staff", "科技人员数", "int", ("科技人员", "科技人员数量", "研发人员数")),
        Field("total_staff", "职工总数", "int", ("职工人数", "从业人员", "从业人员数", "员工总数")),
        Field("listing_status", "上市情况", "enum", ("上市挂牌情况", "上市状态"), choices=LISTING_STATUSES),
        Field("remarks", "备注", "text", ("说明",)),
    ),
)

TASK = Form(
    name="task",
    title="工作任务进展",
    identifying=("task_id", "item_text", "progress", "status"),
    row_key="task_id",
    fields=(
        Field("task_id", "任务编号", "text", ("任务ID", "任务序号", "事项编号"), required=True),
        Field("task_group", "工作任务", "text", ("任务类别", "任务分组"), fill_down=True),
        Field("item_text", "工作内容", "text", ("工作事项", "具体任务", "任务内容")),
        Field("responsible_unit", "责任单位", "text", ("填报单位", "牵头单位")),
        Field("status", "推进状态", "enum", ("状态", "进度状态", "完成状态", "任务状态"), required=True, choices=TASK_STATUSES),
        Field("completion_pct", "完成进度（%）", "pct", ("完成进度", "完成率", "完成百分比", "完成比例")),
        Field("progress", "本期进展", "text", ("进展情况", "工作进展", "完成情况", "本季度进展")),
        Field("problems", "需市政府协调解决的问题", "text", ("存在问题", "需协调解决的问题", "困难和问题", "需市政府解决的问题")),
        Field("next_steps", "下步计划", "text", ("下一步工作计划", "下步工作计划", "下一步计划")),
        Field("bank_events", "银企对接活动（次）", "int", ("银企对接活动", "银企对接次数", "银企对接")),
        Field("trained_persons", "培训人才（人次）", "int", ("培训人次", "培训人才", "培训人数")),
        Field("enterprises_served", "服务企业（户）", "int", ("服务企业数", "服务企业")),
        Field("remarks", "备注", "text", ("说明",)),
    ),
)

FORMS = (ENTERPRISE, TASK)
FORMS_BY_NAME = {f.name: f for f in FORMS}
