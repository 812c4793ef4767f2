-- grain: one row per ratio target (R&D / sales, technical staff / all staff) per enterprise at a ratio level
-- ($ratio_levels: provincial SRDI and above; not $cultivated_excluded_statuses, i.e. 注销) as of the end of the period. Figures are the enterprise's latest
-- accepted report (year to date). 一、（三）3「省级“专精特新”中小企业研发投入占销售收入比例不低于2%，科技人员占职工总数比例
-- 不低于10%」is judged per enterprise: status meets | below | not_reported (no figures, or a zero denominator);
-- target_progress counts them, and shows sum(numerator) / sum(denominator) as context only.
WITH read_state AS (
    SELECT * FROM rollup_state
    WHERE list_contains(CAST($ratio_levels AS VARCHAR[]), srdi_level)
      AND NOT list_contains(CAST($cultivated_excluded_statuses AS VARCHAR[]), coalesce(operating_status, ''))
),
read_ratio_targets AS (
    SELECT target_id, metric, target_value
    FROM ref_targets
    WHERE metric IN ('rd_to_sales_pct', 'tech_staff_pct')
),
pair_figures AS (
    SELECT t.target_id, s.enterprise_name, s.srdi_level,
           CAST(CASE t.metric WHEN 'rd_to_sales_pct' THEN s.rd_expense ELSE s.tech_staff END AS DOUBLE) AS numerator,
           CAST(CASE t.metric WHEN 'rd_to_sales_pct' THEN s.sales_revenue ELSE s.total_staff END AS DOUBLE) AS denominator,
           t.target_value AS threshold_pct, coalesce(s.figures_period, s.report_period) AS report_period,
           CASE WHEN s.figures_period IS NULL OR s.figures_period = s.report_period THEN s.submission_id END AS submission_id
    FROM read_ratio_targets t
    CROSS JOIN read_state s
),
compute_ratios AS (
    SELECT *, CASE WHEN numerator IS NOT NULL AND denominator > 0 THEN 100 * numerator / denominator END AS ratio_pct
    FROM pair_figures
)
SELECT $period AS period, target_id, enterprise_name, srdi_level, numerator, denominator, ratio_pct, threshold_pct,
       ratio_pct >= threshold_pct AS meets,
       CASE WHEN ratio_pct IS NULL THEN 'not_reported' WHEN ratio_pct >= threshold_pct THEN 'meets' ELSE 'below' END AS status,
       report_period, submission_id
FROM compute_ratios
ORDER BY target_id, enterprise_name;
