-- A later submission for the same bureau, period and form supersedes the earlier ones; they stay for audit.
UPDATE submissions SET status = 'superseded', superseded_by = $1 WHERE submission_id IN (SELECT unnest($2));
