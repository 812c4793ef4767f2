-- grain: one row per problem a responsible unit raised for the city government (需市政府协调解决的问题) per quarter
-- of the period, from accepted task reports; the text is the unit's own and is kept as written
SELECT $period AS period, p.period AS report_period, p.task_id, t.group_name, p.bureau, trim(p.problems) AS problem,
       p.submission_id, p.excel_row
FROM task_progress p
LEFT JOIN ref_task_items t USING (task_id)
WHERE p.period BETWEEN $first_quarter AND $last_quarter AND nullif(trim(p.problems), '') IS NOT NULL
ORDER BY p.period, p.task_id, p.bureau;
