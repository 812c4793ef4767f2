-- grain: one row per value of a column of a rollup table's new rows (`audit_rows`) that the same column of its parent
-- table's new rows of the period (`audit_parent`) does not hold: the `relationships` data test
SELECT CAST(c.{column} AS VARCHAR) AS offending, count(*) AS n
FROM audit_rows c
WHERE c.{column} IS NOT NULL AND c.{column} NOT IN (SELECT p.{column} FROM audit_parent p WHERE p.{column} IS NOT NULL)
GROUP BY ALL
ORDER BY n DESC, offending
LIMIT 5;
