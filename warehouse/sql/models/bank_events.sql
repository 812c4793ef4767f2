-- grain: one row per quarter of the period's year up to the period end, from the plan's first quarter on ($year_due_quarters)
-- 三、（三）「每季度开展一次银企对接活动」: the one definition of a quarter's bank–enterprise event, which the
-- 银企对接 sheet shows and the target (target_progress, bank_events) counts. A figure counts only on a row of a task
-- whose metrics include bank_events (refdata/task_items.csv: T3-1 alone): a number typed into the bank column of
-- another task's row (T4-1, …) is not an event. Units often report the same joint event, so a quarter counts as
-- held when at least one unit owing that task reports one or more; the sum is shown too, not used.
-- in_period: the quarter belongs to the period itself (a dispatch shows the year to date, which the target judges).
WITH list_quarters AS (
    SELECT unnest(CAST($year_due_quarters AS VARCHAR[])) AS report_period
),
list_bank_tasks AS (
    SELECT task_id, unnest(string_split(responsible_units, '|')) AS bureau
    FROM ref_task_items
    WHERE list_contains(string_split(metrics, '|'), 'bank_events')
),
list_units AS (
    SELECT DISTINCT bureau FROM list_bank_tasks
),
read_bank_reports AS (
    SELECT p.period, p.bureau, p.bank_events
    FROM task_progress p
    JOIN list_bank_tasks t ON t.task_id = p.task_id AND t.bureau = p.bureau
),
read_unit_reports AS (
    SELECT q.report_period, u.bureau, CAST(sum(r.bank_events) AS BIGINT) AS events, count(r.period) > 0 AS reported
    FROM list_quarters q
    CROSS JOIN list_units u
    LEFT JOIN read_bank_reports r ON r.period = q.report_period AND r.bureau = u.bureau
    GROUP BY ALL
),
sum_quarters AS (
    SELECT report_period,
           coalesce(max(events), 0) >= 1 AS held,
           CAST(coalesce(sum(events), 0) AS BIGINT) AS events_reported,
           coalesce(max(events), 0) AS max_by_one_unit,
           count(*) AS units_owing,
           count(*) FILTER (WHERE reported) AS units_reported,
           string_agg(bureau || ' ' || CASE WHEN reported THEN coalesce(events, 0) || '次' ELSE '未报送' END, '；'
                      ORDER BY bureau) AS detail
    FROM read_unit_reports
    GROUP BY report_period
)
SELECT $period AS period, report_period,
       list_contains(CAST($due_quarters AS VARCHAR[]), report_period) AS in_period,
       held, events_reported, max_by_one_unit, units_owing, units_reported, detail
FROM sum_quarters
ORDER BY report_period;
