"""pandera models for the seed-enterprise form (种子企业库), on typed polars frames.

Errors reject the file; warnings are loaded and reported back to the bureau.
"""
from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.common import Rule, unique_ignoring_nulls
from schemas.credit_code import is_valid
from schemas.forms import LISTING_STATUSES, OPERATING_STATUSES, SRDI_LEVELS, TECH_CENTER_LEVELS

YEAR_MIN, YEAR_MAX = 2015, 2035
# Recognition years reach further back than planned ones: 专精特新 was first named in the 2011 plan for SMEs
# (《"十二五"中小企业成长规划》); an enterprise technology centre may have been recognised in the 1990s.
SRDI_YEAR_MIN, TECH_CENTER_YEAR_MIN = 2011, 1990


# Names are compared by their key (name_key, schemas.reference.squash: NFKC, no spaces), as the warehouse matches
# them (docs/rollups.md rule 7a): 某某公司（新） and 某某公司(新) in one file are the same enterprise, twice.
NAME_KEY = "name_key"


def _name_has_two_codes() -> pl.Expr:
    """True on a row whose name the same file gives two or more different credit codes."""
    codes = pl.col("credit_code").drop_nulls().n_unique().over("_file", NAME_KEY)
    return (pl.col(NAME_KEY).is_not_null() & pl.col("credit_code").is_not_null() & (codes > 1)).fill_null(False)


def _code_has_two_names() -> pl.Expr:
    """True on a row whose credit code the same file gives under two or more different names."""
    names = pl.col(NAME_KEY).drop_nulls().n_unique().over("_file", "credit_code")
    return (pl.col("credit_code").is_not_null() & pl.col("enterprise_name").is_not_null() & (names > 1)).fill_null(False)


class EnterpriseErrors(pa.DataFrameModel):
    enterprise_name: str = pa.Field(nullable=False)
    credit_code: str = pa.Field(nullable=True)
    industry: str = pa.Field(nullable=True)
    tech_center_level: str = pa.Field(nullable=True, isin=list(TECH_CENTER_LEVELS))
    patents: int = pa.Field(nullable=True, ge=0)
    operating_status: str = pa.Field(nullable=True, isin=list(OPERATING_STATUSES))
    srdi_level: str = pa.Field(nullable=False, isin=list(SRDI_LEVELS))
    srdi_level_year: int = pa.Field(nullable=True, ge=SRDI_YEAR_MIN, le=YEAR_MAX)
    tech_center_year: int = pa.Field(nullable=True, ge=TECH_CENTER_YEAR_MIN, le=YEAR_MAX)
    planned_city_year: int = pa.Field(nullable=True, ge=YEAR_MIN, le=YEAR_MAX)
    planned_province_year: int = pa.Field(nullable=True, ge=YEAR_MIN, le=YEAR_MAX)
    responsible_leader: str = pa.Field(nullable=True)
    rd_expense: float = pa.Field(nullable=True, ge=0)
    sales_revenue: float = pa.Field(nullable=True, ge=0)
    tech_staff: int = pa.Field(nullable=True, ge=0)
    total_staff: int = pa.Field(nullable=True, ge=0)
    listing_status: str = pa.Field(nullable=True, isin=list(LISTING_STATUSES))

    class Config:
        strict = False

    # One report (file, every sheet) names each enterprise once. A repeated name or code is a duplicate row; when
    # the repeated name carries two different credit codes, or the repeated code two different names, the rows
    # clash on the enterprise's identity (统一社会信用代码, issue #19) and say so instead: each row's cell is named.
    @pa.dataframe_check
    def duplicate_enterprise(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls(NAME_KEY) | _name_has_two_codes())

    @pa.dataframe_check
    def duplicate_credit_code(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls("credit_code") | _code_has_two_names())

    @pa.dataframe_check
    def name_with_two_codes(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~_name_has_two_codes())

    @pa.dataframe_check
    def code_with_two_names(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~_code_has_two_names())

    @pa.dataframe_check
    def credit_code_check_digit(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("credit_code").is_null()
            | pl.col("credit_code").map_elements(is_valid, return_dtype=pl.Boolean))

    @pa.dataframe_check
    def tech_staff_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("tech_staff") <= pl.col("total_staff")).fill_null(True))


class EnterpriseWarnings(pa.DataFrameModel):
    class Config:
        strict = False

    @pa.dataframe_check
    def operating_status_missing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("operating_status").is_not_null())

    @pa.dataframe_check
    def planned_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("planned_province_year") >= pl.col("planned_city_year")).fill_null(True))

    @pa.dataframe_check
    def rd_above_sales(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("rd_expense") <= pl.col("sales_revenue")).fill_null(True))

    @pa.dataframe_check
    def patents_implausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("patents") <= 2000).fill_null(True))


