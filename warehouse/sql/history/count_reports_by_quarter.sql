-- grain: one row per quarter × bureau the compliance table judged, and one per quarter for every bureau together (all_bureaus true, bureau NULL)
-- Each quarter's bureau and form counts once, with the verdict of the latest rollup that judged it (latest as_of, then
-- computed_at): a late report a later rollup saw shows as 逾期, not as the 未报送 of the dispatch before it.
-- owed: the forms whose deadline had passed (not not_due); reported: on_time or late.
WITH verdicts AS (
    SELECT c.report_period AS quarter, c.bureau, c.form, c.status, c.period AS judged_in
    FROM compliance AS c
    JOIN rollup_runs AS r USING (period)
    QUALIFY row_number() OVER (PARTITION BY c.report_period, c.bureau, c.form
                               ORDER BY r.as_of DESC, r.computed_at DESC, c.period) = 1
)
SELECT quarter,
       bureau,
       grouping(bureau) = 1                                   AS all_bureaus,
       count(*)                                               AS forms,
       count(*) FILTER (WHERE status <> 'not_due')            AS owed,
       count(*) FILTER (WHERE status IN ('on_time', 'late'))  AS reported,
       count(*) FILTER (WHERE status = 'on_time')             AS on_time,
       count(*) FILTER (WHERE status = 'late')                AS late,
       count(*) FILTER (WHERE status = 'missing')             AS missing,
       count(*) FILTER (WHERE status = 'rejected')            AS rejected,
       count(*) FILTER (WHERE status = 'not_due')             AS not_due,
       list(DISTINCT judged_in ORDER BY judged_in)            AS judged_in
FROM verdicts
GROUP BY GROUPING SETS ((quarter, bureau), (quarter))
ORDER BY quarter, all_bureaus, bureau;
