-- grain: one row per breakdown (all | service_team | industry) per group value per period
-- Every service team appears, with zeros when it has no enterprise; 停产 and 注销 are counted in their level and
-- again in stopped_count.
WITH read_state AS (
    SELECT srdi_level, operating_status, service_team, industry
    FROM rollup_state
),
expand_breakdowns AS (
    SELECT 'all' AS breakdown, '全部企业' AS group_value, 0 AS sort_key, srdi_level, operating_status FROM read_state
    UNION ALL
    SELECT 'service_team', t.service_team, 1, s.srdi_level, s.operating_status
    FROM ref_service_teams t LEFT JOIN read_state s USING (service_team)
    UNION ALL
    SELECT 'service_team', '（未指定专班）', 2, srdi_level, operating_status
    FROM read_state WHERE service_team IS NULL OR service_team NOT IN (SELECT service_team FROM ref_service_teams)
    UNION ALL
    SELECT 'industry', coalesce(industry, '（未填行业）'), 3, srdi_level, operating_status FROM read_state
),
count_levels AS (
    SELECT breakdown, group_value, min(sort_key) AS sort_key,
           count(*) FILTER (WHERE srdi_level = '种子')     AS seed_count,
           count(*) FILTER (WHERE srdi_level = '吉林市级') AS city_count,
           count(*) FILTER (WHERE srdi_level = '吉林省级') AS province_count,
           count(*) FILTER (WHERE srdi_level = '国家级')   AS national_count,
           count(srdi_level)                               AS total_count,
           count(*) FILTER (WHERE operating_status IN ('停产', '注销')) AS stopped_count
    FROM expand_breakdowns
    GROUP BY breakdown, group_value
)
SELECT $period AS period, breakdown, group_value, seed_count, city_count, province_count, national_count,
       total_count, stopped_count
FROM count_levels
ORDER BY sort_key, total_count DESC, group_value;
