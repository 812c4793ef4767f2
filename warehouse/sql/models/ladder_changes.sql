-- grain: one row per enterprise per change between the end of the previous period ($prev_quarter) and the end of this one
-- change: new_entry (entered the library) | new_recognition (higher SRDI level) | level_down (lower level reported:
-- check it) | status_change (经营状态; flag 停产/注销) | tech_center (higher technology-centre level)
WITH read_current AS (
    SELECT * FROM rollup_state
),
read_previous AS (
    SELECT * FROM enterprise_state_as_of($prev_quarter)
),
pair_states AS (
    SELECT c.enterprise_name, c.service_team, c.report_period, c.bureau, c.submission_id,
           p.enterprise_name IS NULL AS is_new,
           p.srdi_level AS prev_level, c.srdi_level AS cur_level, p.level_rank AS prev_rank, c.level_rank AS cur_rank,
           c.srdi_level_year AS cur_level_year,
           p.operating_status AS prev_status, c.operating_status AS cur_status,
           p.tech_center_level AS prev_tc, c.tech_center_level AS cur_tc
    FROM read_current c
    LEFT JOIN read_previous p USING (enterprise_name)
),
list_new_entries AS (
    SELECT enterprise_name, 'new_entry' AS change, NULL AS from_value,
           cur_level || coalesce('（' || cur_status || '）', '') AS to_value,
           CASE WHEN cur_status IN ('停产', '注销') THEN cur_status END AS flag,
           service_team, report_period, bureau, submission_id
    FROM pair_states WHERE is_new
),
list_level_changes AS (
    SELECT enterprise_name,
           CASE WHEN cur_rank > prev_rank THEN 'new_recognition' ELSE 'level_down' END AS change,
           prev_level AS from_value,
           cur_level || coalesce('（' || cur_level_year || '年认定）', '') AS to_value,
           CASE WHEN cur_rank < prev_rank THEN '请核实' END AS flag,
           service_team, report_period, bureau, submission_id
    FROM pair_states WHERE NOT is_new AND cur_rank <> prev_rank
),
list_status_changes AS (
    SELECT enterprise_name, 'status_change' AS change, prev_status AS from_value, cur_status AS to_value,
           CASE WHEN cur_status IN ('停产', '注销') THEN cur_status END AS flag,
           service_team, report_period, bureau, submission_id
    FROM pair_states
    WHERE NOT is_new AND cur_status IS NOT NULL AND prev_status IS DISTINCT FROM cur_status
),
list_tech_center_changes AS (
    SELECT enterprise_name, 'tech_center' AS change, prev_tc AS from_value, cur_tc AS to_value, NULL AS flag,
           service_team, report_period, bureau, submission_id
    FROM pair_states
    WHERE NOT is_new AND level_rank(cur_tc) > level_rank(prev_tc)
)
SELECT $period AS period, enterprise_name, change, from_value, to_value, flag, service_team, report_period, bureau,
       submission_id
FROM (
    SELECT * FROM list_new_entries
    UNION ALL SELECT * FROM list_level_changes
    UNION ALL SELECT * FROM list_status_changes
    UNION ALL SELECT * FROM list_tech_center_changes
)
ORDER BY CASE change WHEN 'new_recognition' THEN 0 WHEN 'status_change' THEN 1 WHEN 'new_entry' THEN 2
                     WHEN 'tech_center' THEN 3 ELSE 4 END, enterprise_name;
