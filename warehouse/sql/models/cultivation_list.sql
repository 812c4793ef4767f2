-- grain: one row per enterprise per level to cultivate in the year after the period ($year + 1)
-- reason: planned (拟培育 year is next year) | carried_over (planned year has passed without recognition) |
-- cultivating (the level text says 国家级拟培育 etc. with no planned year). 注销 enterprises are left out; 停产 flagged.
WITH read_state AS (
    SELECT * FROM rollup_state
    WHERE coalesce(operating_status, '') <> '注销'
),
unpivot_plans AS (
    SELECT enterprise_name, '吉林市级' AS target_level, 1 AS target_rank, planned_city_year AS planned_year, *
    EXCLUDE (enterprise_name)
    FROM read_state WHERE planned_city_year IS NOT NULL
    UNION ALL BY NAME
    SELECT enterprise_name, '吉林省级' AS target_level, 2 AS target_rank, planned_province_year AS planned_year, *
    EXCLUDE (enterprise_name)
    FROM read_state WHERE planned_province_year IS NOT NULL
    UNION ALL BY NAME
    SELECT enterprise_name, cultivating_level AS target_level, level_rank(cultivating_level) AS target_rank,
           NULL::INTEGER AS planned_year, * EXCLUDE (enterprise_name)
    FROM read_state
    WHERE cultivating_level IS NOT NULL
      AND NOT (cultivating_level = '吉林市级' AND planned_city_year IS NOT NULL)
      AND NOT (cultivating_level = '吉林省级' AND planned_province_year IS NOT NULL)
),
judge_plans AS (
    SELECT *,
           CASE WHEN planned_year IS NULL THEN 'cultivating'
                WHEN planned_year = $year + 1 THEN 'planned'
                WHEN planned_year <= $year THEN 'carried_over' END AS reason
    FROM unpivot_plans
    WHERE level_rank < target_rank
)
SELECT $period AS period, $year + 1 AS next_year, enterprise_name, srdi_level AS current_level, target_level,
       planned_year, reason, service_team, industry, responsible_leader, operating_status,
       CASE WHEN operating_status = '停产' THEN '停产，建议核实是否继续培育' END AS flag
FROM judge_plans
WHERE reason IS NOT NULL
ORDER BY target_rank, CASE reason WHEN 'carried_over' THEN 0 WHEN 'planned' THEN 1 ELSE 2 END, planned_year,
         enterprise_name;
