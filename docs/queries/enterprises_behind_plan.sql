-- 培育计划滞后的企业：拟培育年份已到（或已过）仍未达到拟培育级别 / enterprises behind their cultivation plan
-- 参数 params：srdi query --saved enterprises_behind_plan --param as_of_year=2022
--   $as_of_year?  对照年份，如 2023（可不给：默认取已入库报送中最近的年份）
-- 口径：当前级别取 enterprises（最近一期已入库报送，尚无报送的取附件1）；拟培育年份早于对照年份为“已逾期”，等于对照年份为“本年到期”
WITH params AS (
    SELECT coalesce(CAST($as_of_year AS INTEGER),
                    (SELECT max(CAST(left(period, 4) AS INTEGER)) FROM submissions WHERE status = 'loaded')) AS as_of_year
),
plans AS (
    SELECT e.*, '吉林市级' AS planned_level, e.planned_city_year AS planned_year
    FROM enterprises e WHERE e.planned_city_year IS NOT NULL
    UNION ALL
    SELECT e.*, '吉林省级' AS planned_level, e.planned_province_year AS planned_year
    FROM enterprises e WHERE e.planned_province_year IS NOT NULL
)
SELECT p.enterprise_name    AS 企业名称,
       p.service_team       AS 服务专班,
       p.responsible_leader AS 包保领导,
       p.srdi_level         AS 当前级别,
       p.planned_level      AS 拟培育级别,
       p.planned_year       AS 拟培育年份,
       CASE WHEN p.planned_year < params.as_of_year
            THEN '已逾期 ' || (params.as_of_year - p.planned_year) || ' 年'
            ELSE '本年到期，尚未认定' END AS 情况,
       p.operating_status   AS 经营状态,
       p.last_period        AS 最近报送期
FROM plans p, params
WHERE p.planned_year <= params.as_of_year
  AND list_position(['种子', '吉林市级', '吉林省级', '国家级'], p.srdi_level)
    < list_position(['种子', '吉林市级', '吉林省级', '国家级'], p.planned_level)
ORDER BY p.planned_year, p.service_team, p.enterprise_name, p.planned_level;
