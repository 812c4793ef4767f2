-- grain: one row per rolled-up period × target (target_progress), with `place`: the target's position in that period's rows, which a rollup stores in the policy's order
SELECT t.period, t.target_id, t.target, t.scope, t.unit, t.target_value, t.actual_value, t.actual_text,
       t.expected_value, t.gap, t.status, t.deadline_year,
       row_number() OVER (PARTITION BY t.period ORDER BY t.rowid) AS place
FROM target_progress AS t
JOIN rollup_runs AS r USING (period)
ORDER BY t.period, place;