RULES: dict[tuple[str, str], Rule] = {
    ("enterprise_name", "not_nullable"): Rule("required.enterprise_name", "企业名称为空", "请填写企业全称（与营业执照一致）。"),
    ("credit_code", "not_nullable"): Rule("required.credit_code", "统一社会信用代码为空", "请填写 18 位统一社会信用代码。"),
    ("tech_center_level", "isin"): Rule("enum.tech_center_level", "技术中心级别“{value}”不在允许范围", "请填写：吉林市级、吉林省级、国家级，或留空。"),
    ("operating_status", "isin"): Rule("enum.operating_status", "经营状态“{value}”不在允许范围", "请从下拉选项中选择：生产、半生产、停产、注销。"),
    ("listing_status", "isin"): Rule("enum.listing_status", "上市情况“{value}”不在允许范围", "请填写：" + "、".join(LISTING_STATUSES) + "。"),
    ("srdi_level", "isin"): Rule("enum.srdi_level", "认定级别“{value}”无法识别", "请填写如“已认定吉林省级”“已纳入吉林市培育库”。"),
    ("srdi_level", "not_nullable"): Rule("enum.srdi_level", "认定级别“{value}”无法识别", "请填写如“已认定吉林省级”“已纳入吉林市培育库”。"),
    # the cell is the 认定年份 column's, or the 认定级别 text's when the year was read from it (tasks/intake/validate.py)
    ("srdi_level_year", "greater_than_or_equal_to"): Rule("range.year", "认定年份“{value}”不合理", f"请填写 {SRDI_YEAR_MIN}–{YEAR_MAX} 之间的四位年份（当前认定级别的认定年份）。"),
    ("srdi_level_year", "less_than_or_equal_to"): Rule("range.year", "认定年份“{value}”不合理", f"请填写 {SRDI_YEAR_MIN}–{YEAR_MAX} 之间的四位年份（当前认定级别的认定年份）。"),
    ("tech_center_year", "greater_than_or_equal_to"): Rule("range.year", "技术中心认定年份“{value}”不合理", f"请填写 {TECH_CENTER_YEAR_MIN}–{YEAR_MAX} 之间的四位年份（当前技术中心级别的认定年份）。"),
    ("tech_center_year", "less_than_or_equal_to"): Rule("range.year", "技术中心认定年份“{value}”不合理", f"请填写 {TECH_CENTER_YEAR_MIN}–{YEAR_MAX} 之间的四位年份（当前技术中心级别的认定年份）。"),
    ("*", "greater_than_or_equal_to"): Rule("range.min", "数值“{value}”不能为负数或过小", "请核对数值；年份请填写四位年份。"),
    ("planned_city_year", "greater_than_or_equal_to"): Rule("range.year", "年份“{value}”不合理", f"请填写 {YEAR_MIN}–{YEAR_MAX} 之间的年份。"),
    ("planned_city_year", "less_than_or_equal_to"): Rule("range.year", "年份“{value}”不合理", f"请填写 {YEAR_MIN}–{YEAR_MAX} 之间的年份。"),
    ("planned_province_year", "greater_than_or_equal_to"): Rule("range.year", "年份“{value}”不合理", f"请填写 {YEAR_MIN}–{YEAR_MAX} 之间的年份。"),
    ("planned_province_year", "less_than_or_equal_to"): Rule("range.year", "年份“{value}”不合理", f"请填写 {YEAR_MIN}–{YEAR_MAX} 之间的年份。"),
    ("*", "duplicate_enterprise"): Rule("duplicate.enterprise", "企业“{value}”在本文件中重复出现", "同一企业只填写一行，请删除重复行。", "enterprise_name"),
    ("*", "duplicate_credit_code"): Rule("duplicate.credit_code", "统一社会信用代码“{value}”在本文件中重复出现", "请核对是否填错企业的代码。", "credit_code"),
    ("*", "name_with_two_codes"): Rule("identity.name_two_codes", "企业“{enterprise_name}”在本文件中填写了不同的统一社会信用代码，本行为“{value}”", "同一企业只有一个统一社会信用代码：请对照营业执照核对，只保留一行并填写正确的代码。", "credit_code"),
    ("*", "code_with_two_names"): Rule("identity.code_two_names", "统一社会信用代码“{value}”在本文件中对应不同的企业名称，本行为“{enterprise_name}”", "一个代码只属于一家企业：若企业已更名，只保留一行，填写新名称并在备注中注明原名；若是代码填错，请改正。", "credit_code"),
    ("*", "credit_code_check_digit"): Rule("credit_code.check_digit", "统一社会信用代码“{value}”校验位不正确（GB 32100）", "请对照营业执照逐位核对（常见错误是 0/O、1/I 混淆或少一位）；若该列是数字格式，Excel 会把末几位变成 0，请把该列设为“文本”后重新输入。", "credit_code"),
    ("*", "tech_staff_within_total"): Rule("staff.tech_gt_total", "科技人员数“{value}”大于职工总数", "科技人员是职工的一部分，请核对两列数值。", "tech_staff"),
    ("*", "operating_status_missing"): Rule("missing.operating_status", "经营状态未填写", "请填写：生产、半生产、停产、注销。", "operating_status"),
    ("*", "planned_order"): Rule("planned.order", "拟培育吉林省级年份“{value}”早于拟培育吉林市级年份", "一般先认定吉林市级再认定省级，请核对年份。", "planned_province_year"),
    ("*", "rd_above_sales"): Rule("rd.above_sales", "研发投入“{value}”大于销售收入", "请核对单位是否均为万元。", "rd_expense"),
    ("*", "patents_implausible"): Rule("patents.implausible", "专利数量“{value}”异常偏大", "请核对是否多输入了位数。", "patents"),
}
