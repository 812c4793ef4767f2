"""The two forms bureaus fill: their fields, the header texts people write for them, enumerations.

Header matching compares `header_key(text)`: NFKC, no whitespace or line breaks, no quotes, and
no bracketed notes — so "专利数量\n（含软著）", "专利数量(含软著)" and "专利数量" are the same header.
A header that matches no field exactly may still be recognised by meaning (`Form.by_meaning`): a longer
header containing a known header's words ("本期工作进展情况" holds "工作进展" → 本期进展); the intake then
warns which field it took the column as.
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


# The longest text a cell of each kind may hold (#10 item 8): a name or a short text beyond this is not what
# the column asks for; free text (progress, problems, plans, notes) gets a few thousand characters.
MAX_LENGTH = {"name": 200, "code": 100, "text": 500, "free": 4000, "enum": 100, "level": 200,
              "int": 100, "float": 100, "year": 100, "pct": 100}


@dataclass(frozen=True)
class Field:
    name: str                 # column name in the warehouse
    label: str                # the header we print in templates and error lists
    kind: str                 # text | free | int | float | year | pct | enum | level | code | name
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    fill_down: bool = False   # merged cell spanning rows: the value continues from above
    unit: str | None = None   # the unit a number in this column is in (万元, 人, 次, 户, 项, 人次, %, 年)
    dated: bool = False       # a year column that dates a recognition: a month or a day written is kept too

    @property
    def keys(self) -> set[str]:
        return {header_key(a) for a in (self.label, *self.aliases)}

    @property
    def max_length(self) -> int:
        return MAX_LENGTH.get(self.kind, 500)


@dataclass(frozen=True)
class Form:
    name: str                 # enterprise | task
    title: str                # Chinese name of the form
    fields: tuple[Field, ...]
    identifying: tuple[str, ...]  # fields whose headers say "this is that form"
    row_key: str              # the field that must be present on a data row
    template_order: tuple[str, ...] = ()   # the columns of srdi's template, when not the order of `fields`
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def template_fields(self) -> tuple[Field, ...]:
        """The fields in the order srdi's template shows them (each recognition year beside its level)."""
        if not self.template_order:
            return self.fields
        return tuple(self.field(n) for n in self.template_order)

    def match(self, text: object) -> Field | None:
        key = header_key(text)
        if not key:
            return None
        if not self._index:
            for f in self.fields:
                for k in f.keys:
                    self._index[k] = f
        return self._index.get(key)

    def by_meaning(self, text: object) -> Field | None:
        """The field a header that matches none exactly means, or None when it means none or several.

        1. The header contains a known header (label or alias) of two or more characters: the field of the
           longest one it contains ("本期工作进展情况" contains 工作进展 and 进展情况, both 本期进展).
        2. Else the characters of a known header of four or more characters appear in it in order, and it is
           at most twice as long ("需要市政府协调解决的主要问题" → 需市政府协调解决的问题).
        """
        key = header_key(text)
        if not key or key in SEQ_KEYS:
            return None
        keys = [(k, f) for f in self.fields for k in f.keys if k]
        inside = [(len(k), f) for k, f in keys if len(k) >= 2 and k in key]
        if not inside:
            inside = [(len(k), f) for k, f in keys if len(k) >= 4 and len(key) <= 2 * len(k) and _in_order(k, key)]
        if not inside:
            return None
        best = max(n for n, _ in inside)
        fields = {f.name: f for n, f in inside if n == best}
        return next(iter(fields.values())) if len(fields) == 1 else None


