-- grain: one row per target of ref_targets (the policy's targets table, 一、（三）) per period
-- Reads this run's rows of three sections, registered as rollup_<table>: target_enterprises (who each enterprise-count
-- target counts: the one definition of 十四五 / year / listed counts), ratio_enterprises (each provincial enterprise
-- against a ratio) and bank_events (each quarter's 银企对接); and `rollup_target_windows` (target_id, window_start,
-- policy_order). Training reads task_progress, only the tasks of $training_tasks (T4-1); $recruitment_tasks (T4-2
-- graduates, T4-3 job fairs) are shown apart in the note.
-- actual_value: enterprises counted (target_enterprises.status = 'counted'); for a ratio target the enterprises
-- that meet the ratio, which is what it is judged on (issue 19: actual_text says "4/6户达标", of the provincial
-- enterprises that must), while pooled_pct = sum(numerator) / sum(denominator) over the enterprises that report both
-- is context only (合计比例（参考）), never the verdict's basis; people trained; quarters with a bank event.
-- actual_text: actual_value as the pack and the dashboard show it under 实际. year_value: what was added in the
-- period's calendar year.
-- status: achieved | on_track (actual >= target × elapsed share of the window) | at_risk | not_achieved (window
-- over) | in_progress (a single-unit target, value 1, before its deadline year) | no_data. A ratio target is on
-- track only while every provincial enterprise meets it (none below, none without figures).
WITH read_targets AS (
    SELECT t.*, w.window_start, w.policy_order,
           CASE WHEN starts_with(t.scope, 'year:') THEN CAST(substr(t.scope, 6) AS INTEGER) END AS scope_year
    FROM ref_targets t
    JOIN rollup_target_windows w USING (target_id)
),
count_enterprises AS (
    SELECT target_id,
           count(*) FILTER (WHERE status = 'counted')                           AS counted,
           count(*) FILTER (WHERE status = 'counted' AND recognised_year = $year) AS counted_this_year,
           count(*) FILTER (WHERE status = 'before_window')                     AS before_window,
           count(*) FILTER (WHERE status = 'unverified')                        AS unverified,
           count(*) FILTER (WHERE status = 'excluded')                          AS excluded
    FROM rollup_target_enterprises
    GROUP BY target_id
),
count_ratios AS (
    SELECT target_id,
           sum(numerator) FILTER (WHERE status <> 'not_reported')   AS numerator,
           sum(denominator) FILTER (WHERE status <> 'not_reported') AS denominator,
           count(*) FILTER (WHERE status = 'meets')                 AS meets,
           count(*) FILTER (WHERE status = 'below')                 AS below,
           count(*) FILTER (WHERE status = 'not_reported')          AS not_reported,
           count(*)                                                 AS at_level
    FROM rollup_ratio_enterprises
    GROUP BY target_id
),
sum_trained_persons AS (
    SELECT year(quarter_end(period)) AS year,
           CAST(coalesce(sum(trained_persons) FILTER (WHERE list_contains(CAST($training_tasks AS VARCHAR[]), task_id)), 0) AS BIGINT) AS training,
           CAST(coalesce(sum(trained_persons) FILTER (WHERE list_contains(CAST($recruitment_tasks AS VARCHAR[]), task_id)), 0) AS BIGINT) AS recruitment
    FROM task_progress
    WHERE period BETWEEN $plan_first_quarter AND $last_quarter
    GROUP BY ALL
),
total_trained_persons AS (
    SELECT CAST(coalesce(sum(training), 0) AS BIGINT) AS training,
           CAST(coalesce(sum(recruitment), 0) AS BIGINT) AS recruitment,
           CAST(coalesce(sum(training) FILTER (WHERE year = $year), 0) AS BIGINT) AS training_this_year
    FROM sum_trained_persons
),
count_bank_quarters AS (
    SELECT count(*) AS quarters_due, count(*) FILTER (WHERE held) AS quarters_held
    FROM rollup_bank_events
),
combine_actuals AS (
    SELECT t.target_id, t.target, t.metric, t.scope, t.unit, t.target_value, t.deadline_year, t.window_start,
           t.comparator, t.scope_year, t.policy_order,
           t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') AS is_ratio,
           t.metric = 'bank_events_per_quarter' AS is_bank,
           t.metric NOT IN ('rd_to_sales_pct', 'tech_staff_pct', 'bank_events_per_quarter', 'trained_persons')
               AND t.target_value <= 1 AS single_unit,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN coalesce(r.meets, 0)
                WHEN t.metric = 'trained_persons' THEN tr.training
                WHEN t.metric = 'bank_events_per_quarter' THEN b.quarters_held
                ELSE coalesce(e.counted, 0) END AS actual_value,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct', 'listed_enterprises') THEN NULL
                WHEN t.metric = 'trained_persons' THEN CAST(tr.training_this_year AS DOUBLE)
                WHEN t.metric = 'bank_events_per_quarter' THEN CAST(b.quarters_held AS DOUBLE)
                ELSE CAST(coalesce(e.counted_this_year, 0) AS DOUBLE) END AS year_value,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN coalesce(r.meets, 0)
                WHEN t.metric IN ('trained_persons', 'bank_events_per_quarter') THEN NULL
                ELSE coalesce(e.counted, 0) END AS enterprises_counted,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN coalesce(r.below, 0) + coalesce(r.not_reported, 0)
                WHEN t.metric IN ('trained_persons', 'bank_events_per_quarter') THEN NULL
                ELSE coalesce(e.before_window, 0) + coalesce(e.unverified, 0) + coalesce(e.excluded, 0) END AS enterprises_apart,
           CASE WHEN t.metric IN ('rd_to_sales_pct', 'tech_staff_pct') THEN 100 * r.numerator / nullif(r.denominator, 0)
                END AS pooled_pct,
           r.numerator, r.denominator, coalesce(r.meets, 0) AS meets, coalesce(r.below, 0) AS below,
           coalesce(r.not_reported, 0) AS not_reported, coalesce(r.at_level, 0) AS at_level,
           coalesce(e.before_window, 0) AS before_window, coalesce(e.unverified, 0) AS unverified,
           coalesce(e.excluded, 0) AS excluded, tr.recruitment, b.quarters_due,
           make_date(coalesce(t.deadline_year, $year), 12, 31) AS window_end
    FROM read_targets t
    LEFT JOIN count_enterprises e USING (target_id)
    LEFT JOIN count_ratios r USING (target_id)
    CROSS JOIN total_trained_persons tr
    CROSS JOIN count_bank_quarters b
),
measure_elapsed AS (
    SELECT *,
           least(greatest(
               date_diff('month', make_date(window_start, 1, 1), CAST($period_end AS DATE) + INTERVAL 1 DAY)
               / date_diff('month', make_date(window_start, 1, 1), window_end + INTERVAL 1 DAY), 0), 1) AS elapsed,
           CAST($period_end AS DATE) >= window_end AS window_over,
           year(CAST($period_end AS DATE)) >= year(window_end) AS final_year,
           CASE comparator WHEN '<=' THEN actual_value <= target_value ELSE actual_value >= target_value END AS met
    FROM combine_actuals
),
judge_status AS (
    SELECT *,
           CASE WHEN is_bank THEN quarters_due
                WHEN is_ratio THEN at_level
                WHEN single_unit THEN CASE WHEN final_year THEN target_value END
                ELSE round(target_value * elapsed, 2) END AS expected_value,
           CASE WHEN is_bank THEN
                     CASE WHEN quarters_due = 0 THEN 'no_data'
                          WHEN actual_value < quarters_due THEN 'not_achieved'
                          WHEN month(CAST($period_end AS DATE)) = 12 THEN 'achieved' ELSE 'on_track' END
                WHEN is_ratio THEN
                     CASE WHEN at_level = 0 THEN 'no_data'
                          WHEN below = 0 AND not_reported = 0 AND window_over THEN 'achieved'
                          WHEN below = 0 AND not_reported = 0 THEN 'on_track'
                          WHEN window_over THEN 'not_achieved' ELSE 'at_risk' END
                WHEN met THEN 'achieved'
                WHEN window_over THEN 'not_achieved'
                WHEN single_unit THEN CASE WHEN final_year THEN 'at_risk' ELSE 'in_progress' END
                WHEN actual_value >= target_value * elapsed THEN 'on_track'
                ELSE 'at_risk' END AS status
    FROM measure_elapsed
),
describe_targets AS (
    SELECT *,
           concat_ws('', CASE WHEN before_window > 0 THEN printf('考核期前已认定%d户、', before_window) END,
                         CASE WHEN unverified > 0 THEN printf('认定年份待核实%d户、', unverified) END,
                         CASE WHEN excluded > 0 THEN printf('已注销%d户、', excluded) END) AS apart_text,
           printf('考核期%d–%d年，已过%.0f%%', window_start, year(window_end), elapsed * 100) AS window_text
    FROM judge_status
)
SELECT $period AS period, target_id, target, metric, scope, unit, target_value, actual_value, year_value,
       expected_value,
       CASE WHEN is_bank THEN quarters_due - actual_value
            WHEN is_ratio THEN at_level - actual_value
            ELSE greatest(target_value - actual_value, 0) END AS gap,
       CASE WHEN is_ratio THEN printf('%d/%d户达标', meets, at_level)
            WHEN actual_value IS NULL THEN NULL
            WHEN actual_value = round(actual_value) THEN CAST(CAST(actual_value AS BIGINT) AS VARCHAR)
            ELSE printf('%.2f', actual_value) END AS actual_text,
       pooled_pct,
       status, deadline_year, window_start, numerator, denominator, enterprises_counted, enterprises_apart,
       CASE WHEN is_ratio THEN
                 printf('逐户判断（实际为达标户数/应达标户数）：省级及以上企业%d户，达标%d户，未达标%d户，未报送数据%d户（见“比例指标”）；'
                        || '合计比例（参考，不作判断依据）%s = %.1f ÷ %.1f',
                        at_level, meets, below, not_reported,
                        CASE WHEN pooled_pct IS NULL THEN '—' ELSE printf('%.2f%%', pooled_pct) END,
                        coalesce(numerator, 0), coalesce(denominator, 0))
            WHEN is_bank THEN
                 printf('%d年已到期%d个季度，开展银企对接的季度%d个（只计T3-1的报送）', $year, quarters_due, CAST(actual_value AS INTEGER))
            WHEN metric = 'trained_persons' THEN
                 printf('培训（%s）累计%d人次；招聘引才（%s）另计%d人次，不计入；%s，按进度应达%.1f%s',
                        array_to_string(CAST($training_tasks AS VARCHAR[]), '、'), CAST(actual_value AS BIGINT),
                        array_to_string(CAST($recruitment_tasks AS VARCHAR[]), '、'), recruitment, window_text,
                        target_value * elapsed, unit)
            ELSE printf('计入%d户（见“目标明细”）', enterprises_counted)
                 || CASE WHEN apart_text <> '' THEN '；另列：' || rtrim(apart_text, '、') ELSE '' END || '；'
                 || CASE WHEN scope_year IS NOT NULL THEN printf('%d年当年认定', scope_year)
                         WHEN single_unit AND NOT final_year
                              THEN printf('%s；单户目标不按进度折算，%d年前为进行中，%d年内仍未完成为有风险', window_text,
                                          year(window_end), year(window_end))
                         ELSE printf('%s，按进度应达%.1f%s', window_text, target_value * elapsed, unit) END
       END AS note
FROM describe_targets
ORDER BY policy_order;
