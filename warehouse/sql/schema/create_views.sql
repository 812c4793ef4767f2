-- grain: one row per enterprise in the library, its state today: enterprise_state_as_of (create_macros.sql) over
-- every quarter, the one definition of an enterprise's state that the rollups, the templates and the dashboard use.
-- One row per identity (统一社会信用代码, or the name until a code is known) under its current name; former_names
-- its other names (曾用名, enterprise_names).
CREATE OR REPLACE VIEW enterprises AS
SELECT s.enterprise_name, s.credit_code, s.industry, s.tech_center_level, s.tech_center_year, s.patents,
       s.operating_status, s.srdi_level, s.srdi_level_year, s.planned_city_year, s.planned_province_year,
       s.responsible_leader, s.service_team, s.cultivating_level, s.report_period AS last_period,
       s.submission_id AS last_submission_id, s.registry_source AS source,
       coalesce(n.former_names, []::VARCHAR[]) AS former_names
FROM enterprise_state_as_of('9999Q4') s
LEFT JOIN enterprise_names n ON n.enterprise_name = s.enterprise_name;
