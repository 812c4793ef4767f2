-- grain: one row per enterprise in the library, its state today: enterprise_state_as_of (create_macros.sql) over
-- every quarter, the one definition of an enterprise's state that the rollups, the templates and the dashboard use.
CREATE OR REPLACE VIEW enterprises AS
SELECT enterprise_name, credit_code, industry, tech_center_level, tech_center_year, patents, operating_status, srdi_level,
       srdi_level_year, planned_city_year, planned_province_year, responsible_leader, service_team,
       cultivating_level, report_period AS last_period, submission_id AS last_submission_id,
       registry_source AS source
FROM enterprise_state_as_of('9999Q4');
