-- grain: one row per value of a column of a rollup table's new rows (`audit_rows`) that is not among its model's
-- accepted values ($accepted): the `accepted_values` data test
SELECT CAST({column} AS VARCHAR) AS offending, count(*) AS n
FROM audit_rows
WHERE {column} IS NOT NULL AND NOT list_contains($accepted, CAST({column} AS VARCHAR))
GROUP BY ALL
ORDER BY n DESC, offending
LIMIT 5;
