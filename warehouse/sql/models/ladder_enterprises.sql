-- grain: one row per enterprise in the library as of the end of the period (its latest accepted report, else Annex 1)
SELECT $period AS period, enterprise_name, srdi_level, level_rank, srdi_level_year, operating_status, service_team,
       industry, tech_center_level, patents, planned_city_year, planned_province_year, cultivating_level,
       responsible_leader, listing_status, report_period, bureau, submission_id, source
FROM rollup_state
ORDER BY level_rank DESC, service_team, enterprise_name;
