-- grain: macros only (each states its grain); shared building blocks of the views, rollups, templates and
-- dashboard, also usable by analysts.
-- Periods are 'YYYYQn' strings, which sort in time order.

-- scalar: first and last day of a quarter, and a running quarter number ('2022Q2' -> 2022-04-01, 2022-06-30, 8089)
CREATE OR REPLACE MACRO quarter_start(q) AS make_date(CAST(left(q, 4) AS INTEGER), CAST(right(q, 1) AS INTEGER) * 3 - 2, 1);
CREATE OR REPLACE MACRO quarter_end(q) AS last_day(make_date(CAST(left(q, 4) AS INTEGER), CAST(right(q, 1) AS INTEGER) * 3, 1));
CREATE OR REPLACE MACRO quarter_index(q) AS CAST(left(q, 4) AS INTEGER) * 4 + CAST(right(q, 1) AS INTEGER) - 1;

-- scalar: place on the recognition ladder (种子 0, 吉林市级 1, 吉林省级 2, 国家级 3); also used for technology centres
CREATE OR REPLACE MACRO level_rank(lv) AS CASE lv WHEN '吉林市级' THEN 1 WHEN '吉林省级' THEN 2 WHEN '国家级' THEN 3 ELSE 0 END;

-- grain: one row per enterprise in the library by the end of quarter q: each field from the latest accepted report
-- up to q whose sheet had that column, or Annex 1 as printed when no report had it. A recognition year dates its
-- level: srdi_level_year (认定年份, or the year in the 认定级别 text) and tech_center_year (技术中心认定年份) come
-- from the latest report that gave the level with a year column (or, for 认定级别, a year in the text), and only
-- while the level is still the same; a report without the year column keeps the year of an unchanged level. A column a workbook did not have
-- is "not reported" (enterprise_history.not_reported) and keeps the last known value; an emptied cell in a column
-- that is there is blank. The one definition of an enterprise's state: the `enterprises` view is this macro over
-- every quarter ('9999Q4'). report_period … excel_row name the latest report; figures_period the report the
-- figures (研发投入, 销售收入, 科技人员数, 职工总数) come from.
CREATE OR REPLACE MACRO enterprise_state_as_of(q) AS TABLE
WITH read_reports AS (
    SELECT * FROM enterprise_history WHERE period <= q
),
pick_latest_report AS (
    SELECT * FROM read_reports
    QUALIFY row_number() OVER (PARTITION BY enterprise_name ORDER BY period DESC) = 1
),
pick_latest_reported_fields AS (   -- per field {'v': value} of the latest report that had the column; NULL if none
    SELECT enterprise_name,
           arg_max({'v': credit_code}, period) FILTER (NOT list_contains(not_reported, 'credit_code'))             AS credit_code,
           arg_max({'v': industry}, period) FILTER (NOT list_contains(not_reported, 'industry'))                   AS industry,
           arg_max({'v': tech_center_level}, period) FILTER (NOT list_contains(not_reported, 'tech_center_level')) AS tech_center_level,
           arg_max({'v': patents}, period) FILTER (NOT list_contains(not_reported, 'patents'))                     AS patents,
           arg_max({'v': operating_status}, period) FILTER (NOT list_contains(not_reported, 'operating_status'))   AS operating_status,
           arg_max({'v': srdi_level, 'year': srdi_level_year, 'text': srdi_level_text, 'cultivating': cultivating_level,
                    'year_known': srdi_level_year IS NOT NULL OR NOT list_contains(not_reported, 'srdi_level_year')}, period)
               FILTER (NOT list_contains(not_reported, 'srdi_level_text'))                                        AS level,
           arg_max({'v': srdi_level_year, 'level': srdi_level}, period)
               FILTER (NOT list_contains(not_reported, 'srdi_level_text')
                       AND (srdi_level_year IS NOT NULL OR NOT list_contains(not_reported, 'srdi_level_year'))) AS level_year,
           arg_max({'v': tech_center_year, 'level': tech_center_level}, period)
               FILTER (NOT list_contains(not_reported, 'tech_center_level')
                       AND NOT list_contains(not_reported, 'tech_center_year'))                                   AS tech_center_year,
           arg_max({'v': planned_city_year}, period) FILTER (NOT list_contains(not_reported, 'planned_city_year')) AS planned_city_year,
           arg_max({'v': planned_province_year}, period)
               FILTER (NOT list_contains(not_reported, 'planned_province_year'))                                  AS planned_province_year,
           arg_max({'v': responsible_leader}, period) FILTER (NOT list_contains(not_reported, 'responsible_leader')) AS responsible_leader,
           arg_max({'v': service_team}, period) FILTER (NOT list_contains(not_reported, 'service_team'))           AS service_team,
           arg_max({'v': listing_status}, period) FILTER (NOT list_contains(not_reported, 'listing_status'))       AS listing_status,
           arg_max({'v': rd_expense}, period) FILTER (NOT list_contains(not_reported, 'rd_expense'))               AS rd_expense,
           arg_max({'v': sales_revenue}, period) FILTER (NOT list_contains(not_reported, 'sales_revenue'))         AS sales_revenue,
           arg_max({'v': tech_staff}, period) FILTER (NOT list_contains(not_reported, 'tech_staff'))               AS tech_staff,
           arg_max({'v': total_staff}, period) FILTER (NOT list_contains(not_reported, 'total_staff'))             AS total_staff,
           max(period) FILTER (NOT list_contains(not_reported, 'rd_expense')
                               OR NOT list_contains(not_reported, 'sales_revenue')
                               OR NOT list_contains(not_reported, 'tech_staff')
                               OR NOT list_contains(not_reported, 'total_staff'))                                 AS figures_period
    FROM read_reports
    GROUP BY enterprise_name
)
SELECT g.enterprise_name,
       coalesce(f.credit_code.v, g.credit_code)                                                     AS credit_code,
       CASE WHEN f.level IS NULL THEN coalesce(b.srdi_level, '种子') ELSE f.level.v END             AS srdi_level,
       level_rank(CASE WHEN f.level IS NULL THEN coalesce(b.srdi_level, '种子') ELSE f.level.v END) AS level_rank,
       CASE WHEN f.level IS NULL THEN b.srdi_level_year
            WHEN f.level.year_known THEN f.level.year
            WHEN f.level_year IS NOT NULL THEN CASE WHEN f.level_year.level = f.level.v THEN f.level_year.v END
            WHEN b.srdi_level = f.level.v THEN b.srdi_level_year END                               AS srdi_level_year,
       CASE WHEN f.level IS NULL THEN b.srdi_level_text ELSE f.level.text END                      AS srdi_level_text,
       coalesce(f.operating_status.v, b.operating_status)                                           AS operating_status,
       coalesce(f.service_team.v, g.service_team, b.service_team)                                   AS service_team,
       coalesce(f.industry.v, b.industry)                                                           AS industry,
       CASE WHEN f.tech_center_level IS NULL THEN b.tech_center_level ELSE f.tech_center_level.v END AS tech_center_level,
       CASE WHEN f.tech_center_year.level = f.tech_center_level.v THEN f.tech_center_year.v END     AS tech_center_year,
       CASE WHEN f.patents IS NULL THEN b.patents ELSE f.patents.v END                              AS patents,
       CASE WHEN f.planned_city_year IS NULL THEN b.planned_city_year ELSE f.planned_city_year.v END AS planned_city_year,
       CASE WHEN f.planned_province_year IS NULL THEN b.planned_province_year
            ELSE f.planned_province_year.v END                                                      AS planned_province_year,
       CASE WHEN f.level IS NULL THEN b.cultivating_level ELSE f.level.cultivating END             AS cultivating_level,
       coalesce(f.responsible_leader.v, b.responsible_leader)                                       AS responsible_leader,
       f.listing_status.v AS listing_status, f.rd_expense.v AS rd_expense, f.sales_revenue.v AS sales_revenue,
       f.tech_staff.v AS tech_staff, f.total_staff.v AS total_staff,
       l.period AS report_period, l.bureau, l.submission_id, l.sheet, l.excel_row,
       CASE WHEN l.enterprise_name IS NULL THEN '附件1' ELSE '报送' END                              AS source,
       g.first_period                                                                               AS entered_period,
       g.source                                                                                     AS registry_source,
       f.figures_period
