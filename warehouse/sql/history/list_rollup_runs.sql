-- grain: one row per rolled-up period (rollup_runs: its last run), oldest first; the history dashboard picks from these
SELECT period, kind, first_quarter, last_quarter, as_of, computed_at
FROM rollup_runs
ORDER BY last_quarter, first_quarter DESC, period;
