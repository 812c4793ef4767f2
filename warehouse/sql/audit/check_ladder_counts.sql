-- grain: one row per ladder_counts group (`audit_ladder_counts`) whose counts disagree with the enterprises
-- ladder_enterprises lists (`audit_ladder_enterprises`): a row's total is not the sum of its levels, the 全部企业 row's
-- counts are not the listed enterprises counted by level, or a breakdown's groups do not add up to every enterprise
WITH listed AS (
    SELECT count(*) AS total_count,
           count(*) FILTER (WHERE srdi_level = '种子')     AS seed_count,
           count(*) FILTER (WHERE srdi_level = '吉林市级') AS city_count,
           count(*) FILTER (WHERE srdi_level = '吉林省级') AS province_count,
           count(*) FILTER (WHERE srdi_level = '国家级')   AS national_count,
           count(*) FILTER (WHERE operating_status IN ('停产', '注销')) AS stopped_count
    FROM audit_ladder_enterprises
),
wrong AS (
    SELECT breakdown || ' / ' || group_value AS offending, total_count AS n
    FROM audit_ladder_counts
    WHERE total_count <> seed_count + city_count + province_count + national_count
    UNION ALL
    SELECT 'all / ' || c.group_value, c.total_count
    FROM audit_ladder_counts c, listed l
    WHERE c.breakdown = 'all'
      AND (c.total_count, c.seed_count, c.city_count, c.province_count, c.national_count, c.stopped_count)
          IS DISTINCT FROM (l.total_count, l.seed_count, l.city_count, l.province_count, l.national_count, l.stopped_count)
    UNION ALL
    SELECT c.breakdown || '（各组合计）', sum(c.total_count)
    FROM audit_ladder_counts c, listed l
    GROUP BY c.breakdown, l.total_count
    HAVING sum(c.total_count) <> l.total_count
)
SELECT offending, n FROM wrong ORDER BY offending LIMIT 5;
