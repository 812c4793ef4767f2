-- grain: one row per service team (服务专班) per period, side by side: its enterprises, their movement, its lead
-- bureau's reporting and its lead bureau's Annex 2 tasks. Reads this run's rows, registered as rollup_<table>.
-- 三、（三）「对各服务专班的工作进展情况实行季调度、半年例会、年度总结」: every kind of meeting compares the six teams.
WITH read_teams AS (
    SELECT service_team, bureau FROM ref_service_teams
),
count_enterprises AS (
    SELECT service_team, count(*) AS enterprises,
           count(*) FILTER (WHERE srdi_level = '种子')     AS seed_count,
           count(*) FILTER (WHERE srdi_level = '吉林市级') AS city_count,
           count(*) FILTER (WHERE srdi_level = '吉林省级') AS province_count,
           count(*) FILTER (WHERE srdi_level = '国家级')   AS national_count,
           count(*) FILTER (WHERE operating_status IN ('停产', '注销')) AS stopped_count
    FROM rollup_ladder_enterprises
    GROUP BY service_team
),
count_changes AS (
    SELECT service_team,
           count(*) FILTER (WHERE change = 'new_recognition') AS new_recognitions,
           count(*) FILTER (WHERE change = 'new_entry')       AS new_entries
    FROM rollup_ladder_changes
    GROUP BY service_team
),
count_lagging AS (
    SELECT service_team, count(DISTINCT enterprise_name) AS lagging_enterprises
    FROM rollup_ladder_lagging
    WHERE status = 'lagging'
    GROUP BY service_team
),
count_conflicts AS (
    SELECT e.service_team, count(*) AS conflicts
    FROM rollup_ladder_conflicts c
    JOIN rollup_ladder_enterprises e USING (enterprise_name)
    GROUP BY e.service_team
),
count_reports AS (
    SELECT bureau, count(*) AS reports_due,
           count(*) FILTER (WHERE status = 'on_time')  AS reports_on_time,
           count(*) FILTER (WHERE status = 'late')     AS reports_late,
           count(*) FILTER (WHERE status = 'missing')  AS reports_missing,
           count(*) FILTER (WHERE status = 'rejected') AS reports_rejected,
           count(*) FILTER (WHERE status = 'not_due')  AS reports_not_due
    FROM rollup_compliance
    GROUP BY bureau
),
count_tasks AS (
    SELECT responsible_unit AS bureau, count(*) AS task_items,
           count(*) FILTER (WHERE reported)             AS tasks_reported,
           count(*) FILTER (WHERE status = '已完成')    AS tasks_completed,
           count(*) FILTER (WHERE lagging)              AS tasks_lagging
    FROM rollup_task_status
    GROUP BY responsible_unit
)
SELECT $period AS period, t.service_team, t.bureau,
       coalesce(e.enterprises, 0) AS enterprises, coalesce(e.seed_count, 0) AS seed_count,
       coalesce(e.city_count, 0) AS city_count, coalesce(e.province_count, 0) AS province_count,
       coalesce(e.national_count, 0) AS national_count,
       coalesce(c.new_recognitions, 0) AS new_recognitions, coalesce(c.new_entries, 0) AS new_entries,
       coalesce(e.stopped_count, 0) AS stopped_count, coalesce(l.lagging_enterprises, 0) AS lagging_enterprises,
       coalesce(k.conflicts, 0) AS conflicts,
       coalesce(r.reports_due, 0) AS reports_due, coalesce(r.reports_on_time, 0) AS reports_on_time,
       coalesce(r.reports_late, 0) AS reports_late, coalesce(r.reports_missing, 0) AS reports_missing,
       coalesce(r.reports_rejected, 0) AS reports_rejected, coalesce(r.reports_not_due, 0) AS reports_not_due,
       coalesce(k2.task_items, 0) AS task_items, coalesce(k2.tasks_reported, 0) AS tasks_reported,
       coalesce(k2.tasks_completed, 0) AS tasks_completed, coalesce(k2.tasks_lagging, 0) AS tasks_lagging
FROM read_teams t
LEFT JOIN count_enterprises e USING (service_team)
LEFT JOIN count_changes c USING (service_team)
LEFT JOIN count_lagging l USING (service_team)
LEFT JOIN count_conflicts k USING (service_team)
LEFT JOIN count_reports r USING (bureau)
LEFT JOIN count_tasks k2 USING (bureau)
ORDER BY coalesce(e.enterprises, 0) DESC, t.service_team;
