-- grain: one row per Annex 2 work item per responsible unit per period
-- Status is the unit's latest accepted report within the period; bank events and people trained are summed over
-- the period's quarters, enterprises served is the largest quarterly figure (the same enterprises recur). A figure
-- counts only where the work item carries that metric (ref_task_items.metrics: bank_events on T3-1, trained_persons
-- on T4-*): a number typed into another task's greyed cell is not shown as that task's result.
-- lagging_reason lists every rule of [lagging] in rollup_config.toml that holds. due: the unit owes a report for the
-- period and its deadline has passed (quarter end + $deadline_days, as of $as_of): a unit still inside its window is
-- not 应报未报 (the dashboard says 未到截止).
WITH split_units AS (
    SELECT task_id, group_id, group_name, item_text, string_split(metrics, '|') AS metrics,
           unnest(string_split(responsible_units, '|')) AS responsible_unit
    FROM ref_task_items
),
pick_reports_in_period AS (
    SELECT * FROM task_progress
    WHERE period BETWEEN $first_quarter AND $last_quarter
),
pick_latest_report AS (
    SELECT * FROM pick_reports_in_period
    QUALIFY row_number() OVER (PARTITION BY task_id, bureau ORDER BY period DESC) = 1
),
sum_period_metrics AS (
    SELECT task_id, bureau, CAST(sum(bank_events) AS BIGINT) AS bank_events, CAST(sum(trained_persons) AS BIGINT) AS trained_persons,
           max(enterprises_served) AS enterprises_served
    FROM pick_reports_in_period
    GROUP BY ALL
),
find_previous_report AS (
    SELECT l.task_id, l.bureau, arg_max(p.completion_pct, p.period) AS previous_pct
    FROM pick_latest_report l
    JOIN task_progress p ON p.task_id = l.task_id AND p.bureau = l.bureau AND p.period < l.period
    GROUP BY ALL
),
join_reports AS (
    SELECT u.task_id, u.group_id, u.group_name, u.item_text, u.responsible_unit,
           $last_quarter >= $plan_first_quarter
               AND CAST($as_of AS DATE) > quarter_end($last_quarter) + to_days(CAST($deadline_days AS INTEGER)) AS due,
           l.task_id IS NOT NULL AS reported,
           l.period AS report_period, l.status, l.completion_pct, f.previous_pct, l.progress, l.next_steps,
           CASE WHEN list_contains(u.metrics, 'bank_events') THEN m.bank_events END AS bank_events,
           CASE WHEN list_contains(u.metrics, 'trained_persons') THEN m.trained_persons END AS trained_persons,
           m.enterprises_served, l.submission_id
    FROM split_units u
    LEFT JOIN pick_latest_report l ON l.task_id = u.task_id AND l.bureau = u.responsible_unit
    LEFT JOIN sum_period_metrics m ON m.task_id = u.task_id AND m.bureau = u.responsible_unit
    LEFT JOIN find_previous_report f ON f.task_id = u.task_id AND f.bureau = u.responsible_unit
),
judge_lagging AS (
    SELECT *,
           concat_ws('；',
               CASE WHEN due AND NOT reported AND $count_unreported THEN '应报未报' END,
               CASE WHEN list_contains(CAST($lagging_statuses AS VARCHAR[]), status) THEN '自报滞后' END,
               CASE WHEN status = '未启动'
                         AND quarter_index(report_period) - quarter_index($plan_first_quarter) >= $grace_quarters
                    THEN '方案施行后仍未启动' END,
               CASE WHEN list_contains(CAST($stalled_statuses AS VARCHAR[]), status) AND previous_pct IS NOT NULL
                         AND completion_pct - previous_pct < $min_gain_pct
                    THEN printf('进度停滞（较上期提高%.0f个百分点）', completion_pct - previous_pct) END
           ) AS reasons
    FROM join_reports
)
SELECT $period AS period, task_id, group_id, group_name, item_text, responsible_unit, due, reported, report_period,
       status, completion_pct, previous_pct, progress, next_steps, bank_events, trained_persons, enterprises_served,
       reasons <> '' AS lagging, nullif(reasons, '') AS lagging_reason, submission_id
FROM judge_lagging
ORDER BY task_id, responsible_unit;
