-- grain: one row per quarter of the period from the plan's first quarter on ($due_quarters)
-- The plan wants one bank–enterprise event (银企对接) per quarter. Units often report the same joint event, so a
-- quarter counts as held when at least one unit owing a bank_events task reports one or more; the sum is shown too.
WITH list_quarters AS (
    SELECT unnest(CAST($due_quarters AS VARCHAR[])) AS report_period
),
list_units AS (
    SELECT DISTINCT unnest(string_split(responsible_units, '|')) AS bureau
    FROM ref_task_items
    WHERE list_contains(string_split(metrics, '|'), 'bank_events')
),
read_bank_reports AS (
    SELECT p.period, p.bureau, p.bank_events
    FROM task_progress p
    JOIN ref_task_items t USING (task_id)
    WHERE list_contains(string_split(t.metrics, '|'), 'bank_events')
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
SELECT $period AS period, report_period, held, events_reported, max_by_one_unit, units_owing, units_reported, detail
FROM sum_quarters
ORDER BY report_period;
