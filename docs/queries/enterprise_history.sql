-- 某企业的历期情况与变化 / an enterprise's history across periods
-- 参数 params：srdi query --saved enterprise_history --param enterprise_name=吉林开普科立辉动力有限公司
--   $enterprise_name  企业名称（全称）
-- 每期一行（已入库且未被替代的报送；多个单位报同一企业时取其服务专班牵头单位的）。各单位原始报送见 enterprise_reports_accepted。
WITH params AS (
    SELECT CAST($enterprise_name AS VARCHAR) AS enterprise_name
)
SELECT h.period            AS 报送期,
       h.srdi_level        AS 专精特新级别,
       CASE WHEN lag(h.srdi_level) OVER w IS NULL THEN '首次报送'
            WHEN lag(h.srdi_level) OVER w <> h.srdi_level THEN lag(h.srdi_level) OVER w || ' → ' || h.srdi_level
            ELSE '' END    AS 级别变化,
       h.operating_status  AS 经营状态,
       CASE WHEN lag(h.operating_status) OVER w IS DISTINCT FROM h.operating_status AND lag(h.period) OVER w IS NOT NULL
            THEN coalesce(lag(h.operating_status) OVER w, '空') || ' → ' || coalesce(h.operating_status, '空')
            ELSE '' END    AS 经营状态变化,
       h.tech_center_level AS 技术中心,
       h.patents           AS 专利数量,
       h.rd_expense        AS 研发投入万元,
       h.sales_revenue     AS 销售收入万元,
       h.tech_staff        AS 科技人员数,
       h.total_staff       AS 职工总数,
       h.planned_city_year     AS 拟培育吉林市级,
       h.planned_province_year AS 拟培育吉林省级,
       h.service_team      AS 服务专班,
       h.bureau            AS 报送单位,
       h.submission_id     AS 报送编号
FROM enterprise_history h
WHERE h.enterprise_name = (SELECT enterprise_name FROM params)
WINDOW w AS (ORDER BY h.period)
ORDER BY h.period;
