-- grain: one row per enterprise per planned level (拟培育吉林市级 / 拟培育吉林省级) not reached, whose planned year has
-- ended by the end of the period (lagging, 滞后) or ends this year (due_this_year, 临期; only when $list_due_this_year)
WITH read_state AS (
    SELECT * FROM rollup_state
),
unpivot_plans AS (
    SELECT enterprise_name, '吉林市级' AS planned_level, 1 AS planned_rank, planned_city_year AS planned_year,
           srdi_level, level_rank, operating_status, service_team, responsible_leader
    FROM read_state WHERE planned_city_year IS NOT NULL
    UNION ALL
    SELECT enterprise_name, '吉林省级', 2, planned_province_year,
           srdi_level, level_rank, operating_status, service_team, responsible_leader
    FROM read_state WHERE planned_province_year IS NOT NULL
),
judge_plans AS (
    SELECT *,
           CASE WHEN planned_year < year($period_end + INTERVAL 1 DAY) THEN 'lagging'
                WHEN planned_year = year($period_end) AND $list_due_this_year THEN 'due_this_year' END AS status
    FROM unpivot_plans
    WHERE level_rank < planned_rank
)
SELECT $period AS period, enterprise_name, planned_level, planned_year, srdi_level AS current_level, status,
       greatest(year($period_end + INTERVAL 1 DAY) - planned_year, 0) AS years_overdue,
       operating_status, service_team, responsible_leader
FROM judge_plans
WHERE status IS NOT NULL
ORDER BY status DESC, planned_year, planned_level, enterprise_name;
