-- grain: one row per bureau per task: its last accepted report up to quarter $period, what a template carries.
SELECT r.bureau, r.period, r.task_id, r.status, r.completion_pct, r.progress, r.problems, r.next_steps,
       r.bank_events, r.trained_persons, r.enterprises_served, r.remarks
FROM task_reports r JOIN submissions s USING (submission_id)
WHERE s.status = 'loaded' AND r.period <= $period
QUALIFY row_number() OVER (PARTITION BY r.bureau, r.task_id ORDER BY r.period DESC, r.submission_id DESC) = 1;
