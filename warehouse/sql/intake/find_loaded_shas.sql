-- grain: one row per sha256 of $1 (a batch's files) whose bytes once loaded rows: the first such submission and
-- its period (find_loaded_sha, for a whole batch at once). A re-drop whose name states no period takes that one.
SELECT sha256, min(submission_id), arg_min(period, submission_id) FROM submissions
WHERE sha256 IN (SELECT unnest($1)) AND status IN ('loaded', 'superseded')
GROUP BY sha256;
