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
    @classmethod
    def duplicate_enterprise(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls(NAME_KEY) | _name_has_two_codes())

    @pa.dataframe_check
    @classmethod
    def duplicate_credit_code(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(unique_ignoring_nulls("credit_code") | _code_has_two_names())

    @pa.dataframe_check
    @classmethod
    def name_with_two_codes(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~_name_has_two_codes())

    @pa.dataframe_check
    @classmethod
    def code_with_two_names(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~_code_has_two_names())

    @pa.dataframe_check
    @classmethod
    def credit_code_check_digit(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("credit_code").is_null()
            | pl.col("credit_code").map_elements(is_valid, return_dtype=pl.Boolean))

    @pa.dataframe_check
    @classmethod
    def tech_staff_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("tech_staff") <= pl.col("total_staff")).fill_null(True))


class EnterpriseWarnings(pa.DataFrameModel):
    class Config:
        strict = False

    @pa.dataframe_check
    @classmethod
    def operating_status_missing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("operating_status").is_not_null())

    @pa.dataframe_check
    @classmethod
    def planned_order(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("planned_province_year") >= pl.col("planned_city_year")).fill_null(True))

    @pa.dataframe_check
    @classmethod
    def rd_above_sales(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("rd_expense") <= pl.col("sales_revenue")).fill_null(True))

    @pa.dataframe_check
    @classmethod
    def patents_implausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("patents") <= 2000).fill_null(True))


_SRDI_YEARS = {"low": SRDI_YEAR_MIN, "high": YEAR_MAX}
_CENTRE_YEARS = {"low": TECH_CENTER_YEAR_MIN, "high": YEAR_MAX}
_PLANNED_YEARS = {"low": YEAR_MIN, "high": YEAR_MAX}

# each check's finding (schemas/finding_catalogue.py)
RULES: dict[tuple[str, str], Rule] = {
    ("enterprise_name", "not_nullable"): Rule("required.enterprise_name"),
    ("tech_center_level", "isin"): Rule("enum.tech_center_level"),
    ("operating_status", "isin"): Rule("enum.operating_status"),
    ("listing_status", "isin"): Rule("enum.listing_status", blanks={"choices": "、".join(LISTING_STATUSES)}),
    ("srdi_level", "isin"): Rule("enum.srdi_level"),
    ("srdi_level", "not_nullable"): Rule("enum.srdi_level"),
    # the cell is the 认定年份 column's, or the 认定级别 text's when the year was read from it (tasks/intake/validate.py)
    ("srdi_level_year", "greater_than_or_equal_to"): Rule("range.year", "srdi", blanks=_SRDI_YEARS),
    ("srdi_level_year", "less_than_or_equal_to"): Rule("range.year", "srdi", blanks=_SRDI_YEARS),
    ("tech_center_year", "greater_than_or_equal_to"): Rule("range.year", "tech_center", blanks=_CENTRE_YEARS),
    ("tech_center_year", "less_than_or_equal_to"): Rule("range.year", "tech_center", blanks=_CENTRE_YEARS),
    ("*", "greater_than_or_equal_to"): Rule("range.min"),
    ("planned_city_year", "greater_than_or_equal_to"): Rule("range.year", blanks=_PLANNED_YEARS),
    ("planned_city_year", "less_than_or_equal_to"): Rule("range.year", blanks=_PLANNED_YEARS),
    ("planned_province_year", "greater_than_or_equal_to"): Rule("range.year", blanks=_PLANNED_YEARS),
    ("planned_province_year", "less_than_or_equal_to"): Rule("range.year", blanks=_PLANNED_YEARS),
    ("*", "duplicate_enterprise"): Rule("duplicate.enterprise", field="enterprise_name"),
    ("*", "duplicate_credit_code"): Rule("duplicate.credit_code", field="credit_code"),
    ("*", "name_with_two_codes"): Rule("identity.name_two_codes", field="credit_code"),
    ("*", "code_with_two_names"): Rule("identity.code_two_names", field="credit_code"),
    ("*", "credit_code_check_digit"): Rule("credit_code.check_digit", field="credit_code"),
    ("*", "tech_staff_within_total"): Rule("staff.tech_gt_total", field="tech_staff"),
    ("*", "operating_status_missing"): Rule("missing.operating_status", field="operating_status"),
    ("*", "planned_order"): Rule("planned.order", field="planned_province_year"),
    ("*", "rd_above_sales"): Rule("rd.above_sales", field="rd_expense"),
    ("*", "patents_implausible"): Rule("patents.implausible", field="patents"),
}
