-- grain: one row per enterprise per field per pair of bureaus per quarter of the period, where two accepted
-- reports state different non-empty values (an empty cell is not a conflict); adopted_bureau is the report
-- enterprise_history uses (the owning service team's, then the latest). Enterprises are identities (enterprise_names):
-- two bureaus reporting one credit code under two names disagree on 企业名称 (reported_name); names are compared by
-- their key (name_key, docs/rollups.md rule 7a): the same name typed with full-width and ASCII brackets is no conflict.
WITH read_accepted_rows AS (
    SELECT r.period, n.current_name AS enterprise_name, r.bureau, r.submission_id, n.name_key,
           CAST(r.enterprise_name AS VARCHAR)       AS reported_name,
           CAST(r.credit_code AS VARCHAR)           AS credit_code,
           CAST(r.industry AS VARCHAR)              AS industry,
           CAST(r.tech_center_level AS VARCHAR)     AS tech_center_level,
           CAST(r.patents AS VARCHAR)               AS patents,
           CAST(r.operating_status AS VARCHAR)      AS operating_status,
           CAST(r.srdi_level AS VARCHAR)            AS srdi_level,
           CAST(r.srdi_level_year AS VARCHAR)       AS srdi_level_year,
           CAST(r.planned_city_year AS VARCHAR)     AS planned_city_year,
           CAST(r.planned_province_year AS VARCHAR) AS planned_province_year,
           CAST(r.responsible_leader AS VARCHAR)    AS responsible_leader,
           CAST(r.service_team AS VARCHAR)          AS service_team,
           CAST(r.rd_expense AS VARCHAR)            AS rd_expense,
           CAST(r.sales_revenue AS VARCHAR)         AS sales_revenue,
           CAST(r.tech_staff AS VARCHAR)            AS tech_staff,
           CAST(r.total_staff AS VARCHAR)           AS total_staff,
           CAST(r.listing_status AS VARCHAR)        AS listing_status
    FROM enterprise_reports r
    JOIN submissions s USING (submission_id)
    JOIN enterprise_names n ON n.enterprise_name = r.enterprise_name
    WHERE s.status = 'loaded' AND r.period BETWEEN $first_quarter AND $last_quarter
),
unpivot_facts AS (
    UNPIVOT read_accepted_rows
    ON reported_name, credit_code, industry, tech_center_level, patents, operating_status, srdi_level, srdi_level_year,
       planned_city_year, planned_province_year, responsible_leader, service_team, rd_expense, sales_revenue,
       tech_staff, total_staff, listing_status
    INTO NAME field VALUE value
),
pair_disagreements AS (
    SELECT a.period, a.enterprise_name, a.field, a.bureau AS bureau_a, a.value AS value_a, a.submission_id AS submission_a,
           b.bureau AS bureau_b, b.value AS value_b, b.submission_id AS submission_b
    FROM unpivot_facts a
    JOIN unpivot_facts b
      ON a.period = b.period AND a.enterprise_name = b.enterprise_name AND a.field = b.field AND a.bureau < b.bureau
    WHERE a.value <> b.value AND NOT (a.field = 'reported_name' AND a.name_key = b.name_key)
),
name_fields AS (
    SELECT * FROM (VALUES
        ('reported_name', '企业名称'), ('credit_code', '统一社会信用代码'), ('industry', '行业类别'), ('tech_center_level', '技术中心'),
        ('patents', '专利数量（含软著）'), ('operating_status', '经营状态'), ('srdi_level', '“专精特新”认定级别'),
        ('srdi_level_year', '认定年份'), ('planned_city_year', '拟培育吉林市级'), ('planned_province_year', '拟培育吉林省级'),
        ('responsible_leader', '包保领导'), ('service_team', '服务专班'), ('rd_expense', '研发投入（万元）'),
        ('sales_revenue', '销售收入（万元）'), ('tech_staff', '科技人员数'), ('total_staff', '职工总数'),
        ('listing_status', '上市情况')) AS t(field, field_name)
)
SELECT $period AS period, d.period AS report_period, d.enterprise_name, d.field, n.field_name,
       d.bureau_a, d.value_a, d.submission_a, d.bureau_b, d.value_b, d.submission_b, h.bureau AS adopted_bureau
FROM pair_disagreements d
JOIN name_fields n USING (field)
LEFT JOIN enterprise_history h ON h.enterprise_name = d.enterprise_name AND h.period = d.period
ORDER BY d.period, d.enterprise_name, d.field, d.bureau_a, d.bureau_b;
