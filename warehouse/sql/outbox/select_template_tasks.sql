-- grain: one row per bureau per task: its last accepted report up to quarter $period, what a template carries.
-- completion_pct comes from the last report whose sheet had that column (a left-out column keeps the last value).
WITH read_reports AS (
    SELECT r.*, coalesce(n.not_reported, []::VARCHAR[]) AS not_reported
    FROM task_reports r
    JOIN submissions s USING (submission_id)
    LEFT JOIN sheet_fields_not_reported n ON n.submission_id = r.submission_id AND n.sheet = r.sheet
    WHERE s.status = 'loaded' AND r.period <= $period
),
pick_latest_report AS (
    SELECT * FROM read_reports
    QUALIFY row_number() OVER (PARTITION BY bureau, task_id ORDER BY period DESC, submission_id DESC) = 1
),
pick_latest_completion AS (
    SELECT bureau, task_id,
           arg_max({'v': completion_pct}, period) FILTER (NOT list_contains(not_reported, 'completion_pct')) AS completion
    FROM read_reports
    GROUP BY ALL
)
SELECT r.bureau, r.period, r.task_id, r.status, c.completion.v AS completion_pct, r.progress, r.problems,
       r.next_steps, r.bank_events, r.trained_persons, r.enterprises_served, r.remarks
FROM pick_latest_report r
LEFT JOIN pick_latest_completion c USING (bureau, task_id);
