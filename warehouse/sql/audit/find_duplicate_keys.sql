-- grain: one row per key that repeats in a rollup table's new rows (`audit_rows`): the `unique` data test of its model
SELECT concat_ws(' / ', {columns}) AS offending, count(*) AS n
FROM audit_rows
GROUP BY ALL
HAVING count(*) > 1
ORDER BY n DESC, offending
LIMIT 5;
