-- grain: one row for a rollup table's new rows (`audit_rows`): how many rows fail each of its not_null and
-- accepted_values tests, one count per test, built by warehouse/audit.py `_screen` with the WHERE of find_nulls.sql
-- and of find_unaccepted_values.sql (each test's accepted values its own parameter, accepted_<n>). One scan for all
-- of a table's tests, where one query each made 171 queries a rollup; a test that counts a row is then run alone,
-- to name its offending rows.
SELECT {counts}
FROM audit_rows;