FROM enterprise_registry_identities g
LEFT JOIN pick_latest_report l USING (enterprise_name)
LEFT JOIN pick_latest_reported_fields f USING (enterprise_name)
LEFT JOIN enterprise_baseline_identities b USING (enterprise_name)
WHERE b.enterprise_name IS NOT NULL OR l.enterprise_name IS NOT NULL;

-- grain: one row per enterprise per kind (srdi | tech_center) per level it was first seen at by the end of quarter q,
-- when it had never been seen at that level or higher before: a recognition, with the evidence that dates it.
-- Observations: Annex 1 is the state on the day before the plan was issued (`issued`, 2022-04-28: what the plan
-- found), each accepted report the state at its quarter's end. A recognition is dated by
--   * the date written for that level: the level text ("2022年已认定吉林市级", "2022年3月认定吉林市级") or a
--     recognition-year column (srdi_level_year; tech_center_year), with the month and day when written
--     (srdi_level_month/_day, tech_center_month/_day, issue 19): a year bounds it to that year, a month to that
--     month, a day to that day; when several reports state the earliest year, their bounds are intersected;
--   * a rise: the observation before it showed a lower level, so it happened after that observation.
-- A report whose sheet had no column for the level (or the centre) observes nothing of it (not_reported).
-- earliest / latest bound the recognition date (NULL earliest: nothing shows when it happened). When the year written
-- contradicts an earlier report still showing the lower level (a report copied forward), the year written wins and
-- the recognition counts as reported late (补报); when it contradicts Annex 1, earliest > latest: check it.
-- recognised_year: the year written, else the year of the first report showing the level (the year it became
-- known); NULL for Annex 1 without a year.
CREATE OR REPLACE MACRO recognitions_through(q, issued := DATE '2022-04-28') AS TABLE
WITH read_reports AS (
    SELECT * REPLACE (coalesce(not_reported, []::VARCHAR[]) AS not_reported)
    FROM (SELECT * FROM enterprise_history WHERE period <= q
          UNION ALL BY NAME
          SELECT NULL::INTEGER AS tech_center_year, NULL::VARCHAR[] AS not_reported, NULL::INTEGER AS srdi_level_month,
                 NULL::INTEGER AS srdi_level_day, NULL::INTEGER AS tech_center_month, NULL::INTEGER AS tech_center_day
          WHERE false)
),
read_baseline AS (
    SELECT * EXCLUDE (baseline_name) FROM enterprise_baseline_identities
    UNION ALL BY NAME
    SELECT NULL::INTEGER AS tech_center_year, NULL::INTEGER AS srdi_level_month, NULL::INTEGER AS srdi_level_day,
           NULL::INTEGER AS tech_center_month, NULL::INTEGER AS tech_center_day WHERE false
),
list_observations AS (
    SELECT enterprise_name, 'srdi' AS kind, coalesce(srdi_level, '种子') AS level, srdi_level_year AS stated_year,
           srdi_level_month AS stated_month, srdi_level_day AS stated_day, srdi_level_text AS level_text, CAST(issued AS DATE) - 1 AS seen_on, TRUE AS baseline,
           NULL::VARCHAR AS period, NULL::INTEGER AS submission_id, NULL::VARCHAR AS bureau, NULL::VARCHAR AS sheet,
           NULL::INTEGER AS excel_row
    FROM read_baseline
    UNION ALL
    SELECT enterprise_name, 'tech_center', tech_center_level, tech_center_year, tech_center_month, tech_center_day,
           tech_center_level, CAST(issued AS DATE) - 1, TRUE, NULL, NULL, NULL, NULL, NULL
    FROM read_baseline
    UNION ALL
    SELECT enterprise_name, 'srdi', coalesce(srdi_level, '种子'), srdi_level_year, srdi_level_month, srdi_level_day,
           srdi_level_text, quarter_end(period),
           FALSE, period, submission_id, bureau, sheet, excel_row
    FROM read_reports
    WHERE NOT list_contains(not_reported, 'srdi_level_text')
    UNION ALL
    SELECT enterprise_name, 'tech_center', tech_center_level, tech_center_year, tech_center_month, tech_center_day,
           tech_center_level, quarter_end(period),
           FALSE, period, submission_id, bureau, sheet, excel_row
    FROM read_reports
    WHERE NOT list_contains(not_reported, 'tech_center_level')
),
bound_stated_dates AS (   -- the days a written date allows: a year, a month or one day
    SELECT *,
           make_date(stated_year, coalesce(stated_month, 1), coalesce(stated_day, 1)) AS stated_from,
           CASE WHEN stated_day IS NOT NULL THEN make_date(stated_year, stated_month, stated_day)
                WHEN stated_month IS NOT NULL THEN last_day(make_date(stated_year, stated_month, 1))
                ELSE make_date(stated_year, 12, 31) END AS stated_to
    FROM list_observations
),
order_observations AS (
    SELECT *, level_rank(level) AS level_rank,
           max(level_rank(level)) OVER earlier AS rank_before,
           lag(level) OVER by_date AS prev_level, lag(seen_on) OVER by_date AS prev_seen_on,
           lag(period) OVER by_date AS prev_period, lag(baseline) OVER by_date AS prev_baseline,
           max(seen_on) FILTER (WHERE baseline) OVER earlier AS annex1_seen_on,
           min(stated_year) OVER (PARTITION BY enterprise_name, kind, level) AS level_stated_year,
           row_number() OVER (PARTITION BY enterprise_name, kind, level ORDER BY seen_on) AS nth_at_level
    FROM bound_stated_dates
    WINDOW by_date AS (PARTITION BY enterprise_name, kind ORDER BY seen_on),
           earlier AS (PARTITION BY enterprise_name, kind ORDER BY seen_on ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
intersect_stated_dates AS (   -- the reports stating the earliest year of a level: the days all of them allow
    SELECT *,
           max(stated_from) FILTER (WHERE stated_year = level_stated_year)
               OVER (PARTITION BY enterprise_name, kind, level) AS level_stated_from,
           min(stated_to) FILTER (WHERE stated_year = level_stated_year)
               OVER (PARTITION BY enterprise_name, kind, level) AS level_stated_to
    FROM order_observations
),
keep_first_recognitions AS (
    SELECT *,
           greatest(level_stated_from, prev_seen_on + 1)   AS after_any,
           greatest(level_stated_from, annex1_seen_on + 1) AS after_annex1,
           least(level_stated_to, seen_on)                 AS latest,
           CASE WHEN level_stated_year IS NULL THEN NULL
                WHEN level_stated_from = level_stated_to
                     THEN printf('%d年%d月%d日', level_stated_year, month(level_stated_from), day(level_stated_from))
                WHEN level_stated_from < level_stated_to AND day(level_stated_from) = 1
                     AND level_stated_to = last_day(level_stated_from)
                     THEN printf('%d年%d月', level_stated_year, month(level_stated_from))
                ELSE printf('%d年', level_stated_year) END AS stated_text
    FROM intersect_stated_dates
    WHERE level_rank >= 1 AND nth_at_level = 1 AND coalesce(rank_before, 0) < level_rank
),
date_recognitions AS (
    SELECT *,
           after_any > latest AND after_annex1 <= latest AS stale_report,
           CASE WHEN after_any > latest AND after_annex1 <= latest THEN after_annex1 ELSE after_any END AS earliest
    FROM keep_first_recognitions
)
SELECT enterprise_name, kind, level, level_rank, level_stated_year AS stated_year, stated_text,
       CASE WHEN baseline AND level_stated_year IS NULL THEN NULL
            ELSE coalesce(level_stated_year, year(seen_on)) END AS recognised_year,
       earliest, latest,
       concat_ws('；',
           CASE WHEN level_stated_year IS NOT NULL THEN printf('注明%s认定', stated_text) END,
           CASE WHEN prev_seen_on IS NOT NULL
                THEN printf('%s为%s，%s为%s', CASE WHEN prev_baseline THEN '附件1' ELSE prev_period || '报送' END,
                            coalesce(prev_level, CASE kind WHEN 'srdi' THEN '种子' ELSE '无技术中心' END),
                            CASE WHEN baseline THEN '附件1' ELSE period || '报送' END, level) END,
           CASE WHEN stale_report THEN '此前报送未及时更新，按补报处理' END,
           CASE WHEN level_stated_year IS NULL AND prev_seen_on IS NULL
                THEN printf('%s已为%s，未注明认定年份', CASE WHEN baseline THEN '方案印发时（附件1）' ELSE period || '首次报送时' END,
                            level) END
       ) AS evidence,
       baseline, period AS first_period, seen_on AS first_seen_on, submission_id, bureau, sheet, excel_row, level_text,
       prev_level, prev_period, prev_baseline
FROM date_recognitions;
