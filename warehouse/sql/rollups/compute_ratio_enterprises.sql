-- grain: one row per ratio target (R&D / sales, technical staff / all staff) per enterprise at a ratio level
-- ($ratio_levels: provincial SRDI and above) as of the end of the period. Figures are the enterprise's latest
-- accepted report (year to date); the overall ratio in target_progress is sum(numerator) / sum(denominator).
WITH read_state AS (
    SELECT * FROM enterprise_state_as_of($last_quarter)
    WHERE list_contains(CAST($ratio_levels AS VARCHAR[]), srdi_level)
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
           t.target_value AS threshold_pct, s.report_period, s.submission_id
    FROM read_ratio_targets t
    CROSS JOIN read_state s
),
compute_ratios AS (
    SELECT *, CASE WHEN numerator IS NOT NULL AND denominator > 0 THEN 100 * numerator / denominator END AS ratio_pct
    FROM pair_figures
)
SELECT $period AS period, target_id, enterprise_name, srdi_level, numerator, denominator, ratio_pct, threshold_pct,
       ratio_pct >= threshold_pct AS meets, report_period, submission_id
FROM compute_ratios
ORDER BY target_id, enterprise_name;
