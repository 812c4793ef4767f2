-- grain: one row per new row of a rollup table (`audit_rows`) whose NOT NULL column is empty: the `not_null` data test
SELECT concat_ws(' / ', {columns}) AS offending, 1 AS n
FROM audit_rows
WHERE {column} IS NULL
ORDER BY offending
LIMIT 5;
