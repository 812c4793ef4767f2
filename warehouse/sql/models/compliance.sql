-- grain: one row per bureau per form per quarter of the period
-- Who owed what comes from the registered frame `rollup_obligations` (report_period, bureau, form, due_date,
-- responsible_leader), built from rollup_config.toml. Set against what arrived: on_time, late, missing, not_due
-- (nothing yet, and the rollup ran on or before the due date: the bureau is still inside its window), or rejected
-- (a rejected file and no accepted one since). A rejected file whose form was not recognised counts against every
-- form the bureau owed that quarter.
-- Arrival times are instants (TIMESTAMPTZ); a deadline is a calendar day of the programme's zone ($time_zone,
-- rollup_config.toml), so an arrival is judged on its day there: timezone($time_zone, t)::DATE, never t::DATE (the
-- session's zone, UTC).
WITH read_obligations AS (
    SELECT o.report_period, o.bureau, o.form, o.due_date,
           coalesce(o.responsible_leader, b.responsible_leader) AS responsible_leader
    FROM rollup_obligations o
    LEFT JOIN ref_bureaus b USING (bureau)
),
pick_accepted AS (   -- the intake keeps one loaded submission per slot; the latest, should that ever not hold
    SELECT bureau, period AS report_period, form, submission_id, received_at
    FROM submissions
    WHERE status = 'loaded'
    QUALIFY row_number() OVER (PARTITION BY bureau, period, form ORDER BY received_at DESC, submission_id DESC) = 1
),
find_first_accepted AS (
    SELECT bureau, period AS report_period, form, min(received_at) AS first_received_at
    FROM submissions
    WHERE status IN ('loaded', 'superseded')
    GROUP BY ALL
),
match_rejections AS (
    SELECT o.report_period, o.bureau, o.form, count(*) AS rejected_files,
           arg_max(s.submission_id, s.received_at) AS last_rejected_id,
           arg_max(s.error_count, s.received_at) AS last_errors
    FROM read_obligations o
    JOIN submissions s
      ON s.status = 'rejected' AND s.bureau = o.bureau AND s.period = o.report_period
     AND (s.form = o.form OR s.form IS NULL)
    GROUP BY ALL
),
count_periodless_rejections AS (
    SELECT o.report_period, o.bureau, o.form, count(*) AS periodless_files
    FROM read_obligations o
    JOIN submissions s
      ON s.status = 'rejected' AND s.period IS NULL AND s.bureau = o.bureau
     AND (s.form = o.form OR s.form IS NULL)
     AND timezone($time_zone, s.received_at)::DATE BETWEEN quarter_start(o.report_period) AND o.due_date + INTERVAL 3 MONTH
    GROUP BY ALL
),
join_arrivals AS (
    SELECT o.*, a.submission_id AS accepted_id,
           CASE WHEN $count_first_accepted THEN f.first_received_at ELSE a.received_at END AS arrived_at,
           timezone($time_zone, CASE WHEN $count_first_accepted THEN f.first_received_at ELSE a.received_at END)::DATE
               AS arrived_on,
           r.last_rejected_id, r.last_errors, p.periodless_files
    FROM read_obligations o
    LEFT JOIN pick_accepted a USING (bureau, report_period, form)
    LEFT JOIN find_first_accepted f USING (bureau, report_period, form)
    LEFT JOIN match_rejections r USING (report_period, bureau, form)
    LEFT JOIN count_periodless_rejections p USING (report_period, bureau, form)
),
judge_status AS (
    SELECT *,
           CASE WHEN accepted_id IS NOT NULL AND arrived_on <= due_date THEN 'on_time'
                WHEN accepted_id IS NOT NULL THEN 'late'
                WHEN last_rejected_id IS NOT NULL THEN 'rejected'
                WHEN $as_of <= due_date THEN 'not_due'
                ELSE 'missing' END AS status
    FROM join_arrivals
)
SELECT $period AS period, report_period, bureau, form, due_date, status,
       coalesce(accepted_id, last_rejected_id) AS submission_id,
       CASE WHEN accepted_id IS NOT NULL THEN arrived_at END AS received_at,
       CASE WHEN status = 'late' THEN date_diff('day', due_date, arrived_on) END AS days_late,
       responsible_leader,
       nullif(concat_ws('；',
           CASE WHEN status = 'late' THEN printf('逾期%d天', date_diff('day', due_date, arrived_on)) END,
           CASE WHEN status = 'rejected' THEN printf('第%d号报送被退回（%d处错误），尚未重新报送', last_rejected_id, last_errors) END,
           CASE WHEN status = 'not_due' THEN printf('截止日期（%s）未到，尚未报送', strftime(due_date, '%Y-%m-%d')) END,
           CASE WHEN status = 'rejected' AND $as_of <= due_date THEN '截止日期未到，请在截止日期前重新报送' END,
           CASE WHEN status IN ('missing', 'rejected') AND periodless_files > 0
                THEN printf('另有%d份文件因文件名无报送期被退回，请核实', periodless_files) END), '') AS note
FROM judge_status
ORDER BY report_period, form, status, bureau;
