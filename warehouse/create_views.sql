-- Staged and analyst-facing views over the raw layer.

-- grain: one row per enterprise row of an accepted (loaded, not superseded) submission
CREATE OR REPLACE VIEW enterprise_reports_accepted AS
SELECT r.*, s.received_at
FROM enterprise_reports r
JOIN submissions s USING (submission_id)
WHERE s.status = 'loaded';

-- grain: one row per enterprise per period (the accepted report; when two bureaus report the same
-- enterprise, the one whose service team owns it wins, then the latest received)
CREATE OR REPLACE VIEW enterprise_history AS
WITH ranked AS (
    SELECT a.* REPLACE (coalesce(a.service_team, g.service_team, bt.service_team) AS service_team),
           row_number() OVER (
               PARTITION BY a.enterprise_name, a.period
               ORDER BY (t.bureau = a.bureau) DESC NULLS LAST, a.received_at DESC, a.submission_id DESC
           ) AS rn
    FROM enterprise_reports_accepted a
    LEFT JOIN enterprise_registry g USING (enterprise_name)
    LEFT JOIN ref_service_teams t ON t.service_team = coalesce(a.service_team, g.service_team)
    LEFT JOIN ref_service_teams bt ON bt.bureau = a.bureau
)
SELECT enterprise_name, period, credit_code, industry, tech_center_level, patents, operating_status,
       srdi_level_text, srdi_level, srdi_level_year, cultivating_level, in_seed_pool,
       planned_city_year, planned_province_year, responsible_leader, service_team,
       rd_expense, sales_revenue, tech_staff, total_staff, listing_status,
       bureau, submission_id, sheet, excel_row
FROM ranked WHERE rn = 1;

-- grain: one row per enterprise in the registry, its latest known state
CREATE OR REPLACE VIEW enterprises AS
WITH latest AS (
    SELECT * FROM enterprise_history
    QUALIFY row_number() OVER (PARTITION BY enterprise_name ORDER BY period DESC) = 1
)
SELECT g.enterprise_name,
       coalesce(l.credit_code, g.credit_code)        AS credit_code,
       coalesce(l.industry, b.industry)              AS industry,
       CASE WHEN l.enterprise_name IS NULL THEN b.tech_center_level ELSE l.tech_center_level END AS tech_center_level,
       CASE WHEN l.enterprise_name IS NULL THEN b.patents ELSE l.patents END AS patents,
       coalesce(l.operating_status, b.operating_status) AS operating_status,
       coalesce(l.srdi_level, b.srdi_level, '种子')   AS srdi_level,
       CASE WHEN l.enterprise_name IS NULL THEN b.srdi_level_year ELSE l.srdi_level_year END AS srdi_level_year,
       CASE WHEN l.enterprise_name IS NULL THEN b.planned_city_year ELSE l.planned_city_year END AS planned_city_year,
       CASE WHEN l.enterprise_name IS NULL THEN b.planned_province_year ELSE l.planned_province_year END AS planned_province_year,
       coalesce(l.responsible_leader, b.responsible_leader) AS responsible_leader,
       coalesce(l.service_team, g.service_team)      AS service_team,
       CASE WHEN l.enterprise_name IS NULL THEN b.cultivating_level ELSE l.cultivating_level END AS cultivating_level,
       l.period        AS last_period,
       l.submission_id AS last_submission_id,
       g.source
FROM enterprise_registry g
LEFT JOIN latest l USING (enterprise_name)
LEFT JOIN enterprise_baseline b USING (enterprise_name);

-- grain: one row per task per bureau per period (accepted submissions only)
CREATE OR REPLACE VIEW task_progress AS
SELECT r.period, r.task_id, r.bureau, r.status, r.completion_pct, r.progress, r.problems, r.next_steps,
       r.bank_events, r.trained_persons, r.enterprises_served, r.task_group, r.item_text,
       r.submission_id, r.sheet, r.excel_row
FROM task_reports r
JOIN submissions s USING (submission_id)
WHERE s.status = 'loaded';
