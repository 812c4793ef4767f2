-- grain: one row per period a rollup has computed (rollup_runs, whatever the version of its layout)
SELECT period, kind FROM rollup_runs ORDER BY period;
