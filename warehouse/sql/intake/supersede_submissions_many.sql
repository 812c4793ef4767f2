-- grain: one row per submission a batch supersedes: it becomes 'superseded', by the batch's submission that replaced
-- it (supersede_submissions, for a whole batch at once). $1 = the superseded ids, $2 = their superseding ids.
UPDATE submissions SET status = 'superseded', superseded_by = k.superseded_by
FROM (SELECT unnest($1) AS submission_id, unnest($2) AS superseded_by) k
WHERE submissions.submission_id = k.submission_id;
