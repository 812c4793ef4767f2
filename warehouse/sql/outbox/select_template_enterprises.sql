-- grain: one row per enterprise in the library by the end of quarter $period (enterprise_state_as_of, the one
-- definition of an enterprise's state: a field a later workbook left out keeps its last reported value), with the
-- remarks of the latest report: what a template prefills. In the order of the service team, then as the bureau
-- last listed them.
SELECT s.enterprise_name, s.credit_code, s.industry, s.tech_center_level, s.tech_center_year, s.patents,
       s.operating_status,
       s.srdi_level_text, s.srdi_level, s.srdi_level_year, s.cultivating_level,
       s.planned_city_year, s.planned_province_year, s.responsible_leader, s.service_team,
       s.listing_status, s.report_period, s.figures_period,
       s.rd_expense, s.sales_revenue, s.tech_staff, s.total_staff, r.remarks
FROM enterprise_state_as_of($period) s
LEFT JOIN enterprise_reports r ON r.submission_id = s.submission_id AND r.sheet = s.sheet AND r.excel_row = s.excel_row
ORDER BY s.service_team, s.submission_id NULLS LAST, s.excel_row, s.enterprise_name;
