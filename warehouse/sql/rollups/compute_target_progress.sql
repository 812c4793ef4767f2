-- grain: one row per target of ref_targets (the policy's targets table) per period
-- Inputs besides the warehouse: registered frames `rollup_target_windows` (target_id, window_start, policy_order) and
-- `rollup_ratio_enterprises` (this run's ratio_enterprises rows).
-- actual_value: as of the period end (cumulative), or for year:YYYY targets the count in that year;
-- year_value: what was added in the period's calendar year; ratios are sum(numerator) / sum(denominator).
-- status: achieved | on_track (actual >= target × elapsed share of the window) | at_risk | not_achieved (window
-- over) | no_data.
WITH read_targets AS (
    SELECT t.*, w.window_start, w.policy_order,
           CASE WHEN starts_with(t.scope, 'year:') THEN CAST(substr(t.scope, 6) AS INTEGER) END AS scope_year
    FROM ref_targets t
    JOIN rollup_target_windows w USING (target_id)
),
read_state AS (
    SELECT * FROM enterprise_state_as_of($last_quarter)
),
find_threshold_years AS (
    SELECT enterprise_name,
           min(coalesce(recognised_year, 0)) FILTER (WHERE level_rank >= 1) AS city_year,
           min(coalesce(recognised_year, 0)) FILTER (WHERE level_rank >= 2) AS province_year,
           min(coalesce(recognised_year, 0)) FILTER (WHERE level_rank >= 3) AS national_year,
           min(coalesce(recognised_year, 0)) FILTER (WHERE level_rank = 1)  AS city_exact_year,
           min(coalesce(recognised_year, 0)) FILTER (WHERE level_rank = 2)  AS province_exact_year
    FROM recognitions_through($last_quarter)
    WHERE kind = 'srdi'
    GROUP BY enterprise_name
),
sum_trained_persons AS (
    SELECT period, CAST(sum(trained_persons) AS BIGINT) AS persons
    FROM task_progress
    WHERE period BETWEEN $plan_first_quarter AND $last_quarter
    GROUP BY period
),
check_bank_quarters AS (
    SELECT q.report_period, coalesce(max(p.bank_events), 0) >= 1 AS held
    FROM (SELECT unnest(CAST($year_due_quarters AS VARCHAR[])) AS report_period) q
    LEFT JOIN task_progress p ON p.period = q.report_period AND p.bank_events IS NOT NULL
    GROUP BY q.report_period
),
sum_ratios AS (
    SELECT target_id,
           sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator > 0)   AS numerator,
           sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator > 0) AS denominator,
           count(*) FILTER (WHERE numerator IS NOT NULL AND denominator > 0)         AS enterprises,
           count(*)                                                                  AS at_level
    FROM rollup_ratio_enterprises
    GROUP BY target_id
),
count_stock AS (
    SELECT 'seed_enterprises' AS metric,
           count(*) FILTER (WHERE NOT list_contains(CAST($seed_excluded_statuses AS VARCHAR[]), coalesce(operating_status, ''))) AS n
    FROM read_state
    UNION ALL SELECT 'city_level_or_above', count(*) FILTER (WHERE level_rank >= 1) FROM read_state
    UNION ALL SELECT 'province_level_or_above', count(*) FILTER (WHERE level_rank >= 2) FROM read_state
    UNION ALL SELECT 'national_level', count(*) FILTER (WHERE level_rank >= 3) FROM read_state
    UNION ALL SELECT 'listed_enterprises',
           count(*) FILTER (WHERE list_contains(CAST($listed_levels AS VARCHAR[]), srdi_level)
                              AND coalesce(listing_status, '未上市') <> '未上市')
    FROM read_state
    UNION ALL SELECT 'trained_persons', CAST(coalesce(sum(persons), 0) AS BIGINT) FROM sum_trained_persons
    UNION ALL SELECT 'bank_events_per_quarter', count(*) FILTER (WHERE held) FROM check_bank_quarters
),
count_by_year AS (
    SELECT 'seed_enterprises' AS metric, year(quarter_end(coalesce(entered_period, $plan_first_quarter))) AS year,
           count(*) AS n
    FROM read_state
    WHERE NOT list_contains(CAST($seed_excluded_statuses AS VARCHAR[]), coalesce(operating_status, ''))
    GROUP BY ALL
    UNION ALL SELECT 'city_level_or_above', city_year, count(*) FROM find_threshold_years GROUP BY ALL
    UNION ALL SELECT 'province_level_or_above', province_year, count(*) FROM find_threshold_years GROUP BY ALL
    UNION ALL SELECT 'national_level', national_year, count(*) FROM find_threshold_years GROUP BY ALL
    UNION ALL SELECT 'city_recognised_in_year',
           CASE WHEN $year_counts_higher_levels THEN city_year ELSE city_exact_year END, count(*)
    FROM find_threshold_years GROUP BY ALL
    UNION ALL SELECT 'province_recognised_in_year',
           CASE WHEN $year_counts_higher_levels THEN province_year ELSE province_exact_year END, count(*)
    FROM find_threshold_years GROUP BY ALL
    UNION ALL SELECT 'trained_persons', year(quarter_end(period)), CAST(sum(persons) AS BIGINT) FROM sum_trained_persons GROUP BY ALL
    UNION ALL SELECT 'bank_events_per_quarter', $year, count(*) FILTER (WHERE held) FROM check_bank_quarters
),
combine_actuals AS (
    SELECT t.target_id, t.target, t.metric, t.scope, t.unit, t.target_value, t.deadline_year, t.window_start,
           t.comparator, t.scope_year, t.policy_order,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN 100 * r.numerator / nullif(r.denominator, 0)
                WHEN t.scope_year IS NOT NULL THEN coalesce(ys.n, 0)
                ELSE coalesce(s.n, 0) END AS actual_value,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct', 'listed_enterprises') THEN NULL
                ELSE CAST(coalesce(yc.n, 0) AS DOUBLE) END AS year_value,
           r.numerator, r.denominator, r.enterprises AS ratio_enterprises, r.at_level AS ratio_at_level,
           (SELECT count(*) FROM check_bank_quarters) AS quarters_due,
           make_date(coalesce(t.deadline_year, $year), 12, 31) AS window_end
    FROM read_targets t
    LEFT JOIN count_stock s ON s.metric = t.metric
    LEFT JOIN count_by_year ys ON ys.metric = t.metric AND ys.year = t.scope_year
    LEFT JOIN count_by_year yc ON yc.metric = t.metric AND yc.year = $year
    LEFT JOIN sum_ratios r ON r.target_id = t.target_id
),
measure_elapsed AS (
    SELECT *,
           least(greatest(
               date_diff('month', make_date(window_start, 1, 1), CAST($period_end AS DATE) + INTERVAL 1 DAY)
               / date_diff('month', make_date(window_start, 1, 1), window_end + INTERVAL 1 DAY), 0), 1) AS elapsed,
           CAST($period_end AS DATE) >= window_end AS window_over,
           CASE comparator WHEN '<=' THEN actual_value <= target_value ELSE actual_value >= target_value END AS met
    FROM combine_actuals
),
judge_status AS (
    SELECT *,
           CASE WHEN metric = 'bank_events_per_quarter' THEN quarters_due
                WHEN metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN target_value
                ELSE round(target_value * elapsed, 2) END AS expected_value,
           CASE WHEN metric = 'bank_events_per_quarter' THEN
                     CASE WHEN quarters_due = 0 THEN 'no_data'
                          WHEN actual_value < quarters_due THEN 'not_achieved'
                          WHEN month(CAST($period_end AS DATE)) = 12 THEN 'achieved' ELSE 'on_track' END
                WHEN metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN
                     CASE WHEN actual_value IS NULL THEN 'no_data'
                          WHEN met AND window_over THEN 'achieved' WHEN met THEN 'on_track'
                          WHEN window_over THEN 'not_achieved' ELSE 'at_risk' END
                WHEN met THEN 'achieved'
                WHEN window_over THEN 'not_achieved'
                WHEN actual_value >= target_value * elapsed THEN 'on_track'
                ELSE 'at_risk' END AS status
    FROM measure_elapsed
)
SELECT $period AS period, target_id, target, metric, scope, unit, target_value, actual_value, year_value,
       expected_value,
       CASE WHEN metric = 'bank_events_per_quarter' THEN quarters_due - actual_value
            ELSE greatest(target_value - actual_value, 0) END AS gap,
       status, deadline_year, window_start, numerator, denominator,
       CASE WHEN metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN
                 printf('合计口径：%.1f ÷ %.1f；纳入计算企业%d户（该级别企业%d户）',
                        coalesce(numerator, 0), coalesce(denominator, 0), coalesce(ratio_enterprises, 0), coalesce(ratio_at_level, 0))
            WHEN metric = 'bank_events_per_quarter' THEN
                 printf('%d年已到期%d个季度，开展银企对接的季度%d个', $year, quarters_due, CAST(actual_value AS INTEGER))
            ELSE printf('考核期%d–%d年，已过%.0f%%，按进度应达%.1f%s', window_start, year(window_end), elapsed * 100,
                        target_value * elapsed, unit) END AS note
FROM judge_status
ORDER BY policy_order;
