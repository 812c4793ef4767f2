-- Staged views over the raw layer: what was accepted, one row per enterprise or task per period.

-- grain: one row per (submission, sheet) of a loaded form: the fields of its form the sheet had no column for.
-- A column the workbook does not have means "not reported" (the state keeps the last known value), never "blank".
-- The four level columns come from the 认定级别 column (srdi_level_text); srdi_level_year also from 认定年份
-- (srdi_level_year), tech_center_year from 技术中心认定年份. A sheet with no recorded columns at all
-- (loaded before columns were recorded) reported every field.
CREATE OR REPLACE VIEW sheet_fields_not_reported AS
WITH sheet_columns AS (
    SELECT submission_id, sheet, list(field) AS fields FROM submission_columns GROUP BY ALL
),
form_fields AS (
    SELECT 'enterprise' AS form, ['enterprise_name', 'credit_code', 'industry', 'tech_center_level', 'patents',
           'operating_status', 'srdi_level_text', 'planned_city_year', 'planned_province_year', 'responsible_leader',
           'service_team', 'rd_expense', 'sales_revenue', 'tech_staff', 'total_staff', 'listing_status',
           'remarks', 'srdi_level_year', 'tech_center_year'] AS fields
    UNION ALL
    SELECT 'task', ['task_id', 'task_group', 'item_text', 'responsible_unit', 'status', 'completion_pct', 'progress',
           'problems', 'next_steps', 'bank_events', 'trained_persons', 'enterprises_served', 'remarks']
)
SELECT c.submission_id, c.sheet, s.form,
       list_filter(f.fields, lambda x: NOT list_contains(c.fields, x)) AS not_reported
FROM sheet_columns c
JOIN submissions s USING (submission_id)
JOIN form_fields f ON f.form = s.form;

-- grain: one row per enterprise row of an accepted (loaded, not superseded) submission
CREATE OR REPLACE VIEW enterprise_reports_accepted AS
SELECT r.*, s.received_at, coalesce(n.not_reported, []::VARCHAR[]) AS not_reported
FROM enterprise_reports r
JOIN submissions s USING (submission_id)
LEFT JOIN sheet_fields_not_reported n ON n.submission_id = r.submission_id AND n.sheet = r.sheet
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
SELECT enterprise_name, period, credit_code, industry, tech_center_level, tech_center_year, patents, operating_status,
       srdi_level_text, srdi_level, srdi_level_year, cultivating_level, in_seed_pool,
       srdi_level_month, srdi_level_day, tech_center_month, tech_center_day,
       planned_city_year, planned_province_year, responsible_leader, service_team,
       rd_expense, sales_revenue, tech_staff, total_staff, listing_status,
       bureau, submission_id, sheet, excel_row, not_reported
FROM ranked WHERE rn = 1;

-- grain: one row per task per bureau per period (accepted submissions only)
CREATE OR REPLACE VIEW task_progress AS
SELECT r.period, r.task_id, r.bureau, r.status, r.completion_pct, r.progress, r.problems, r.next_steps,
       r.bank_events, r.trained_persons, r.enterprises_served, r.task_group, r.item_text,
       r.submission_id, r.sheet, r.excel_row, coalesce(n.not_reported, []::VARCHAR[]) AS not_reported
FROM task_reports r
JOIN submissions s USING (submission_id)
LEFT JOIN sheet_fields_not_reported n ON n.submission_id = r.submission_id AND n.sheet = r.sheet
WHERE s.status = 'loaded';