def _in_order(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


SEQ_KEYS = {header_key(x) for x in ("序号", "编号", "No", "No.", "序")}

# A row whose name, id or first cell says it sums, subtotals or averages the rows above it: never an
# enterprise or a task. The whole cell must say so ("合  计", "本页小计：", "总计（12户）", "平均值", "共12户"),
# so an enterprise called 汇总科技有限公司 stays an enterprise.
TOTAL_LABEL = (r"(?i)^\s*(?:本页|本表|本期|全市|全县|全省|全部|以上|各单位|总)?\s*"
               r"(?:合\s*计|小\s*计|总\s*计|汇\s*总|平\s*均(?:\s*[值数])?|共\s*计|累\s*计|总\s*数|总\s*和|"
               r"total|subtotal|sum|average|avg)\s*[:：]?\s*(?:[(（\[【].*[)）\]】])?\s*(?:\d+\s*[户家个项人次]?)?\s*$"
               r"|^\s*共\s*\d+\s*[户家个项]\s*$")

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
        Field("patents", "专利数量（含软著）", "int", ("专利数量", "专利数", "专利", "专利（含软著）", "知识产权数量"), unit="项"),
        Field("operating_status", "经营状态（生产、半生产、停产、注销）", "enum", ("经营状态", "生产经营状态", "经营情况"), choices=OPERATING_STATUSES),
        Field("srdi_level_text", "“专精特新”认定级别", "level", ("专精特新认定级别", "认定级别", "专精特新级别", "认定情况")),
        Field("planned_city_year", "拟培育吉林市级", "year", ("拟培育市级", "拟培育吉林市级年份", "计划培育吉林市级"), unit="年"),
        Field("planned_province_year", "拟培育吉林省级", "year", ("拟培育省级", "拟培育吉林省级年份", "计划培育吉林省级"), unit="年"),
        Field("responsible_leader", "包保领导", "name", ("包保责任领导", "包保责任人", "包保", "联系领导")),
        Field("service_team", "服务专班", "text", ("专班", "所属专班")),
        Field("rd_expense", "研发投入（万元）", "float", ("研发投入", "研发费用", "研发经费"), unit="万元"),
        Field("sales_revenue", "销售收入（万元）", "float", ("销售收入", "营业收入", "主营业务收入"), unit="万元"),
        Field("tech_staff", "科技人员数", "int", ("科技人员", "科技人员数量", "研发人员数"), unit="人"),
        Field("total_staff", "职工总数", "int", ("职工人数", "从业人员", "从业人员数", "员工总数"), unit="人"),
        Field("listing_status", "上市情况", "enum", ("上市挂牌情况", "上市状态"), choices=LISTING_STATUSES),
        Field("remarks", "备注", "free", ("说明",)),
        # Recognition years (#14: a reward needs evidence of a first recognition). Appended, so that a workbook in
        # the earlier column order keeps its letters; the template shows each beside its level (template_order).
        # 认定年份 dates the level of the 认定级别 column: when that text names a year too and the two differ,
        # the text's year is used (it names the level it dates; the year column may still hold the year of an
        # earlier level, since templates prefill it) and the intake warns at the 认定年份 cell. Both take a year, a
        # month or a day (2022, 2022年3月, 2022-03-15, a date cell: schemas.values.recognition_date); the month and
        # day are stored beside the year (srdi_level_month/_day, tech_center_month/_day) and narrow the date.
        Field("srdi_level_year", "认定年份", "year", ("专精特新认定年份", "认定级别年份", "级别认定年份", "认定年度",
                                                    "认定时间", "认定日期"), unit="年", dated=True),
        Field("tech_center_year", "技术中心认定年份", "year", ("企业技术中心认定年份", "技术中心认定年度",
                                                           "技术中心认定时间", "技术中心认定日期", "技术中心年份"),
              unit="年", dated=True),
    ),
    template_order=("enterprise_name", "credit_code", "industry", "tech_center_level", "tech_center_year", "patents",
                    "operating_status", "srdi_level_text", "srdi_level_year", "planned_city_year",
                    "planned_province_year", "responsible_leader", "service_team", "rd_expense", "sales_revenue",
                    "tech_staff", "total_staff", "listing_status", "remarks"),
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
        Field("completion_pct", "完成进度（%）", "pct", ("完成进度", "完成率", "完成百分比", "完成比例"), unit="%"),
        Field("progress", "本期进展", "free", ("进展情况", "工作进展", "完成情况", "本季度进展")),
        Field("problems", "需市政府协调解决的问题", "free", ("存在问题", "需协调解决的问题", "困难和问题", "需市政府解决的问题")),
        Field("next_steps", "下步计划", "free", ("下一步工作计划", "下步工作计划", "下一步计划")),
        Field("bank_events", "银企对接活动（次）", "int", ("银企对接活动", "银企对接次数", "银企对接"), unit="次"),
        Field("trained_persons", "培训人才（人次）", "int", ("培训人次", "培训人才", "培训人数"), unit="人次"),
        Field("enterprises_served", "服务企业（户）", "int", ("服务企业数", "服务企业"), unit="户"),
        Field("remarks", "备注", "free", ("说明",)),
    ),
)

# Task figures that count only on the tasks whose `metrics` (schemas/refdata/task_items.csv) name them, as the
# rollups count them: 银企对接 on T3-1, 培训人才 on T4-x. Elsewhere the template greys the cell and the intake warns.
METRIC_FIELDS = ("bank_events", "trained_persons")

FORMS = (ENTERPRISE, TASK)
FORMS_BY_NAME = {f.name: f for f in FORMS}
