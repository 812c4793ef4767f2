-- grain: one row per (bureau, period, form) slot: the earlier loaded submissions of the slot become 'superseded'.
-- A later submission for the same bureau, period and form supersedes the earlier ones; they stay for audit.
-- $1 = the superseding submission_id, $2 = the ids it supersedes.
UPDATE submissions SET status = 'superseded', superseded_by = $1 WHERE submission_id IN (SELECT unnest($2));
