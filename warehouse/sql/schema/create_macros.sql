-- grain: macros only (each states its grain); shared building blocks of the views, rollups, templates and
-- dashboard, also usable by analysts.
-- Periods are 'YYYYQn' strings, which sort in time order.

-- scalar: first and last day of a quarter, and a running quarter number ('2022Q2' -> 2022-04-01, 2022-06-30, 8089)
CREATE OR REPLACE MACRO quarter_start(q) AS make_date(CAST(left(q, 4) AS INTEGER), CAST(right(q, 1) AS INTEGER) * 3 - 2, 1);
CREATE OR REPLACE MACRO quarter_end(q) AS last_day(make_date(CAST(left(q, 4) AS INTEGER), CAST(right(q, 1) AS INTEGER) * 3, 1));
CREATE OR REPLACE MACRO quarter_index(q) AS CAST(left(q, 4) AS INTEGER) * 4 + CAST(right(q, 1) AS INTEGER) - 1;

-- scalar: place on the recognition ladder (种子 0, 吉林市级 1, 吉林省级 2, 国家级 3); also used for technology centres
CREATE OR REPLACE MACRO level_rank(lv) AS CASE lv WHEN '吉林市级' THEN 1 WHEN '吉林省级' THEN 2 WHEN '国家级' THEN 3 ELSE 0 END;

-- grain: one row per enterprise in the library by the end of quarter q: its latest accepted report up to q,
-- or Annex 1 as printed when it has none yet. The one definition of an enterprise's state: the `enterprises` view
-- is this macro over every quarter ('9999Q4').
CREATE OR REPLACE MACRO enterprise_state_as_of(q) AS TABLE
WITH pick_latest_report AS (
    SELECT * FROM enterprise_history
    WHERE period <= q
    QUALIFY row_number() OVER (PARTITION BY enterprise_name ORDER BY period DESC) = 1
)
SELECT g.enterprise_name,
       coalesce(l.credit_code, g.credit_code)                                                       AS credit_code,
       coalesce(l.srdi_level, b.srdi_level, '种子')                                                  AS srdi_level,
       level_rank(coalesce(l.srdi_level, b.srdi_level, '种子'))                                      AS level_rank,
       CASE WHEN l.enterprise_name IS NULL THEN b.srdi_level_year ELSE l.srdi_level_year END        AS srdi_level_year,
       CASE WHEN l.enterprise_name IS NULL THEN b.srdi_level_text ELSE l.srdi_level_text END        AS srdi_level_text,
       coalesce(l.operating_status, b.operating_status)                                             AS operating_status,
       coalesce(l.service_team, g.service_team, b.service_team)                                     AS service_team,
       coalesce(l.industry, b.industry)                                                             AS industry,
       CASE WHEN l.enterprise_name IS NULL THEN b.tech_center_level ELSE l.tech_center_level END    AS tech_center_level,
       CASE WHEN l.enterprise_name IS NULL THEN b.patents ELSE l.patents END                        AS patents,
       CASE WHEN l.enterprise_name IS NULL THEN b.planned_city_year ELSE l.planned_city_year END    AS planned_city_year,
       CASE WHEN l.enterprise_name IS NULL THEN b.planned_province_year ELSE l.planned_province_year END AS planned_province_year,
       CASE WHEN l.enterprise_name IS NULL THEN b.cultivating_level ELSE l.cultivating_level END    AS cultivating_level,
       coalesce(l.responsible_leader, b.responsible_leader)                                         AS responsible_leader,
       l.listing_status, l.rd_expense, l.sales_revenue, l.tech_staff, l.total_staff,
       l.period AS report_period, l.bureau, l.submission_id, l.sheet, l.excel_row,
       CASE WHEN l.enterprise_name IS NULL THEN '附件1' ELSE '报送' END                              AS source,
       g.first_period                                                                               AS entered_period,
       g.source                                                                                     AS registry_source
FROM enterprise_registry g
LEFT JOIN pick_latest_report l USING (enterprise_name)
LEFT JOIN enterprise_baseline b USING (enterprise_name)
WHERE b.enterprise_name IS NOT NULL OR l.enterprise_name IS NOT NULL;

-- grain: one row per enterprise per kind (srdi | tech_center) per level it has reached by the end of quarter q,
-- with the evidence that first showed it: Annex 1 (baseline) or the first accepted report at that level.
-- recognised_year: the earliest year written for that level ("2022年已认定吉林市级"); else the year of the
-- first report showing it; NULL when only Annex 1 shows it without a year (before the plan).
CREATE OR REPLACE MACRO recognitions_through(q) AS TABLE
WITH collect_evidence AS (
    SELECT enterprise_name, 'srdi' AS kind, srdi_level AS level, srdi_level_year AS stated_year,
           NULL::VARCHAR AS period, NULL::INTEGER AS submission_id, NULL::VARCHAR AS bureau,
           NULL::VARCHAR AS sheet, NULL::INTEGER AS excel_row, srdi_level_text AS level_text, TRUE AS baseline
    FROM enterprise_baseline WHERE srdi_level <> '种子'
    UNION ALL
    SELECT enterprise_name, 'tech_center', tech_center_level, NULL, NULL, NULL, NULL, NULL, NULL, tech_center_level, TRUE
    FROM enterprise_baseline WHERE tech_center_level IS NOT NULL
    UNION ALL
    SELECT enterprise_name, 'srdi', srdi_level, srdi_level_year, period, submission_id, bureau, sheet, excel_row,
           srdi_level_text, FALSE
    FROM enterprise_history WHERE period <= q AND srdi_level <> '种子'
    UNION ALL
    SELECT enterprise_name, 'tech_center', tech_center_level, NULL, period, submission_id, bureau, sheet, excel_row,
           tech_center_level, FALSE
    FROM enterprise_history WHERE period <= q AND tech_center_level IS NOT NULL
),
pick_first_evidence AS (
    SELECT *, min(stated_year) OVER (PARTITION BY enterprise_name, kind, level) AS earliest_stated_year
    FROM collect_evidence
    QUALIFY row_number() OVER (PARTITION BY enterprise_name, kind, level
                               ORDER BY baseline DESC, period NULLS FIRST, submission_id) = 1
)
SELECT enterprise_name, kind, level, level_rank(level) AS level_rank,
       CASE WHEN baseline THEN earliest_stated_year
            ELSE coalesce(earliest_stated_year, CAST(left(period, 4) AS INTEGER)) END AS recognised_year,
       baseline, period AS first_period, submission_id, bureau, sheet, excel_row, level_text
FROM pick_first_evidence;
