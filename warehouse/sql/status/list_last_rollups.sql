-- grain: one row per rollup kind: its most recent run (rollup_runs), for `srdi status` when no Prefect API is reachable
SELECT kind,
       arg_max(period, computed_at)     AS period,
       max(computed_at)                 AS computed_at,
       arg_max(as_of, computed_at)      AS as_of,
       arg_max(pack_path, computed_at)  AS pack_path
FROM rollup_runs
GROUP BY kind
ORDER BY kind;
