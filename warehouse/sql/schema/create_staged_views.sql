-- Staged views over the raw layer: what was accepted, one row per enterprise or task per period.

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

-- grain: one row per task per bureau per period (accepted submissions only)
CREATE OR REPLACE VIEW task_progress AS
SELECT r.period, r.task_id, r.bureau, r.status, r.completion_pct, r.progress, r.problems, r.next_steps,
       r.bank_events, r.trained_persons, r.enterprises_served, r.task_group, r.item_text,
       r.submission_id, r.sheet, r.excel_row
FROM task_reports r
JOIN submissions s USING (submission_id)
WHERE s.status = 'loaded';
