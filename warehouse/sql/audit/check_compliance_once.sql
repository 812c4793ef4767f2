-- grain: one row per obligation (quarter, bureau, form: the rules' `rollup_obligations`) that compliance's new rows
-- (`audit_compliance`) do not show exactly once, and per compliance row that no obligation asks for
WITH shown AS (
    SELECT o.report_period, o.bureau, o.form, count(c.bureau) AS n
    FROM rollup_obligations o
    LEFT JOIN audit_compliance c USING (report_period, bureau, form)
    GROUP BY ALL
    HAVING count(c.bureau) <> 1
    UNION ALL
    SELECT c.report_period, c.bureau, c.form, count(*) AS n
    FROM audit_compliance c
    ANTI JOIN rollup_obligations o USING (report_period, bureau, form)
    GROUP BY ALL
)
SELECT concat_ws(' / ', report_period, bureau, form) AS offending, n
FROM shown
ORDER BY offending
LIMIT 5;
