-- grain: one row per period still to be computed again after a layout change of the rollup tables
SELECT period, kind, from_version, to_version FROM rollup_recompute ORDER BY kind, period;
